"""The synthetic renderer's camera: moving, zooming, rolling, shaking, slowed.

The truth must say exactly where the camera was, so that a stabiliser or a camera
tracker can be scored against it: the drawn landmarks, the first frame's "scene"
landmarks and each frame's camera must agree to 0.01 px, the background must move
exactly as the camera says, and a slowed export must keep real and video time apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import cv2
import numpy as np
import pytest

from formcheck.camera import MotionTracker
from formcheck.pose.landmarks import Landmark as L
from formcheck.synth import PRESETS, SceneParams, ground_truth, iter_frames
from formcheck.synth.render import KERB, SHORTS, _scenery_cell

RUNNER = PRESETS["good_form"]
#: A handheld operator following an overground runner, with everything moving.
MOVING = SceneParams(
    width=640,
    height=480,
    duration_s=0.5,
    treadmill=False,
    camera="follow",
    background="textured",
    zoom_per_s=0.1,
    shake_px=3.0,
    roll_deg=2.0,
    tilt_px=6.0,
    runner_height_frac=0.6,
)


def _matrix(truth: dict, i: int) -> np.ndarray:
    """Frame ``i``'s world -> pixel matrix, from the formula the truth documents."""
    cam, meta = truth["frames"]["camera"], truth["camera"]
    k, r = cam["scale_px_per_m"][i], np.radians(cam["roll_deg"][i])
    m, (cu, cv) = meta["mirror"], meta["centre_px"]
    lin = k * np.array([[np.cos(r) * m, -np.sin(r)], [-np.sin(r) * m, -np.cos(r)]])
    shift = np.array([cu, cv]) - lin @ [cam["x_m"][i], cam["y_m"][i]]
    return np.vstack([np.column_stack([lin, shift]), [0, 0, 1]])


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:2, :2].T + m[:2, 2]


def _runner_box(truth: dict, i: int, margin_ll: float = 0.15) -> np.ndarray:
    """The runner's box in frame ``i``, grown to cover the head, hands and shoes."""
    lm = np.array(truth["frames"]["landmarks"][i])
    grow = (
        margin_ll
        * truth["leg_length_m"]
        * truth["frames"]["camera"]["scale_px_per_m"][i]
    )
    return np.r_[lm.min(0) - grow, lm.max(0) + grow]


@pytest.mark.parametrize(
    "scene",
    [
        SceneParams(duration_s=0.5),
        SceneParams(duration_s=0.5, treadmill=False, facing="left"),
        MOVING,
        replace(MOVING, facing="left", slowmo=2.0, roll_deg=10.0, zoom_per_s=-0.3),
    ],
    ids=["treadmill", "locked, left", "follow+zoom+shake+roll+tilt", "left, slowed"],
)
def test_scene_landmarks_through_each_frames_camera_are_the_drawn_landmarks(scene):
    truth = ground_truth(RUNNER, scene)
    drawn = np.array(truth["frames"]["landmarks"])
    in_scene = np.array(truth["frames"]["landmarks_scene"])
    to_world = np.linalg.inv(_matrix(truth, truth["camera"]["scene_frame"]))
    for i in range(len(drawn)):
        projected = _apply(_matrix(truth, i) @ to_world, in_scene[i])
        np.testing.assert_allclose(projected, drawn[i], atol=0.01)
    assert truth["leg_length_px"] == pytest.approx(
        truth["leg_length_m"] * truth["frames"]["camera"]["scale_px_per_m"][0]
    )


@pytest.mark.parametrize(
    "scene",
    [
        SceneParams(duration_s=1.0),
        SceneParams(duration_s=1.0, treadmill=False, pan=False, background="textured"),
    ],
    ids=["treadmill", "overground"],
)
def test_a_static_camera_stays_put(scene):
    truth = ground_truth(RUNNER, scene)
    for key, values in truth["frames"]["camera"].items():
        assert np.ptp(values) == 0.0, key
    assert truth["camera"]["mode"] == "static"
    np.testing.assert_allclose(
        truth["frames"]["landmarks_scene"], truth["frames"]["landmarks"], atol=0.006
    )
    assert np.all(np.array(truth["frames"]["camera_motion"]["dx_px"][1:]) == 0.0)


def test_a_locked_camera_keeps_the_hips_centred_as_pan_did():
    scene = SceneParams(duration_s=1.0, treadmill=False, pan=True)
    truth = ground_truth(RUNNER, scene)
    lm = np.array(truth["frames"]["landmarks"])
    np.testing.assert_allclose(lm[:, L.LEFT_HIP, 0], 320.0, atol=1e-6)
    # The background slides back at the running speed.
    step = RUNNER.speed_mps * truth["px_per_m"] / scene.fps
    np.testing.assert_allclose(truth["frames"]["camera_motion"]["dx_px"][1:], -step)


