"""Camera motion from the background (formcheck.camera) and the camera's path and
treadmill-vs-overground decision built on it (formcheck.gait.scene, gait.view)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.camera import CameraMotion, MotionTracker
from formcheck.config import DEFAULT
from formcheck.gait.scene import camera_path
from formcheck.gait.view import classify_view

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


def _texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A random blocky RGB texture with plenty of corners."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    return np.kron(small, np.ones((8, 8, 1), np.uint8))


def _frame(scene: np.ndarray, x0: int, person_x: int) -> tuple[np.ndarray, np.ndarray]:
    """A 240x320 view of ``scene`` from column ``x0``, with a 'person' (another
    texture) pasted at ``person_x``; returns the frame and the person's box."""
    frame = scene[:240, x0 : x0 + 320].copy()
    person = _texture(160, 64, seed=1)
    frame[40:200, person_x : person_x + 64] = person
    return frame, np.array([person_x, 40, person_x + 64, 200], np.float32)


def test_tracker_measures_a_pan_and_ignores_the_person():
    scene = _texture(240, 1200)
    tracker = MotionTracker()
    out = []
    for k in range(12):
        # The camera pans right 7 px a frame; the person moves the other way on
        # screen: a tracker fooled by the person would not read -7.
        image, box = _frame(scene, 7 * k, 200 - 5 * k)
        out.append(tracker.step(image, [box]))
    dx = np.array([o[0] for o in out])
    assert np.isnan(dx[0])  # no frame before the first
    assert dx[1:] == pytest.approx(-7.0, abs=0.25)
    assert all(o[2] == pytest.approx(1.0, abs=0.01) for o in out[1:])


def test_tracker_says_so_when_the_background_is_blank():
    tracker = MotionTracker()
    blank = np.full((240, 320, 3), 128, np.uint8)
    for _ in range(3):
        dx, dy, scale, inliers = tracker.step(blank)
    assert np.isnan(dx) and inliers == 0


def _motion(dx: list[float]) -> CameraMotion:
    a = np.array(dx, np.float32)
    return CameraMotion(
        a, np.zeros_like(a), np.ones_like(a), np.where(np.isfinite(a), 20, 0)
    )


@pytest.mark.parametrize(
    ("dx", "max_gap", "offset"),
    [
        ([np.nan, -2, -2, -2], 2, [0, -2, -4, -6]),
        # A short gap is bridged by its neighbours' motion.
        ([np.nan, -2, np.nan, -2], 2, [0, -2, -4, -6]),
        # A gap longer than allowed: the path is unknown, not guessed.
        ([np.nan, -2, np.nan, np.nan, np.nan, -2], 2, None),
    ],
)
def test_camera_path(dx, max_gap, offset):
    path = camera_path(_motion(dx), max_gap)
    if offset is None:
        assert not path.known
    else:
        assert path.known
        assert path.offset[:, 0] == pytest.approx(offset)
    assert camera_path(None, 2).known is False


def _runner_in_place() -> tuple[np.ndarray, np.ndarray]:
    """A rendered treadmill runner's exact landmarks: in place on screen."""
    truth = json.loads((SAMPLES / "good_form.truth.json").read_text())
    return (
        np.asarray(truth["frames"]["landmarks"], np.float64),
        np.asarray(truth["frames"]["time_s"], np.float64),
    )


@pytest.mark.parametrize(
    ("pan_px_per_frame", "treadmill"),
    [(0.0, True), (-15.0, False), (None, True)],
    ids=["static camera", "camera following", "camera unknown"],
)
def test_a_runner_the_camera_follows_is_overground(pan_px_per_frame, treadmill):
    xy, t = _runner_in_place()
    vis = np.ones(xy.shape[:2])
    camera_x = None
    if pan_px_per_frame is not None:
        camera_x = pan_px_per_frame * np.arange(len(t), dtype=np.float64)
    view = classify_view(xy, vis, t, 640, 480, DEFAULT.view, camera_x=camera_x)
    assert view.treadmill is treadmill
    if pan_px_per_frame is None:
        assert any("too little to measure" in r for r in view.reasons)
    elif not treadmill:
        assert any("camera pans with the runner" in r for r in view.reasons)


@pytest.mark.slow
@pytest.mark.parametrize("facing", ["right", "left"])
def test_rendered_runner_followed_by_a_panning_camera_is_overground(tmp_path, facing):
    """MediaPipe + the camera tracker on a rendered overground runner whom a phone
    follows with lag and overshoot, past a textured street."""
    import subprocess
    import sys

    clip = tmp_path / "pan.mp4"
    subprocess.run(
        [sys.executable, "-m", "formcheck", "synth", str(clip), "--overground"]
        + ["--facing", facing, "--duration", "4", "--camera", "follow"]
        + ["--background", "textured"],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(clip), "--quiet"]
        + ["--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    view = json.loads(out.read_text())["view"]
    assert view["treadmill"] is False, view["reasons"]
    assert view["activity"] == "running"


@pytest.mark.parametrize("measured", [False, True])
def test_an_unmeasured_camera_makes_treadmill_a_guess_the_report_says_so(measured):
    """The rendered sample's exact landmarks (a runner in place on screen): with the
    camera's motion unknown the user is told that "treadmill" is a guess and how
    to say otherwise; with a measured still camera they are not."""
    import dataclasses
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_slowmo import _analysis_of_sample

    from formcheck.analysis import analyze_run

    base = _analysis_of_sample(1.0)
    n = len(base.run.track)
    camera = _motion([0.0] * n) if measured else CameraMotion.unmeasured(n)
    analysis = analyze_run(dataclasses.replace(base.run, camera=camera))
    assert analysis.view.treadmill is True
    guessed = [note for note in analysis.notes if "--overground" in note]
    assert bool(guessed) is not measured
