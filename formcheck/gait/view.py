"""Which view, which way the runner faces, treadmill or not, and what they are doing.

Pure numpy/scipy on landmark arrays, so it works on a raw
:class:`~formcheck.pose.track.PoseTrack` or a cleaned
:class:`~formcheck.gait.types.CleanTrack` alike (:func:`classify_track`), or on bare
arrays (:func:`classify_view`). Every threshold is in the ``[view]`` section of
``thresholds.toml``. Lengths are normalised by the person's own body (trunk length
= shoulder centre to hip centre; leg length = hip-knee-ankle), so the criteria hold
at any camera distance and resolution.

Criteria:

* **Kind** (side / front / rear). In a side view the shoulders and the hips overlap
  in the image; seen from the front or the back they are about 0.6 trunk lengths
  wide. The median of (shoulder width + hip width) / 2 below ``side_max_width_trunk``
  (0.3, i.e. the body turned less than ~30 degrees from side-on) is a side view.
  Front vs rear comes from MediaPipe's own 3D reading of the body: seen from the
  front the runner's left shoulder is on the image's right and the nose is nearer the
  camera than the shoulders (``z`` smaller); from the back both flip. Face-landmark
  *visibility* is useless for this: MediaPipe reports the face as visible (~1.0) on
  people seen from behind.
* **Facing** (side views): the nose ahead of the ears and the toes ahead of the heels,
  voted per frame; one direction must win ``facing_min_agreement`` of the votes (a
  person walking back and forth gets ``None``). This is the only facing function in
  formcheck (:func:`infer_facing`).
* **Treadmill**: the hip centre stays within ``treadmill_max_travel_ll`` over the
  ground and the body does not grow or shrink (``treadmill_max_scale_change``). A
  runner crossing the frame, or running toward/away from the camera, is overground.
  The hips' travel is measured over the ground when the camera's path is known
  (:mod:`formcheck.camera`): a camera panning after an overground runner keeps the
  runner in place on screen exactly as a treadmill does, but the background gives
  the pan away. When the background gave too little to measure, such clips are
  reported as treadmill with lower confidence and a reason saying so.
* **Activity**: ``none`` if a person is seen for less than ``min_person_s`` (or
  half of a shorter clip). ``standing`` if the ankles barely move apart (separation
  range below ``standing_max_swing_ll``) and the body does not travel; also (as "no
  walking or running gait") if the hips bob by more than ``gait_max_bounce_ll``
  (jumping: running bounces ~0.07-0.15 leg lengths). Otherwise running vs walking
  is decided first by cues that need no clock, each a textbook difference between
  the gaits, so that slow-motion playback cannot turn a runner into a walker: where
  the hips are lowest in the step (side view; :func:`_bounce_phase`, weight 2), peak
  swing-knee flexion (side view; running < ~100 degrees interior angle, walking
  ~115-125; 1) and the elbow angle (runners carry the arms bent, walkers swing
  them nearly straight; 1). When those weigh at least 3 and ``run_min_vote_share``
  of it says running, the person runs; if all three do and the steps come slower
  than ``slowed_max_cadence_spm`` on the video's clock, the clip plays in slow
  motion (``View.slowed_cadence_spm``). Otherwise the step cadence (separation
  peaks; walking ~90-130 spm, running ~150-200; weight 2) joins the vote, and
  running needs ``run_min_vote_share`` of the weight; anything less, or no usable
  cue, gives ``walking``: running metrics are only computed when running is
  clearly seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.config import DEFAULT, ViewThresholds
from formcheck.gait.clean import leg_lengths
from formcheck.gait.types import Activity, View, ViewKind
from formcheck.pose.landmarks import Landmark as L

Facing = Literal["left", "right"]


@dataclass(frozen=True)
class BodyMeasures:
    """Per-clip body-relative measures the view decision is made from.

    Attributes:
        n_detected: frames with a person.
        fraction_detected: ``n_detected`` / analysed frames.
        seen_s: time with a person (``n_detected`` x median frame interval).
        span_s: duration of the analysed frames (first to last, plus one frame).
        width_trunk: median (shoulder width + hip width) / 2 / trunk length.
        front_score: > 0 front-facing, < 0 seen from behind (trunk lengths); NaN if
            unknown.
        travel_ll: 5th-95th percentile range of hip-centre x, leg lengths: over the
            ground (the camera's pan taken out) when the camera path is known, else on
            screen.
        scale_change: log of the 95th/5th percentile body size ratio.
        swing_ll: 10th-90th percentile range of ankle separation, leg lengths.
        cadence_spm: steps per minute from ankle-separation peaks (NaN if unmeasured).
        n_steps: separation peaks found.
        knee_min_deg: 5th percentile of the smaller knee interior angle per frame.
        elbow_deg: median elbow interior angle.
        bounce_ll: vertical hip oscillation after removing a running median over
            1 s or three steps, whichever is longer (5th-95th percentile range), leg
            lengths; NaN if under two such windows of data.
        camera_pan_ll: how far the camera panned over the clip (range of its
            horizontal path), leg lengths; NaN when the camera path is unknown.
        bounce_phase: correlation of the hips' height with the feet's separation
            (:func:`_bounce_phase`): > 0 running, < 0 walking; NaN if unmeasured.
    """

    n_detected: int
    fraction_detected: float
    seen_s: float
    span_s: float
    width_trunk: float
    front_score: float
    travel_ll: float
    scale_change: float
    swing_ll: float
    cadence_spm: float
    n_steps: int
    knee_min_deg: float
    elbow_deg: float
    bounce_ll: float
    camera_pan_ll: float = float("nan")
    bounce_phase: float = float("nan")


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle at ``b`` in degrees, ``(n,)`` (NaN where undefined)."""
    u, v = a - b, c - b
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (u * v).sum(-1) / (
            np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1)
        )
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _nanpct(a: np.ndarray, q: float) -> float:
    a = a[np.isfinite(a)]
    return float(np.percentile(a, q)) if a.size else float("nan")


