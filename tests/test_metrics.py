"""Metrics on exact landmark arrays of synthetic runners (no MediaPipe): every metric
must recover what the renderer injected, in either facing direction."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.gait.types import GaitEvent, View
from formcheck.metrics.registry import METRICS
from formcheck.metrics.steps import clip_series, step_records, summarize
from formcheck.synth import PRESETS, SceneParams, ground_truth


def _summary(preset: str, facing: str = "right", fps: float = 60.0, view_kind="side"):
    gt = ground_truth(
        PRESETS[preset], SceneParams(duration_s=3.0, fps=fps, facing=facing)
    )
    xy = np.array(gt["frames"]["landmarks"])
    t = np.array(gt["frames"]["time_s"])
    events = [
        GaitEvent(e["type"], e["foot"], e["frame"], e["time_s"])
        for e in gt["events"]
        if e["frame"] < len(t)
    ]
    view = View(
        view_kind, facing if view_kind == "side" else None, True, "running", 1.0
    )
    steps = step_records(xy, t, events, view)
    step_times = [s.values["step_time_s"] for s in steps]
    cadence = 60.0 / float(np.nanmedian(step_times))
    summary = summarize(steps, clip_series(xy, view), view, cadence, 1.0, t, events)
    return gt, steps, summary


def value(summary: dict, name: str) -> float:
    return summary[name]["value"]


@pytest.mark.parametrize("preset", list(PRESETS))
def test_metrics_do_not_depend_on_facing(preset):
    _, _, right = _summary(preset, "right")
    _, _, left = _summary(preset, "left")
    for name, entry in right.items():
        if entry.get("value") is not None:
            assert left[name]["value"] == pytest.approx(entry["value"], abs=1e-6), name


def test_timing_metrics_match_the_injected_gait():
    gt, _, s = _summary("good_form")
    assert value(s, "cadence_spm") == pytest.approx(172.0, rel=0.01)
    # Event frames are rounded to 1/60 s.
    assert value(s, "contact_time_s") == pytest.approx(
        gt["summary"]["contact_time_s"], abs=0.017
    )
    assert value(s, "flight_time_s") == pytest.approx(
        gt["summary"]["flight_time_s"], abs=0.017
    )
    assert value(s, "duty_factor") == pytest.approx(
        gt["summary"]["duty_factor"], abs=0.03
    )


@pytest.mark.parametrize("preset", ["good_form", "hip_bend", "overstride_heel_strike"])
def test_trunk_lean_is_lean_plus_hip_bend(preset):
    p = PRESETS[preset]
    _, _, s = _summary(preset)
    assert value(s, "trunk_lean_deg") == pytest.approx(
        p.lean_deg + p.hip_bend_deg, abs=0.3
    )


def test_hip_bend_separates_bending_at_the_hips_from_leaning_at_the_ankles():
    _, _, good = _summary("good_form")
    _, _, bent = _summary("hip_bend")
    injected = PRESETS["hip_bend"].hip_bend_deg + (
        PRESETS["good_form"].lean_deg - PRESETS["hip_bend"].lean_deg
    )
    got = value(bent, "hip_bend_deg") - value(good, "hip_bend_deg")
    assert got == pytest.approx(injected, abs=3.0)
    # Leaning from the ankles shows in the body lean, not in the hip bend.
    assert value(good, "body_lean_deg") > value(bent, "body_lean_deg") + 2


def test_overstride_and_foot_strike_at_initial_contact():
    gt, _, over = _summary("overstride_heel_strike")
    _, _, good = _summary("good_form")
    assert value(over, "overstride_ll") == pytest.approx(
        gt["summary"]["overstride_ll"], abs=0.03
    )
    assert value(over, "overstride_ll") > value(good, "overstride_ll") + 0.25
    assert value(over, "foot_angle_ic_deg") == pytest.approx(20.0, abs=1.0)
    assert value(good, "foot_angle_ic_deg") == pytest.approx(3.0, abs=1.0)
    assert value(over, "shank_angle_ic_deg") > value(good, "shank_angle_ic_deg") + 8


def test_looking_down_shows_in_head_pitch():
    _, _, good = _summary("good_form")
    _, _, down = _summary("looking_down")
    delta = value(down, "head_pitch_deg") - value(good, "head_pitch_deg")
    assert delta == pytest.approx(PRESETS["looking_down"].head_pitch_deg, abs=1.0)


def test_hunching_shortens_the_neck_and_tightens_the_arms():
    _, _, good = _summary("good_form")
    _, _, hunched = _summary("hunched")
    assert value(hunched, "neck_length_tl") < value(good, "neck_length_tl") - 0.15
    assert value(hunched, "elbow_angle_deg") == pytest.approx(60.0, abs=1.0)
    assert value(hunched, "arm_swing_deg") < value(good, "arm_swing_deg") - 15


def test_side_only_metrics_are_omitted_with_a_reason_in_a_rear_view():
    _, _, s = _summary("good_form", view_kind="rear")
    for name, mdef in METRICS.items():
        if "rear" not in mdef.views:
            assert s[name]["value"] is None
            assert "rear view" in s[name]["omitted"]


def test_two_sided_metrics_report_left_right_and_asymmetry():
    _, steps, s = _summary("good_form")
    assert {st.foot for st in steps} == {"left", "right"}
    entry = s["overstride_ll"]
    assert entry["left"] == pytest.approx(entry["right"], abs=0.02)
    assert abs(entry["asymmetry_pct"]) < 15
    assert 0 < entry["confidence"] <= 1


def test_every_registered_metric_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "metrics.md").read_text()
    for name in METRICS:
        assert f"`{name}`" in doc, name
