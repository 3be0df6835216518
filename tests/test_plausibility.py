"""Which detections count as an analysable person."""

import numpy as np
import pytest

from formcheck.config import DEFAULT
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.plausibility import LOWER_BODY, plausible_full_body
from formcheck.synth import RunnerParams, SceneParams, ground_truth

W, H = 640, 480
TH = DEFAULT.detection


@pytest.fixture(scope="module")
def runner_xy() -> np.ndarray:
    """Landmarks of a rendered runner, frame 0."""
    gt = ground_truth(RunnerParams(), SceneParams(duration_s=0.2))
    return np.array(gt["frames"]["landmarks"][0])


def _vis(value: float = 0.95) -> np.ndarray:
    return np.full(33, value, np.float32)


def test_a_runner_is_plausible(runner_xy):
    assert plausible_full_body(runner_xy, _vis(), W, H, TH) == (True, "")


def test_invisible_legs_are_rejected(runner_xy):
    vis = _vis()
    vis[list(LOWER_BODY)] = 0.2
    assert plausible_full_body(runner_xy, vis, W, H, TH) == (False, "legs not visible")


def test_a_body_mostly_outside_the_frame_is_rejected(runner_xy):
    shifted = runner_xy + np.array([0.0, -2.0 * H])
    assert plausible_full_body(shifted, _vis(), W, H, TH) == (
        False,
        "body outside the frame",
    )


def test_a_tiny_figure_is_rejected(runner_xy):
    centre = runner_xy.mean(axis=0)
    tiny = centre + (runner_xy - centre) * 0.1
    assert plausible_full_body(tiny, _vis(), W, H, TH) == (
        False,
        "too small or not upright",
    )


def test_inhuman_proportions_are_rejected(runner_xy):
    xy = runner_xy.copy()
    # Stretch the trunk to four times its length by moving shoulders and head up.
    hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
    upper = [lm for lm in L if lm <= L.RIGHT_WRIST]
    xy[upper] = hip + (xy[upper] - hip) * 4.0
    xy[upper, 1] = np.maximum(xy[upper, 1], -0.04 * H)  # keep inside the frame margin
    assert plausible_full_body(xy, _vis(), W, H, TH)[1] == "body proportions not human"
