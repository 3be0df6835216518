"""Per-frame posture metrics from landmark arrays (side, rear and front views).

Every function takes ``xy`` of shape ``(n, 33, 2)`` (pixels, y down, NaN where
unknown) and returns ``(n,)`` float64 arrays; conventions are those of
:mod:`formcheck.metrics.angles`. Lengths are normalised by body size so numbers do not
depend on camera distance:

* **trunk length** = hip midpoint to shoulder midpoint, clip median;
* **leg length** = hip to knee plus knee to ankle, clip median of the longer side.
"""

from __future__ import annotations

import numpy as np

from formcheck.metrics.angles import (
    angle_from_horizontal,
    angle_from_vertical,
    joint_angle,
    midpoint,
)
from formcheck.pose.landmarks import Landmark as L

SIDES = {
    "left": {
        "shoulder": L.LEFT_SHOULDER,
        "elbow": L.LEFT_ELBOW,
        "wrist": L.LEFT_WRIST,
        "hip": L.LEFT_HIP,
        "knee": L.LEFT_KNEE,
        "ankle": L.LEFT_ANKLE,
        "heel": L.LEFT_HEEL,
        "toe": L.LEFT_FOOT_INDEX,
        "ear": L.LEFT_EAR,
        "eye": L.LEFT_EYE,
    },
    "right": {
        "shoulder": L.RIGHT_SHOULDER,
        "elbow": L.RIGHT_ELBOW,
        "wrist": L.RIGHT_WRIST,
        "hip": L.RIGHT_HIP,
        "knee": L.RIGHT_KNEE,
        "ankle": L.RIGHT_ANKLE,
        "heel": L.RIGHT_HEEL,
        "toe": L.RIGHT_FOOT_INDEX,
        "ear": L.RIGHT_EAR,
        "eye": L.RIGHT_EYE,
    },
}


def _nanmedian(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def hip_mid(xy: np.ndarray) -> np.ndarray:
    return midpoint(xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP])


def shoulder_mid(xy: np.ndarray) -> np.ndarray:
    return midpoint(xy[:, L.LEFT_SHOULDER], xy[:, L.RIGHT_SHOULDER])


def ear_mid(xy: np.ndarray) -> np.ndarray:
    return midpoint(xy[:, L.LEFT_EAR], xy[:, L.RIGHT_EAR])


def eye_mid(xy: np.ndarray) -> np.ndarray:
    return midpoint(xy[:, L.LEFT_EYE], xy[:, L.RIGHT_EYE])


def trunk_length(xy: np.ndarray) -> float:
    """Clip median of the hip-midpoint to shoulder-midpoint distance, pixels."""
    return _nanmedian(np.linalg.norm(shoulder_mid(xy) - hip_mid(xy), axis=-1))


def leg_length(xy: np.ndarray) -> float:
    """Clip median of hip-knee + knee-ankle, the longer side, pixels."""
    lengths = []
    for s in SIDES.values():
        seg = np.linalg.norm(
            xy[:, s["hip"]] - xy[:, s["knee"]], axis=-1
        ) + np.linalg.norm(xy[:, s["knee"]] - xy[:, s["ankle"]], axis=-1)
        lengths.append(_nanmedian(seg))
    finite = [v for v in lengths if np.isfinite(v)]
    return max(finite) if finite else float("nan")


# --- side view -------------------------------------------------------------------


def trunk_lean(xy: np.ndarray, forward: float) -> np.ndarray:
    """Hip midpoint -> shoulder midpoint from vertical, forward positive, degrees."""
    return angle_from_vertical(shoulder_mid(xy), hip_mid(xy), forward)


def head_pitch(xy: np.ndarray, forward: float) -> np.ndarray:
    """Ear -> eye line below horizontal, degrees; positive = head tilted down.

    The ear-eye line is close to the Frankfurt plane, which is horizontal when a
    person looks straight ahead. MediaPipe sees roughly 60 % of a real head pitch on
    rendered runners (docs/validation.md), so thresholds are set on measured values.
    """
    d = eye_mid(xy) - ear_mid(xy)
    # y grows downward: eye below ear (d_y > 0) is a downward tilt.
    return np.degrees(np.arctan2(d[:, 1], forward * d[:, 0]))


def head_forward(xy: np.ndarray, forward: float, trunk_px: float) -> np.ndarray:
    """Ear midpoint ahead of the shoulder midpoint, horizontally, in trunk lengths."""
    return forward * (ear_mid(xy)[:, 0] - shoulder_mid(xy)[:, 0]) / trunk_px


def neck_length(xy: np.ndarray, trunk_px: float) -> np.ndarray:
    """Shoulder midpoint to ear midpoint along the trunk axis, in trunk lengths.

    Shoulders lifted toward the ears (hunching) shorten it. Looking down shortens it a
    little too, which is why the head is measured separately.
    """
    hip, sh, ear = hip_mid(xy), shoulder_mid(xy), ear_mid(xy)
    axis = sh - hip
    axis = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    return np.sum((ear - sh) * axis, axis=-1) / trunk_px


