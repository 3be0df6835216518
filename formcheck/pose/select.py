"""Several people in frame: link detections into tracks and keep only the runner.

MediaPipe runs with ``num_poses`` > 1 so that every person is found in every frame
(with one pose, VIDEO mode can jump from one person to another). This module turns
the per-frame detections into one :class:`~formcheck.pose.track.PoseTrack` holding
only one person. Pure numpy/scipy.

1. **Duplicates** (:func:`suppress_duplicates`): MediaPipe sometimes returns the same
   person twice in one frame (sometimes with different limbs); of two detections
   whose hip centres are within ``duplicate_max_dist_body`` and whose boxes overlap
   by ``duplicate_min_iou`` the less visible one is dropped.
2. **Linking** (:func:`link_tracks`): frame by frame, each open track predicts its hip
   centre at constant velocity; detections are assigned to tracks by the Hungarian
   method on the distance from the prediction in body heights (plus box overlap and
   size change as tie-breakers). An assignment is allowed only if the distance is at
   most ``link_max_dist_body + link_dist_per_s * gap`` and the body size changes by
   less than ``link_max_size_ratio``; otherwise the detection starts a new track. A
   track not seen for ``link_max_gap_s`` ends. Two people are never merged into one
   track: when in doubt, a new track starts.
3. **Choosing the runner** (:func:`select_runner`): every track long enough to judge
   (``min_track_s``) gets an activity from :mod:`formcheck.gait.view` (running /
   walking / standing, from cadence, swing-knee and elbow cues). The runner is the
   track with the best activity (running > walking > standing), ties broken by the
   time in view weighted by how clear-cut the activity is. So a runner in view for
   1.5 s wins over a walker crossing for 5 s, and among several runners the one
   seen longest wins. Tracks shorter than ``min_track_s`` (or half of a shorter
   clip) are never chosen: if none is long enough, nobody is (stray detections of
   a bird's face are not a runner).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from formcheck.config import DEFAULT, SelectThresholds, ViewThresholds
from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.track import PoseTrack

_ACTIVITY_RANK = {"running": 3, "walking": 2, "standing": 1, "none": 0}


@dataclass(frozen=True)
class Detections:
    """Every person detection of a clip, flat: detection ``k`` is in row ``row[k]``.

    Attributes:
        row: ``(m,)`` int64, index of the analysed frame (0..n_rows-1), non-decreasing.
        xy: ``(m, 33, 2)`` float32 pixels of the full-size upright frame.
        z: ``(m, 33)`` float32.
        visibility: ``(m, 33)`` float32.
        presence: ``(m, 33)`` float32.
        world: ``(m, 33, 3)`` float32 metres.
    """

    row: np.ndarray
    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray

    def __post_init__(self) -> None:
        m = len(self.row)
        shapes = {
            "xy": (m, NUM_LANDMARKS, 2),
            "z": (m, NUM_LANDMARKS),
            "visibility": (m, NUM_LANDMARKS),
            "presence": (m, NUM_LANDMARKS),
            "world": (m, NUM_LANDMARKS, 3),
        }
        for name, shape in shapes.items():
            if getattr(self, name).shape != shape:
                raise ValueError(
                    f"Detections.{name} has shape {getattr(self, name).shape}, "
                    f"expected {shape}"
                )
        if m > 1 and np.any(np.diff(self.row) < 0):
            raise ValueError("Detections.row must be non-decreasing")

    def __len__(self) -> int:
        return len(self.row)

    @classmethod
    def empty(cls) -> Detections:
        """No detections."""
        return DetectionBuffer().freeze()

    def shift(self, rows: int) -> Detections:
        """The same detections with ``row`` moved by ``rows``."""
        return dataclasses.replace(self, row=self.row + rows)

    @classmethod
    def concat(cls, parts: list[Detections]) -> Detections:
        """Detections of consecutive spans, joined (rows must already be global)."""
        names = [f.name for f in dataclasses.fields(cls)]
        if not parts:
            return DetectionBuffer(1).freeze()
        return cls(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})


class DetectionBuffer:
    """Growable store of detections: fixed-size blocks of preallocated arrays.

    Memory is ~1.2 kB per detection (the same as one PoseTrack frame), with no Python
    object per detection, so a clip costs at most ``num_poses`` times its track.
    Blocks are never copied while the buffer grows (doubling one array would hold the
    old and the new copy at once); :meth:`freeze` joins them once.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._block = max(1, capacity)
        self._blocks: list[dict[str, np.ndarray]] = []
        self._n = 0

    def _new_block(self) -> dict[str, np.ndarray]:
        cap = self._block
        return {
            "row": np.zeros(cap, np.int64),
            "xy": np.zeros((cap, NUM_LANDMARKS, 2), np.float32),
            "z": np.zeros((cap, NUM_LANDMARKS), np.float32),
            "visibility": np.zeros((cap, NUM_LANDMARKS), np.float32),
            "presence": np.zeros((cap, NUM_LANDMARKS), np.float16),
            "world": np.zeros((cap, NUM_LANDMARKS, 3), np.float16),
        }

    def append(self, row: int, xy, z, visibility, presence, world) -> None:
        """Add one detection in analysed frame ``row`` (rows must not decrease)."""
        k = self._n % self._block
        if k == 0:
            self._blocks.append(self._new_block())
        a = self._blocks[-1]
        a["row"][k] = row
        a["xy"][k], a["z"][k] = xy, z
        a["visibility"][k], a["presence"][k], a["world"][k] = (
            visibility,
            presence,
            world,
        )
        self._n += 1

    def __len__(self) -> int:
        return self._n

    def freeze(self) -> Detections:
        """The detections so far, as a validated record; empties the buffer (its
        blocks are released while they are joined, so the clip is never held
        twice)."""
        blocks = self._blocks or [self._new_block()]
        joined = {}
        for k in list(blocks[0]):
            joined[k] = _joined([b[k] for b in blocks], self._n)
            for b in blocks:  # each field's blocks go as soon as it is joined
                del b[k]
        self._blocks, self._n = [], 0
        return Detections(**joined)


