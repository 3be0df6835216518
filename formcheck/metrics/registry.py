"""The table of metrics: name, unit, which views can measure it, at which instant.

The report, the docs (``docs/metrics.md``) and the rules read this one table.
"""

from __future__ import annotations

from dataclasses import dataclass

SIDE = ("side",)
REAR_FRONT = ("rear", "front")
ANY = ("side", "rear", "front")
#: Units measured on the clock: wrong by the factor when a clip's playback speed is
#: not known (slow motion), unlike positions and angles.
CLOCKED_UNITS = frozenset({"s", "steps/min"})


@dataclass(frozen=True)
class MetricDef:
    """One summary metric.

    Attributes:
        name: key in the report (``summary.metrics``) and in ``steps`` rows.
        unit: unit of the value.
        views: camera views that can measure it.
        instant: when it is read (e.g. "initial contact", "stance mean").
        description: what it is, with its sign convention.
        sided: measured per foot/side, so left/right asymmetry is reported.
    """

    name: str
    unit: str
    views: tuple[str, ...]
    instant: str
    description: str
    sided: bool = False


METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        MetricDef(
            "cadence_spm",
            "steps/min",
            ANY,
            "whole clip",
            "Steps per minute, both feet counted (60 / median step time).",
        ),
        MetricDef(
            "step_time_s",
            "s",
            ANY,
            "IC to next IC",
            "Time from one foot's contact to the other's.",
            sided=True,
        ),
        MetricDef(
            "contact_time_s", "s", SIDE, "IC to TO", "Ground contact time.", sided=True
        ),
        MetricDef(
            "flight_time_s",
            "s",
            SIDE,
            "TO to next IC",
            "Time with both feet off the ground.",
            sided=True,
        ),
        MetricDef(
            "duty_factor",
            "ratio",
            SIDE,
            "per stride",
            "Contact time / stride time.",
            sided=True,
        ),
        MetricDef(
            "trunk_lean_deg",
            "deg",
            SIDE,
            "stance mean",
            "Hip->shoulder line from vertical, forward positive.",
        ),
        MetricDef(
            "body_lean_deg",
            "deg",
            SIDE,
            "stance mean",
            "Stance ankle->hip line from vertical, forward positive: the lean "
            "of the body from the ground contact (10-20 deg is typical, as the "
            "foot is behind the hips for most of stance).",
        ),
        MetricDef(
            "hip_bend_deg",
            "deg",
            SIDE,
            "stance mean",
            "Trunk lean minus body lean: how far the trunk is tilted forward of "
            "the body line, i.e. bending at the hips rather than leaning from "
            "the ankles (negative is usual: the trunk is more upright than the "
            "stance leg).",
        ),
        MetricDef(
            "hip_flexion_midstance_deg",
            "deg",
            SIDE,
            "mid-stance",
            "180 - trunk-to-stance-thigh angle at mid-stance.",
            sided=True,
        ),
        MetricDef(
            "head_pitch_deg",
            "deg",
            SIDE,
            "clip median",
            "Ear->eye line below horizontal; positive = looking down.",
        ),
        MetricDef(
            "head_forward_tl",
            "trunk lengths",
            SIDE,
            "clip median",
            "Ear ahead of the shoulders, horizontally.",
        ),
        MetricDef(
            "neck_length_tl",
            "trunk lengths",
            ANY,
            "clip median",
            "Shoulders to ears along the trunk; shorter = shoulders raised (hunching).",
        ),
        MetricDef(
            "elbow_angle_deg",
            "deg",
            SIDE,
            "clip median",
            "Interior shoulder-elbow-wrist angle.",
            sided=True,
        ),
        MetricDef(
            "arm_swing_deg",
            "deg",
            SIDE,
            "per stride",
            "Range of the upper-arm angle over a stride.",
            sided=True,
        ),
        MetricDef(
            "overstride_ll",
            "leg lengths",
            SIDE,
            "initial contact",
            "Ankle ahead of the hip midpoint at contact, horizontally.",
            sided=True,
        ),
        MetricDef(
            "shank_angle_ic_deg",
            "deg",
            SIDE,
            "initial contact",
            "Knee->ankle from vertical; positive = ankle ahead of the knee.",
            sided=True,
        ),
        MetricDef(
            "foot_angle_ic_deg",
            "deg",
            SIDE,
            "initial contact",
            "Heel->toe above horizontal; positive = toes up (heel first).",
            sided=True,
        ),
        MetricDef(
            "knee_flexion_ic_deg",
            "deg",
            SIDE,
            "initial contact",
            "180 - hip-knee-ankle angle at contact.",
            sided=True,
        ),
        MetricDef(
            "knee_flexion_stance_max_deg",
            "deg",
            SIDE,
            "stance peak",
            "Largest knee flexion during stance.",
            sided=True,
        ),
        MetricDef(
            "vertical_oscillation_ll",
            "leg lengths",
            SIDE,
            "per step",
            "Peak-to-peak hip height change over a step.",
        ),
        MetricDef(
            "vertical_oscillation_cm",
            "cm",
            SIDE,
            "per step",
            "Vertical oscillation in cm (needs the runner's height).",
        ),
        MetricDef(
            "pelvic_drop_deg",
            "deg",
            REAR_FRONT,
            "stance peak",
            "Largest drop of the swing-side hip below the stance-side hip.",
            sided=True,
        ),
        MetricDef(
            "step_width_hw",
            "hip widths",
            REAR_FRONT,
            "initial contact",
            "Landing ankle's distance from the body midline toward its own side; "
            "negative = crossover.",
            sided=True,
        ),
        MetricDef(
            "arm_crossing_hw",
            "hip widths",
            REAR_FRONT,
            "per step peak",
            "How far the wrist crosses the body midline (>0 = crosses).",
            sided=True,
        ),
        MetricDef(
            "lateral_trunk_sway_deg",
            "deg",
            REAR_FRONT,
            "per stride",
            "Range of the trunk's sideways lean over a stride.",
        ),
    )
}
