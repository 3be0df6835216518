"""The camera's path over a clip, from its frame-to-frame motion (pure numpy).

:class:`~formcheck.camera.CameraMotion` says how far the background moved between
consecutive frames. Summed, that is where the camera was looking at each frame,
relative to the first: a point fixed in the scene at image position ``x`` in frame
``k`` sits at ``x - offset[k]`` in the scene frame of frame 0 (for a pan or tilt;
zoom is not undone here).

A frame whose motion could not be measured is bridged by interpolating the motion
of its neighbours (a pan is smooth over a few frames), but only over short gaps: a
camera path with long unmeasured stretches is reported as unknown, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.camera import CameraMotion


@dataclass(frozen=True)
class CameraPath:
    """Where the camera looked, frame by frame.

    Attributes:
        offset: ``(n, 2)`` cumulative background shift since the first frame, in
            pixels (x right, y down); NaN where unknown.
        measured_share: share of frames whose motion was measured (0..1).
    """

    offset: np.ndarray
    measured_share: float

    @property
    def known(self) -> bool:
        """True when the path is known for the whole clip."""
        return bool(len(self.offset)) and bool(np.isfinite(self.offset).all())


def camera_path(motion: CameraMotion | None, max_gap: int) -> CameraPath:
    """Sum frame-to-frame motion into a path, bridging gaps of up to ``max_gap``
    frames; a longer gap leaves the whole path unknown.

    The first frame's motion (there is no frame before it) counts as zero.
    """
    if motion is None or len(motion) == 0:
        return CameraPath(np.full((0, 2), np.nan), 0.0)
    n = len(motion)
    d = np.stack([motion.dx, motion.dy], 1).astype(np.float64)
    ok = np.isfinite(d).all(1)
    share = float(ok[1:].mean()) if n > 1 else 1.0
    ok[0], d[0] = True, 0.0
    if not _gaps_at_most(ok, max_gap):
        return CameraPath(np.full((n, 2), np.nan), share)
    k = np.arange(n)
    for j in range(2):
        d[~ok, j] = np.interp(k[~ok], k[ok], d[ok, j])
    return CameraPath(np.cumsum(d, 0), share)


def _gaps_at_most(ok: np.ndarray, max_gap: int) -> bool:
    """Whether no run of False in ``ok`` is longer than ``max_gap``."""
    run = 0
    for good in ok:
        run = 0 if good else run + 1
        if run > max_gap:
            return False
    return True


def steadied(xy: np.ndarray, path: CameraPath) -> np.ndarray:
    """Landmarks with the camera's vertical motion taken out, where it is known.

    A handheld phone shakes and tilts: every point in the picture, the feet
    included, moves up and down with it, which a foot's height above the ground
    must not see. Subtracting the camera's vertical path puts every frame at the
    first frame's height. Horizontal motion is left in: everything that uses it
    (footprints, ground speed) is measured relative to the hips, which move with
    the camera too. When the path is unknown the landmarks are returned as they are.

    Args:
        xy: ``(n, k, 2)`` pixels.
        path: the camera's path over the same frames.
    """
    if not path.known or len(path.offset) != len(xy):
        return xy
    out = np.array(xy, copy=True)
    out[..., 1] -= path.offset[:, 1, None].astype(out.dtype)
    return out
