"""The synthetic runner: its kinematics must be exactly what the parameters say."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.pose.landmarks import Landmark
from formcheck.synth import PRESETS, RunnerParams, SceneParams, ground_truth, simulate
from formcheck.synth.kinematics import FOREARM, SHANK, THIGH, UPPER_ARM, J

FINE = np.arange(0.0, 3.0, 1 / 1000)  # 1 kHz sampling for exact checks


def _motion(**changes):
    p = replace(RunnerParams(), **changes)
    return p, simulate(p, FINE)


@pytest.mark.parametrize("cadence", [150.0, 170.0, 195.0])
def test_contacts_alternate_feet_at_the_step_time(cadence):
    p, m = _motion(cadence_spm=cadence)
    ics = [(t, foot) for t, kind, foot in m.events if kind == "initial_contact"]
    times = np.array([t for t, _ in ics])
    feet = [f for _, f in ics]
    assert all(a != b for a, b in zip(feet, feet[1:], strict=False))
    np.testing.assert_allclose(np.diff(times), 60.0 / cadence, atol=1e-9)


def test_toe_off_follows_contact_by_the_contact_time():
    p, m = _motion(duty_factor=0.33)
    ic = {
        f: [t for t, k, ff in m.events if k == "initial_contact" and ff == f]
        for f in "lr"
    }
    for foot in ("left", "right"):
        ics = [t for t, k, f in m.events if k == "initial_contact" and f == foot]
        tos = [t for t, k, f in m.events if k == "toe_off" and f == foot]
        pairs = [(a, b) for a in ics for b in tos if 0 < b - a < p.stride_time_s / 2]
        assert pairs
        for a, b in pairs:
            assert b - a == pytest.approx(p.contact_time_s, abs=1e-9)
    assert ic  # silence unused


def _in_stance(p, m, foot):
    ics = [t for t, k, f in m.events if k == "initial_contact" and f == foot]
    mask = np.zeros(len(m.time_s), bool)
    for t0 in ics:
        mask |= (m.time_s > t0 + 0.002) & (m.time_s < t0 + p.contact_time_s - 0.002)
    return mask


@pytest.mark.parametrize("foot_angle", [-10.0, 3.0, 20.0])
def test_stance_foot_stays_on_the_moving_ground(foot_angle):
    p, m = _motion(foot_angle_ic_deg=foot_angle)
    for foot in ("left", "right"):
        stance = _in_stance(p, m, foot)
        heel = m.points[:, J[f"heel_{foot}"]]
        toe = m.points[:, J[f"toe_{foot}"]]
        lowest = np.minimum(heel[:, 1], toe[:, 1])
        # The sole touches the ground (within 1 cm at the pivot).
        assert np.all(np.abs(lowest[stance]) < 0.01)
        # While the foot is flat, it moves back at exactly the belt speed.
        flat = (
            stance
            & (np.abs(heel[:, 1]) < 1e-6)
            & (np.abs(toe[:, 1] - heel[:, 1]) < 1e-3)
        )
        v = np.gradient(heel[:, 0], m.time_s)[flat]
        np.testing.assert_allclose(v[2:-2], -p.speed_mps, rtol=1e-3)


def test_feet_stay_above_ground_in_swing():
    p, m = _motion()
    for foot in ("left", "right"):
        swing = ~_in_stance(p, m, foot)
        for part in ("heel", "toe", "ankle"):
            assert m.points[swing, J[f"{part}_{foot}"], 1].min() > -0.01


def test_segment_lengths_are_constant():
    p, m = _motion()
    h = p.body_height_m
    for side in ("left", "right"):
        thigh = np.linalg.norm(
            m.points[:, J["hip"]] - m.points[:, J[f"knee_{side}"]], axis=1
        )
        shank = np.linalg.norm(
            m.points[:, J[f"knee_{side}"]] - m.points[:, J[f"ankle_{side}"]], axis=1
        )
        upper = np.linalg.norm(
            m.points[:, J[f"shoulder_{side}"]] - m.points[:, J[f"elbow_{side}"]], axis=1
        )
        fore = np.linalg.norm(
            m.points[:, J[f"elbow_{side}"]] - m.points[:, J[f"wrist_{side}"]], axis=1
        )
        np.testing.assert_allclose(thigh, THIGH * h, rtol=1e-6)
        np.testing.assert_allclose(shank, SHANK * h, rtol=1e-3)
        np.testing.assert_allclose(upper, UPPER_ARM * h, rtol=1e-6)
        np.testing.assert_allclose(fore, FOREARM * h, rtol=1e-6)


@pytest.mark.parametrize(("lean", "bend"), [(5.0, 0.0), (1.0, 16.0), (0.0, 0.0)])
def test_trunk_lean_is_lean_plus_hip_bend(lean, bend):
    _, m = _motion(lean_deg=lean, hip_bend_deg=bend)
    assert np.mean(m.truth["trunk_lean_deg"]) == pytest.approx(lean + bend, abs=0.1)
    assert np.ptp(m.truth["trunk_lean_deg"]) < 1.3


def test_lean_from_the_ankles_moves_the_feet_back_but_hip_bend_does_not():
    _, upright = _motion(lean_deg=0.0)
    _, leaning = _motion(lean_deg=8.0)
    _, bending = _motion(lean_deg=0.0, hip_bend_deg=8.0)
    mean_ankle = lambda m: m.points[:, J["ankle_left"], 0].mean()  # noqa: E731
    assert mean_ankle(leaning) < mean_ankle(upright) - 0.05
    assert mean_ankle(bending) == pytest.approx(mean_ankle(upright), abs=1e-9)


def test_ground_truth_records_ic_foot_angle_and_overstride():
    scene = SceneParams(duration_s=3.0, fps=60.0)
    for preset in ("good_form", "overstride_heel_strike"):
        p = PRESETS[preset]
        gt = ground_truth(p, scene)
        ic = gt["at_initial_contact"]
        np.testing.assert_allclose(ic["foot_angle_deg"], p.foot_angle_ic_deg, atol=1e-3)
        assert len(ic["frame"]) >= 2 * 3.0 * p.cadence_spm / 60 / 2 - 1
    good = ground_truth(PRESETS["good_form"], scene)["summary"]["overstride_ll"]
    over = ground_truth(PRESETS["overstride_heel_strike"], scene)["summary"][
        "overstride_ll"
    ]
    assert over > good + 0.2


@pytest.mark.parametrize("facing", ["left", "right"])
def test_projection_faces_the_requested_way(facing):
    gt = ground_truth(RunnerParams(), SceneParams(duration_s=1.0, facing=facing))
    lm = np.array(gt["frames"]["landmarks"])
    nose_ahead = lm[:, Landmark.NOSE, 0] - lm[:, Landmark.LEFT_EAR, 0]
    assert np.all(np.sign(nose_ahead) == (1 if facing == "right" else -1))
    # Treadmill: the hips stay at the frame centre.
    np.testing.assert_allclose(lm[:, Landmark.LEFT_HIP, 0], 320.0, atol=1e-6)


def test_ground_truth_frames_and_events_are_consistent():
    scene = SceneParams(duration_s=2.0, fps=120.0)
    gt = ground_truth(RunnerParams(), scene)
    assert len(gt["frames"]["time_s"]) == scene.n_frames == 240
    for ev in gt["events"]:
        assert ev["frame"] == round(ev["time_s"] * 120.0)
        assert 0 <= ev["frame"] < 240 or ev["time_s"] <= 2.0


@pytest.mark.parametrize(
    ("field", "value"),
    [("cadence_spm", 20.0), ("duty_factor", 0.6), ("speed_mps", 0.0)],
)
def test_invalid_runner_parameters_are_rejected(field, value):
    with pytest.raises(ValueError):
        replace(RunnerParams(), **{field: value})


@pytest.mark.parametrize(
    "changes", [{"facing": "up"}, {"width": 641}, {"fps": 0.5}, {"duration_s": 0.0}]
)
def test_invalid_scene_parameters_are_rejected(changes):
    with pytest.raises(ValueError):
        SceneParams(**changes)
