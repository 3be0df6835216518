"""Typed records of the measurement stages (issue: running-form measurement).

    PoseTrack --clean_track--> CleanTrack --classify_view--> View
              CleanTrack + View --detect_events--> list[GaitEvent]

All of these are pure data; the functions that make them live in
``formcheck.gait.clean``, ``formcheck.gait.view`` and ``formcheck.gait.events`` and
do no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.pose.landmarks import NUM_LANDMARKS

Foot = Literal["left", "right"]
EventType = Literal["initial_contact", "toe_off"]
ViewKind = Literal["side", "front", "rear", "unknown"]
Activity = Literal["running", "walking", "standing", "none"]


@dataclass(frozen=True)
class CleanTrack:
    """The pose track after masking, gap filling, filtering and left/right repair.

    Attributes:
        frame_index: ``(n,)`` int64, frame number in decode order (as in PoseTrack).
        time_s: ``(n,)`` float64, presentation times.
        xy: ``(n, 33, 2)`` float64 pixels, low-pass filtered; NaN where unknown
            (undetected frames, low visibility, gaps longer than the fill limit).
        visibility: ``(n, 33)`` float32, MediaPipe visibility (after swap repair).
        observed: ``(n, 33)`` bool, True where the value comes from a confident
            detection (False where it was interpolated or is NaN).
        swapped: ``(n,)`` bool, True where MediaPipe's left/right labels of the legs
            were swapped back by the repair.
        fps: float, nominal frame rate used for filtering (median of 1/diff(time_s)).
        width, height: frame size in pixels.
    """

    frame_index: np.ndarray
    time_s: np.ndarray
    xy: np.ndarray
    visibility: np.ndarray
    observed: np.ndarray
    swapped: np.ndarray
    fps: float
    width: int
    height: int

    def __post_init__(self) -> None:
        n = len(self.frame_index)
        shapes = {
            "time_s": (n,),
            "xy": (n, NUM_LANDMARKS, 2),
            "visibility": (n, NUM_LANDMARKS),
            "observed": (n, NUM_LANDMARKS),
            "swapped": (n,),
        }
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise ValueError(
                    f"CleanTrack.{name} has shape {getattr(self, name).shape}, "
                    f"expected {shape}"
                )

    def __len__(self) -> int:
        return len(self.frame_index)


@dataclass(frozen=True)
class View:
    """How the runner was filmed, and what they are doing.

    Attributes:
        kind: camera view relative to the runner.
        facing: screen direction the runner faces in a side view, else None.
        treadmill: True if the runner stays in place (treadmill), False if they move
            over the ground (camera static or panning), None if unknown.
        activity: what the person is doing; only ``"running"`` gets running metrics.
        confidence: 0..1, how clear-cut the classification is.
        reasons: short human-readable notes on how it was decided.
        slowed_cadence_spm: set when the body moves like a runner (the hips'
            bounce, swing knee and elbows all say running) but at a cadence no
            runner has: the clip plays in slow motion. The cadence measured in the
            video's own time; ``None`` otherwise.
    """

    kind: ViewKind
    facing: Literal["left", "right"] | None
    treadmill: bool | None
    activity: Activity
    confidence: float
    reasons: tuple[str, ...] = ()
    slowed_cadence_spm: float | None = None


@dataclass(frozen=True)
class GaitEvent:
    """One foot event.

    Attributes:
        type: ``"initial_contact"`` (foot touches down) or ``"toe_off"``.
        foot: which foot (the runner's anatomical side).
        frame: index into the track (0..n-1), the frame nearest the event.
        time_s: event time in seconds (may be interpolated between frames).
    """

    type: EventType
    foot: Foot
    frame: int
    time_s: float
