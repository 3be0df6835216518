"""The whole measurement chain on one video:

    track_poses -> clean_track -> classify_view -> detect_events -> metrics

:func:`analyze_run` is pure (arrays in, records out); :func:`analyze_video` adds the
video and MediaPipe stage in front of it.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field

import numpy as np

from formcheck.config import DEFAULT as DEFAULT_THRESHOLDS
from formcheck.config import Thresholds
from formcheck.gait.clean import clean_track
from formcheck.gait.events import cadence_spm, detect_events
from formcheck.gait.events_frontal import detect_frontal_events
from formcheck.gait.scene import camera_path, steadied
from formcheck.gait.types import CleanTrack, GaitEvent, View
from formcheck.gait.view import SLOWED_REASON, classify_view
from formcheck.metrics.registry import CLOCKED_UNITS, METRICS
from formcheck.metrics.steps import (
    StepRecord,
    clip_series,
    mean_visibility,
    step_records,
    summarize,
)
from formcheck.pipeline import PoseRun, track_poses


@dataclass(frozen=True)
class ViewOverrides:
    """What the user says about the clip, overriding detection."""

    kind: str | None = None
    facing: str | None = None
    treadmill: bool | None = None
    #: The clip plays this many times slower than real life (a phone's slow motion
    #: conformed to a normal frame rate and shared). Every time the analysis
    #: measures is then real time: the video's timestamps divided by ``slowmo``.
    #: None: not known (slow motion is then detected and estimated); 1: real time.
    slowmo: float | None = None


@dataclass(frozen=True)
class Analysis:
    """Everything measured on one clip.

    Attributes:
        run: the pose stage (video facts, model, raw track).
        clean: the cleaned track.
        view: view, facing, treadmill, activity.
        events: gait events, sorted by time.
        steps: per-step metrics.
        series: per-frame metric series, name -> ``(n,)``.
        summary: ``{"cadence_spm": ..., "metrics": {name: entry}}`` (see report docs).
        runner_height_cm: as given by the user, if any.
        notes: plain-language notes on what limits this clip's measurements.
        slowmo: how many times slower than real life the clip plays (given by the
            user or estimated, see ``slowmo_estimated``; 1 = real time).
            ``run.track``, ``clean``, ``events``, ``steps`` and every time in the
            report are real time; the video's own clock is :meth:`video_time_s`.
        slowmo_estimated: ``slowmo`` was not given but guessed from a running
            body's slow steps (:func:`analyze_run`); the summary then withholds
            every number measured in time.
    """

    run: PoseRun
    clean: CleanTrack
    view: View
    events: list[GaitEvent]
    steps: list[StepRecord]
    series: dict[str, np.ndarray]
    summary: dict
    runner_height_cm: float | None = None
    notes: list[str] = field(default_factory=list)
    slowmo: float = 1.0
    slowmo_estimated: bool = False

    def video_time_s(self, time_s):
        """The video's own timestamp of a real time (seconds; scalar or array)."""
        return time_s * self.slowmo


def analyze_run(
    run: PoseRun,
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    overrides: ViewOverrides = ViewOverrides(),
    runner_height_cm: float | None = None,
) -> Analysis:
    """Measure a pose run: view, events, per-step and summary metrics.

    With ``overrides.slowmo`` the track's timestamps are put in real time first, so
    every stage (filters, event windows, cadence) sees real running. A clip whose
    body runs (by the clock-free cues) at a cadence no runner has on that clock
    plays slower still: unless the user said it plays in real time (``slowmo=1``),
    it is measured on a clock slowed by the factor a typical cadence implies
    (``[view] typical_run_cadence_spm``), so steps and contacts are found, and every
    number that depends on the clock is withheld, since the factor is a guess."""
    given = overrides.slowmo
    slowmo = 1.0 if given is None else float(given)
    if not (math.isfinite(slowmo) and slowmo > 0):
        raise ValueError(f"slowmo must be a positive number, not {slowmo!r}")
    analysis = _measure(run, thresholds, overrides, runner_height_cm, slowmo)
    slowed = analysis.view.slowed_cadence_spm
    if not slowed:
        return analysis
    typical = thresholds.view.typical_run_cadence_spm
    if given is not None:
        # The user's clock is kept, but a cadence no runner has is not reported.
        likely = slowmo * typical / slowed
        note = (
            f"Even on the clock given ({slowmo:g}x), the steps come at {slowed:.0f} "
            "per minute, which no runner runs: cadence, contact and flight times "
            f"are not reported. About {likely:.1f}x would give a typical cadence."
        )
        withheld = _withhold_clocked(analysis, "no runner steps this slowly")
        return dataclasses.replace(withheld, notes=[note, *withheld.notes])
    video_cadence = slowed  # steps/min on the video's own clock
    guess = typical / video_cadence
    found = _measure(run, thresholds, overrides, runner_height_cm, guess, video_cadence)
    # The feet's contacts time the steps far better than the separation peaks the
    # first guess came from: the factor that puts them at the typical cadence.
    measured = cadence_spm(found.events) if found.events else math.nan
    if math.isfinite(measured) and measured > 0:
        better = guess * typical / measured
        if abs(better / guess - 1.0) > REFINE_TOLERANCE:
            guess = better
            found = _measure(
                run, thresholds, overrides, runner_height_cm, guess, video_cadence
            )
    if found.view.activity != "running" or guess < MIN_SLOWMO:
        # The contacts say the steps come at a runner's cadence after all (the
        # first guess rested on a miscounted rhythm), or the slowed clock does not
        # show running: no slow motion is claimed.
        view = dataclasses.replace(analysis.view, slowed_cadence_spm=None)
        return dataclasses.replace(analysis, view=view)
    # Kind, facing and treadmill as measured on the slowed clock; why the body is
    # running, and why slow motion is suspected, from the video's clock.
    activity = ("running", "walking", SLOWED_REASON)
    view = dataclasses.replace(
        found.view,
        slowed_cadence_spm=video_cadence,
        reasons=tuple(r for r in found.view.reasons if not r.startswith(activity))
        + tuple(r for r in analysis.view.reasons if r.startswith(activity)),
    )
    withheld = _withhold_clocked(
        found,
        f"the clip seems to play in slow motion (about {guess:.1f}x); give the "
        "factor to measure times",
    )
    return dataclasses.replace(withheld, view=view, slowmo_estimated=True)


