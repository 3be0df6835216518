"""Thresholds: loaded once from ``thresholds.toml`` into typed, frozen dataclasses.

The shipped file documents every key (unit and meaning). A user file overrides keys
it names; unknown keys are an error, so a typo cannot silently do nothing.

Threshold files are shared between coaches, so they are treated as hostile input:
every value is checked when a section is constructed (the shipped defaults, a user
file and :func:`replace_section` all pass through the same check). The rule is
generic: a value has its field's type (``float``, ``int`` or ``bool``), and a number
must be finite and **non-negative** unless its field declares another range next to
it (``_fraction()``, ``_positive()``, ``_limits(...)``); a ``max_*`` key may also
have to be at least its ``min_*`` partner. Errors name the key and the allowed range,
e.g. ``[events] max_step_s = -1 is out of range (must be > 0)``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import stat
import tomllib
import typing
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, ClassVar

from formcheck.errors import FormcheckError


def short_repr(value: Any, limit: int = 40) -> str:
    """``repr(value)`` on one line and at most ``limit`` characters, for error messages
    that quote what a user file said."""
    if isinstance(value, bool):  # as TOML spells it
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_real_number(value: object) -> bool:
    """An int or float that is not a bool and converts to a float (TOML integers
    have no size limit; ``float(10**400)`` overflows)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return True


#: Largest rules or thresholds file read, in bytes (the shipped ones are ~20 kB).
MAX_TOML_BYTES = 1_000_000


def read_toml_file(path: str | os.PathLike[str], what: str) -> dict[str, Any]:
    """The top-level table of a user's TOML file (``what``: "rules", "thresholds").

    Every way reading can fail (missing, a folder, not UTF-8, bad syntax, nested so
    deeply that the parser recurses out) is a one-line :class:`FormcheckError`.
    """
    try:
        # Not opened before this check: a named pipe would block, /dev/zero never end.
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            problem = "it is not a regular file"
        elif info.st_size > MAX_TOML_BYTES:
            problem = f"it is larger than {MAX_TOML_BYTES // 1000} kB"
        else:
            with open(path, "rb") as fh:
                return tomllib.load(fh)
    except UnicodeDecodeError:
        problem = "it is not UTF-8 text"
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problem = str(exc)
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        problem = str(exc).split(";")[0]
    except RecursionError:
        problem = "arrays or tables are nested too deeply"
    raise FormcheckError(f"cannot read {what} file {path}: {problem}")


@dataclass(frozen=True)
class Limits:
    """The values a threshold may take: finite, between ``lo`` and ``hi`` (each bound
    inclusive unless open), and at least the section's key ``at_least`` if given."""

    lo: float = 0.0
    hi: float = math.inf
    lo_open: bool = False
    hi_open: bool = False
    at_least: str | None = None

    def admits(self, value: float) -> bool:
        """Whether ``value`` (finite) lies within the bounds."""
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def __str__(self) -> str:
        if math.isinf(self.lo) and math.isinf(self.hi):
            return "must be finite"
        if math.isinf(self.hi):
            return f"must be {'>' if self.lo_open else '>='} {self.lo:g}"
        if math.isinf(self.lo):
            return f"must be {'<' if self.hi_open else '<='} {self.hi:g}"
        left, right = "(" if self.lo_open else "[", ")" if self.hi_open else "]"
        return f"must be in {left}{self.lo:g}, {self.hi:g}{right}"


#: The range of a number whose field declares none.
NON_NEGATIVE = Limits()


def _limits(
    lo: float = 0.0,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    at_least: str | None = None,
) -> Any:
    """A required dataclass field whose values must lie within these limits."""
    return field(metadata={"limits": Limits(lo, hi, lo_open, hi_open, at_least)})


def _fraction() -> Any:
    """A share, probability, quantile or visibility: 0 to 1."""
    return _limits(0.0, 1.0)


