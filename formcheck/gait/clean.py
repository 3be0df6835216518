"""Pose track -> clean track: left/right repair, masking, gap filling, low-pass filter.

Pure numpy/scipy; no I/O. The steps, in order:

1. **Left/right identity repair** (:func:`repair_leg_swaps`). In side views MediaPipe
   sometimes gives the near leg the far leg's labels (a few % of frames). Each frame
   is either *kept* or *swapped*; the choice is a Viterbi path over the pair of states
   of consecutive frames, scoring how well each leg continues at constant velocity
   (hip-relative, so a panning camera or a runner crossing the frame does not matter)
   plus a small penalty for changing state. The whole leg (hip, knee, ankle, heel,
   foot index) and its visibility are swapped together. Which of the two consistent
   labellings is "left" is decided by majority: MediaPipe is right in most frames.
2. **Masking**: undetected frames and landmarks with visibility below
   ``min_visibility`` become NaN.
3. **Gap filling**: gaps up to ``max_gap_s`` are filled by linear interpolation in
   time; longer gaps stay NaN (never invent long stretches).
4. **Zero-phase Butterworth low-pass** (``sosfiltfilt``) on each contiguous valid run
   separately; runs too short for the filter's padding are left unfiltered.

Assumptions:
    * Timestamps may be variable-frame-rate. The filter is applied to the samples as
      they are, at the nominal rate ``fps = median(1 / diff(time_s))`` (no
      resampling). That is exact for constant-rate video and close enough for phone
      VFR, whose intervals jitter by a few percent.
    * The cut-off is ``min(cutoff_hz, max_cutoff_nyquist * fps / 2)``, so it always
      stays below Nyquist (at 24 fps a 10 Hz cut-off becomes 9.6 Hz).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from formcheck.config import DEFAULT, Thresholds
from formcheck.gait.types import CleanTrack
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.track import PoseTrack

#: The landmarks of one leg, swapped together by the identity repair.
LEFT_LEG = (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)
RIGHT_LEG = (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)
#: Landmarks that score the constant-velocity continuation (hips coincide in a side
#: view, so they carry no information about identity).
_SCORED = (1, 2, 3, 4)


def nominal_fps(time_s: np.ndarray) -> float:
    """Median frame rate of ``time_s`` (0.0 for fewer than two frames)."""
    if len(time_s) < 2:
        return 0.0
    return float(1.0 / np.median(np.diff(time_s)))


def leg_length_px(xy: np.ndarray) -> float:
    """Median hip-knee-ankle length over frames and both legs, pixels (NaN if unknown).

    Args:
        xy: ``(n, 33, 2)`` landmark positions (NaN allowed).
    """
    lengths = []
    for hip, knee, ankle in (
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
    ):
        thigh = np.linalg.norm(xy[:, knee] - xy[:, hip], axis=-1)
        shank = np.linalg.norm(xy[:, ankle] - xy[:, knee], axis=-1)
        lengths.append(thigh + shank)
    values = np.concatenate(lengths)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) else float("nan")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index pairs of the True runs of a 1-D bool array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def _swap_states(
    legs: np.ndarray, scale: float, penalty: float, prior: float
) -> np.ndarray:
    """Viterbi over (previous state, state) pairs for one run of detected frames.

    Args:
        legs: ``(n, 2, k, 2)`` hip-relative positions of the (left, right) leg
            landmarks as labelled by the model.
        scale: leg length in pixels (costs are in leg lengths).
        penalty: cost of a change of state, leg lengths.
        prior: cost of each frame in the swapped state, leg lengths (the model's
            labels are right in most frames, so a swap must pay for itself).

    Returns:
        ``(n,)`` bool, True where the labels should be swapped. Up to a global swap;
        the caller picks the labelling.
    """
    n = len(legs)
    if n < 3:
        return np.zeros(n, bool)
    # as_state[t, s] = (left, right) legs in frame t if the state is s (0 kept, 1 swapped)
    as_state = np.stack([legs, legs[:, ::-1]], axis=1)  # (n, 2, 2, k, 2)
    # cost[t, a, b, c]: frame t in state c, predicted from t-1 (state b), t-2 (state a).
    pred = (
        2.0 * as_state[1:-1, None, :] - as_state[:-2, :, None]
    )  # (n-2, a, b, 2, k, 2)
    err = np.linalg.norm(as_state[2:, None, None, :] - pred[:, :, :, None], axis=-1)
    cost = err.sum(axis=(-1, -2)) / scale  # (n-2, a, b, c)
    cost += penalty * (np.arange(2)[:, None] != np.arange(2)[None, :])[None, None]
    cost += prior * np.arange(2)[None, None, None, :]
    # Viterbi over pair states (b, c) at frame t; pair (a, b) at frame t-1.
    acc = np.zeros((2, 2))  # (s_{0}, s_{1}) for frame 1
    acc += penalty * (np.arange(2)[:, None] != np.arange(2)[None, :])
    acc += prior * (np.arange(2)[:, None] + np.arange(2)[None, :])
    back = np.zeros((n - 2, 2, 2), np.int8)
    for t in range(n - 2):
        total = acc[:, :, None] + cost[t]  # (a, b, c)
        back[t] = np.argmin(total, axis=0)  # best a for each (b, c)
        acc = np.min(total, axis=0)
    states = np.zeros(n, np.int8)
    b, c = np.unravel_index(int(np.argmin(acc)), acc.shape)
    states[-2], states[-1] = b, c
    for t in range(n - 3, -1, -1):
        a = back[t, states[t + 1], states[t + 2]]
        states[t] = a
    return states.astype(bool)


def repair_leg_swaps(
    xy: np.ndarray,
    detected: np.ndarray,
    penalty_ll: float,
    prior_ll_per_s: float = 0.0,
    fps: float = 30.0,
) -> np.ndarray:
    """Which frames have the legs' left/right labels swapped.

    Args:
        xy: ``(n, 33, 2)`` pixel positions as labelled by the model.
        detected: ``(n,)`` bool, frames with a person.
        penalty_ll: cost of a change of state, in leg lengths.
        prior_ll_per_s: cost of being in the swapped state, leg lengths per second
            (per frame it is this over ``fps``, so it means the same at any rate).
        fps: nominal frame rate.

    Returns:
        ``(n,)`` bool, True where the leg labels should be swapped back.
    """
    n = len(xy)
    swapped = np.zeros(n, bool)
    scale = leg_length_px(xy[detected]) if detected.any() else float("nan")
    if not np.isfinite(scale) or scale <= 0:
        return swapped
    left = xy[:, LEFT_LEG].astype(np.float64)
    right = xy[:, RIGHT_LEG].astype(np.float64)
    hip = 0.5 * (left[:, :1] + right[:, :1])
    legs = np.stack([left - hip, right - hip], axis=1)[:, :, _SCORED]  # (n, 2, k, 2)
    usable = detected & np.isfinite(legs).all(axis=(1, 2, 3))
    for start, stop in _runs(usable):
        states = _swap_states(
            legs[start:stop], scale, penalty_ll, prior_ll_per_s / max(fps, 1e-9)
        )
        # MediaPipe is right in most frames: keep the labelling with fewer swaps.
        if states.mean() > 0.5:
            states = ~states
        swapped[start:stop] = states
    return swapped


def _apply_swaps(
    xy: np.ndarray, vis: np.ndarray, swapped: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    xy, vis = xy.copy(), vis.copy()
    lft, rgt = list(LEFT_LEG), list(RIGHT_LEG)
    rows = np.flatnonzero(swapped)[:, None]
    xy[rows, lft + rgt] = xy[rows, rgt + lft]
    vis[rows, lft + rgt] = vis[rows, rgt + lft]
    return xy, vis


def fill_short_gaps(
    values: np.ndarray, time_s: np.ndarray, max_gap_s: float
) -> np.ndarray:
    """Linearly interpolate NaN gaps of a 1-D series that last at most ``max_gap_s``.

    A gap's duration is the time between the valid samples on either side minus one
    frame interval, i.e. the time the gap really covers. Gaps at the ends stay NaN.
    """
    out = values.copy()
    valid = np.isfinite(values)
    if valid.sum() < 2:
        return out
    for start, stop in _runs(~valid):
        if start == 0 or stop == len(values):
            continue
        t0, t1 = time_s[start - 1], time_s[stop]
        span = (t1 - t0) - (t1 - t0) / (stop - start + 1)
        if span <= max_gap_s + 1e-9:
            out[start:stop] = np.interp(
                time_s[start:stop], [t0, t1], [values[start - 1], values[stop]]
            )
    return out


def lowpass_runs(
    values: np.ndarray, fps: float, cutoff_hz: float, order: int
) -> np.ndarray:
    """Zero-phase Butterworth low-pass of each contiguous finite run of a 1-D series.

    Runs no longer than the filter's edge padding are returned unfiltered.
    """
    out = values.copy()
    if fps <= 0 or cutoff_hz <= 0:
        return out
    sos = signal.butter(order, cutoff_hz, btype="low", fs=fps, output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    for start, stop in _runs(np.isfinite(values)):
        if stop - start > padlen:
            out[start:stop] = signal.sosfiltfilt(sos, values[start:stop])
    return out


def effective_cutoff_hz(fps: float, thresholds: Thresholds = DEFAULT) -> float:
    """The cut-off actually used at ``fps``: capped below Nyquist."""
    c = thresholds.cleaning
    return float(min(c.cutoff_hz, c.max_cutoff_nyquist * fps / 2.0))


def clean_track(track: PoseTrack, thresholds: Thresholds = DEFAULT) -> CleanTrack:
    """Repair left/right swaps, mask, fill short gaps and low-pass filter a track.

    Args:
        track: the raw pose track.
        thresholds: uses the ``cleaning`` section.

    Returns:
        The clean track (same frames as ``track``).

    Example:
        >>> from formcheck.pose.track import PoseTrack
        >>> len(clean_track(PoseTrack.empty(640, 480)))
        0
    """
    c = thresholds.cleaning
    fps = nominal_fps(track.time_s)
    detected = track.detected.astype(bool)
    raw = np.where(detected[:, None, None], track.xy.astype(np.float64), np.nan)
    swapped = repair_leg_swaps(
        raw, detected, c.swap_penalty_ll, c.swap_prior_ll_per_s, fps
    )
    raw, vis = _apply_swaps(raw, track.visibility.astype(np.float32), swapped)
    observed = detected[:, None] & (vis >= c.min_visibility) & np.isfinite(raw).all(-1)
    raw[~observed] = np.nan
    xy = np.empty_like(raw)
    cutoff = effective_cutoff_hz(fps, thresholds)
    for j in range(raw.shape[1]):
        for k in range(2):
            filled = fill_short_gaps(raw[:, j, k], track.time_s, c.max_gap_s)
            xy[:, j, k] = lowpass_runs(filled, fps, cutoff, c.filter_order)
    return CleanTrack(
        frame_index=track.frame_index.copy(),
        time_s=track.time_s.astype(np.float64),
        xy=xy,
        visibility=vis,
        observed=observed,
        swapped=swapped,
        fps=fps,
        width=track.width,
        height=track.height,
    )
