"""Angle conventions: the one place that defines how formcheck measures angles.

Image coordinates are pixels of the upright frame, x to the right, **y down**.

* **Forward** is the direction the runner faces in a side view: ``forward = +1`` when
  the runner faces screen-right, ``-1`` when facing screen-left. Signed angles below are
  multiplied by it, so the same posture gives the same number in either direction.
* **Segment angle from vertical** (:func:`angle_from_vertical`), degrees in (-180, 180]:
  the angle between the segment ``bottom -> top`` and straight up, **positive when the
  top is forward of the bottom**. Trunk lean is the hip-midpoint -> shoulder-midpoint
  segment: +5 means leaning 5 degrees forward, negative means leaning back.
* **Joint angle** (:func:`joint_angle`), degrees in [0, 180]: the interior angle at
  the middle point. A straight knee is 180; knee *flexion* is ``180 - joint_angle``.
* **Segment angle from horizontal** (:func:`angle_from_horizontal`): the angle of
  ``back -> front`` above the horizontal, positive when the front end is higher (a foot
  with the toes up is positive).

``docs/metrics.md`` restates these for users.
"""

from __future__ import annotations

import numpy as np


def angle_from_vertical(
    top: np.ndarray, bottom: np.ndarray, forward: float
) -> np.ndarray:
    """Signed angle of ``bottom -> top`` from straight up, forward positive, degrees.

    Args:
        top, bottom: ``(..., 2)`` pixel positions.
        forward: +1 if the runner faces screen-right, -1 if screen-left.
    """
    d = np.asarray(top, np.float64) - np.asarray(bottom, np.float64)
    # y grows downward, so "up" is -y.
    return np.degrees(np.arctan2(forward * d[..., 0], -d[..., 1]))


def angle_from_horizontal(back: np.ndarray, front: np.ndarray) -> np.ndarray:
    """Angle of ``back -> front`` above horizontal, degrees (front higher is positive).

    The sign does not depend on the facing direction: ``back`` and ``front`` already say
    which end is which.
    """
    d = np.asarray(front, np.float64) - np.asarray(back, np.float64)
    return np.degrees(np.arctan2(-d[..., 1], np.abs(d[..., 0])))


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle ``a-b-c`` at ``b`` in degrees, in [0, 180]; NaN if a side is zero."""
    u = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    v = np.asarray(c, np.float64) - np.asarray(b, np.float64)
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Midpoint of two ``(..., 2)`` point arrays."""
    return (np.asarray(a, np.float64) + np.asarray(b, np.float64)) / 2.0