def test_a_following_camera_lags_overshoots_and_keeps_the_runner_in_frame():
    scene = SceneParams(duration_s=6.0, treadmill=False, camera="follow", seed=1)
    truth = ground_truth(RUNNER, scene)
    lm = np.array(truth["frames"]["landmarks"])
    hip_x = lm[:, L.LEFT_HIP, 0]
    assert np.ptp(hip_x) > 0.1 * scene.width  # the runner drifts about the centre
    assert lm[..., 0].min() > 0 and lm[..., 0].max() < scene.width
    t = np.array(truth["frames"]["time_s"])
    cam_x = np.array(truth["frames"]["camera"]["x_m"])
    mean_speed = (cam_x[-1] - cam_x[0]) / (t[-1] - t[0])
    assert mean_speed == pytest.approx(RUNNER.speed_mps, rel=0.05)
    # Starting still, the pan overshoots the runner's speed before settling.
    assert np.max(np.diff(cam_x) / np.diff(t)) > 1.05 * RUNNER.speed_mps
    runner_x = np.array(truth["frames"]["runner_x_m"])
    np.testing.assert_allclose(
        np.diff(runner_x) / np.diff(t), RUNNER.speed_mps, rtol=1e-4
    )


def _mask_out(keep: np.ndarray, box: np.ndarray, m: np.ndarray) -> None:
    """Clear ``box`` (x0, y0, x1, y1), moved by ``m``, from the mask ``keep``."""
    x0, y0, x1, y1 = box
    corners = _apply(m, np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]))
    (a, c), (b, d) = np.floor(corners.min(0)), np.ceil(corners.max(0))
    keep[max(int(c), 0) : max(int(d) + 1, 0), max(int(a), 0) : max(int(b) + 1, 0)] = 0


def test_the_runner_and_background_are_drawn_where_the_camera_says():
    truth = ground_truth(RUNNER, MOVING)
    frames = list(iter_frames(RUNNER, MOVING))
    a, b = 0, 6
    # The hip disc (shorts) is drawn at the truth's hip, whatever the camera did.
    for i in (a, b):
        x, y = np.round(truth["frames"]["landmarks"][i][L.LEFT_HIP]).astype(int)
        assert np.abs(frames[i][y, x].astype(int) - SHORTS).max() <= 12
    # The kerb (world y -0.06..0 m, a joint every 0.6 m) is where the camera puts it.
    for i in (a, b):
        xs = truth["frames"]["camera"]["x_m"][i] + np.linspace(-1.5, 1.5, 200)
        joint, seam = (xs - 0.3) % 0.6, xs % 3.0  # off joints and cell seams
        xs = xs[
            (np.minimum(joint, 0.6 - joint) > 0.03)
            & (np.minimum(seam, 3 - seam) > 0.03)
        ]
        u, v = np.round(_apply(_matrix(truth, i), np.c_[xs, -0.03 + 0 * xs])).T
        box = _runner_box(truth, i)
        ok = (u >= 0) & (u < MOVING.width) & ((u < box[0]) | (u > box[2]))
        colours = frames[i][v[ok].astype(int), u[ok].astype(int)].astype(int)
        assert ok.sum() > 50
        assert np.mean(np.abs(colours - KERB).max(-1) <= 6) > 0.95
    # Frame a, moved by the camera's motion from a to b, is frame b's background.
    step = (_matrix(truth, b) @ np.linalg.inv(_matrix(truth, a)))[:2]
    size = (MOVING.width, MOVING.height)
    moved = cv2.warpAffine(frames[a], step, size, flags=cv2.INTER_LINEAR)
    inside = np.full(frames[a].shape[:2], 255, np.uint8)
    keep = cv2.erode(cv2.warpAffine(inside, step, size), np.ones((5, 5), np.uint8))
    _mask_out(keep, _runner_box(truth, a), np.vstack([step, [0, 0, 1]]))
    _mask_out(keep, _runner_box(truth, b), np.eye(3))
    diff = np.abs(moved.astype(int) - frames[b].astype(int)).max(-1)[keep > 0]
    assert diff.size > 0.3 * keep.size
    assert np.median(diff) <= 2 and np.mean(diff > 40) < 0.01


def test_a_camera_tracker_measures_the_rendered_motion_on_the_textured_street():
    truth = ground_truth(RUNNER, MOVING)
    tracker = MotionTracker()
    measured = np.array(
        [
            tracker.step(image, [_runner_box(truth, i)])
            for i, image in enumerate(iter_frames(RUNNER, MOVING))
        ]
    )[1:]
    motion = {
        k: np.array(v[1:], float) for k, v in truth["frames"]["camera_motion"].items()
    }
    assert measured[:, 3].min() >= 20  # background corners agreeing, every frame
    assert np.abs(motion["dx_px"]).mean() > 5  # the camera really moves
    np.testing.assert_allclose(measured[:, 0], motion["dx_px"], atol=0.5)
    np.testing.assert_allclose(measured[:, 1], motion["dy_px"], atol=0.5)
    np.testing.assert_allclose(measured[:, 2], motion["scale"], rtol=0.003)