def _joined(parts: list[np.ndarray], n: int) -> np.ndarray:
    """The first ``n`` rows of ``parts`` stacked, in one new array."""
    out = np.empty((n, *parts[0].shape[1:]), parts[0].dtype)
    at = 0
    for part in parts:
        take = min(len(part), n - at)
        out[at : at + take] = part[:take]
        at += take
    return out


@dataclass(frozen=True)
class TrackSummary:
    """One linked track and how it was judged."""

    track_id: int
    n_frames: int
    seen_s: float
    activity: str
    confidence: float
    eligible: bool


@dataclass(frozen=True)
class Selection:
    """Result of :func:`select_runner`.

    Attributes:
        track_id: ``(m,)`` track of each detection (-1 = dropped duplicate).
        chosen: the runner's track id, or -1 when there is nobody.
        tracks: every track, best first.
        reasons: how the choice was made.
    """

    track_id: np.ndarray
    chosen: int
    tracks: tuple[TrackSummary, ...] = ()
    reasons: tuple[str, ...] = field(default=())


def geometry(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hip centre ``(m, 2)``, body size ``(m,)`` (box height) and box ``(m, 4)``.

    The box spans all 33 landmarks (x0, y0, x1, y1); the hip centre falls back to the
    box centre when the hips are missing.
    """
    # float32 input stays float32 (pixels need no more): no clip-long float64 copy.
    xy = np.asarray(xy, np.result_type(xy, np.float32))
    if len(xy) == 0:
        return np.zeros((0, 2)), np.zeros(0), np.zeros((0, 4))
    with np.errstate(invalid="ignore"):
        box = np.stack(
            [
                np.nanmin(xy[..., 0], 1),
                np.nanmin(xy[..., 1], 1),
                np.nanmax(xy[..., 0], 1),
                np.nanmax(xy[..., 1], 1),
            ],
            -1,
        )
    centre = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    missing = ~np.isfinite(centre).all(1)
    centre[missing] = (box[missing, :2] + box[missing, 2:]) / 2
    size = np.maximum(box[:, 3] - box[:, 1], 1.0)
    return centre, size, box


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of boxes ``a (p, 4)`` and ``b (q, 4)`` -> ``(p, q)``."""
    a, b = np.asarray(a, np.float64)[:, None], np.asarray(b, np.float64)[None]
    w = np.clip(
        np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None
    )
    h = np.clip(
        np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None
    )
    inter = w * h
    area = lambda c: (c[..., 2] - c[..., 0]) * (c[..., 3] - c[..., 1])  # noqa: E731
    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _per_frame(row: np.ndarray):
    """Yield ``(row value, detection indices)`` per frame; ``row`` is non-decreasing.

    Linear in the number of detections (no ``row == r`` scan per frame).
    """
    if len(row) == 0:
        return
    starts = np.flatnonzero(np.r_[True, np.diff(row) != 0])
    ends = np.r_[starts[1:], len(row)]
    for a, b in zip(starts, ends, strict=True):
        yield int(row[a]), np.arange(a, b)


def suppress_duplicates(
    row: np.ndarray,
    centre: np.ndarray,
    size: np.ndarray,
    box: np.ndarray,
    score: np.ndarray,
    th: SelectThresholds = DEFAULT.select,
) -> np.ndarray:
    """Keep-mask ``(m,)``: in each frame, drop a detection that repeats a better one.

    MediaPipe with several poses sometimes returns two skeletons of one person that
    differ in the limbs (e.g. a jumping man seen as both crouched and stretched).
    Two detections are one person when their hip centres are closer than
    ``duplicate_max_dist_body`` body heights *and* their boxes overlap by at least
    ``duplicate_min_iou``; the more visible one is kept. Two real people that close
    hide each other anyway (MediaPipe then sees one of them).
    """
    keep = np.ones(len(row), bool)
    for _, idx in _per_frame(row):
        if len(idx) < 2:
            continue
        idx = idx[np.argsort(-score[idx], kind="stable")]
        overlap = iou(box[idx], box[idx])
        for i in range(1, len(idx)):
            for j in range(i):
                if not keep[idx[j]]:
                    continue
                a, b = idx[i], idx[j]
                d = np.linalg.norm(centre[a] - centre[b]) / max(size[a], size[b])
                if (
                    d < th.duplicate_max_dist_body
                    and overlap[i, j] >= th.duplicate_min_iou
                ):
                    keep[a] = False
                    break
    return keep


def link_tracks(
    row: np.ndarray,
    time_s: np.ndarray,
    centre: np.ndarray,
    size: np.ndarray,
    box: np.ndarray,
    th: SelectThresholds = DEFAULT.select,
) -> np.ndarray:
    """Assign a track id to every detection (ids 0, 1, ... in order of appearance).

    Args:
        row: ``(m,)`` analysed-frame index of each detection, non-decreasing.
        time_s: ``(n_rows,)`` time of each analysed frame.
        centre, size, box: from :func:`geometry`.
        th: the ``[select]`` thresholds.

    Returns:
        ``(m,)`` int64 track ids.
    """
    from scipy.optimize import linear_sum_assignment  # lazy: slow to import

    ids = np.full(len(row), -1, np.int64)
    # Open tracks: id -> [last time, centre, size, box, velocity px/s]
    open_: dict[int, list] = {}
    next_id = 0
    for r, idx in _per_frame(row):
        t = float(time_s[r])
        for tid in [k for k, v in open_.items() if t - v[0] > th.link_max_gap_s]:
            del open_[tid]
        tids = list(open_)
        if tids:
            cost = np.full((len(tids), len(idx)), np.inf)
            for a, tid in enumerate(tids):
                last_t, c, s, b, v = open_[tid]
                gap = t - last_t
                pred = c + v * gap
                d = np.linalg.norm(centre[idx] - pred, axis=1) / np.maximum(
                    s, size[idx]
                )
                ratio = np.maximum(size[idx], s) / np.minimum(size[idx], s)
                ok = (d <= th.link_max_dist_body + th.link_dist_per_s * gap) & (
                    ratio <= th.link_max_size_ratio
                )
                overlap = iou(b[None], box[idx])[0]
                cost[a] = np.where(ok, d + 0.5 * (1 - overlap) + np.log(ratio), np.inf)
            finite = np.where(np.isfinite(cost), cost, 1e9)
            rows_a, cols_a = linear_sum_assignment(finite)
            for a, j in zip(rows_a, cols_a, strict=True):
                if np.isfinite(cost[a, j]):
                    ids[idx[j]] = tids[a]
        for k in idx:
            tid = int(ids[k])
            if tid < 0:
                tid = next_id
                next_id += 1
                ids[k] = tid
                open_[tid] = [t, centre[k], size[k], box[k], np.zeros(2)]
                continue
            last_t, c, _, _, v = open_[tid]
            dt = t - last_t
            if dt > 0:
                v = 0.5 * v + 0.5 * (centre[k] - c) / dt
            open_[tid] = [t, centre[k], size[k], box[k], v]
    return ids


def _judge(
    det: Detections,
    members: np.ndarray,
    time_s: np.ndarray,
    view_th: ViewThresholds,
) -> tuple[str, float]:
    # Imported here: formcheck.gait imports formcheck.pose, not the other way round.
    from formcheck.gait.view import _activity, body_measures

    rows = det.row[members]
    lo, hi = rows.min(), rows.max() + 1
    xy = np.full((hi - lo, NUM_LANDMARKS, 2), np.nan, np.float32)
    vis = np.zeros((hi - lo, NUM_LANDMARKS), np.float32)
    xy[rows - lo], vis[rows - lo] = det.xy[members], det.visibility[members]
    m = body_measures(xy, vis, time_s[lo:hi], view_th)
    kind = (
        "side"
        if np.isfinite(m.width_trunk) and (m.width_trunk < view_th.side_max_width_trunk)
        else "unknown"
    )
    activity, conf, _ = _activity(m, kind, hi - lo, view_th)
    return activity, conf


def select_runner(
    det: Detections,
    time_s: np.ndarray,
    th: SelectThresholds = DEFAULT.select,
    view_th: ViewThresholds = DEFAULT.view,
) -> Selection:
    """Link detections into tracks and choose the runner's.

    Args:
        det: all plausible detections of the clip.
        time_s: ``(n_rows,)`` time of each analysed frame.
        th: the ``[select]`` thresholds.
        view_th: the ``[view]`` thresholds (activity of each track).

    Returns:
        The :class:`Selection`; ``chosen == -1`` if there are no detections.
    """
    time_s = np.asarray(time_s, np.float64)
    if len(det) == 0:
        return Selection(np.zeros(0, np.int64), -1, (), ("nobody detected",))
    centre, size, box = geometry(det.xy)
    keep = suppress_duplicates(det.row, centre, size, box, det.visibility.mean(1), th)
    ids = np.full(len(det), -1, np.int64)
    kept = np.flatnonzero(keep)
    ids[kept] = link_tracks(
        det.row[kept], time_s, centre[kept], size[kept], box[kept], th
    )
    dt = float(np.median(np.diff(time_s))) if len(time_s) > 1 else 0.0
    # A track must last min_track_s, or half the clip when the clip is shorter.
    min_s = min(th.min_track_s, 0.5 * (time_s[-1] - time_s[0] + dt))
    summaries = []
    for tid in np.unique(ids[kept]):
        members = np.flatnonzero(ids == tid)
        rows = det.row[members]
        seen = len(members) * dt
        eligible = (time_s[rows.max()] - time_s[rows.min()]) + dt >= min_s
        activity, conf = (
            _judge(det, members, time_s, view_th) if eligible else ("none", 0.0)
        )
        summaries.append(
            TrackSummary(int(tid), len(members), seen, activity, conf, bool(eligible))
        )
    # Activity decides between tracks of comparable length only: a short fragment's
    # activity is judged on a step or two, and must not outrank the long track.
    longest = max((s.seen_s for s in summaries if s.eligible), default=0.0)
    summaries.sort(
        key=lambda s: (
            s.eligible,
            s.seen_s >= th.activity_min_share * longest,
            _ACTIVITY_RANK[s.activity],
            s.seen_s * s.confidence,
        ),
        reverse=True,
    )
    best = summaries[0]
    if not best.eligible:
        return Selection(
            ids,
            -1,
            tuple(summaries),
            (
                f"nobody in view for {min_s:.2f} s: {len(summaries)} short track(s), "
                f"longest {max(s.n_frames for s in summaries)} frames",
            ),
        )
    reasons = [
        f"{len(summaries)} track(s); chose track {best.track_id}: {best.activity}, "
        f"{best.n_frames} frames ({best.seen_s:.1f} s)"
    ]
    if len(summaries) > 1:
        other = ", ".join(
            f"{s.track_id}: {s.activity if s.eligible else 'too short'} {s.n_frames} fr"
            for s in summaries[1:6]
        )
        reasons.append(f"others: {other}")
    return Selection(ids, best.track_id, tuple(summaries), tuple(reasons))


def runner_track(
    det: Detections,
    selection: Selection,
    frame_index: np.ndarray,
    time_s: np.ndarray,
    width: int,
    height: int,
) -> PoseTrack:
    """The chosen person's :class:`PoseTrack`; other frames are "not detected"."""
    track = PoseTrack.allocate(len(frame_index), width, height)
    track.frame_index[:] = frame_index
    track.time_s[:] = time_s
    if selection.chosen < 0:
        return track
    k = np.flatnonzero(selection.track_id == selection.chosen)
    r = det.row[k]
    track.detected[r] = True
    track.xy[r] = det.xy[k]
    track.z[r] = det.z[k]
    track.visibility[r] = det.visibility[k]
    track.presence[r] = det.presence[k]
    track.world[r] = det.world[k]
    return track
