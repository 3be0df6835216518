"""The pose track: every landmark of every analysed frame, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.pose.landmarks import NUM_LANDMARKS


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks of one person over the analysed frames of a video.

    Frames where no person was found are kept, not dropped: ``detected`` is False and
    their landmark values are NaN.

    Attributes:
        frame_index: ``(n,)`` int64, 0-based frame number in decode order.
        time_s: ``(n,)`` float64, presentation time of the frame in seconds (exact, so
            variable-frame-rate video keeps its real timing).
        xy: ``(n, 33, 2)`` float32, landmark position in pixels of the upright frame
            (x to the right, y down).
        z: ``(n, 33)`` float32, MediaPipe's relative depth, in the same pixel scale as x
            (smaller is nearer the camera; origin at the hips).
        visibility: ``(n, 33)`` float32 in [0, 1], likelihood the landmark is visible.
        presence: ``(n, 33)`` float16 in [0, 1], likelihood the landmark is in frame.
        world: ``(n, 33, 3)`` float16, metric 3D landmarks in metres, origin between the
            hips (MediaPipe world landmarks). float16 (about 0.5 mm resolution within
            a metre of the hips) because no metric reads these two yet and a long clip
            holds tens of thousands of frames of them.
        detected: ``(n,)`` bool, whether a person was found in the frame.
        width, height: size of the upright frame in pixels.
    """

    frame_index: np.ndarray
    time_s: np.ndarray
    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray
    detected: np.ndarray
    width: int
    height: int

    def __post_init__(self) -> None:
        n = len(self.frame_index)
        expected = {
            "frame_index": (n,),
            "time_s": (n,),
            "xy": (n, NUM_LANDMARKS, 2),
            "z": (n, NUM_LANDMARKS),
            "visibility": (n, NUM_LANDMARKS),
            "presence": (n, NUM_LANDMARKS),
            "world": (n, NUM_LANDMARKS, 3),
            "detected": (n,),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(
                    f"PoseTrack.{name} has shape {actual}, expected {shape}"
                )
        if self.detected.dtype != np.bool_:
            raise ValueError("PoseTrack.detected must be a bool array")
        if n > 1 and not np.all(np.diff(self.time_s) > 0):
            raise ValueError("PoseTrack.time_s must be strictly increasing")

    def __len__(self) -> int:
        return len(self.frame_index)

    @classmethod
    def empty(cls, width: int = 0, height: int = 0) -> PoseTrack:
        """A track with no frames."""
        return cls.allocate(0, width, height)

    @classmethod
    def allocate(cls, n: int, width: int, height: int) -> PoseTrack:
        """A track of ``n`` frames with nothing detected (NaN landmarks), to be filled."""
        nan = np.float32("nan")
        return cls(
            frame_index=np.zeros(n, np.int64),
            time_s=np.arange(n, dtype=np.float64),
            xy=np.full((n, NUM_LANDMARKS, 2), nan, np.float32),
            z=np.full((n, NUM_LANDMARKS), nan, np.float32),
            visibility=np.zeros((n, NUM_LANDMARKS), np.float32),
            presence=np.zeros((n, NUM_LANDMARKS), np.float16),
            world=np.full((n, NUM_LANDMARKS, 3), nan, np.float16),
            detected=np.zeros(n, np.bool_),
            width=width,
            height=height,
        )

    @property
    def detection_rate(self) -> float:
        """Fraction of frames with a person detected (0 for an empty track)."""
        return float(self.detected.mean()) if len(self) else 0.0
