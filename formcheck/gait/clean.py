"""Pose track -> clean track: left/right repair, masking, gap filling, low-pass filter.

Pure numpy/scipy; no I/O. The steps, in order:

1. **Left/right identity repair** (:func:`repair_leg_swaps`). In side views MediaPipe
   often gives the near leg the far leg's labels: on rendered runners with known truth
   its labels are right in only 60-85 % of the frames with the feet apart, wrong in
   whole half-strides at a time, and its depth (``z``) and visibility follow its own
   labels, so they carry no independent near/far evidence. Frame-to-frame continuity
   fails too: MediaPipe puts both feet in between at the passes. What is label-free
   and robust is the gait's structure: the feet pass each other once per step
   (prominent minima of their horizontal distance), and between passes the same foot
   stays in front. That fixes every frame's labelling up to one choice per run of
   detected frames, made by majority with MediaPipe's labels. The whole leg (hip,
   knee, ankle, heel, foot index) and its visibility are swapped together.
2. **Masking**: undetected frames, landmarks with visibility below
   ``min_visibility``, and leg points far off their own running median
   (:func:`leg_outliers`: MediaPipe's one- or two-frame "both feet together" glitches)
   become NaN.
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

import warnings

import numpy as np

from formcheck.config import DEFAULT, Thresholds
from formcheck.gait.types import CleanTrack
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.track import PoseTrack

#: The landmarks of one leg, swapped together by the identity repair.
LEFT_LEG = (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)
RIGHT_LEG = (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)
#: Leg points compared by the repair (knee, ankle, heel, foot index; the hips coincide
#: in a side view, so they carry no information about identity).
_SCORED = (1, 2, 3, 4)


def nominal_fps(time_s: np.ndarray) -> float:
    """Median frame rate of ``time_s`` (0.0 for fewer than two frames)."""
    if len(time_s) < 2:
        return 0.0
    return float(1.0 / np.median(np.diff(time_s)))


def leg_lengths(xy: np.ndarray) -> np.ndarray:
    """``(n, 2)`` hip-knee-ankle length of the left and right leg per frame, pixels
    (NaN where a landmark is missing).

    Args:
        xy: ``(n, 33, 2)`` landmark positions (NaN allowed).
    """
    out = np.empty((len(xy), 2), np.result_type(xy, np.float32))
    for j, (hip, knee, ankle) in enumerate(
        (
            (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
            (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
        )
    ):
        thigh = np.linalg.norm(xy[:, knee] - xy[:, hip], axis=-1)
        shank = np.linalg.norm(xy[:, ankle] - xy[:, knee], axis=-1)
        out[:, j] = thigh + shank
    return out


def leg_length_px(xy: np.ndarray) -> float:
    """Median hip-knee-ankle length over frames and both legs, pixels (NaN if unknown).

    Args:
        xy: ``(n, 33, 2)`` landmark positions (NaN allowed).
    """
    values = leg_lengths(xy)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) else float("nan")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` index pairs of the True runs of a 1-D bool array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def _crossings(sep: np.ndarray, fps: float, min_step_s: float, prominence: float):
    """Indices where the feet pass each other: prominent minima of ``|sep|``.

    ``|sep|`` (the horizontal distance between the feet) does not depend on the
    labels, so a model's label swaps cannot create or hide a crossing. A 50 ms running
    median removes one-frame glitches first (a longer one also blunts real crossings:
    0.2 s lost a quarter of them on MediaPipe's 30 fps tracks).
    """
    from scipy import signal  # lazy: slow to import

    mag = np.abs(sep)
    k = max(1, int(round(0.05 * fps))) | 1
    if len(mag) >= k > 1:
        mag = signal.medfilt(mag, k)
    mins, _ = signal.find_peaks(
        -mag, prominence=prominence, distance=max(1, int(round(min_step_s * fps)))
    )
    return mins


def _swap_states(
    legs: np.ndarray,
    sep: np.ndarray,
    crossings: np.ndarray,
    min_sep: float,
    forward: float,
) -> np.ndarray:
    """Swap state of one run of frames, from the order of the feet between crossings.

    Between two crossings one foot is in front of the other all the time, and at
    each crossing the other leg takes the front. So in the k-th interval the leg on
    the ``+x`` side is leg ``k % 2``; a frame whose labels put the other leg there is
    swapped. Around a pass the horizontal order means nothing, but the height does:
    the foot being passed stands on the ground while the other swings over it, so
    the lower foot is the one that is *behind* after the pass. Other frames with the
    feet too close (``|sep| <= min_sep``) take the labelling that best continues the
    nearest decided frame.

    Args:
        legs: ``(n, 2, 4, 2)`` hip-relative knee, ankle, heel, foot index of the
            (left, right) labelled legs, leg lengths, image axes (y down).
        sep: ``(n,)`` horizontal foot separation, left minus right label.
        crossings: indices of the passes.
        min_sep: separation below which the order is not clear.
        forward: +1 if the runner faces +x (screen right), -1 if -x.

    Returns:
        ``(n,)`` bool; up to a global swap (the caller picks the labelling).
    """
    n = len(sep)
    parity = np.zeros(n, np.int64)
    for m in crossings:
        parity[m:] += 1
    # Repaired "left" is on the +x side in even intervals.
    swap = (sep > 0) != (parity % 2 == 0)
    sure = np.abs(sep) > min_sep
    feet_y = legs[:, :, 1:, 1].mean(axis=-1)  # (n, 2), larger = lower
    for m in crossings:
        lo = m - 1
        while lo >= 0 and not sure[lo]:
            lo -= 1
        hi = m + 1
        while hi < n and not sure[hi]:
            hi += 1
        frames = np.arange(max(lo, 0), min(hi + 1, n))
        # After the pass (interval parity[m]) the leg behind is repaired-left iff
        # (+x is behind) == (even interval).
        behind_is_left = (forward < 0) == (parity[m] % 2 == 0)
        behind = 0 if behind_is_left else 1
        lower = np.argmax(feet_y[frames], axis=1)  # labelled index of the lower foot
        swap[frames] = lower != behind
        sure[frames] = True
    if not sure.any():
        return np.zeros(n, bool)
    idx = np.flatnonzero(sure)
    for t in np.flatnonzero(~sure):
        c = idx[np.argmin(np.abs(idx - t))]
        ref = legs[c, ::-1] if swap[c] else legs[c]
        keep = np.linalg.norm(legs[t] - ref, axis=-1).sum()
        flip = np.linalg.norm(legs[t, ::-1] - ref, axis=-1).sum()
        swap[t] = bool(flip < keep)
    return swap


def repair_leg_swaps(
    xy: np.ndarray,
    detected: np.ndarray,
    fps: float,
    min_step_s: float = 0.2,
    crossing_prominence_ll: float = 0.2,
    min_separation_ll: float = 0.1,
) -> np.ndarray:
    """Which frames have the legs' left/right labels swapped.

    Label-free structure of a side view of a gait: the feet pass each other once per
    step, and between two passes the same foot stays in front. The passes are found
    from the horizontal distance between the feet (which labels cannot change), so
    every frame's leg in front is known up to one choice per run of detected frames;
    that choice is the labelling that agrees with the model in most frames where the
    feet are apart. Runs with fewer than two crossings (standing, front and rear
    views) are left as labelled.

    Args:
        xy: ``(n, 33, 2)`` pixel positions as labelled by the model.
        detected: ``(n,)`` bool, frames with a person.
        fps: nominal frame rate.
        min_step_s: crossings closer than this are one crossing, seconds.
        crossing_prominence_ll: how far the feet must come apart between two
            crossings, leg lengths.
        min_separation_ll: feet closer than this horizontally have no clear order;
            such frames follow the neighbouring frames by continuity, leg lengths.

    Returns:
        ``(n,)`` bool, True where the leg labels should be swapped back.
    """
    n = len(xy)
    swapped = np.zeros(n, bool)
    scale = leg_length_px(xy[detected]) if detected.any() else float("nan")
    if not np.isfinite(scale) or scale <= 0 or fps <= 0:
        return swapped
    left = xy[:, LEFT_LEG].astype(np.float64)
    right = xy[:, RIGHT_LEG].astype(np.float64)
    hip = 0.5 * (left[:, :1] + right[:, :1])
    legs = np.stack([left - hip, right - hip], axis=1)[:, :, _SCORED] / scale
    # Horizontal separation of the feet (ankle, heel, foot index averaged).
    feet = legs[:, :, 1:, 0].mean(axis=-1)  # (n, 2)
    sep = feet[:, 0] - feet[:, 1]
    usable = detected & np.isfinite(legs).all(axis=(1, 2, 3))
    # Which way the runner faces, from the nose (not a leg label) relative to the hips.
    nose = xy[:, L.NOSE, 0] - hip[:, 0, 0]
    forward = 1.0 if np.nanmedian(nose[usable]) >= 0 else -1.0 if usable.any() else 1.0
    # Frames with both feet on one spot (MediaPipe draws both feet on one leg for a
    # frame or two near the far foot's landing) are not crossings: at a real one the
    # swinging foot passes well above the standing one. Their separation is
    # interpolated for finding the crossings.
    gap = np.linalg.norm(
        legs[:, 0, 1:].mean(axis=1) - legs[:, 1, 1:].mean(axis=1), axis=-1
    )
    frame = np.arange(n)
    for start, stop in _runs(usable):
        seg = sep[start:stop].copy()
        together = gap[start:stop] < min_separation_ll
        if together.any() and not together.all():
            seg[together] = np.interp(
                frame[start:stop][together],
                frame[start:stop][~together],
                seg[~together],
            )
        crossings = _crossings(seg, fps, min_step_s, crossing_prominence_ll)
        if len(crossings) < 2:
            continue
        states = _swap_states(
            legs[start:stop], sep[start:stop], crossings, min_separation_ll, forward
        )
        # Of the two consistent labellings, keep the one the model agrees with most
        # where the feet are clearly apart.
        apart = np.abs(sep[start:stop]) > min_separation_ll
        if states[apart].mean() > 0.5:
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


def leg_outliers(
    xy: np.ndarray, time_s: np.ndarray, window_s: float, min_dev_ll: float
) -> np.ndarray:
    """Leg points far off their own running median (Hampel-style), ``(n, 33)`` bool.

    Around the far foot's landing MediaPipe sometimes puts both feet together for a
    frame or two, a jump of 0.3-0.4 leg lengths that no leg makes. Each knee, ankle,
    heel and foot index, relative to the hip centre, is compared with the running
    median of its own track over ``+-window_s``; a point further than ``min_dev_ll``
    leg lengths is an outlier. The median ignores a glitch shorter than half the
    window, while a real movement (even a fast swing) follows the median closely.

    Args:
        xy: ``(n, 33, 2)`` pixel positions after the left/right repair (NaN allowed).
        time_s: ``(n,)`` frame times.
        window_s: half-width of the running median, seconds.
        min_dev_ll: distance from the median that makes an outlier, leg lengths.
    """
    n = len(xy)
    out = np.zeros((n, xy.shape[1]), bool)
    fps = nominal_fps(time_s)
    scale = leg_length_px(xy)
    if n < 3 or fps <= 0 or not np.isfinite(scale) or window_s <= 0:
        return out
    half = max(2, int(round(window_s * fps)))
    hip = 0.5 * (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP])
    for lm in LEFT_LEG[1:] + RIGHT_LEG[1:]:
        rel = (xy[:, lm] - hip) / scale
        # Twice: the second running median leaves out the first pass's clear
        # glitches (twice the limit), so they cannot drag the median far enough to
        # flag their good neighbours too.
        none = np.zeros(n, bool)
        dev = np.linalg.norm(rel - _running_nanmedian(rel, none, half), axis=-1)
        clear = dev > 2 * min_dev_ll
        dev = np.linalg.norm(rel - _running_nanmedian(rel, clear, half), axis=-1)
        out[:, lm] = dev > min_dev_ll
    return out


def _running_nanmedian(values: np.ndarray, skip: np.ndarray, half: int) -> np.ndarray:
    """Running median over ``+-half`` samples of ``(n, k)`` values, leaving out
    ``skip``; NaN where the window is not whole (the track's ends, undetected
    frames): a one-sided median lags a moving foot."""
    v = np.where(skip[:, None], np.nan, values)
    whole = np.isfinite(
        np.lib.stride_tricks.sliding_window_view(
            np.pad(values, ((half, half), (0, 0)), constant_values=np.nan),
            2 * half + 1,
            axis=0,
        )
    ).all(axis=-1)
    padded = np.pad(v, ((half, half), (0, 0)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1, axis=0)
    enough = whole & (np.isfinite(windows).sum(axis=-1) >= half)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        med = np.nanmedian(windows, axis=-1)
    return np.where(enough, med, np.nan)


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
    from scipy import signal  # lazy: slow to import

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
        raw,
        detected,
        fps,
        c.swap_min_step_s,
        c.swap_crossing_prominence_ll,
        c.swap_min_separation_ll,
    )
    raw, vis = _apply_swaps(raw, track.visibility.astype(np.float32), swapped)
    observed = detected[:, None] & (vis >= c.min_visibility) & np.isfinite(raw).all(-1)
    observed &= ~leg_outliers(
        np.where(observed[..., None], raw, np.nan),
        track.time_s,
        c.outlier_window_s,
        c.outlier_min_ll,
    )
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
