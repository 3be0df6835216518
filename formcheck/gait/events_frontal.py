"""Foot contacts in rear and front views.

In a rear or front view the foot's forward motion is invisible, so side-view methods
do not apply. What is visible is how far the foot is below the hips: during stance
the leg is long and the foot sits on the ground, directly below; in swing the foot is
lifted (and, seen from behind, the heel rises toward the buttocks). So, per foot:

    d(t) = (lowest foot point y - hip y) / trunk length      (image y is down)

is near its upper envelope during stance and drops clearly in swing. Contact is where
``d`` is within ``contact_band`` of its running upper envelope (a rolling high
percentile over about a stride). Dividing by the trunk length keeps ``d`` steady while
the runner moves toward or away from the camera.

Assumptions: camera roughly at hip height, behind or in front of the runner; the
runner is upright; both feet are visible most of the time. Timing is coarser than in a
side view (a frame or two); it is meant for per-step frontal metrics (pelvic drop
over stance, step width at contact), not for contact times.
"""

from __future__ import annotations

import numpy as np

from formcheck.gait.types import CleanTrack, GaitEvent, View
from formcheck.pose.landmarks import Landmark as L

FEET = {
    "left": (L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.LEFT_ANKLE),
    "right": (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX, L.RIGHT_ANKLE),
}
#: Window of the running upper envelope, seconds (about one stride).
ENVELOPE_S = 0.8
#: Within this many trunk lengths of the envelope counts as on the ground.
CONTACT_BAND = 0.06
#: Contacts shorter than this are noise, seconds.
MIN_CONTACT_S = 0.05
#: Plausible running step times, seconds.
MIN_STEP_S, MAX_STEP_S = 0.2, 0.6


def _foot_drop(clean: CleanTrack, foot: str) -> np.ndarray:
    from scipy.ndimage import percentile_filter  # lazy: slow to import

    xy = clean.xy
    hip_y = (xy[:, L.LEFT_HIP, 1] + xy[:, L.RIGHT_HIP, 1]) / 2
    sh_y = (xy[:, L.LEFT_SHOULDER, 1] + xy[:, L.RIGHT_SHOULDER, 1]) / 2
    trunk = np.abs(hip_y - sh_y)
    # Smooth the scale: it changes only as the runner approaches or recedes.
    finite = np.isfinite(trunk)
    if finite.sum() < 3:
        return np.full(len(xy), np.nan)
    win = max(3, int(round(clean.fps * ENVELOPE_S)) | 1)
    trunk_f = np.interp(np.arange(len(trunk)), np.flatnonzero(finite), trunk[finite])
    trunk_s = percentile_filter(trunk_f, 50, size=win, mode="nearest")
    lowest = np.fmax.reduce(xy[:, list(FEET[foot]), 1], axis=1)  # NaN if none
    return (lowest - hip_y) / trunk_s


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True)
    )


def detect_frontal_events(clean: CleanTrack, view: View) -> list[GaitEvent]:
    """Initial contacts and toe-offs in a rear or front view, sorted by time."""
    from scipy.ndimage import percentile_filter  # lazy: slow to import

    if view.kind not in ("rear", "front") or len(clean) < 8 or clean.fps <= 0:
        return []
    win = max(3, int(round(clean.fps * ENVELOPE_S)) | 1)
    contacts = []
    for foot in FEET:
        d = _foot_drop(clean, foot)
        ok = np.isfinite(d)
        if ok.sum() < win:
            continue
        filled = np.interp(np.arange(len(d)), np.flatnonzero(ok), d[ok])
        envelope = percentile_filter(filled, 90, size=win, mode="nearest")
        on_ground = ok & (d >= envelope - CONTACT_BAND)
        for a, b in _runs(on_ground):
            if (
                clean.time_s[b] - clean.time_s[a] >= MIN_CONTACT_S
                and a > 0
                and b < len(d) - 1
            ):
                contacts.append((float(clean.time_s[a]), a, b, foot))
    contacts.sort()
    # Keep contacts that alternate feet at plausible step times; a foot's repeated
    # contact without the other foot in between is a split contact: merge it.
    kept: list[tuple[float, int, int, str]] = []
    for c in contacts:
        if kept and kept[-1][3] == c[3]:
            t0, a0, _, f0 = kept[-1]
            kept[-1] = (t0, a0, c[2], f0)
            continue
        if kept and c[0] - kept[-1][0] < MIN_STEP_S:
            continue
        kept.append(c)
    events = []
    for t, a, b, foot in kept:
        events.append(GaitEvent("initial_contact", foot, int(a), t))  # type: ignore[arg-type]
        events.append(GaitEvent("toe_off", foot, int(b), float(clean.time_s[b])))  # type: ignore[arg-type]
    # Drop isolated contacts with no neighbour within a running step time.
    ics = [e for e in events if e.type == "initial_contact"]
    good = set()
    for k, e in enumerate(ics):
        prev_ok = k > 0 and e.time_s - ics[k - 1].time_s <= MAX_STEP_S
        next_ok = k + 1 < len(ics) and ics[k + 1].time_s - e.time_s <= MAX_STEP_S
        if prev_ok or next_ok:
            good.add(e.frame)
    out = []
    keep_to = False
    for e in events:
        if e.type == "initial_contact":
            keep_to = e.frame in good
            if keep_to:
                out.append(e)
        elif keep_to:
            out.append(e)
    return sorted(out, key=lambda e: e.time_s)
