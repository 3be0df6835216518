"""Synthetic side-view runners with exactly known kinematics, for tests and validation.

Example:
    >>> from formcheck.synth import PRESETS, SceneParams, write_clip
    >>> clip = write_clip("good.mp4", PRESETS["good_form"], SceneParams())  # doctest: +SKIP
"""

from formcheck.synth.camera import CameraTrack, camera_track, frame_times
from formcheck.synth.kinematics import RunnerParams, simulate
from formcheck.synth.presets import PRESETS
from formcheck.synth.render import (
    SceneParams,
    SynthClip,
    ground_truth,
    iter_frames,
    write_clip,
)

__all__ = [
    "PRESETS",
    "CameraTrack",
    "RunnerParams",
    "SceneParams",
    "SynthClip",
    "camera_track",
    "frame_times",
    "ground_truth",
    "iter_frames",
    "simulate",
    "write_clip",
]
