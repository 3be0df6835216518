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
class CleaningThresholds:
    """How the raw pose track is masked, gap-filled, filtered and L/R repaired."""

    min_visibility: float
    max_gap_s: float
    cutoff_hz: float
    max_cutoff_nyquist: float
    filter_order: int
    swap_min_step_s: float
    swap_crossing_prominence_ll: float
    swap_min_separation_ll: float
    outlier_window_s: float
    outlier_min_ll: float


@dataclass(frozen=True)
class EventThresholds:
    """How initial contact and toe-off are found in a side view."""

    contact_height_ll: float
    ground_quantile: float
    ground_band_ll: float
    min_contact_s: float
    max_contact_s: float
    min_step_s: float
    max_step_s: float
    hinge_window_s: float
    kink_through_filter: bool
    footprint_tol_ll: float


@dataclass(frozen=True)
class ViewThresholds:
    """How view, facing, treadmill and activity are decided (formcheck.gait.view)."""

    min_person_s: float
    side_max_width_trunk: float
    front_rear_min_score: float
    facing_min_offset: float
    facing_min_agreement: float
    treadmill_max_travel_ll: float
    treadmill_max_scale_change: float
    standing_max_swing_ll: float
    step_min_prominence_ll: float
    min_step_s: float
    min_steps: int
    run_min_cadence_spm: float
    run_max_knee_deg: float
    run_max_elbow_deg: float
    run_min_vote_share: float
    gait_max_bounce_ll: float


@dataclass(frozen=True)
class SelectThresholds:
    """How several people are told apart and the runner chosen (formcheck.pose.select)."""

    max_people: int
    census_every_s: float
    duplicate_max_dist_body: float
    duplicate_min_iou: float
    link_max_dist_body: float
    link_dist_per_s: float
    link_max_gap_s: float
    link_max_size_ratio: float
    min_track_s: float


@dataclass(frozen=True)
class HistoryThresholds:
    """Smallest meaningful change of each key metric between two sessions.

    One field per :data:`formcheck.batch.records.KEY_METRICS` name, in that metric's
    unit: a session-to-session difference smaller than this is within measurement
    noise and is not reported as a change (formcheck.history).
    """

    cadence_spm: float
    trunk_lean_deg: float
    hip_bend_deg: float
    head_pitch_deg: float
    overstride_ll: float
    foot_angle_ic_deg: float
    knee_flexion_ic_deg: float
    vertical_oscillation_ll: float
    contact_time_s: float
    pelvic_drop_deg: float
    step_width_hw: float

    def smallest_change(self, metric: str) -> float | None:
        """The threshold for ``metric``, or ``None`` if it has none."""
        return getattr(self, metric, None)


@dataclass(frozen=True)
class Thresholds:
    """All thresholds, one section per stage."""

    detection: DetectionThresholds = field(default=None)  # type: ignore[assignment]
    cleaning: CleaningThresholds = field(default=None)  # type: ignore[assignment]
    events: EventThresholds = field(default=None)  # type: ignore[assignment]
    view: ViewThresholds = field(default=None)  # type: ignore[assignment]
    select: SelectThresholds = field(default=None)  # type: ignore[assignment]
    history: HistoryThresholds = field(default=None)  # type: ignore[assignment]


_SECTIONS = {
    "detection": DetectionThresholds,
    "cleaning": CleaningThresholds,
    "events": EventThresholds,
    "view": ViewThresholds,
    "select": SelectThresholds,
    "history": HistoryThresholds,
}


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
