"""How the camera moved between frames, measured on the background (OpenCV adapter).

A friend panning a phone to follow a runner keeps the runner near the middle of the
picture: from the landmarks alone that looks exactly like a treadmill. The background
tells them apart. Between consecutive frames, corners are tracked outside the people
(pyramidal Lucas-Kanade on a small grey copy of the frame) and a similarity transform
(shift, scale, rotation) is fitted to them robustly (RANSAC), so the runner's own
motion and a few wrong tracks do not count. The shift is the camera's pan/tilt in
image pixels, the scale its zoom.

Assumptions, stated: the background is far enough, or flat enough, that one similarity
transform describes its motion (true for a pan or tilt from one spot, a slow zoom and
handshake; parallax of a camera moving past close objects is absorbed as noise by the
robust fit); the people are inside the boxes given. When too few corners can be
tracked (sky, a blank wall, blur), the motion of that frame is NaN and later stages say
it could not be measured, rather than guess.

Nothing downstream imports OpenCV: :class:`CameraMotion` holds plain arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: The grey copy tracked has this longer side (px): enough corners, ~1 ms a frame.
WORK_SIDE = 320
#: Corners looked for in each frame, and the fewest RANSAC inliers that count.
MAX_CORNERS = 200
MIN_INLIERS = 6
#: People's boxes are grown by this share of their size before they are masked out.
BOX_MARGIN = 0.15


@dataclass(frozen=True)
class CameraMotion:
    """Frame-to-frame camera motion over a track.

    Attributes:
        dx, dy: ``(n,)`` float32, how far the background moved in the image since the
            previous analysed frame, in pixels of the full frame (x right, y down).
            A camera panning right makes the background move left: ``dx < 0``.
        scale: ``(n,)`` float32, the background's size change since the previous
            frame (1 = none; > 1 zooming in).
        inliers: ``(n,)`` int32, background corners that agreed (0: not measured).
    ``NaN`` where the motion could not be measured (the first frame of a track or
    of a worker's part, too little background).
    """

    dx: np.ndarray
    dy: np.ndarray
    scale: np.ndarray
    inliers: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.dx)
        for name in ("dy", "scale", "inliers"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"CameraMotion.{name} must have shape ({n},)")

    def __len__(self) -> int:
        return len(self.dx)

    @classmethod
    def unmeasured(cls, n: int) -> CameraMotion:
        nan = np.full(n, np.nan, np.float32)
        return cls(nan, nan.copy(), nan.copy(), np.zeros(n, np.int32))

    @classmethod
    def concat(cls, parts: Sequence[CameraMotion]) -> CameraMotion:
        if not parts:
            return cls.unmeasured(0)
        return cls(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("dx", "dy", "scale", "inliers")
            )
        )

    @property
    def measured(self) -> np.ndarray:
        """``(n,)`` bool: frames whose motion was measured."""
        return np.isfinite(self.dx)


class MotionTracker:
    """Feeds on consecutive frames; returns each frame's motion since the last one.

    Example:
        >>> tracker = MotionTracker()  # doctest: +SKIP
        >>> dx, dy, scale, inliers = tracker.step(frame.image, boxes)
    """

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._prev_mask: np.ndarray | None = None

    def step(
        self, image: np.ndarray, boxes: Sequence[np.ndarray] = ()
    ) -> tuple[float, float, float, int]:
        """Motion of the background from the previous frame to ``image``.

        Args:
            image: ``(H, W, 3)`` uint8 RGB.
            boxes: people's boxes ``(x0, y0, x1, y1)`` in pixels of ``image``.

        Returns:
            ``(dx, dy, scale, inliers)`` in pixels of ``image``; NaNs and 0 when not
            measured.
        """
        import cv2  # the adapter's only dependency, imported when used

        h, w = image.shape[:2]
        f = min(1.0, WORK_SIDE / max(h, w))
        small = cv2.resize(
            image,
            (max(1, round(w * f)), max(1, round(h * f))),
            interpolation=cv2.INTER_AREA,
        )
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        mask = np.full(grey.shape, 255, np.uint8)
        for box in boxes:
            x0, y0, x1, y1 = (float(v) * f for v in box)
            if not all(np.isfinite([x0, y0, x1, y1])):
                continue
            mx, my = BOX_MARGIN * (x1 - x0), BOX_MARGIN * (y1 - y0)
            mask[
                max(0, int(y0 - my)) : max(0, int(np.ceil(y1 + my))),
                max(0, int(x0 - mx)) : max(0, int(np.ceil(x1 + mx))),
            ] = 0
        prev, prev_mask = self._prev, self._prev_mask
        self._prev, self._prev_mask = grey, mask
        nothing = (float("nan"), float("nan"), float("nan"), 0)
        if prev is None or prev.shape != grey.shape:
            return nothing
        corners = cv2.goodFeaturesToTrack(
            prev, MAX_CORNERS, qualityLevel=0.01, minDistance=6, mask=prev_mask
        )
        if corners is None or len(corners) < MIN_INLIERS:
            return nothing
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(
            prev, grey, corners, None, winSize=(21, 21), maxLevel=3
        )
        ok = ok.ravel().astype(bool)
        a, b = corners[ok].reshape(-1, 2), moved[ok].reshape(-1, 2)
        # A corner that lands on a person in this frame is not background.
        on_bg = (
            mask[
                np.clip(b[:, 1].astype(int), 0, mask.shape[0] - 1),
                np.clip(b[:, 0].astype(int), 0, mask.shape[1] - 1),
            ]
            > 0
        )
        a, b = a[on_bg], b[on_bg]
        if len(a) < MIN_INLIERS:
            return nothing
        fit, inl = cv2.estimateAffinePartial2D(
            a, b, method=cv2.RANSAC, ransacReprojThreshold=1.0
        )
        n_in = int(inl.sum()) if inl is not None else 0
        if fit is None or n_in < MIN_INLIERS:
            return nothing
        scale = float(np.hypot(fit[0, 0], fit[1, 0]))
        # The shift of the frame's centre, so a zoom does not read as a pan.
        cx, cy = grey.shape[1] / 2, grey.shape[0] / 2
        centre = fit[:, :2] @ np.array([cx, cy]) + fit[:, 2]
        dx, dy = (centre - np.array([cx, cy])) / f
        return float(dx), float(dy), scale, n_in