def _positive(at_least: str | None = None) -> Any:
    """A period, window, divisor or upper bound for which 0 means nothing: > 0."""
    return _limits(0.0, lo_open=True, at_least=at_least)


@functools.cache
def _field_types(cls: type) -> dict[str, type]:
    return typing.get_type_hints(cls)


class _Section:
    """Validation shared by every section (run on construction, so by all paths)."""

    #: The section's name in the TOML file.
    SECTION: ClassVar[str]

    def __post_init__(self) -> None:
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        for f in fields:
            self._check_type(f.name, _field_types(type(self))[f.name])
        for f in fields:
            self._check_range(f.name, f.metadata.get("limits", NON_NEGATIVE))
        for f in fields:  # TOML ``5`` for ``5.0``: stored as the declared float
            value = getattr(self, f.name)
            if _field_types(type(self))[f.name] is float and isinstance(value, int):
                object.__setattr__(self, f.name, float(value))

    def _fail(self, key: str, problem: str) -> FormcheckError:
        value = short_repr(getattr(self, key))
        return FormcheckError(f"[{self.SECTION}] {key} = {value} {problem}")

    def _check_type(self, key: str, kind: type) -> None:
        value = getattr(self, key)
        if kind is bool:
            if not isinstance(value, bool):
                raise self._fail(key, "must be true or false")
            return
        if not is_real_number(value):
            raise self._fail(
                key, f"must be {'an integer' if kind is int else 'a number'}"
            )
        if kind is int and not isinstance(value, int):
            raise self._fail(key, "must be an integer")

    def _check_range(self, key: str, limits: Limits) -> None:
        value = getattr(self, key)
        if isinstance(value, bool):
            return
        if not math.isfinite(value):
            raise self._fail(key, f"is not a finite number ({limits})")
        if not limits.admits(value):
            raise self._fail(key, f"is out of range ({limits})")
        if limits.at_least is not None:
            floor = getattr(self, limits.at_least)
            if value < floor:
                raise self._fail(
                    key, f"is out of range (must be >= {limits.at_least} = {floor:g})"
                )


@dataclass(frozen=True)
class DetectionThresholds(_Section):
    """When a MediaPipe detection counts as an analysable full-body person."""

    SECTION: ClassVar[str] = "detection"

    min_lower_body_visibility: float = _fraction()
    min_inside_fraction: float = _fraction()
    frame_margin: float
    min_body_height: float = _fraction()
    min_trunk_to_leg_ratio: float
    max_trunk_to_leg_ratio: float = _positive(at_least="min_trunk_to_leg_ratio")


@dataclass(frozen=True)
class CleaningThresholds(_Section):
    """How the raw pose track is masked, gap-filled, filtered and L/R repaired."""

    SECTION: ClassVar[str] = "cleaning"

    min_visibility: float = _fraction()
    max_gap_s: float
    cutoff_hz: float = _positive()
    #: scipy's Butterworth design needs the cut-off strictly inside (0, Nyquist).
    max_cutoff_nyquist: float = _limits(0.0, 1.0, lo_open=True, hi_open=True)
    #: Higher orders ring and turn numerically fragile; 8 is far beyond any use.
    filter_order: int = _limits(1, 8)
    swap_min_step_s: float = _positive()
    swap_crossing_prominence_ll: float
    swap_min_separation_ll: float
    outlier_window_s: float = _positive()
    outlier_min_ll: float = _positive()


@dataclass(frozen=True)
class EventThresholds(_Section):
    """How initial contact and toe-off are found in a side view."""

    SECTION: ClassVar[str] = "events"

    contact_height_ll: float
    ground_quantile: float = _fraction()
    ground_window_s: float = _positive()
    ground_band_ll: float
    ground_speed_quantile: float = _fraction()
    min_contact_s: float
    max_contact_s: float = _positive(at_least="min_contact_s")
    min_step_s: float = _positive()
    max_step_s: float = _positive(at_least="min_step_s")
    hinge_window_s: float = _positive()
    kink_through_filter: bool
    footprint_tol_ll: float


