"""Per-frame measurements available from the pose track alone.

Conventions (sign, reference, units) are defined in :mod:`formcheck.metrics.angles`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.gait.view import infer_facing as view_facing
from formcheck.metrics.angles import angle_from_vertical, joint_angle, midpoint
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.track import PoseTrack

#: Landmarks below this visibility are treated as unseen.
MIN_VISIBILITY = 0.5


@dataclass(frozen=True)
class FrameMetrics:
    """Per-frame values, each ``(n,)`` float64 with NaN where not measurable.

    Attributes:
        facing: ``"right"``, ``"left"`` or ``"unknown"``: the screen direction the
            runner faces (side view), from the nose relative to the ears.
        columns: metric name -> values, in a stable order for tables and CSV.
        units: metric name -> unit string.
    """

    facing: str
    columns: dict[str, np.ndarray]
    units: dict[str, str]


def infer_facing(track: PoseTrack) -> str:
    """Screen direction the runner faces, as a string for tables.

    A thin wrapper of :func:`formcheck.gait.view.infer_facing` (the one facing
    function: nose ahead of the ears and toes ahead of the heels, voted per frame).
    Returns ``"unknown"`` when the votes are too few or split (front or rear view, or
    a person who turns around).
    """
    if not track.detected.any():
        return "unknown"
    facing, _, _ = view_facing(track.xy[track.detected])
    return facing or "unknown"


def _masked(track: PoseTrack, lm: L) -> np.ndarray:
    xy = track.xy[:, lm].astype(np.float64)
    xy[track.visibility[:, lm] < MIN_VISIBILITY] = np.nan
    return xy


def frame_metrics(track: PoseTrack, facing: str | None = None) -> FrameMetrics:
    """Compute the per-frame table for ``track``.

    Args:
        track: the pose track.
        facing: override the facing direction (``"left"``/``"right"``).
    """
    facing = facing or infer_facing(track)
    forward = {"right": 1.0, "left": -1.0}.get(facing, np.nan)
    hip = midpoint(track.xy[:, L.LEFT_HIP], track.xy[:, L.RIGHT_HIP])
    shoulder = midpoint(track.xy[:, L.LEFT_SHOULDER], track.xy[:, L.RIGHT_SHOULDER])
    cols: dict[str, np.ndarray] = {
        "trunk_lean_deg": angle_from_vertical(shoulder, hip, forward),
        "hip_x_px": hip[:, 0],
        "hip_y_px": hip[:, 1],
    }
    units = {"trunk_lean_deg": "deg", "hip_x_px": "px", "hip_y_px": "px"}
    for side, (h, k, a) in {
        "left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
    }.items():
        cols[f"knee_{side}_deg"] = joint_angle(
            _masked(track, h), _masked(track, k), _masked(track, a)
        )
        units[f"knee_{side}_deg"] = "deg"
    for side, a in (("left", L.LEFT_ANKLE), ("right", L.RIGHT_ANKLE)):
        ankle = _masked(track, a)
        cols[f"ankle_{side}_x_px"] = ankle[:, 0]
        cols[f"ankle_{side}_y_px"] = ankle[:, 1]
        units[f"ankle_{side}_x_px"] = units[f"ankle_{side}_y_px"] = "px"
    return FrameMetrics(facing=facing, columns=cols, units=units)
