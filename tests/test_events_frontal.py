"""Rear/front-view contacts on hand-built landmark arrays."""

import numpy as np

from formcheck.gait.events_frontal import detect_frontal_events
from formcheck.gait.types import CleanTrack, View
from formcheck.pose.landmarks import Landmark as L

REAR = View("rear", None, False, "running", 0.9)


def rear_runner(
    fps: float = 30.0, seconds: float = 4.0, cadence: float = 170.0, scale: float = 1.0
) -> tuple[CleanTrack, float]:
    """Hips at y=200, shoulders 100 px above; each foot 180 px below the hips in stance
    and lifted by up to 60 px in swing; stance 35 % of the stride."""
    t = np.arange(0, seconds, 1 / fps)
    n = len(t)
    xy = np.full((n, 33, 2), np.nan)
    stride = 120.0 / cadence
    for _side, hip, heel, toe, ankle, x, phase in (
        ("left", L.LEFT_HIP, L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.LEFT_ANKLE, 300, 0.0),
        (
            "right",
            L.RIGHT_HIP,
            L.RIGHT_HEEL,
            L.RIGHT_FOOT_INDEX,
            L.RIGHT_ANKLE,
            340,
            0.5,
        ),
    ):
        u = np.mod(t / stride - phase, 1.0)
        lift = np.where(u < 0.35, 0.0, 60 * np.sin(np.pi * (u - 0.35) / 0.65))
        xy[:, hip] = [x, 200]
        for lm in (heel, toe, ankle):
            xy[:, lm, 0] = x
            xy[:, lm, 1] = 200 + (180 - lift) * scale - (10 if lm == ankle else 0)
    xy[:, L.LEFT_SHOULDER] = [295, 100]
    xy[:, L.RIGHT_SHOULDER] = [345, 100]
    clean = CleanTrack(
        np.arange(n),
        t,
        xy,
        np.ones((n, 33), np.float32),
        np.ones((n, 33), bool),
        np.zeros(n, bool),
        fps,
        640,
        480,
    )
    return clean, stride


def test_contacts_alternate_at_the_step_time():
    clean, stride = rear_runner()
    ics = [e for e in detect_frontal_events(clean, REAR) if e.type == "initial_contact"]
    assert len(ics) >= 10
    assert all(a.foot != b.foot for a, b in zip(ics, ics[1:], strict=False))
    np.testing.assert_allclose(
        np.median(np.diff([e.time_s for e in ics])), stride / 2, atol=1 / 30
    )
    # Contact starts where the foot comes down: within a frame of the true start.
    for e in ics:
        u = e.time_s / stride - (0.0 if e.foot == "left" else 0.5)
        assert min(u % 1.0, 1 - u % 1.0) * stride < 1.5 / 30


def test_side_views_get_no_frontal_events():
    clean, _ = rear_runner()
    assert detect_frontal_events(clean, View("side", "right", True, "running", 1)) == []