#: A refined slow-motion factor this close to the first guess is kept as it is.
REFINE_TOLERANCE = 0.02
#: A clip slowed less than this is not called slow motion (phones slow 2x or more;
#: less is within the spread of runners' cadences).
MIN_SLOWMO = 1.2


def _measure(
    run: PoseRun,
    thresholds: Thresholds,
    overrides: ViewOverrides,
    runner_height_cm: float | None,
    slowmo: float,
    slowed_cadence_spm: float | None = None,
    given: float | None = None,
) -> Analysis:
    """The measurement chain with the video's clock slowed by ``slowmo``:
    given by the user, or estimated from a running body's cadence on the video's
    clock (``slowed_cadence_spm``, with the factor the user ``given`` if any; the
    notes then say so)."""
    if slowmo != 1.0:
        real = dataclasses.replace(run.track, time_s=run.track.time_s / slowmo)
        run = dataclasses.replace(run, track=real)
    clean = clean_track(run.track, thresholds)
    path = camera_path(run.camera, _frames_in(thresholds.view.camera_max_gap_s, clean))
    # The camera's shake and tilt taken out: the hips' bounce and the feet's height
    # are measured in the scene, not in the moving picture.
    steady = dataclasses.replace(clean, xy=steadied(clean.xy, path))
    view = classify_view(
        steady.xy,
        clean.visibility,
        clean.time_s,
        clean.width,
        clean.height,
        thresholds.view,
        z=run.track.z,
        kind=overrides.kind,
        facing=overrides.facing,
        treadmill=overrides.treadmill,
        camera_x=path.offset[:, 0] if path.known else None,
    )
    running = view.activity == "running"
    if not running:
        events = []
    elif view.kind in ("rear", "front"):
        events = detect_frontal_events(steady, view)
    else:
        events = detect_events(steady, view, thresholds)
    steps = step_records(
        steady.xy, clean.time_s, events, view, runner_height_cm=runner_height_cm
    )
    series = clip_series(steady.xy, view)
    cadence = cadence_spm(events) if events else math.nan
    vis = mean_visibility(run.track.visibility, run.track.detected)
    metrics = summarize(steps, series, view, cadence, vis, clean.time_s, events)
    unsure = view.treadmill is True and overrides.treadmill is None and not path.known
    notes = _capture_notes(
        run,
        clean,
        view,
        events,
        slowmo,
        slowed_cadence_spm,
        camera_unknown=unsure,
        given=given,
    )
    summary = {
        "cadence_spm": metrics["cadence_spm"].get("value"),
        "activity": view.activity,
        "n_steps": len(steps),
        "metrics": metrics,
    }
    return Analysis(
        run,
        clean,
        view,
        events,
        steps,
        series,
        summary,
        runner_height_cm,
        notes,
        slowmo,
    )


def _clocked(name: str) -> bool:
    """Whether metric ``name`` is measured in time (seconds, steps per minute)."""
    return name in METRICS and METRICS[name].unit in CLOCKED_UNITS


def _withhold_clocked(analysis: Analysis, why: str) -> Analysis:
    """``analysis`` with every value measured in time (summary and per step, so
    the step table, CSV and plots cannot show it) replaced by ``why``."""
    summary = dict(analysis.summary)
    summary["metrics"] = {
        name: {"value": None, "omitted": why} if _clocked(name) else entry
        for name, entry in analysis.summary["metrics"].items()
    }
    summary["cadence_spm"] = None
    steps = [
        dataclasses.replace(
            st,
            values={k: math.nan if _clocked(k) else v for k, v in st.values.items()},
        )
        for st in analysis.steps
    ]
    return dataclasses.replace(analysis, summary=summary, steps=steps)


