"""Is a detection a person we can analyse? Pure checks on landmark arrays.

MediaPipe's pose model also fires on non-people (a close-up bird's face in
``no_person_bird.mp4`` gets "shoulders" with visibility 0.95) and on upper bodies
with the legs out of frame. Running-form analysis needs a full body, so a detection
must pass every check below to count as a person.
"""

from __future__ import annotations

import numpy as np

from formcheck.config import DetectionThresholds
from formcheck.pose.landmarks import Landmark as L

LOWER_BODY = (
    L.LEFT_HIP,
    L.RIGHT_HIP,
    L.LEFT_KNEE,
    L.RIGHT_KNEE,
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
)


def plausible_full_body(
    xy: np.ndarray,
    visibility: np.ndarray,
    width: int,
    height: int,
    th: DetectionThresholds,
) -> tuple[bool, str]:
    """Check one detection.

    Args:
        xy: ``(33, 2)`` pixels.
        visibility: ``(33,)`` in [0, 1].
        width, height: frame size in pixels.
        th: the detection thresholds.

    Returns:
        ``(ok, reason)``; ``reason`` names the failed check ("" when ok).
    """
    lower = list(LOWER_BODY)
    if float(np.mean(visibility[lower])) < th.min_lower_body_visibility:
        return False, "legs not visible"
    mx, my = th.frame_margin * width, th.frame_margin * height
    pts = xy[lower]
    inside = (
        (pts[:, 0] >= -mx)
        & (pts[:, 0] <= width + mx)
        & (pts[:, 1] >= -my)
        & (pts[:, 1] <= height + my)
    )
    if float(np.mean(inside)) < th.min_inside_fraction:
        return False, "body outside the frame"
    ankles_y = max(xy[L.LEFT_ANKLE, 1], xy[L.RIGHT_ANKLE, 1])
    if (ankles_y - xy[L.NOSE, 1]) < th.min_body_height * height:
        return False, "too small or not upright"
    hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
    shoulder = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
    trunk = float(np.linalg.norm(shoulder - hip))
    legs = [
        np.linalg.norm(xy[h] - xy[k]) + np.linalg.norm(xy[k] - xy[a])
        for h, k, a in (
            (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
            (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
        )
    ]
    leg = float(max(legs))
    if leg <= 0 or not (
        th.min_trunk_to_leg_ratio <= trunk / leg <= th.max_trunk_to_leg_ratio
    ):
        return False, "body proportions not human"
    return True, ""