def elbow_angle(xy: np.ndarray, side: str) -> np.ndarray:
    """Interior shoulder-elbow-wrist angle, degrees (90 = classic running arm)."""
    s = SIDES[side]
    return joint_angle(xy[:, s["shoulder"]], xy[:, s["elbow"]], xy[:, s["wrist"]])


def upper_arm_angle(xy: np.ndarray, side: str, forward: float) -> np.ndarray:
    """Shoulder -> elbow from hanging straight down, forward positive, degrees."""
    s = SIDES[side]
    # angle_from_vertical measures bottom->top from up; the arm hangs, so swap ends
    # and flip: elbow ahead of the shoulder is positive.
    return -angle_from_vertical(xy[:, s["shoulder"]], xy[:, s["elbow"]], forward)


def knee_flexion(xy: np.ndarray, side: str) -> np.ndarray:
    """180 - interior hip-knee-ankle angle, degrees (0 = straight)."""
    s = SIDES[side]
    return 180.0 - joint_angle(xy[:, s["hip"]], xy[:, s["knee"]], xy[:, s["ankle"]])


def hip_flexion(xy: np.ndarray, side: str) -> np.ndarray:
    """180 - interior shoulder-hip-knee angle (trunk vs thigh), degrees."""
    s = SIDES[side]
    return 180.0 - joint_angle(shoulder_mid(xy), hip_mid(xy), xy[:, s["knee"]])


def foot_angle(xy: np.ndarray, side: str) -> np.ndarray:
    """Heel -> toe (foot index) above horizontal, degrees; toes up positive."""
    s = SIDES[side]
    return angle_from_horizontal(xy[:, s["heel"]], xy[:, s["toe"]])


def shank_angle(xy: np.ndarray, side: str, forward: float) -> np.ndarray:
    """Knee -> ankle from vertical, degrees; positive = ankle ahead of the knee."""
    s = SIDES[side]
    return -angle_from_vertical(xy[:, s["knee"]], xy[:, s["ankle"]], forward)


def ankle_ahead_of_hip(xy: np.ndarray, side: str, forward: float, leg_px: float):
    """Ankle ahead of the hip midpoint, horizontally, in leg lengths."""
    s = SIDES[side]
    return forward * (xy[:, s["ankle"], 0] - hip_mid(xy)[:, 0]) / leg_px


def body_lean(xy: np.ndarray, side: str, forward: float) -> np.ndarray:
    """Ankle -> hip midpoint from vertical, forward positive, degrees.

    Evaluated while ``side`` is the stance foot, this is the lean of the body from the
    ground contact: leaning from the ankles moves the hips ahead of the foot and tilts
    this line; bending at the hips tilts the trunk but leaves this line alone. The
    trunk lean minus this angle is therefore the bend at the hips.
    """
    s = SIDES[side]
    return angle_from_vertical(hip_mid(xy), xy[:, s["ankle"]], forward)


# --- rear / front view -----------------------------------------------------------


def pelvis_tilt(xy: np.ndarray) -> np.ndarray:
    """Angle of the hip line from horizontal, degrees; positive = left hip higher.

    In image coordinates of a rear view the runner's left hip is on the left of the
    picture; of a front view, on the right. The sign is anatomical either way.
    """
    left, right = xy[:, L.LEFT_HIP], xy[:, L.RIGHT_HIP]
    return np.degrees(
        np.arctan2(right[:, 1] - left[:, 1], np.abs(right[:, 0] - left[:, 0]))
    )


def lateral_trunk_lean(xy: np.ndarray) -> np.ndarray:
    """Trunk from vertical in the image plane of a rear/front view, degrees (unsigned side)."""
    d = shoulder_mid(xy) - hip_mid(xy)
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def hip_width(xy: np.ndarray) -> float:
    return _nanmedian(np.abs(xy[:, L.LEFT_HIP, 0] - xy[:, L.RIGHT_HIP, 0]))


def wrist_past_midline(xy: np.ndarray, side: str, hip_px: float) -> np.ndarray:
    """How far the wrist crosses the body midline, in hip widths (>0 = crossed).

    The midline is the vertical through the hip midpoint; "crossed" means the wrist is
    on the other side of it from its own shoulder.
    """
    s = SIDES[side]
    if not hip_px > 0:  # hips overlap: not a rear/front view
        return np.full(len(xy), np.nan)
    mid = hip_mid(xy)[:, 0]
    own = np.sign(xy[:, s["shoulder"], 0] - mid)
    return -own * (xy[:, s["wrist"], 0] - mid) / hip_px


def ankle_from_midline(xy: np.ndarray, side: str, hip_px: float) -> np.ndarray:
    """Ankle's lateral distance from the hip midline toward its own side, hip widths.

    Negative = the foot is across the midline (crossover).
    """
    s = SIDES[side]
    if not hip_px > 0:
        return np.full(len(xy), np.nan)
    mid = hip_mid(xy)[:, 0]
    own = np.sign(xy[:, s["hip"], 0] - mid)
    return own * (xy[:, s["ankle"], 0] - mid) / hip_px