def test_the_textured_street_is_endless_and_the_same_every_time():
    # A minute's run past a locked camera: corners to track beside the runner in
    # every frame, wherever the runner has got to.
    scene = SceneParams(
        width=320,
        height=240,
        fps=1.0,
        duration_s=60.0,
        treadmill=False,
        background="textured",
        runner_height_frac=0.5,
    )
    truth = ground_truth(RUNNER, scene)
    assert truth["frames"]["runner_x_m"][-1] > 150
    for i, image in enumerate(iter_frames(RUNNER, scene)):
        mask = np.full(image.shape[:2], 255, np.uint8)
        _mask_out(mask, _runner_box(truth, i, margin_ll=0.3), np.eye(3))
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        corners = cv2.goodFeaturesToTrack(grey, 200, 0.01, 6, mask=mask)
        assert corners is not None and len(corners) >= 30, i
    np.testing.assert_array_equal(
        _scenery_cell(7, -3).verts, _scenery_cell(7, -3).verts
    )
    assert not np.array_equal(_scenery_cell(7, 5).verts, _scenery_cell(8, 5).verts)
    scene = replace(MOVING, duration_s=0.1, noise_sigma=2.0)
    first, again = list(iter_frames(RUNNER, scene)), list(iter_frames(RUNNER, scene))
    np.testing.assert_array_equal(first, again)


def test_a_slowed_export_keeps_real_and_video_time_apart():
    real = ground_truth(RUNNER, SceneParams(duration_s=2.0, fps=30.0))
    slowed = ground_truth(RUNNER, SceneParams(duration_s=2.0, fps=30.0, slowmo=4))
    fast = ground_truth(RUNNER, SceneParams(duration_s=2.0, fps=120.0))
    n = slowed["video"]["n_frames"]
    assert n == 4 * real["video"]["n_frames"] == 240
    assert slowed["video"]["fps"] == 30.0 and slowed["video"]["capture_fps"] == 120.0
    assert slowed["video"]["duration_s"] == pytest.approx(8.0)
    assert slowed["video"]["real_duration_s"] == pytest.approx(2.0)
    assert slowed["summary"]["slowmo"] == 4 and fast["summary"]["slowmo"] == 1
    np.testing.assert_allclose(
        slowed["frames"]["video_time_s"], np.arange(n) / 30, atol=1e-6
    )
    np.testing.assert_allclose(
        slowed["frames"]["time_s"], np.arange(n) / 120, atol=1e-6
    )
    assert slowed["events"]
    for ev in slowed["events"]:
        assert ev["video_time_s"] == pytest.approx(4 * ev["time_s"], abs=1e-5)
        assert ev["frame"] == round(ev["time_s"] * 120)
    # A true 120 fps clip samples the runner at the same real instants; only the
    # file's clock differs.
    assert fast["frames"]["landmarks"] == slowed["frames"]["landmarks"]
    assert [e["frame"] for e in fast["events"]] == [
        e["frame"] for e in slowed["events"]
    ]
    assert fast["frames"]["video_time_s"] == fast["frames"]["time_s"]


def test_the_cli_renders_a_slowed_handheld_street_clip(tmp_path):
    out = tmp_path / "r.mp4"
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "synth", str(out), "--overground"]
        + ["--camera", "follow", "--background", "textured", "--zoom", "0.05"]
        + ["--shake", "2", "--roll", "1", "--tilt", "4", "--slowmo", "4"]
        + ["--duration", "0.2", "--width", "320", "--height", "240"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    truth = json.loads(out.with_suffix(".truth.json").read_text())
    assert truth["video"]["n_frames"] == 24 and truth["video"]["fps"] == 30.0
    assert truth["camera"]["mode"] == "follow"
    scene = truth["scene"]
    assert (scene["zoom_per_s"], scene["shake_px"], scene["slowmo"]) == (0.05, 2, 4)


@pytest.mark.parametrize(
    "changes",
    [
        {"slowmo": 0.5},
        {"fps": 240.0, "slowmo": 8},  # a 1920 fps capture
        {"zoom_per_s": -1.0},  # the picture would vanish
        {"zoom_per_s": 0.5},  # 1.5 ** 4 s: more than 4x within the clip
        {"zoom_per_s": -0.4},  # 0.6 ** 4 s: less than a quarter
        {"camera": "follow"},  # a treadmill runner does not go anywhere
        {"camera": "pan"},
        {"background": "grass"},
        {"shake_px": -1.0},
        {"shake_px": 100.0},
        {"roll_deg": -2.0},
        {"tilt_px": -1.0},
        {"noise_sigma": -1.0},
        {"follow_hz": 0.0, "treadmill": False, "camera": "follow"},
    ],
)
def test_nonsense_scene_parameters_are_rejected(changes):
    with pytest.raises(ValueError):
        SceneParams(**changes)
