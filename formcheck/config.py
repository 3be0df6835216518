"""Thresholds: loaded once from ``thresholds.toml`` into typed, frozen dataclasses.

The shipped file documents every key (unit and meaning). A user file overrides keys
it names; unknown keys are an error, so a typo cannot silently do nothing.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from formcheck.errors import FormcheckError


@dataclass(frozen=True)
class DetectionThresholds:
    """When a MediaPipe detection counts as an analysable full-body person."""

    min_lower_body_visibility: float
    min_inside_fraction: float
    frame_margin: float
    min_body_height: float
    min_trunk_to_leg_ratio: float
    max_trunk_to_leg_ratio: float


@dataclass(frozen=True)
class Thresholds:
    """All thresholds, one section per stage."""

    detection: DetectionThresholds = field(default=None)  # type: ignore[assignment]


_SECTIONS = {"detection": DetectionThresholds}


def _merge(
    base: dict[str, Any], override: dict[str, Any], where: str
) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if key not in base:
            raise FormcheckError(
                f"unknown threshold '{where}{key}' (check the spelling)"
            )
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise FormcheckError(f"threshold '{where}{key}' must be a table")
            out[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            out[key] = value
    return out


def load_thresholds(user_file: str | os.PathLike[str] | None = None) -> Thresholds:
    """The shipped thresholds, overridden by ``user_file`` if given."""
    text = resources.files("formcheck").joinpath("thresholds.toml").read_text("utf-8")
    data = tomllib.loads(text)
    if user_file is not None:
        try:
            with open(user_file, "rb") as fh:
                data = _merge(data, tomllib.load(fh), "")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise FormcheckError(
                f"cannot read thresholds file {user_file}: {exc}"
            ) from exc
    try:
        sections = {name: cls(**data[name]) for name, cls in _SECTIONS.items()}
    except TypeError as exc:
        raise FormcheckError(f"thresholds file is incomplete: {exc}") from exc
    return Thresholds(**sections)


DEFAULT = load_thresholds()


def replace_section(th: Thresholds, section: str, **changes: Any) -> Thresholds:
    """A copy of ``th`` with some keys of one section changed (for CLI flags, tests)."""
    return dataclasses.replace(
        th, **{section: dataclasses.replace(getattr(th, section), **changes)}
    )