def _leg_length(xy: np.ndarray) -> float:
    return _nanpct(leg_lengths(xy).ravel(), 50)


def _cadence(
    sep_ll: np.ndarray,
    time_s: np.ndarray,
    th: ViewThresholds,
    hip_y: np.ndarray | None = None,
) -> tuple[float, int]:
    """Steps/min from peaks of ankle separation (one peak per step).

    Separation is a distance, so MediaPipe's left/right leg swaps do not affect it.
    Undetected frames are dropped (short gaps only shift a peak by a frame).
    """
    from scipy.signal import find_peaks, medfilt  # lazy: slow to import

    ok = np.isfinite(sep_ll)
    if ok.sum() < 3:
        return float("nan"), 0
    s, t = sep_ll[ok], time_s[ok]
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    # Peaks closer than ~60 % of the step period are one step's (the separation can
    # peak twice in a step). The period comes from the hips, which bob once a step
    # whichever foot is down, not from a least step time in seconds, so a clip in
    # slow motion counts its steps alike.
    period = 0.0 if hip_y is None else _step_period(hip_y, dt, th)
    # A running median removes one-frame glitches (a misplaced ankle) that would
    # split one step's peak in two.
    kernel = max(3, int(round(max(0.1, period / 6) / dt)) | 1)
    if len(s) >= kernel:
        s = medfilt(s, kernel)
    peaks, _ = find_peaks(
        s,
        prominence=th.step_min_prominence_ll,
        distance=max(1, int(round(max(th.min_step_s, 0.6 * period) / dt))),
    )
    if len(peaks) < th.min_steps:
        return float("nan"), len(peaks)
    return float(60.0 / np.median(np.diff(t[peaks]))), len(peaks)


