"""Per-step metrics and the clip summary, read at the right gait instant.

A **step** starts at one foot's initial contact (IC) and ends at the other foot's next
IC. Its stance lasts from that IC to the same foot's toe-off (TO). Metrics that belong
to an instant (overstride at IC) are read at the event frame; those that belong to a
phase (trunk lean during stance) are averaged over it. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from formcheck.gait.types import GaitEvent, View
from formcheck.metrics import posture as P
from formcheck.metrics.registry import METRICS
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.plausibility import LOWER_BODY

#: Body height / hip-to-ankle leg length (Winter's anthropometry: leg = 0.491 H).
HEIGHT_PER_LEG = 1 / 0.491
#: Steps needed for full confidence in a summary value.
FULL_CONFIDENCE_STEPS = 10


@dataclass(frozen=True)
class StepRecord:
    """One step. ``values`` maps metric names to floats (NaN if not measurable)."""

    index: int
    foot: str
    ic_frame: int
    ic_time_s: float
    to_frame: int | None
    next_ic_frame: int | None
    values: dict[str, float]


def _stance_slices(events: Sequence[GaitEvent]):
    """(foot, ic, to, next_ic) per IC, in time order; to/next_ic may be None."""
    ics = [e for e in events if e.type == "initial_contact"]
    tos = [e for e in events if e.type == "toe_off"]
    out = []
    for k, ic in enumerate(ics):
        nxt = ics[k + 1] if k + 1 < len(ics) else None
        to = next(
            (
                t
                for t in tos
                if t.foot == ic.foot
                and t.time_s > ic.time_s
                and (nxt is None or t.time_s <= nxt.time_s + 1e-9)
            ),
            None,
        )
        out.append((ic.foot, ic, to, nxt))
    return out


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else float("nan")


def _at(x: np.ndarray, i: int) -> float:
    return float(x[i]) if 0 <= i < len(x) else float("nan")


def step_records(
    xy: np.ndarray,
    time_s: np.ndarray,
    events: Sequence[GaitEvent],
    view: View,
    *,
    runner_height_cm: float | None = None,
) -> list[StepRecord]:
    """Metrics for every step delimited by ``events``.

    Args:
        xy: ``(n, 33, 2)`` cleaned landmarks (pixels, y down).
        time_s: ``(n,)`` frame times.
        events: IC/TO events sorted by time (frames index into ``xy``).
        view: the camera view; side-view metrics need ``view.facing``.
        runner_height_cm: for vertical oscillation in cm.
    """
    side_view = view.kind == "side" and view.facing in ("left", "right")
    fwd = (1.0 if view.facing == "right" else -1.0) if side_view else 1.0
    leg_px = P.leg_length(xy)
    hip_px = P.hip_width(xy)
    trunk = P.trunk_lean(xy, fwd)
    hip_y = P.hip_mid(xy)[:, 1]
    px_per_cm = (
        leg_px * HEIGHT_PER_LEG / runner_height_cm
        if runner_height_cm and np.isfinite(leg_px)
        else float("nan")
    )
    records = []
    for k, (foot, ic, to, nxt) in enumerate(_stance_slices(events)):
        other = "right" if foot == "left" else "left"
        i = ic.frame
        stance = slice(i, (to.frame + 1) if to else i + 1)
        step = slice(i, (nxt.frame + 1) if nxt else i + 1)
        v: dict[str, float] = {
            "step_time_s": (nxt.time_s - ic.time_s) if nxt else math.nan,
            "contact_time_s": (to.time_s - ic.time_s) if to else math.nan,
            "flight_time_s": (nxt.time_s - to.time_s) if (to and nxt) else math.nan,
        }
        if side_view:
            body = P.body_lean(xy[stance], foot, fwd)
            v["trunk_lean_deg"] = _mean(trunk[stance])
            v["body_lean_deg"] = _mean(body)
            v["hip_bend_deg"] = v["trunk_lean_deg"] - v["body_lean_deg"]
            mid = (stance.start + stance.stop - 1) // 2
            v["hip_flexion_midstance_deg"] = _at(
                P.hip_flexion(xy[mid : mid + 1], foot), 0
            )
            v["overstride_ll"] = _at(
                P.ankle_ahead_of_hip(xy[i : i + 1], foot, fwd, leg_px), 0
            )
            v["shank_angle_ic_deg"] = _at(P.shank_angle(xy[i : i + 1], foot, fwd), 0)
            v["foot_angle_ic_deg"] = _at(P.foot_angle(xy[i : i + 1], foot), 0)
            v["knee_flexion_ic_deg"] = _at(P.knee_flexion(xy[i : i + 1], foot), 0)
            kf = P.knee_flexion(xy[stance], foot)
            v["knee_flexion_stance_max_deg"] = (
                float(np.nanmax(kf)) if np.isfinite(kf).any() else math.nan
            )
            if nxt:
                osc = np.nanmax(hip_y[step]) - np.nanmin(hip_y[step])
                v["vertical_oscillation_ll"] = float(osc / leg_px)
                v["vertical_oscillation_cm"] = float(osc / px_per_cm)
        elif view.kind in ("rear", "front"):
            tilt = P.pelvis_tilt(xy[stance])
            # Swing-side hip below the stance-side hip: with the left foot in stance
            # the right hip drops, which makes the left hip higher (tilt > 0).
            drop = tilt if foot == "left" else -tilt
            v["pelvic_drop_deg"] = (
                float(np.nanmax(drop)) if np.isfinite(drop).any() else math.nan
            )
            v["step_width_hw"] = _at(
                P.ankle_from_midline(xy[i : i + 1], foot, hip_px), 0
            )
            cross = np.fmax(
                P.wrist_past_midline(xy[step], foot, hip_px),
                P.wrist_past_midline(xy[step], other, hip_px),
            )
            v["arm_crossing_hw"] = (
                float(np.nanmax(cross)) if np.isfinite(cross).any() else math.nan
            )
        records.append(
            StepRecord(
                k,
                foot,
                ic.frame,
                ic.time_s,
                to.frame if to else None,
                nxt.frame if nxt else None,
                v,
            )
        )
    return records


def clip_series(xy: np.ndarray, view: View) -> dict[str, np.ndarray]:
    """Per-frame posture series used for clip-level medians and the frame table."""
    side_view = view.kind == "side" and view.facing in ("left", "right")
    fwd = 1.0 if view.facing == "right" else -1.0
    trunk_px = P.trunk_length(xy)
    out: dict[str, np.ndarray] = {
        "neck_length_tl": P.neck_length(xy, trunk_px),
    }
    if side_view:
        out.update(
            {
                "trunk_lean_deg": P.trunk_lean(xy, fwd),
                "head_pitch_deg": P.head_pitch(xy, fwd),
                "head_forward_tl": P.head_forward(xy, fwd, trunk_px),
                "elbow_left_deg": P.elbow_angle(xy, "left"),
                "elbow_right_deg": P.elbow_angle(xy, "right"),
                "upper_arm_left_deg": P.upper_arm_angle(xy, "left", fwd),
                "upper_arm_right_deg": P.upper_arm_angle(xy, "right", fwd),
                "knee_flexion_left_deg": P.knee_flexion(xy, "left"),
                "knee_flexion_right_deg": P.knee_flexion(xy, "right"),
                "foot_angle_left_deg": P.foot_angle(xy, "left"),
                "foot_angle_right_deg": P.foot_angle(xy, "right"),
            }
        )
    elif view.kind in ("rear", "front"):
        out.update(
            {
                "pelvis_tilt_deg": P.pelvis_tilt(xy),
                "lateral_trunk_lean_deg": P.lateral_trunk_lean(xy),
            }
        )
    return out


def _summary_entry(values: Sequence[float], n_needed: int, visibility: float) -> dict:
    vals = np.asarray([v for v in values if np.isfinite(v)], float)
    if vals.size == 0:
        return {"value": None, "omitted": "not measurable in this clip"}
    conf = min(1.0, vals.size / n_needed) * float(np.clip(visibility, 0, 1))
    return {
        "value": float(np.median(vals)),
        "n": int(vals.size),
        "iqr": float(np.subtract(*np.percentile(vals, [75, 25]))),
        "confidence": round(conf, 2),
    }


def summarize(
    steps: Sequence[StepRecord],
    series: dict[str, np.ndarray],
    view: View,
    cadence: float,
    mean_visibility: float,
    time_s: np.ndarray,
    events: Sequence[GaitEvent],
) -> dict[str, dict]:
    """Summary value, confidence and left/right split for every registered metric."""
    out: dict[str, dict] = {}
    for name, mdef in METRICS.items():
        if view.kind not in mdef.views:
            out[name] = {
                "value": None,
                "omitted": (
                    "no runner was found, so there is no view to measure from"
                    if view.kind == "unknown"
                    else f"not measurable from a {view.kind} view"
                ),
            }
            continue
        if view.activity != "running":
            out[name] = {
                "value": None,
                "omitted": f"activity is {view.activity}, not running",
            }
            continue
        if name == "cadence_spm":
            entry = (
                {
                    "value": cadence,
                    "n": len(steps),
                    "confidence": round(
                        min(1.0, len(steps) / FULL_CONFIDENCE_STEPS) * mean_visibility,
                        2,
                    ),
                }
                if np.isfinite(cadence)
                else {"value": None, "omitted": "too few steps"}
            )
            out[name] = entry
            continue
        if name == "duty_factor":
            vals = _duty_factors(steps)
            out[name] = _summary_entry(vals, FULL_CONFIDENCE_STEPS, mean_visibility)
            continue
        if name in ("head_pitch_deg", "head_forward_tl", "neck_length_tl"):
            s = series.get(name)
            out[name] = _series_entry(s, mean_visibility)
            continue
        if name == "elbow_angle_deg":
            out[name] = _sided_series("elbow_{}_deg", series, mean_visibility)
            continue
        if name == "arm_swing_deg":
            out[name] = _arm_swing(series, time_s, events, mean_visibility)
            continue
        if name == "lateral_trunk_sway_deg":
            s = series.get("lateral_trunk_lean_deg")
            out[name] = _per_stride_range(s, time_s, events, mean_visibility)
            continue
        vals = [st.values.get(name, math.nan) for st in steps]
        entry = _summary_entry(vals, FULL_CONFIDENCE_STEPS, mean_visibility)
        if name == "vertical_oscillation_cm" and entry.get("value") is None:
            entry = {
                "value": None,
                "omitted": "give the runner's height to get centimetres",
            }
        if mdef.sided and entry.get("value") is not None:
            entry.update(_left_right(steps, name))
        out[name] = entry
    return out


def _left_right(steps: Sequence[StepRecord], name: str) -> dict:
    side_vals = {}
    for foot in ("left", "right"):
        vals = [st.values.get(name, math.nan) for st in steps if st.foot == foot]
        vals = [v for v in vals if np.isfinite(v)]
        side_vals[foot] = float(np.median(vals)) if vals else None
    out = {"left": side_vals["left"], "right": side_vals["right"]}
    left, right = side_vals["left"], side_vals["right"]
    if left is not None and right is not None:
        out["asymmetry"] = left - right
        denom = (abs(left) + abs(right)) / 2
        out["asymmetry_pct"] = 100.0 * (left - right) / denom if denom > 1e-9 else None
    return out


def _duty_factors(steps: Sequence[StepRecord]) -> list[float]:
    out = []
    for k, st in enumerate(steps[:-1]):
        nxt = steps[k + 1]
        stride = st.values.get("step_time_s", math.nan) + nxt.values.get(
            "step_time_s", math.nan
        )
        out.append(st.values.get("contact_time_s", math.nan) / stride)
    return out


def _series_entry(s: np.ndarray | None, visibility: float) -> dict:
    if s is None or not np.isfinite(s).any():
        return {"value": None, "omitted": "not measurable in this clip"}
    vals = s[np.isfinite(s)]
    conf = min(1.0, vals.size / 60) * visibility
    return {
        "value": float(np.median(vals)),
        "n_frames": int(vals.size),
        "iqr": float(np.subtract(*np.percentile(vals, [75, 25]))),
        "confidence": round(conf, 2),
    }


def _sided_series(pattern: str, series: dict, visibility: float) -> dict:
    left, right = (
        series.get(pattern.format("left")),
        series.get(pattern.format("right")),
    )
    both = (
        np.concatenate([x for x in (left, right) if x is not None])
        if (left is not None or right is not None)
        else None
    )
    entry = _series_entry(both, visibility)
    if entry.get("value") is not None:
        med = {
            k: (
                float(np.nanmedian(x))
                if x is not None and np.isfinite(x).any()
                else None
            )
            for k, x in (("left", left), ("right", right))
        }
        entry.update(med)
        if med["left"] is not None and med["right"] is not None:
            entry["asymmetry"] = med["left"] - med["right"]
    return entry


def _stride_windows(time_s: np.ndarray, events: Sequence[GaitEvent]):
    ics = [e for e in events if e.type == "initial_contact" and e.foot == "left"]
    return [(a.frame, b.frame) for a, b in zip(ics, ics[1:], strict=False)]


def _per_stride_range(s, time_s, events, visibility) -> dict:
    if s is None:
        return {"value": None, "omitted": "not measurable in this clip"}
    ranges = [
        float(np.nanmax(s[a : b + 1]) - np.nanmin(s[a : b + 1]))
        for a, b in _stride_windows(time_s, events)
        if np.isfinite(s[a : b + 1]).any()
    ]
    return _summary_entry(ranges, FULL_CONFIDENCE_STEPS // 2, visibility)


def _arm_swing(series, time_s, events, visibility) -> dict:
    per_side = {}
    for side in ("left", "right"):
        s = series.get(f"upper_arm_{side}_deg")
        per_side[side] = _per_stride_range(s, time_s, events, visibility)
    vals = [e["value"] for e in per_side.values() if e.get("value") is not None]
    if not vals:
        return {"value": None, "omitted": "not measurable in this clip"}
    entry = {
        "value": float(np.mean(vals)),
        "n": sum(e.get("n", 0) for e in per_side.values()),
        "confidence": min(e.get("confidence", 0) for e in per_side.values()),
        "left": per_side["left"].get("value"),
        "right": per_side["right"].get("value"),
    }
    if entry["left"] is not None and entry["right"] is not None:
        entry["asymmetry"] = entry["left"] - entry["right"]
    return entry


def mean_visibility(visibility: np.ndarray, detected: np.ndarray) -> float:
    """Mean visibility of the limb landmarks over detected frames (0 if none)."""
    if not detected.any():
        return 0.0
    limbs = [*LOWER_BODY, L.LEFT_SHOULDER, L.RIGHT_SHOULDER]
    return float(np.mean(visibility[detected][:, limbs]))
