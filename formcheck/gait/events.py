"""Gait events (initial contact, toe-off) and step timing from a clean side-view track.

Method (kinematic, side view; pure numpy, no I/O). All thresholds are in seconds or
leg lengths (``ll``, hip-knee-ankle length measured in the clip), so the method works
at any frame rate, camera distance and resolution, facing either way.

1. **Foot height** (:func:`foot_heights`). Heel and foot index each get their own
   ground level per foot (median of their lowest positions); a foot's height is
   the lower of its heel and toe heights. This absorbs MediaPipe's constant biases
   (it reads a flat foot as toes-down by 10-15 degrees, and the far foot's contact is
   higher in a perspective view). Positions are measured down from the hips' path
   smoothed over ``ground_window_s``, in local leg lengths, so the ground may move
   in the picture (a camera following a road runner, a tilt, a zoom); the camera's
   measured shake is taken out before (:func:`formcheck.gait.scene.steadied`).
   Image y grows downward. The ground is a straight line in the image: level, or
   tilted by a slope fitted to the standing feet (a rolled phone, an inclined
   treadmill), capped at about 11 degrees.
2. **Ground speed and footprints.** A foot on the ground is carried backward relative
   to the hip at the running speed - by the belt on a treadmill, by the runner's own
   motion overground - so the speed is the median backward hip-relative velocity of
   low ankles. In the ground coordinate ``g = x_rel + speed * t`` a standing foot is
   still; low, still foot points of *either* label are clustered into footprints
   (one per ground contact). Working on footprints instead of labelled feet makes the
   contacts immune to MediaPipe swapping the legs' labels where they cross.
3. **Contact and timing.** Within a footprint, the foot's height is the lower of the
   labelled feet standing near it. The contact is the run of frames within
   ``contact_height_ll`` of the lowest height on that footprint (each footprint is its
   own ground: the far foot's contacts read a little higher). A threshold crossing
   fires early at landing and late at take-off, so each event is refined to the *kink*
   of the curve: a hinge ``c + a * max(0, t_k - t)**p`` (landing; mirrored for
   take-off) is fitted to the samples within ``hinge_window_s`` of the crossing,
   ``t_k`` searched at 1/20 frame, ``p`` in {1, 1.5, 2} (1: landing with vertical
   speed, 2: a foot that comes down tangentially). A landing is fitted jointly to the
   foot's height and to where its centre (between heel and foot index) is over the
   ground, one hinge time for both, searched back to 40 % of the contact before the
   crossing: the foot stops moving forward over the ground when it lands, the sharper
   cue of the two (a heel landing ahead of the body hangs near the ground, and on a 2x
   slowed tracking shot its height crossed the threshold 3-10 frames after the
   hand-labelled landing). Take-off is fitted to the height alone (the foot's centre
   starts forward while the toes are still down). The samples are one fixed set for
   every candidate ``t_k``: a window that slid with ``t_k`` could sit on the flat part
   alone and fit it perfectly, which dragged the fit toward the contact's middle.
   Optionally (``kink_through_filter``) the hinge is passed through the cleaning's
   zero-phase low-pass before it is compared with the (filtered) data; on MediaPipe's
   rendered runners it lost 12 points of IC within +-1 frame, so it is off by default.
   This avoids the classic traps too: the ankle is lowest near mid-stance on a
   treadmill, not at contact, and the foot's most forward point comes *before* contact
   (late-swing retraction).
4. **Feet and plausibility.** Contacts starting within ``min_step_s`` of the previous
   one and overlapping it in time are duplicates (the shorter is dropped). Running
   alternates feet, so within each unbroken run of steps (no step longer than
   ``max_step_s``) feet alternate, the parity chosen to agree with most of the
   footprints' labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.config import DEFAULT, Thresholds
from formcheck.gait.clean import effective_cutoff_hz, leg_lengths
from formcheck.gait.types import CleanTrack, GaitEvent, View
from formcheck.pose.landmarks import Landmark as L

_FEET = {
    "left": (L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.LEFT_HIP),
    "right": (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX, L.RIGHT_HIP),
}
#: Sub-frame resolution of the kink search, in frames.
_KINK_STEP_FRAMES = 0.05
#: Shapes of the approach to the ground tried by the hinge fit, each a tuple of powers
#: fitted together: 1 is a landing with vertical speed (a corner), 2 a foot that
#: touches down tangentially (speed ~0). Two-term shapes ((1, 2), (2, 3)) fit exact
#: landmarks better but double the timing SD on MediaPipe's noisy feet.
_HINGE_POWERS = ((1.0,), (1.5,), (2.0,))
#: A foot point stands on the ground if it moves over the ground slower than this
#: fraction of the running speed (a swinging foot moves at about twice the speed).
_STILL_FRACTION = 1.0
#: Around a footprint, feet within this many footprint tolerances count as the foot
#: standing there (wider than the clustering tolerance: heel strike and push-off
#: move the ankle while the foot is down).
_APPROACH_TOLERANCES = 2.0
#: Steepest ground line accepted in the image (dy/dx; 0.2 is ~11 degrees).
_MAX_GROUND_SLOPE = 0.2


@dataclass(frozen=True)
class _Contact:
    label: str
    ic_s: float
    to_s: float


def foot_heights(
    clean: CleanTrack,
    thresholds: Thresholds = DEFAULT,
    slope: float = 0.0,
    scale: np.ndarray | None = None,
) -> dict:
    """Height of each foot above the ground, in leg lengths (0 = on the ground).

    The heel and the foot index each get their own ground level: the median of their
    lowest positions (those above ``ground_quantile`` of their values). The foot's
    height is the lower of the two heights. Separate levels absorb MediaPipe's
    constant biases: it reads a flat foot as toes-down by 10-15 degrees, so on the
    ground its foot index sits lower in the image than its heel, and a single level
    for the "lowest point" would put a heel strike in the air. Levels are per foot
    too, since the far foot's contact is higher in a perspective view.

    Positions are measured down from the hips' path smoothed over
    ``ground_window_s`` (several steps, so the hips' bob averages out), in local leg
    lengths: the ground moves in the image when the camera follows the runner (a car
    or a friend alongside on a road that climbs, a phone that tilts or comes
    nearer), and on a tracking shot of a road runner the feet's ground line rose by
    0.6 leg lengths within 3 s of video, so one image level for the clip left most
    contacts in the air. The hips keep their height above the ground on average
    while running, so the ground follows them. *Limit:* a runner whose hips rise or
    sink over a few steps (a start from the blocks) shifts the level by as much. The
    ground line is level unless ``slope`` is given (see :func:`_ground_slope`).

    Args:
        clean: the clean track.
        thresholds: uses ``events.ground_quantile`` and ``events.ground_window_s``.
        slope: the ground line's slope in the image (dy/dx; 0 = level).
        scale: ``(n,)`` leg length in pixels per frame (:func:`local_leg_length`);
            computed when not given.

    Returns:
        ``{"left": (n,), "right": (n,)}`` arrays (NaN where unknown).
    """
    e = thresholds.events
    if scale is None:
        scale = local_leg_length(clean, e.ground_window_s)
    xy = clean.xy
    x_ref = float(np.nanmedian(xy[:, :, 0])) if len(clean) else 0.0

    def sloped(lm) -> np.ndarray:
        return xy[:, lm, 1] - slope * (xy[:, lm, 0] - x_ref)

    hips = 0.5 * (sloped(L.LEFT_HIP) + sloped(L.RIGHT_HIP))
    hips = _local(hips, clean.time_s, e.ground_window_s, np.mean)
    out = {}
    for foot, (heel, toe, _) in _FEET.items():
        heights = []
        for lm in (heel, toe):
            down = (sloped(lm) - hips) / scale  # below the hips, leg lengths
            ok = np.isfinite(down)
            if ok.sum() < 3:
                heights.append(np.full(len(down), np.nan))
                continue
            heights.append(_lowest(down[ok], e.ground_quantile) - down)
        out[foot] = np.fmin(heights[0], heights[1])
    return out


def _lowest(y: np.ndarray, q: float) -> float:
    """Median of the image positions lowest in the picture (above quantile ``q``)."""
    return float(np.median(y[y >= np.quantile(y, q)]))


def local_leg_length(clean: CleanTrack, window_s: float) -> np.ndarray:
    """``(n,)`` hip-knee-ankle length in pixels, the median of both legs within
    ``window_s`` around each frame (a zoom or a runner coming nearer changes it)."""
    return _local(leg_lengths(clean.xy), clean.time_s, window_s, np.median)


def _local(values: np.ndarray, t: np.ndarray, window_s: float, stat) -> np.ndarray:
    """``stat`` of the finite ``values`` within ``window_s`` around each frame.

    ``values`` is ``(n,)`` or ``(n, k)`` (all ``k`` columns pooled). Evaluated every
    quarter window and interpolated between (a ground line or a leg length changes
    slowly), held within half a window of the ends; a clip no longer than the window
    gets one value throughout. NaN where a window holds fewer than 3 finite values.
    """
    n = len(t)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    flat = values.reshape(n, -1)
    if not np.isfinite(t).all() or t[-1] - t[0] <= window_s:
        v = flat[np.isfinite(flat)]
        out[:] = stat(v) if len(v) >= 3 else np.nan
        return out
    dt = float(np.median(np.diff(t)))
    hop = max(1, int(0.25 * window_s / dt)) if dt > 0 else 1
    # Only where the whole window fits: a one-sided window at the clip's ends is
    # biased (the hips' bob does not average out), so the values there are held.
    first = int(np.searchsorted(t, t[0] + window_s / 2))
    last = int(np.searchsorted(t, t[-1] - window_s / 2, side="right")) - 1
    centres = np.unique(np.append(np.arange(first, last + 1, hop), last))
    lo = np.searchsorted(t, t[centres] - window_s / 2, side="left")
    hi = np.searchsorted(t, t[centres] + window_s / 2, side="right")
    at = np.full(len(centres), np.nan)
    for j, (a, b) in enumerate(zip(lo, hi, strict=True)):
        v = flat[a:b][np.isfinite(flat[a:b])]
        if len(v) >= 3:
            at[j] = stat(v)
    ok = np.isfinite(at)
    if ok.any():
        out[:] = np.interp(np.arange(n), centres[ok], at[ok])
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def _kink_time(
    t: np.ndarray,
    h: np.ndarray,
    guess: float,
    window: float,
    landing: bool,
    dt: float,
    sos: np.ndarray | None = None,
    before: float | None = None,
) -> float:
    """Least-squares hinge fit of ``h(t)`` near ``guess``; the hinge time.

    ``h`` is ``(n,)`` or ``(n, k)``: several signals that share the hinge time, each
    with its own offset and amplitude (the foot's height and its position over the
    ground). The first column must bend the right way (down to the ground at a
    landing); the others may bend either way. Candidates lie from ``before``
    (default ``window``) ahead of the guess to ``window`` after it.

    If ``sos`` is given, ``h`` is a zero-phase filtered signal (``sosfiltfilt`` with
    these sections, as :func:`formcheck.gait.clean.clean_track` does) and the hinge
    model is passed through the same filter before it is compared with ``h``, so the
    filter's rounding of the corner cannot move the fit.
    """
    from scipy import signal  # lazy: slow to import

    h = h.reshape(len(h), -1)
    before = window if before is None else before
    # One fixed set of samples for every candidate, so the costs compare: a window
    # that slid with the candidate could sit on the flat part alone and fit perfectly.
    pad = 0.0 if sos is None else 0.15
    lo, hi = guess - before - window, guess + window
    span = (t >= lo - pad) & (t <= hi + pad)
    ts = t[span]
    fit = np.isfinite(h[span]).all(axis=1) & (ts >= lo) & (ts <= hi)
    hs = h[span][fit]
    if fit.sum() < 4 or (sos is not None and len(ts) <= 3 * (2 * len(sos) + 1)):
        return guess
    step = max(_KINK_STEP_FRAMES * dt, window / 100)
    cands = np.arange(guess - before, guess + window + 1e-12, step)
    # (K candidates, samples): the hinge's lag after (landing) / before (take-off)
    lag = (cands[:, None] - ts) if landing else (ts - cands[:, None])
    lag = np.maximum(0.0, lag) / window
    bends = np.ptp(lag[:, fit], axis=1) > 0  # else the hinge is flat over the fit
    cands, lag = cands[bends], lag[bends]
    costs = np.full((len(cands), len(_HINGE_POWERS)), np.inf)
    for j, powers in enumerate(_HINGE_POWERS):
        g = np.stack([lag**q for q in powers], axis=-1)  # (K, samples, terms)
        if sos is not None:
            g = signal.sosfiltfilt(sos, g, axis=1)
        a = np.concatenate([np.ones((len(cands), int(fit.sum()), 1)), g[:, fit]], -1)
        coef = np.linalg.pinv(a) @ hs  # (K, terms, k): least squares, all at once
        r = hs - a @ coef
        bends_right = coef[:, 1:, 0].sum(axis=1) > 0
        costs[bends_right, j] = np.einsum("kij,kij->k", r, r)[bends_right]
    if not np.isfinite(costs).any():
        return guess
    # The earliest candidate of the lowest cost.
    return float(cands[np.unravel_index(np.argmin(costs), costs.shape)[0]])


def _crossing(t: np.ndarray, h: np.ndarray, i: int, thr: float) -> float:
    """Sub-frame time where ``h`` crosses ``thr`` between samples ``i-1`` and ``i``."""
    if i <= 0 or i >= len(h) or not (np.isfinite(h[i - 1]) and np.isfinite(h[i])):
        return float(t[min(max(i, 0), len(t) - 1)])
    a, b = h[i - 1], h[i]
    frac = 0.5 if a == b else float(np.clip((a - thr) / (a - b), 0.0, 1.0))
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def _lowest_points(clean: CleanTrack, forward: float, th: Thresholds):
    """Per labelled foot: height (ll) of the foot's lowest point (heel or foot
    index) and the ankle's forward position relative to the hips (ll); and the
    ``(n,)`` leg length in pixels they are measured in."""
    scale = local_leg_length(clean, th.events.ground_window_s)
    heights = foot_heights(clean, th, scale=scale)
    hip_x = 0.5 * (clean.xy[:, L.LEFT_HIP, 0] + clean.xy[:, L.RIGHT_HIP, 0])
    rel = {}
    for foot, ankle in (("left", L.LEFT_ANKLE), ("right", L.RIGHT_ANKLE)):
        rel[foot] = forward * (clean.xy[:, ankle, 0] - hip_x) / scale
    speed = _ground_speed(
        clean.time_s,
        heights,
        rel,
        th.events.ground_band_ll,
        th.events.ground_speed_quantile,
    )
    if np.isfinite(speed):
        slope = _ground_slope(clean, heights, rel, speed, th)
        if slope != 0.0:
            heights = foot_heights(clean, th, slope, scale)
    return heights, rel, scale


def _foot_centres(clean: CleanTrack, forward: float, scale: np.ndarray) -> dict:
    """Per labelled foot: the forward position of the foot's centre (mean of heel
    and foot index) relative to the hips, in leg lengths (``scale``, pixels)."""
    hip_x = 0.5 * (clean.xy[:, L.LEFT_HIP, 0] + clean.xy[:, L.RIGHT_HIP, 0])
    return {
        foot: forward
        * (0.5 * (clean.xy[:, heel, 0] + clean.xy[:, toe, 0]) - hip_x)
        / scale
        for foot, (heel, toe, _) in _FEET.items()
    }


def _ground_slope(clean: CleanTrack, heights, rel, speed: float, th: Thresholds):
    """Slope of the ground line in the image (dy/dx), from the standing feet.

    A phone on a shelf is often rolled a few degrees, and treadmills are inclined:
    the ground is then a sloping line in the image, and a level ground line would
    put the front of every contact in the air. The feet trace the ground while they
    stand still on it, so the slope is fitted (least squares, one offset per foot)
    to the lowest foot points of frames where the foot is near the level ground and
    still in the ground frame. Capped at ``_MAX_GROUND_SLOPE``.
    """
    t = clean.time_s
    xs, ys, is_left = [], [], []
    for foot, (heel, toe, _) in _FEET.items():
        g = rel[foot] + speed * t
        still = np.abs(np.gradient(g, t)) < 0.5 * speed
        hy, ty = clean.xy[:, heel, 1], clean.xy[:, toe, 1]
        x = np.where(hy >= ty, clean.xy[:, heel, 0], clean.xy[:, toe, 0])
        y = np.fmax(hy, ty)
        ok = still & (heights[foot] < th.events.ground_band_ll) & np.isfinite(x + y)
        xs.append(x[ok])
        ys.append(y[ok])
        is_left.append(np.full(ok.sum(), foot == "left"))
    x, y, lf = np.concatenate(xs), np.concatenate(ys), np.concatenate(is_left)
    if len(x) < 6 or np.ptp(x) <= 0:
        return 0.0
    design = np.column_stack([x - np.median(x), lf, ~lf]).astype(float)
    keep = np.ones(len(x), bool)
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(design[keep], y[keep], rcond=None)
        resid = np.abs(y - design @ coef)
        keep = resid <= 3.0 * max(float(np.median(resid)), 1e-9)
    return float(np.clip(coef[0], -_MAX_GROUND_SLOPE, _MAX_GROUND_SLOPE))


def _ground_speed(t, heights, rel, band, quantile: float) -> float:
    """Speed of the ground under the runner, leg lengths/s, from the stance feet.

    A foot low on the ground moves backward relative to the hip at the running speed
    (belt speed on a treadmill; the runner's own speed overground), so the backward
    velocity of low foot points estimates it without knowing the setup. Only while
    the foot is flat does the ankle move exactly with the ground: rolling over the
    heel after landing and onto the toes before take-off carries it forward over
    the ground, so most low points move back slower than the ground. The speed is
    therefore a high ``quantile`` of their velocities: the median read the ground
    25-28 % slow on rendered runners and on a treadmill whose belt speed was
    measured on the belt, the 75th percentile 10-11 % slow, the 85th 2-5 %. The
    85th timed rendered landings best but was noisier on the real clips (a high
    quantile also picks up the pose model's jitter), so the default is the 75th.
    """
    vel = []
    for foot in heights:
        h, x = heights[foot], rel[foot]
        v = -np.gradient(x, t)
        low = np.isfinite(v) & (h < band)
        low[1:] &= low[:-1].copy()
        vel.append(v[low])
    v = np.concatenate(vel) if vel else np.array([])
    v = v[v > 0]
    return float(np.percentile(v, 100 * quantile)) if len(v) >= 3 else float("nan")


def _footprints(
    t, heights, rel, speed, thr, tol
) -> list[tuple[float, str, float, float]]:
    """Clusters of low foot points that stay put on the ground.

    Every labelled foot point below ``thr`` is mapped to a ground coordinate
    ``g = x_rel + speed * t`` (constant while the foot stands on the ground). Points
    are split into footprints where ``g`` jumps by more than ``tol``, or time jumps.

    Returns:
        ``(g0, majority label, first time, last time)`` per footprint.
    """
    pts = []
    for foot in heights:
        g = rel[foot] + speed * t
        # Only points that stand still on the ground: a low foot still moving (late
        # swing) would bridge the gap between footprints at high frame rates.
        still = np.abs(np.gradient(g, t)) < _STILL_FRACTION * speed
        ok = np.isfinite(heights[foot]) & np.isfinite(g) & (heights[foot] < thr) & still
        for i in np.flatnonzero(ok):
            pts.append((rel[foot][i] + speed * t[i], t[i], foot))
    if not pts:
        return []
    pts.sort()
    groups, cur = [], [pts[0]]
    for p in pts[1:]:
        if p[0] - cur[-1][0] > tol:
            groups.append(cur)
            cur = []
        cur.append(p)
    groups.append(cur)
    out = []
    for grp in groups:
        g = np.array([p[0] for p in grp])
        times = np.array([p[1] for p in grp])
        left = sum(p[2] == "left" for p in grp)
        label = "left" if 2 * left >= len(grp) else "right"
        out.append((float(np.median(g)), label, float(times.min()), float(times.max())))
    return out


def _footprint_contacts(
    clean: CleanTrack, forward: float, th: Thresholds
) -> list[_Contact]:
    e = th.events
    t = clean.time_s
    dt = 1.0 / clean.fps
    heights, rel, scale = _lowest_points(clean, forward, th)
    speed = _ground_speed(t, heights, rel, e.contact_height_ll, e.ground_speed_quantile)
    sos = _clean_filter(clean.fps, th) if e.kink_through_filter else None
    if not np.isfinite(speed):
        return []
    ground = {f: rel[f] + speed * t for f in rel}
    # Where each foot's centre (between heel and foot index) is over the ground:
    # rigid, it stops there at landing while the foot rolls onto the ground.
    centre = _foot_centres(clean, forward, scale)
    on_ground = {f: centre[f] + speed * t for f in centre}
    out = []
    for g0, label, t_first, t_last in _footprints(
        t, heights, rel, speed, e.contact_height_ll, e.footprint_tol_ll
    ):
        # Height of whichever foot stands on this footprint, frame by frame.
        near = _APPROACH_TOLERANCES * e.footprint_tol_ll
        cand = np.stack(
            [
                np.where(np.abs(ground[f] - g0) <= near, heights[f], np.nan)
                for f in heights
            ]
        )
        lowest = np.argmin(np.where(np.isfinite(cand), cand, np.inf), axis=0)
        h = cand[lowest, np.arange(len(t))]
        # ... and where that foot's centre is over the ground.
        g = np.stack([on_ground[f] for f in heights])[lowest, np.arange(len(t))]
        # The contact is every run of low frames that touches the footprint's still
        # points: heel strike and push-off move the ankle, but the foot is down.
        # Each footprint is its own ground: the far foot's contacts read a little
        # higher (perspective, and MediaPipe places the hidden foot less well).
        on = (t >= t_first - 1e-9) & (t <= t_last + 1e-9) & np.isfinite(h)
        thr = max(0.0, float(np.min(h[on]))) if on.any() else 0.0
        thr += e.contact_height_ll
        runs = [
            (a, b)
            for a, b in _runs(np.isfinite(h) & (h < thr))
            if t[a] <= t_last + 1e-9 and t[b - 1] >= t_first - 1e-9
        ]
        if not runs:
            continue
        start, stop = runs[0][0], runs[-1][1]
        if start == 0 or stop >= len(t):
            continue  # cut by the clip's ends: its timing is unknown
        ic0 = _crossing(t, h, start, thr)
        to0 = _crossing(t, h, stop, thr)
        duration = to0 - ic0
        if not e.min_contact_s <= duration <= e.max_contact_s:
            continue
        w = min(e.hinge_window_s, 0.5 * duration)
        # A landing is where the foot stops coming down *and* stops moving forward
        # over the ground; the second is the sharper cue (a heel landing ahead of
        # the body is near the ground for a while before it is stopped), and the
        # height's threshold crossing can come a third of the stance after it.
        approach = np.column_stack([h, g])
        ic = _kink_time(
            t, approach, ic0, w, landing=True, dt=dt, sos=sos, before=0.4 * duration
        )
        to = _kink_time(t, h, to0, w, landing=False, dt=dt, sos=sos)
        if to <= ic:
            ic, to = ic0, to0
        if not e.min_contact_s <= to - ic <= e.max_contact_s:
            continue  # the fitted landing and take-off say it was no contact
        out.append(_Contact(label, ic, to))
    return out


def _clean_filter(fps: float, th: Thresholds) -> np.ndarray | None:
    """The low-pass sections :func:`~formcheck.gait.clean.clean_track` applied."""
    from scipy import signal  # lazy: slow to import

    cutoff = effective_cutoff_hz(fps, th)
    if fps <= 0 or cutoff <= 0:
        return None
    return signal.butter(
        th.cleaning.filter_order, cutoff, btype="low", fs=fps, output="sos"
    )


def _dedupe(contacts: list[_Contact], min_step_s: float) -> list[_Contact]:
    """Drop contacts that start too soon after the previous one *and* overlap it in
    time (the same ground contact seen twice); the longer one is kept. Two contacts
    one after the other are two steps, even if a landing was timed late."""
    out: list[_Contact] = []
    for c in sorted(contacts, key=lambda c: c.ic_s):
        if out and c.ic_s - out[-1].ic_s < min_step_s and c.ic_s < out[-1].to_s:
            prev = out[-1]
            if (c.to_s - c.ic_s) > (prev.to_s - prev.ic_s):
                out[-1] = c
            continue
        out.append(c)
    return out


def _assign_feet(contacts: list[_Contact], max_step_s: float) -> list[_Contact]:
    """Alternate feet within each unbroken run of steps; parity by label majority."""
    out: list[_Contact] = []
    k = 0
    while k < len(contacts):
        j = k + 1
        while (
            j < len(contacts) and contacts[j].ic_s - contacts[j - 1].ic_s <= max_step_s
        ):
            j += 1
        run = contacts[k:j]
        votes = sum((c.label == "left") == (m % 2 == 0) for m, c in enumerate(run))
        first = "left" if votes * 2 >= len(run) else "right"
        other = "right" if first == "left" else "left"
        for m, c in enumerate(run):
            out.append(_Contact(first if m % 2 == 0 else other, c.ic_s, c.to_s))
        k = j
    return out


def detect_events(
    clean: CleanTrack, view: View, thresholds: Thresholds = DEFAULT
) -> list[GaitEvent]:
    """Initial contacts and toe-offs of both feet in a side view, sorted by time.

    Args:
        clean: the clean track.
        view: only side views are analysed (``view.facing`` gives "forward"; if it is
            unknown, it is taken from the nose relative to the hips).
        thresholds: uses the ``events`` section.

    Returns:
        Events sorted by time; each foot's events alternate IC, TO, IC, ... Empty for
        views other than side views, or too little data.
    """
    if view.kind != "side" or len(clean) < 4 or clean.fps <= 0:
        return []
    forward = _forward(clean, view)
    contacts = _footprint_contacts(clean, forward, thresholds)
    e = thresholds.events
    contacts = _assign_feet(_dedupe(contacts, e.min_step_s), e.max_step_s)
    events: list[GaitEvent] = []
    for c in contacts:
        for kind, ts in (("initial_contact", c.ic_s), ("toe_off", c.to_s)):
            frame = int(np.argmin(np.abs(clean.time_s - ts)))
            events.append(GaitEvent(kind, c.label, frame, float(ts)))  # type: ignore[arg-type]
    return sorted(events, key=lambda ev: ev.time_s)


def _forward(clean: CleanTrack, view: View) -> float:
    if view.facing is not None:
        return 1.0 if view.facing == "right" else -1.0
    hips = 0.5 * (clean.xy[:, L.LEFT_HIP, 0] + clean.xy[:, L.RIGHT_HIP, 0])
    d = clean.xy[:, L.NOSE, 0] - hips
    return 1.0 if np.nanmedian(d) >= 0 else -1.0


def step_timing(events: list[GaitEvent]) -> list[dict]:
    """Per-step timing from a sorted event list.

    One row per initial contact that has a following toe-off of the same foot. Keys:
    ``foot``, ``ic_s`` (time), ``contact_s`` (IC to TO of that foot), ``step_s`` (to the
    next IC of the other foot), ``flight_s`` (TO to that next IC), ``stride_s`` (to the
    next IC of the same foot), ``duty_factor`` (contact / stride). Missing values are
    NaN.
    """
    ics = [e for e in events if e.type == "initial_contact"]
    rows = []
    for e in ics:
        nxt_to = next(
            (
                x
                for x in events
                if x.type == "toe_off" and x.foot == e.foot and x.time_s > e.time_s
            ),
            None,
        )
        nxt_ic_same = next(
            (x for x in ics if x.foot == e.foot and x.time_s > e.time_s), None
        )
        nxt_ic_other = next(
            (x for x in ics if x.foot != e.foot and x.time_s > e.time_s), None
        )
        contact = nxt_to.time_s - e.time_s if nxt_to else np.nan
        if (
            nxt_ic_same is not None
            and nxt_to is not None
            and (nxt_to.time_s > nxt_ic_same.time_s)
        ):
            contact = np.nan  # the toe-off belongs to a later contact
        step = nxt_ic_other.time_s - e.time_s if nxt_ic_other else np.nan
        stride = nxt_ic_same.time_s - e.time_s if nxt_ic_same else np.nan
        rows.append(
            {
                "foot": e.foot,
                "ic_s": e.time_s,
                "contact_s": float(contact),
                "step_s": float(step),
                "flight_s": float(step - contact),
                "stride_s": float(stride),
                "duty_factor": float(contact / stride),
            }
        )
    return rows


def cadence_spm(events: list[GaitEvent], max_step_s: float = 0.6) -> float:
    """Steps per minute (both feet) from the event times, robust to a missed contact.

    The step time is the slope of event time against step number, fitted by least
    squares to the initial contacts and, with their own offset, the toe-offs. Step
    numbers come from rounding each interval to a whole multiple of the median step
    (intervals under ``max_step_s``), so a missed contact keeps the count right;
    events off the fit by more than a quarter step are dropped and the fit repeated.
    NaN if fewer than two steps.

    Example:
        >>> ev = [GaitEvent("initial_contact", "left", 0, 0.0),
        ...       GaitEvent("initial_contact", "right", 10, 0.35),
        ...       GaitEvent("initial_contact", "left", 21, 0.70)]
        >>> round(cadence_spm(ev), 1)
        171.4
    """
    series = [
        np.sort([e.time_s for e in events if e.type == kind])
        for kind in ("initial_contact", "toe_off")
    ]
    steps = np.concatenate([np.diff(s) for s in series if len(s) > 1] or [[]])
    steps = steps[(steps > 0) & (steps <= max_step_s)]
    if len(steps) == 0:
        return float("nan")
    step = float(np.median(steps))
    rows, times = [], []
    for k, s in enumerate(series):
        if len(s) < 2:
            continue
        # Each interval is rounded on its own: rounding the time from the first event
        # would let a small error in ``step`` add up to a whole step over a clip.
        n = np.concatenate(
            [[0.0], np.cumsum(np.maximum(1, np.round(np.diff(s) / step)))]
        )
        for ni, ti in zip(n, s, strict=True):
            rows.append((ni, k))
            times.append(ti)
    if len(rows) < 3:
        return float(60.0 / step)
    n = np.array([r[0] for r in rows])
    kind = np.array([r[1] for r in rows])
    design = np.column_stack([n, kind == 0, kind == 1]).astype(float)
    y = np.array(times)
    keep = np.ones(len(y), bool)
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(design[keep], y[keep], rcond=None)
        resid = np.abs(y - design @ coef)
        keep = resid <= 0.25 * step
        if keep.sum() < 3:
            return float(60.0 / step)
    coef, *_ = np.linalg.lstsq(design[keep], y[keep], rcond=None)
    return float(60.0 / coef[0]) if coef[0] > 0 else float(60.0 / step)