def _step_period(y: np.ndarray, dt: float, th: ViewThresholds) -> float:
    """The period of the hips' bob (one step), seconds: the first clear peak of
    the autocorrelation of their vertical speed (a runner coming nearer or a road
    that climbs drifts the position, not the bob); 0 if there is no clear rhythm."""
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return 0.0
    # Missed frames are bridged on the frame grid, so lags stay times.
    k = np.arange(len(y))
    y = np.diff(np.interp(k, k[ok], y[ok]))
    n = len(y)
    lo = max(2, int(th.min_step_s / dt))
    if n < 3 * lo:
        return 0.0
    x = y - y.mean()
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[: n // 2]
    if acf[0] <= 0:
        return 0.0
    acf = acf / acf[0]
    inner = np.arange(lo, len(acf) - 1)
    peaks = inner[(acf[inner] > acf[inner - 1]) & (acf[inner] >= acf[inner + 1])]
    peaks = peaks[acf[peaks] > 0.3]
    return float(peaks[0] * dt) if len(peaks) else 0.0


def _detrended(
    y: np.ndarray, time_s: np.ndarray, window_s: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """``y`` minus its running median over ``window_s``, on the finite frames away
    from the ends (where the median is one-sided); also their indices. None if too
    short."""
    from scipy.signal import medfilt  # lazy: slow to import

    ok = np.flatnonzero(np.isfinite(y))
    if len(ok) < 3:
        return None
    kernel = max(3, int(round(window_s / float(np.median(np.diff(time_s[ok]))))) | 1)
    if len(ok) < 2 * kernel:
        return None
    r = y[ok] - medfilt(y[ok], kernel)
    keep = slice(kernel // 2, len(ok) - kernel // 2)
    return r[keep], ok[keep]


def _trend_window_s(cadence_spm: float) -> float:
    """A running median this long removes drifts but keeps the steps: at least 1 s
    and three steps, so a clip that plays in slow motion is measured alike."""
    step = 60.0 / cadence_spm if np.isfinite(cadence_spm) and cadence_spm > 0 else 0
    return max(1.0, 3.0 * step)


def _bounce(y_ll: np.ndarray, time_s: np.ndarray, window_s: float = 1.0) -> float:
    """Vertical oscillation of the hips, leg lengths, without slow drifts.

    A running median over ``window_s`` is subtracted first, so perspective (a runner
    going away rises in the image) and slopes do not count as bounce.
    """
    d = _detrended(y_ll, time_s, window_s)
    if d is None:
        return float("nan")
    r = d[0]
    return float(np.percentile(r, 95) - np.percentile(r, 5))


def _bounce_phase(
    hip_y_ll: np.ndarray, sep_ll: np.ndarray, time_s: np.ndarray, window_s: float
) -> float:
    """Correlation of the hips' height with the feet's separation, steps only.

    The textbook, clock-free difference between the gaits (Cavagna's bouncing ball
    vs inverted pendulum): a walker vaults over a straight stance leg, so the hips
    are *highest* when the feet pass each other (separation smallest) and lowest in
    double support, feet apart; a runner's stance leg compresses like a spring, so
    the hips are *lowest* at mid-stance, feet together, and highest in flight, legs
    apart. Both signals have their running median (``window_s``) removed. > 0:
    running; < 0: walking; NaN if unmeasurable. Image y grows downward.
    """
    a = _detrended(-hip_y_ll, time_s, window_s)
    b = _detrended(sep_ll, time_s, window_s)
    if a is None or b is None:
        return float("nan")
    both, ia, ib = np.intersect1d(a[1], b[1], return_indices=True)
    if len(both) < 10:
        return float("nan")
    x, y = a[0][ia], b[0][ib]
    if np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def body_measures(
    xy: np.ndarray,
    visibility: np.ndarray,
    time_s: np.ndarray,
    th: ViewThresholds = DEFAULT.view,
    z: np.ndarray | None = None,
    camera_x: np.ndarray | None = None,
) -> BodyMeasures:
    """Compute :class:`BodyMeasures` from landmark arrays.

    Args:
        xy: ``(n, 33, 2)`` pixels, NaN where no person.
        visibility: ``(n, 33)`` in [0, 1] (unused landmarks may be 0).
        time_s: ``(n,)`` seconds, increasing.
        th: view thresholds.
        z: optional ``(n, 33)`` MediaPipe relative depth (smaller = nearer).
        camera_x: optional ``(n,)`` camera path (:mod:`formcheck.gait.scene`), pixels:
            the hips' travel is then measured over the ground, not on screen.
    """
    n = len(xy)
    det = np.isfinite(xy[:, [L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_SHOULDER], 0]).all(1)
    nan = float("nan")
    time_s = np.asarray(time_s, np.float64)
    dt = float(np.median(np.diff(time_s))) if n > 1 else 0.0
    span = float(time_s[-1] - time_s[0] + dt) if n else 0.0
    if det.sum() == 0:
        return BodyMeasures(
            0, 0.0, 0.0, span, nan, nan, nan, nan, nan, nan, 0, nan, nan, nan
        )
    # float32 input stays float32: no clip-long float64 copy (see pose.select).
    xy = np.asarray(xy, np.result_type(xy, np.float32))
    shoulder = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    trunk = np.linalg.norm(shoulder - hip, axis=-1)
    trunk = np.where(trunk > 0, trunk, np.nan)
    widths = (
        np.abs(xy[:, L.LEFT_SHOULDER, 0] - xy[:, L.RIGHT_SHOULDER, 0])
        + np.abs(xy[:, L.LEFT_HIP, 0] - xy[:, L.RIGHT_HIP, 0])
    ) / (2 * trunk)
    # Front: runner's left shoulder on the image's right (x_L > x_R), nose nearer.
    order = (xy[:, L.LEFT_SHOULDER, 0] - xy[:, L.RIGHT_SHOULDER, 0]) / trunk
    cues = [_nanpct(order, 50)]
    if z is not None:
        zz = np.asarray(z, np.float64)
        nose_depth = (
            zz[:, L.NOSE] - (zz[:, L.LEFT_SHOULDER] + zz[:, L.RIGHT_SHOULDER]) / 2
        )
        cues.append(-_nanpct(nose_depth / trunk, 50))
    cues = [c for c in cues if np.isfinite(c)]
    front = float(np.mean(cues)) if cues else nan

    leg = _leg_length(xy)
    sep = np.linalg.norm(xy[:, L.LEFT_ANKLE] - xy[:, L.RIGHT_ANKLE], axis=-1) / leg
    cadence, n_steps = _cadence(sep, time_s, th, hip[:, 1] / leg)
    size = np.linalg.norm(
        xy[:, L.NOSE] - (xy[:, L.LEFT_ANKLE] + xy[:, L.RIGHT_ANKLE]) / 2, axis=-1
    )
    lo, hi = _nanpct(size, 5), _nanpct(size, 95)
    knee = np.fmin(
        _angle(xy[:, L.LEFT_HIP], xy[:, L.LEFT_KNEE], xy[:, L.LEFT_ANKLE]),
        _angle(xy[:, L.RIGHT_HIP], xy[:, L.RIGHT_KNEE], xy[:, L.RIGHT_ANKLE]),
    )
    elbow = np.concatenate(
        [
            _angle(xy[:, L.LEFT_SHOULDER], xy[:, L.LEFT_ELBOW], xy[:, L.LEFT_WRIST]),
            _angle(xy[:, L.RIGHT_SHOULDER], xy[:, L.RIGHT_ELBOW], xy[:, L.RIGHT_WRIST]),
        ]
    )
    pan = nan
    if camera_x is not None and np.isfinite(camera_x).all():
        hip_x = (hip[:, 0] - camera_x) / leg
        pan = _nanpct(camera_x / leg, 100) - _nanpct(camera_x / leg, 0)
    else:
        hip_x = hip[:, 0] / leg
    return BodyMeasures(
        n_detected=int(det.sum()),
        fraction_detected=float(det.mean()) if n else 0.0,
        seen_s=float(det.sum()) * dt,
        span_s=span,
        width_trunk=_nanpct(widths, 50),
        front_score=front,
        travel_ll=_nanpct(hip_x, 95) - _nanpct(hip_x, 5),
        scale_change=float(np.log(hi / lo)) if lo > 0 else nan,
        swing_ll=_nanpct(sep, 90) - _nanpct(sep, 10),
        cadence_spm=cadence,
        n_steps=n_steps,
        knee_min_deg=_nanpct(knee, 5),
        elbow_deg=_nanpct(elbow, 50),
        bounce_ll=_bounce(hip[:, 1] / leg, time_s, _trend_window_s(cadence)),
        camera_pan_ll=pan,
        bounce_phase=_bounce_phase(
            hip[:, 1] / leg, sep, time_s, _trend_window_s(cadence)
        ),
    )


def infer_facing(
    xy: np.ndarray, th: ViewThresholds = DEFAULT.view
) -> tuple[Facing | None, float, str]:
    """Screen direction a side-view person faces: nose ahead of the ears, toes ahead
    of the heels, voted per frame.

    Args:
        xy: ``(n, 33, 2)`` pixels, NaN where no person.
        th: view thresholds (``facing_min_offset``, ``facing_min_agreement``).

    Returns:
        ``(facing, agreement, reason)``; ``facing`` is None when the votes are too
        few or split (front/rear view, or a person who turns around).
    """
    # float32 input stays float32: no clip-long float64 copy (see pose.select).
    xy = np.asarray(xy, np.result_type(xy, np.float32))
    shoulder = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    trunk = np.linalg.norm(shoulder - hip, axis=-1)
    leg = _leg_length(xy)
    with np.errstate(invalid="ignore", divide="ignore"):
        ears = (xy[:, L.LEFT_EAR, 0] + xy[:, L.RIGHT_EAR, 0]) / 2
        nose = (xy[:, L.NOSE, 0] - ears) / trunk
        toes = (
            (xy[:, L.LEFT_FOOT_INDEX, 0] - xy[:, L.LEFT_HEEL, 0])
            + (xy[:, L.RIGHT_FOOT_INDEX, 0] - xy[:, L.RIGHT_HEEL, 0])
        ) / (2 * leg)
    votes = np.zeros(len(xy))
    for cue in (nose, toes):
        strong = np.isfinite(cue) & (np.abs(cue) >= th.facing_min_offset)
        votes[strong] += np.sign(cue[strong])
    right, left = int((votes > 0).sum()), int((votes < 0).sum())
    if right + left == 0:
        return None, 0.0, "facing: no frame with the nose/toes clearly ahead"
    agree = max(right, left) / (right + left)
    if agree < th.facing_min_agreement:
        return (
            None,
            agree,
            f"facing: split ({right} frames right, {left} left) - turns around or "
            "not a side view",
        )
    facing: Facing = "right" if right > left else "left"
    return facing, agree, f"faces {facing} in {agree:.0%} of voting frames (nose, toes)"


def _kind(m: BodyMeasures, th: ViewThresholds) -> tuple[ViewKind, float, str]:
    if not np.isfinite(m.width_trunk):
        return "unknown", 0.0, "view: body width unknown"
    ratio = m.width_trunk / th.side_max_width_trunk
    if ratio < 1.0:
        return (
            "side",
            float(min(1.0, 2 * (1 - ratio))),
            f"side view: shoulders/hips {m.width_trunk:.2f} trunk lengths wide "
            f"(< {th.side_max_width_trunk})",
        )
    width_conf = float(min(1.0, 2 * (ratio - 1)))
    wide = f"shoulders/hips {m.width_trunk:.2f} trunk lengths wide"
    if not np.isfinite(m.front_score) or abs(m.front_score) < th.front_rear_min_score:
        return "unknown", 0.3, f"{wide}, but front vs rear undecided"
    kind: ViewKind = "front" if m.front_score > 0 else "rear"
    how = (
        "left shoulder on image right, nose nearer"
        if kind == "front"
        else ("left shoulder on image left, nose farther than the shoulders")
    )
    conf = min(
        width_conf, float(min(1.0, abs(m.front_score) / (2 * th.front_rear_min_score)))
    )
    return kind, conf, f"{kind} view: {wide}; {how}"


def _activity(
    m: BodyMeasures, kind: ViewKind, n_frames: int, th: ViewThresholds
) -> tuple[Activity, float, list[str]]:
    if m.n_detected == 0 or m.seen_s < min(th.min_person_s, 0.5 * m.span_s):
        return "none", 1.0, [f"no person: detected in {m.n_detected}/{n_frames} frames"]
    moving = (
        (np.isfinite(m.swing_ll) and m.swing_ll >= th.standing_max_swing_ll)
        or (np.isfinite(m.travel_ll) and m.travel_ll >= th.treadmill_max_travel_ll)
        or (
            np.isfinite(m.scale_change)
            and m.scale_change >= th.treadmill_max_scale_change
        )
    )
    if not moving:
        return (
            "standing",
            0.9,
            [f"standing: ankles {m.swing_ll:.2f} leg lengths apart at most, no travel"],
        )
    if np.isfinite(m.bounce_ll) and m.bounce_ll > th.gait_max_bounce_ll:
        return (
            "standing",
            0.6,
            [
                f"no walking/running gait: hips bob {m.bounce_ll:.2f} leg lengths "
                "(jumping or moving in place)"
            ],
        )
    # Clock-free cues first: they hold whether the clip plays in real time or in
    # slow motion. Each is a textbook difference between the gaits.
    free: list[tuple[float, str]] = []
    if kind == "side" and abs(m.bounce_phase) >= th.run_min_phase:  # NaN: False
        run = m.bounce_phase > 0
        where = "lowest" if run else "highest"
        free.append(
            (
                2.0 if run else -2.0,
                f"hips {where} at mid-stance ({m.bounce_phase:+.2f})",
            )
        )
    if kind == "side" and np.isfinite(m.knee_min_deg):
        run = m.knee_min_deg < th.run_max_knee_deg
        free.append((1.0 if run else -1.0, f"swing knee to {m.knee_min_deg:.0f} deg"))
    if np.isfinite(m.elbow_deg):
        run = m.elbow_deg < th.run_max_elbow_deg
        free.append((1.0 if run else -1.0, f"elbows {m.elbow_deg:.0f} deg"))
    clock: list[tuple[float, str]] = []
    if np.isfinite(m.cadence_spm):
        run = m.cadence_spm >= th.run_min_cadence_spm
        clock.append((2.0 if run else -2.0, f"cadence {m.cadence_spm:.0f} spm"))
    if _looks_slowed(free, m.cadence_spm, th):
        return (
            "running",
            _share(free),
            [
                f"running: {_cues(free)}; {_cues(clock)} on the video's clock",
                SLOWED_REASON,
            ],
        )
    if _free_cues_decide(free, th):
        # The hips' bounce and a joint agree (or outvote the third) on running
        # kinematics: a slow jog's cadence does not overrule them. The knee and
        # elbows alone do not decide (drills and skips bend both).
        return "running", _share(free), [f"running: {_cues(free + clock)}"]
    votes = free + clock
    weight = sum(abs(v) for v, _ in votes)
    run_share = _share(votes)
    if run_share >= th.run_min_vote_share:
        return "running", run_share, [f"running: {_cues(votes)}"]
    conf = 1.0 - run_share if weight else 0.2
    return (
        "walking",
        conf,
        [f"walking (not running): {_cues(votes) or 'no gait cue measurable'}"],
    )


def _share(votes: list[tuple[float, str]]) -> float:
    """Share of the votes' weight that says running (0 with no votes)."""
    weight = sum(abs(v) for v, _ in votes)
    return sum(v for v, _ in votes if v > 0) / weight if weight else 0.0


def _cues(votes: list[tuple[float, str]]) -> str:
    return ", ".join(f"{why} ({'run' if v > 0 else 'walk'})" for v, why in votes)


#: The reason :func:`_activity` adds when the body runs at a cadence no runner has.
SLOWED_REASON = "running kinematics at a walking cadence: slow-motion playback?"


#: The clock-free cues decide on their own from this much weight: the hips' bounce
#: (2) with a joint (1), never the knee and elbows alone (drills bend both).
FREE_DECIDE_WEIGHT = 3.0


def _free_cues_decide(free: list[tuple[float, str]], th: ViewThresholds) -> bool:
    """Whether the clock-free cues alone say running."""
    weight = sum(abs(v) for v, _ in free)
    return weight >= FREE_DECIDE_WEIGHT and _share(free) >= th.run_min_vote_share


def _looks_slowed(
    free: list[tuple[float, str]], cadence_spm: float, th: ViewThresholds
) -> bool:
    """The body runs by the clock-free cues - they decide on their own, or every one
    measured says running (at least two: the swing knee and the elbows) - yet the
    steps come slower than any runner's (``slowed_max_cadence_spm``): the clip
    plays in slow motion."""
    weight = sum(abs(v) for v, _ in free)
    runs = _free_cues_decide(free, th) or (
        weight >= 2.0 and all(v > 0 for v, _ in free)
    )
    return bool(
        runs and np.isfinite(cadence_spm) and cadence_spm < th.slowed_max_cadence_spm
    )


def _treadmill(m: BodyMeasures, th: ViewThresholds) -> tuple[bool | None, float, str]:
    if not (np.isfinite(m.travel_ll) and np.isfinite(m.scale_change)):
        return None, 0.0, "treadmill: unknown"
    panned = np.isfinite(m.camera_pan_ll) and (
        m.camera_pan_ll >= th.treadmill_max_travel_ll
    )
    if m.travel_ll >= th.treadmill_max_travel_ll:
        how = (
            f"the camera pans with the runner ({m.camera_pan_ll:.1f} leg lengths of "
            "background went by) and "
            if panned
            else ""
        )
        return (
            False,
            1.0,
            f"overground: {how}hips travel {m.travel_ll:.1f} leg lengths over the "
            "ground",
        )
    if m.scale_change >= th.treadmill_max_scale_change:
        return (
            False,
            1.0,
            (
                f"overground: body size changes {np.exp(m.scale_change):.1f}x "
                "(toward/away from the camera)"
            ),
        )
    if np.isfinite(m.camera_pan_ll):
        # The background was tracked: the runner really stays in one place.
        return (
            True,
            0.9,
            f"treadmill: hips stay within {m.travel_ll:.1f} leg lengths over the "
            f"ground (camera moved {m.camera_pan_ll:.1f} leg lengths)",
        )
    return (
        True,
        0.6,
        (
            f"in place (hips within {m.travel_ll:.1f} leg lengths on screen): treadmill, "
            "or a camera panning with an overground runner (the background gave too "
            "little to measure the camera's motion; override with --overground)"
        ),
    )


def classify_view(
    xy: np.ndarray,
    visibility: np.ndarray,
    time_s: np.ndarray,
    width: int,
    height: int,
    thresholds: ViewThresholds = DEFAULT.view,
    *,
    z: np.ndarray | None = None,
    kind: ViewKind | None = None,
    facing: Facing | None = None,
    treadmill: bool | None = None,
    camera_x: np.ndarray | None = None,
) -> View:
    """Classify view, facing, treadmill and activity of one person's landmarks.

    Args:
        xy: ``(n, 33, 2)`` pixels, NaN where no person was detected.
        visibility: ``(n, 33)`` in [0, 1].
        time_s: ``(n,)`` seconds.
        width, height: frame size in pixels (kept for the signature; all criteria are
            body-relative).
        thresholds: the ``[view]`` thresholds.
        z: optional ``(n, 33)`` MediaPipe depth; sharpens front vs rear.
        kind, facing, treadmill: user overrides; an overridden value is used as given
            and says so in ``reasons``.
        camera_x: ``(n,)`` the camera's horizontal path in pixels
            (:func:`formcheck.gait.scene.camera_path`), NaN or None if unknown: a
            runner the camera follows is then overground, not on a treadmill.

    Returns:
        The :class:`~formcheck.gait.types.View`.

    Example:
        >>> import numpy as np
        >>> v = classify_view(np.full((5, 33, 2), np.nan), np.zeros((5, 33)),
        ...                   np.arange(5) / 30, 640, 480)
        >>> v.activity, v.kind
        ('none', 'unknown')
    """
    del width, height
    th = thresholds
    n = len(xy)
    m = body_measures(xy, visibility, time_s, th, z, camera_x)
    reasons: list[str] = []
    if m.n_detected == 0:
        activity, act_conf, why = _activity(m, "unknown", n, th)
        return View(
            kind or "unknown", facing, treadmill, activity, act_conf, tuple(why)
        )

    if kind is not None:
        k, k_conf = kind, 1.0
        reasons.append(f"{kind} view (given)")
    else:
        k, k_conf, why = _kind(m, th)
        reasons.append(why)

    f: Facing | None
    f_conf = 1.0
    if facing is not None:
        f = facing
        reasons.append(f"faces {facing} (given)")
    elif k == "side":
        f, f_conf, why = infer_facing(xy, th)
        reasons.append(why)
    else:
        f = None

    if treadmill is not None:
        tm, tm_conf = treadmill, 1.0
        reasons.append(("treadmill" if treadmill else "overground") + " (given)")
    else:
        tm, tm_conf, why = _treadmill(m, th)
        reasons.append(why)

    activity, act_conf, why = _activity(m, k, n, th)
    reasons.extend(why)
    slowed = m.cadence_spm if SLOWED_REASON in why else None
    if activity == "none":
        # A few stray detections say nothing about a view.
        return View(kind or "unknown", facing, treadmill, "none", act_conf, tuple(why))
    if activity in ("none", "standing") and treadmill is None:
        tm, tm_conf = None, 1.0
    confs = [k_conf, act_conf] + ([f_conf] if k == "side" else [])
    if activity in ("running", "walking"):
        confs.append(tm_conf)
    return View(
        kind=k,
        facing=f,
        treadmill=tm,
        activity=activity,
        confidence=round(float(np.clip(min(confs), 0.0, 1.0)), 3),
        slowed_cadence_spm=None if slowed is None else float(slowed),
        reasons=tuple(reasons),
    )


def classify_track(
    track,
    thresholds: ViewThresholds = DEFAULT.view,
    **overrides,
) -> View:
    """:func:`classify_view` on a ``PoseTrack`` or ``CleanTrack``.

    Frames a ``PoseTrack`` marks as not detected are NaN already; its ``z`` is used.
    """
    xy = np.asarray(track.xy, np.float64)
    detected = getattr(track, "detected", None)
    if detected is not None:
        xy = np.where(detected[:, None, None], xy, np.nan)
    return classify_view(
        xy,
        track.visibility,
        track.time_s,
        track.width,
        track.height,
        thresholds,
        z=getattr(track, "z", None),
        **overrides,
    )
