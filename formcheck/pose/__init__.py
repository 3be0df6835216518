"""Pose data: the landmark layout and the typed pose track.

Nothing in this package except :mod:`formcheck.pose.mediapipe_adapter` imports
MediaPipe; downstream code only sees :class:`~formcheck.pose.track.PoseTrack`.
"""

from formcheck.pose.landmarks import LANDMARK_NAMES, NUM_LANDMARKS, Landmark
from formcheck.pose.track import PoseTrack

__all__ = ["LANDMARK_NAMES", "NUM_LANDMARKS", "Landmark", "PoseTrack"]
