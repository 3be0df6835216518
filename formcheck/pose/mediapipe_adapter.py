"""MediaPipe PoseLandmarker (Tasks API) behind a small typed interface.

This is the only module that imports MediaPipe. It converts MediaPipe's normalised
landmarks to pixel coordinates of the frame it was given, once, in
:func:`observations_from_result`; everything downstream works on numpy arrays.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from formcheck import native_logs
from formcheck.errors import ModelError
from formcheck.pose.landmarks import NUM_LANDMARKS


@dataclass(frozen=True)
class PoseObservation:
    """One person's landmarks in one frame.

    Attributes:
        xy: ``(33, 2)`` pixels of the frame given to the detector (x right, y down).
        z: ``(33,)`` relative depth in the same pixel scale as x.
        visibility: ``(33,)`` in [0, 1].
        presence: ``(33,)`` in [0, 1].
        world: ``(33, 3)`` metres, origin between the hips.
    """

    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray


def _as_array(landmarks, fields: tuple[str, ...]) -> np.ndarray:
    return np.array(
        [
            [getattr(lm, f) if getattr(lm, f) is not None else np.nan for f in fields]
            for lm in landmarks
        ],
        dtype=np.float32,
    ).reshape(-1, len(fields))


def observations_from_result(result, width: int, height: int) -> list[PoseObservation]:
    """Convert a ``PoseLandmarkerResult`` to pixel-space observations, one per person."""
    out = []
    worlds = getattr(result, "pose_world_landmarks", None) or []
    for k, pose in enumerate(result.pose_landmarks or []):
        arr = _as_array(pose, ("x", "y", "z", "visibility", "presence"))
        if arr.shape[0] != NUM_LANDMARKS:
            continue
        xy = arr[:, :2] * np.array([width, height], dtype=np.float32)
        z = arr[:, 2] * width  # MediaPipe scales z like x
        if k < len(worlds):
            world = _as_array(worlds[k], ("x", "y", "z"))
        else:
            world = np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
        out.append(
            PoseObservation(
                xy=xy,
                z=z,
                visibility=np.nan_to_num(arr[:, 3], nan=0.0),
                presence=np.nan_to_num(arr[:, 4], nan=0.0),
                world=world,
            )
        )
    return out


class PoseEstimator:
    """MediaPipe PoseLandmarker in VIDEO mode, as a context manager.

    Timestamps must increase strictly; :meth:`detect` takes seconds and makes the
    integer-millisecond timestamps MediaPipe needs, nudging equal ones forward so
    high-frame-rate or variable-frame-rate video never trips MediaPipe's check.

    Example:
        >>> with PoseEstimator("models/pose_landmarker_full.task") as est:  # doctest: +SKIP
        ...     people = est.detect(frame_rgb, time_s=0.0)
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        num_poses: int = 1,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        self.model_path = str(model_path)
        self.num_poses = num_poses
        self._conf = (
            min_detection_confidence,
            min_presence_confidence,
            min_tracking_confidence,
        )
        self._landmarker = None
        self._last_ms = -1
        self._native_logs_pending = True

    def __enter__(self) -> PoseEstimator:
        # Imported here so importing formcheck stays fast and MediaPipe-free.
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=self.model_path),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=self.num_poses,
            min_pose_detection_confidence=self._conf[0],
            min_pose_presence_confidence=self._conf[1],
            min_tracking_confidence=self._conf[2],
        )
        try:
            with native_logs.silenced():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
                # The first inference initialises more native code that logs too.
                warmup = np.zeros((64, 64, 3), np.uint8)
                self.detect(warmup, 0.0)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"MediaPipe could not load the pose model {self.model_path}: {exc}"
            ) from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._landmarker is not None:
            # mediapipe >= 1.2.3 logs a line per accelerator it destroys.
            with native_logs.silenced():
                self._landmarker.close()
            self._landmarker = None

    def detect(self, image: np.ndarray, time_s: float) -> list[PoseObservation]:
        """Detect people in an ``(H, W, 3)`` uint8 RGB frame shown at ``time_s``."""
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator must be used as a context manager")
        import mediapipe as mp

        ms = max(int(round(time_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        mp_image = mp.Image(
            image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)
        )
        if self._native_logs_pending:
            # MediaPipe logs once more at its first landmark projection.
            with native_logs.silenced():
                result = self._landmarker.detect_for_video(mp_image, ms)
            self._native_logs_pending = not result.pose_landmarks
        else:
            result = self._landmarker.detect_for_video(mp_image, ms)
        return observations_from_result(result, image.shape[1], image.shape[0])