def _frames_in(seconds: float, clean: CleanTrack) -> int:
    """How many analysed frames span ``seconds`` (at least 1)."""
    if len(clean) < 2:
        return 1
    dt = float(np.median(np.diff(clean.time_s)))
    return max(1, int(seconds / dt)) if dt > 0 else 1


def analyze_video(
    video_path: str | os.PathLike[str],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    overrides: ViewOverrides = ViewOverrides(),
    runner_height_cm: float | None = None,
    **pose_options,
) -> Analysis:
    """Decode, detect poses and measure. ``pose_options`` go to :func:`track_poses`."""
    run = track_poses(video_path, thresholds=thresholds, **pose_options)
    return analyze_run(
        run,
        thresholds=thresholds,
        overrides=overrides,
        runner_height_cm=runner_height_cm,
    )


#: Frame rates phones capture slow motion at (PAL regions use 50/100/200).
SLOWMO_CAPTURE_FPS = (50.0, 60.0, 100.0, 120.0, 200.0, 240.0, 480.0, 960.0)


def _likely_factor(estimate: float, fps: float) -> str:
    """The slow-motion factor to suggest: a phone's capture rate over the file's
    frame rate when one is within 20 % of ``estimate``, else ``estimate`` itself."""
    if fps > 0:
        factors = [c / fps for c in SLOWMO_CAPTURE_FPS if c / fps > 1.2]
        near = min(factors, key=lambda f: abs(math.log(f / estimate)), default=None)
        if near is not None and abs(near / estimate - 1) <= 0.2:
            return f"{near:.3g}"
    return f"{estimate:.1f}"


def _capture_notes(
    run: PoseRun,
    clean: CleanTrack,
    view: View,
    events,
    slowmo: float = 1.0,
    slowed_cadence_spm: float | None = None,
    camera_unknown: bool = False,
    given: float | None = None,
) -> list[str]:
    """Plain-language notes on what limits this clip's measurements.

    ``slowed_cadence_spm``: ``slowmo`` was estimated from this cadence on the
    video's clock. ``camera_unknown``: the runner stays in place on screen and the
    camera's motion could not be measured, so "treadmill" is a guess."""
    notes = []
    estimated = slowed_cadence_spm is not None
    if estimated:
        notes.append(
            "The body moves like a runner's (the hips lowest at mid-stance, a bent "
            f"swing knee, bent elbows) but at only {slowed_cadence_spm:.0f} "
            "steps per minute on the video's clock, which no runner runs: the clip "
            f"plays in slow motion, about {slowmo:.1f}x if the runner's cadence is "
            "typical"
            + (f" (not {given:g}x, as given)" if given is not None else "")
            + ". Steps, posture and foot strike are measured; cadence, contact and "
            "flight times are not, as they depend on the exact factor. If you know "
            "it, give it (--slowmo, or the page's Playback setting; e.g. "
            f"{_likely_factor(slowmo, run.video.fps)})."
        )
    elif slowmo != 1.0:
        notes.append(
            f"Slow motion ({slowmo:g}x, as given): times, cadence and contact times "
            "are in real time; the video itself plays slower."
        )
    track = run.track
    if len(track) and not track.detected.any():
        notes.append(
            "No person was found. Film the whole body, the runner filling at least "
            "half the frame height."
        )
    elif track.detection_rate < 0.8:
        notes.append(
            f"The runner was found in only {100 * track.detection_rate:.0f}% of "
            "frames; keep the whole body in view for the whole clip."
        )
    sel = run.selection
    others = [
        t
        for t in (sel.tracks if sel else ())
        if t.eligible and t.track_id != sel.chosen
    ]
    if sel is not None and sel.chosen >= 0 and others:
        notes.append(
            f"{len(others) + 1} people were in view; formcheck analysed the one "
            f"{'running' if view.activity == 'running' else 'moving'} for longest "
            "and ignored the others. Film the runner alone for the best results."
        )
    if view.activity in ("walking", "standing"):
        notes.append(
            f"This looks like {view.activity}, not running: running metrics are "
            "not reported."
        )
    if camera_unknown and view.activity in ("running", "walking"):
        notes.append(
            "The runner stays in place on screen and the background gave too little "
            "to measure the camera's motion (sky, a blank wall, blur), so this is "
            "read as a treadmill. If the camera followed the runner, analyse again "
            "with --overground."
        )
    if view.kind in ("front", "rear"):
        notes.append(
            f"{view.kind.capitalize()} view: posture angles such as trunk lean and "
            "foot strike need a side view; pelvic drop, crossover and arm crossing "
            "are measured instead."
        )
    if view.kind == "side" and view.activity == "running" and len(events) < 8:
        notes.append(
            "Fewer than four steps per foot were found; film at least 10 seconds "
            "of steady running for reliable numbers."
        )
    fps = run.video.fps * slowmo  # frames per second of real time
    if fps and fps < 50 and not estimated:
        notes.append(
            f"{fps:.0f} fps: contact times are only as precise as one "
            f"frame ({1000 / fps:.0f} ms); 60 fps or more is better."
        )
    if run.decode_error:
        notes.append(f"The video is damaged: {run.decode_error}.")
    return notes