@dataclass(frozen=True)
class ViewThresholds(_Section):
    """How view, facing, treadmill and activity are decided (formcheck.gait.view)."""

    SECTION: ClassVar[str] = "view"

    min_person_s: float
    side_max_width_trunk: float
    front_rear_min_score: float
    facing_min_offset: float
    facing_min_agreement: float = _fraction()
    treadmill_max_travel_ll: float
    camera_max_gap_s: float = _positive()
    treadmill_max_scale_change: float
    standing_max_swing_ll: float
    step_min_prominence_ll: float
    min_step_s: float = _positive()
    min_steps: int = _limits(1)
    run_min_cadence_spm: float
    #: Interior joint angles: 0 (folded) to 180 (straight).
    run_max_knee_deg: float = _limits(0.0, 180.0)
    run_max_elbow_deg: float = _limits(0.0, 180.0)
    run_min_vote_share: float = _fraction()
    run_min_phase: float = _fraction()
    slowed_max_cadence_spm: float = _positive()
    typical_run_cadence_spm: float = _positive()
    gait_max_bounce_ll: float = _positive()


@dataclass(frozen=True)
class SelectThresholds(_Section):
    """How several people are told apart and the runner chosen (formcheck.pose.select)."""

    SECTION: ClassVar[str] = "select"

    #: The same bounds as ``--max-people``.
    max_people: int = _limits(1, 10)
    census_every_s: float = _positive()
    duplicate_max_dist_body: float
    duplicate_min_iou: float = _fraction()
    link_max_dist_body: float
    link_dist_per_s: float
    link_max_gap_s: float
    #: Larger size over smaller, so 1 (same size) is the least a link can allow.
    link_max_size_ratio: float = _limits(1.0)
    min_track_s: float
    activity_min_share: float = _fraction()


@dataclass(frozen=True)
class HistoryThresholds(_Section):
    """Smallest meaningful change of each key metric between two sessions.

    One field per :data:`formcheck.batch.records.KEY_METRICS` name, in that metric's
    unit: a session-to-session difference smaller than this is within measurement
    noise and is not reported as a change (formcheck.history).
    """

    SECTION: ClassVar[str] = "history"

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


_SECTIONS: dict[str, type[_Section]] = {
    cls.SECTION: cls
    for cls in (
        DetectionThresholds,
        CleaningThresholds,
        EventThresholds,
        ViewThresholds,
        SelectThresholds,
        HistoryThresholds,
    )
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


def _build(data: dict[str, Any]) -> Thresholds:
    try:
        sections = {name: cls(**data[name]) for name, cls in _SECTIONS.items()}
    except (KeyError, TypeError) as exc:
        raise FormcheckError(f"thresholds are incomplete: {exc}") from exc
    return Thresholds(**sections)  # type: ignore[arg-type]


def load_thresholds(user_file: str | os.PathLike[str] | None = None) -> Thresholds:
    """The shipped thresholds, overridden by ``user_file`` if given.

    Raises:
        FormcheckError: the file cannot be read, names an unknown key, or gives a
            value of the wrong type or out of its range (one line, naming the file
            and the key).
    """
    text = resources.files("formcheck").joinpath("thresholds.toml").read_text("utf-8")
    data = tomllib.loads(text)
    where = "shipped thresholds (formcheck/thresholds.toml)"
    if user_file is not None:
        user = read_toml_file(user_file, "thresholds")
        where = f"thresholds file {user_file}"
    try:
        if user_file is not None:
            data = _merge(data, user, "")
        return _build(data)
    except FormcheckError as exc:
        raise FormcheckError(f"{where}: {exc}") from None


DEFAULT = load_thresholds()


def replace_section(th: Thresholds, section: str, **changes: Any) -> Thresholds:
    """A copy of ``th`` with some keys of one section changed (for CLI flags, tests)."""
    return dataclasses.replace(
        th, **{section: dataclasses.replace(getattr(th, section), **changes)}
    )
