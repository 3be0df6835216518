"""Moving cameras and playback speed, against rendered truth and the labelled clips.

Renders the same runner (``formcheck.synth``, textured street) filmed several ways -
a static camera, a phone panning after the runner with lag and overshoot, the same
with a slow zoom, handheld shake and roll, at 30 and 60 fps and facing both ways,
exported as 4x slow motion, and a true 120 fps clip - runs the whole pipeline
(MediaPipe, camera motion, view, events) and scores:

* initial contacts within ``max(1 frame, 25 ms)`` of the truth (one-to-one per foot),
  their signed timing error (mean ± SD, ms) per foot (near = camera side),
* cadence against the truth, treadmill/overground, activity,
* the camera's measured motion against the true motion (RMS px per frame),
* for slow motion: the factor estimated without being told, and cadence when told.

Then the hand-labelled real clips (``validate_contacts``). Pose tracking is cached in
``.cache/validate`` by case (``--fresh`` ignores the cache).

    python scripts/validate_camera.py            # prints the markdown sections
    python scripts/validate_camera.py --quick    # fewer, shorter clips

``scripts/validate.py`` calls :func:`camera_rows` and :func:`render_camera_markdown`.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from formcheck.config import DEFAULT
from formcheck.synth import PRESETS, RunnerParams, SceneParams

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "validate"
sys.path.insert(0, str(ROOT / "scripts"))

#: A contact counts as found within this many seconds of the truth, or one frame of
#: real time if that is longer (the issue's target: >= 90 % of contacts).
TOL_S = 0.025
#: True contacts within this share of a contact time of the clip's ends are not
#: scored (their contact is cut by the clip).
END_MARGIN = 0.5


def camera_cases(
    quick: bool,
) -> list[tuple[str, RunnerParams, SceneParams, float | None]]:
    """``(label, runner, scene, slowmo given)`` of every rendered case (None: not
    given, as a user who does not know)."""
    runner = PRESETS["good_form"]
    dur = 3.0 if quick else 5.0
    base = SceneParams(
        width=960,
        height=540,
        duration_s=dur,
        treadmill=False,
        background="textured",
        runner_height_frac=0.6,
        seed=7,
    )
    follow = replace(base, camera="follow")
    handheld = replace(follow, zoom_per_s=0.04, shake_px=2.5, roll_deg=1.5, tilt_px=6)
    cases = [
        (
            # The reference: the same runner, filmed by a static camera, in place.
            "treadmill, static camera, 30 fps",
            runner,
            replace(base, treadmill=True, camera="static"),
            None,
        ),
        (
            # A static camera sees the runner cross it: a frame twice as wide, for
            # as long as the runner is in it.
            "static camera, 30 fps (1920x540)",
            runner,
            replace(base, camera="static", width=1920, duration_s=min(dur, 2.8)),
            None,
        ),
        ("pan with lag, 30 fps", runner, follow, None),
        (
            "pan with lag, 30 fps, facing left",
            runner,
            replace(follow, facing="left"),
            None,
        ),
        ("pan with lag, 60 fps", runner, replace(follow, fps=60.0), None),
        (
            "pan with lag, 60 fps, facing left",
            runner,
            replace(follow, fps=60.0, facing="left"),
            None,
        ),
        ("pan + zoom + shake + roll, 30 fps", runner, handheld, None),
        (
            "pan + zoom + shake + roll, 60 fps",
            runner,
            replace(handheld, fps=60.0),
            None,
        ),
        (
            "4x slow motion (30 fps file), not told",
            runner,
            replace(follow, slowmo=4.0),
            None,
        ),
        (
            "4x slow motion (30 fps file), --slowmo 4",
            runner,
            replace(follow, slowmo=4.0),
            4.0,
        ),
        (
            "true 120 fps",
            runner,
            replace(follow, fps=120.0, duration_s=min(dur, 3.0)),
            None,
        ),
    ]
    if quick:
        keep = {0, 2, 6, 8, 9}
        cases = [c for k, c in enumerate(cases) if k in keep]
    return cases


def _tracked(
    label: str, runner: RunnerParams, scene: SceneParams, tmp: Path, fresh: bool
):
    """``(PoseRun, truth)`` of a rendered case, cached by its parameters."""
    from formcheck.pipeline import track_poses
    from formcheck.synth import write_clip

    key = hashlib.sha256(repr((runner.to_dict(), asdict(scene))).encode()).hexdigest()
    cached = CACHE / f"camera-{key[:16]}.pkl"
    if cached.exists() and not fresh:
        return pickle.loads(cached.read_bytes())
    clip = write_clip(tmp / "clip.mp4", runner, scene)
    run = track_poses(clip.video_path)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps((run, clip.truth)))
    return run, clip.truth


def score_case(label, runner, scene, slowmo, tmp: Path, fresh: bool = False) -> dict:
    from validate_events import match_events

    from formcheck.analysis import ViewOverrides, analyze_run
    from formcheck.gait.events import cadence_spm

    run, truth = _tracked(label, runner, scene, tmp, fresh)
    analysis = analyze_run(run, overrides=ViewOverrides(slowmo=slowmo))
    factor = float(truth["video"].get("slowmo", 1.0))
    capture_fps = scene.fps * factor

    class _Real:  # a detected event on the real clock
        def __init__(self, e):
            self.type, self.foot = e.type, e.foot
            self.time_s = float(analysis.video_time_s(e.time_s)) / factor

    detected = [_Real(e) for e in analysis.events if e.type == "initial_contact"]
    t_end = float(truth["frames"]["time_s"][-1])
    margin = END_MARGIN * truth["summary"]["contact_time_s"]
    true_ic = [
        e
        for e in truth["events"]
        if e["type"] == "initial_contact" and margin <= e["time_s"] <= t_end - margin
    ]
    tol = max(TOL_S, 1.0 / capture_fps)
    near = scene.facing  # a runner facing right shows the camera their right side
    per_foot = {}
    for side in ("near", "far"):
        foot = near if side == "near" else ("left" if near == "right" else "right")
        m = match_events(
            [d for d in detected if d.foot == foot],
            [e for e in true_ic if e["foot"] == foot],
            capture_fps,
            tol_s=tol,
        )
        per_foot[side] = m
    found = sum(m["found"] for m in per_foot.values())
    # The same, blind to the foot: a contact found on time but given to the other
    # foot (MediaPipe swapped the legs there) still times the step.
    timed = match_events(
        [_Blind(d) for d in detected],
        [{**e, "foot": "any"} for e in true_ic],
        capture_fps,
        tol_s=tol,
    )["found"]
    # Cadence on the real clock from the detected events (withheld in the report
    # when the factor was only estimated: scored here to show what the steps give).
    real_events = [
        replace_time(e, float(analysis.video_time_s(e.time_s)) / factor)
        for e in analysis.events
    ]
    cad = cadence_spm(real_events) if real_events else float("nan")
    true_cad = float(truth["summary"]["cadence_spm"])
    reported = analysis.summary["cadence_spm"]
    motion = _camera_error(run, truth)
    return {
        "case": label,
        "fps": scene.fps,
        "slowmo_true": factor,
        "slowmo_given": slowmo,
        "slowmo_used": analysis.slowmo,
        "slowmo_estimated": analysis.slowmo_estimated,
        "n_true": len(true_ic),
        "found": found,
        "timed": timed,
        "tol_ms": 1000 * tol,
        "errors_ms": {k: m["errors_ms"] for k, m in per_foot.items()},
        "cadence_err_pct": 100.0 * (cad - true_cad) / true_cad,
        "cadence_reported": reported,
        "activity": analysis.view.activity,
        "treadmill": analysis.view.treadmill,
        "camera_rms_px": motion,
        "measured_share": float(run.camera.measured.mean()) if run.camera else 0.0,
    }


class _Blind:
    """A detected event whose foot is not scored."""

    def __init__(self, event) -> None:
        self.type, self.time_s, self.foot = event.type, event.time_s, "any"


def replace_time(event, time_s: float):
    from dataclasses import replace as dc_replace

    return dc_replace(event, time_s=time_s)


def _camera_error(run, truth) -> float:
    """RMS error (px per frame) of the measured horizontal+vertical camera motion."""
    true = truth["frames"].get("camera_motion")
    if run.camera is None or not true:
        return float("nan")
    dx = np.array([np.nan if v is None else v for v in true["dx_px"]], float)
    dy = np.array([np.nan if v is None else v for v in true["dy_px"]], float)
    idx = run.track.frame_index
    ex = run.camera.dx - dx[idx]
    ey = run.camera.dy - dy[idx]
    ok = np.isfinite(ex) & np.isfinite(ey)
    return (
        float(np.sqrt(np.mean(ex[ok] ** 2 + ey[ok] ** 2))) if ok.any() else float("nan")
    )


def camera_rows(quick: bool = False, fresh: bool = False) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        return [
            score_case(*case, Path(tmp), fresh=fresh) for case in camera_cases(quick)
        ]


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    v = np.asarray(values)
    return f"{v.mean():+.0f} ± {v.std():.0f}"


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100.0 * a / b:.0f}%)" if b else "–"


#: What was tried for the slow-motion factor and dropped (measured by hand, once:
#: rendered 2x/4x clips at 155-185 spm and the real clips; not rerun by this script).
GRAVITY_CLOCK = (
    "*The slow-motion factor.* Without `--slowmo`, a clip whose body runs "
    "(hips lowest at mid-stance, bent swing knee and elbows) at under "
    f"{DEFAULT.view.slowed_max_cadence_spm:.0f} steps/min on the video's clock is "
    "taken to play in slow motion; the factor is the one that puts its detected "
    f"steps at a typical {DEFAULT.view.typical_run_cadence_spm:.0f} steps/min, so "
    "it is off by as "
    "much as the runner's cadence is from 170 (runners at 150-190 spm: about ±7 % "
    "SD, within 15 % for 148-200 spm). Cadence, contact and flight times are then "
    "withheld; the note suggests the factor, or the phone capture rate that fits. "
    "*Gravity as a clock (tried, dropped).* In slow motion the body's vertical "
    "acceleration is g/k², so the hips' path should reveal the factor k. A "
    "parabola fitted to each flight is unusable: flight drops the body only ~1 cm "
    "(1-3 px) at any playback speed, about MediaPipe's hip jitter, and the hip "
    "landmark does not fall ballistically (22-98 % off with detected events). A "
    "spring-mass fit of the whole step (sine-shaped contact force balancing gravity, "
    "Morin et al. 2005) is noise-robust (±3-5 %) and reached 0-16 % on 2x and 4x "
    "renders, +15 % on the real 2x road clip with detected contacts (0-4 % with "
    "hand-labelled ones) and -5 to -19 % on two real-time treadmill clips; its "
    "errors are systematic (the hip's bob vs the centre of mass -26 to +6 %, the duty "
    "factor, the pixel scale, the runner's unknown height), together about ±15 %, "
    "more than the typical-cadence prior's spread, so it is not used."
)


def render_camera_markdown(
    rows: list[dict], real_rows: list[dict] | None = None
) -> str:
    from validate_contacts import render_markdown as real_markdown

    out = [
        "## Moving cameras and playback speed",
        "",
        "The same rendered runner (172 spm, 3 m/s, textured street, 960x540) filmed "
        "by a static camera (on a treadmill, and crossing a wider frame), by a phone "
        "panning after the runner with lag and "
        'overshoot (`camera="follow"`), the same with a slow zoom (4 %/s), handheld '
        "shake (2.5 px RMS, 1-8 Hz), roll (±1.5°) and tilt, exported as 4x slow "
        "motion (120 fps capture written as a 30 fps file), and a true 120 fps clip. "
        "Whole pipeline: MediaPipe, camera motion, view, events. *IC within tol*: "
        "initial contacts within max(1 frame of real time, 25 ms) of the truth, "
        "one-to-one per foot, contacts cut by the clip's ends not scored. *error "
        "ms*: signed timing error (detected − true), mean ± SD, near (camera-side) "
        "and far foot. *any foot*: the same, blind to which foot (a contact on time "
        "but given to the other foot still times the step). *cadence*: from the "
        "detected events on the real clock "
        "(the report withholds it when the slow-motion factor was only estimated). "
        "*camera*: RMS error of the measured frame-to-frame background motion (px). "
        "Targets (issue 11): ≥ 90 % of contacts within tolerance, cadence within 1 %, "
        "overground recognised, within 5 points of the static camera; slow motion "
        "reported with the factor within 15 %.",
        "",
        "| case | fps | IC within tol | any foot | near foot error ms "
        "| far foot error ms | cadence error | activity | treadmill | slow motion "
        "| camera RMS px |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["slowmo_estimated"]:
            slow = f"estimated {r['slowmo_used']:.2f}x (true {r['slowmo_true']:g}x)"
        elif r["slowmo_given"] is not None:
            slow = f"given {r['slowmo_given']:g}x"
        else:
            slow = "real time" if r["slowmo_true"] == 1.0 else "not seen"
        cad = f"{r['cadence_err_pct']:+.1f} %"
        if r["cadence_reported"] is None and r["slowmo_estimated"]:
            cad += " (withheld)"
        out.append(
            f"| {r['case']} | {r['fps']:g} | {_pct(r['found'], r['n_true'])} "
            f"| {_pct(r['timed'], r['n_true'])} "
            f"| {_ms(r['errors_ms']['near'])} | {_ms(r['errors_ms']['far'])} "
            f"| {cad} | {r['activity']} | {r['treadmill']} | {slow} "
            f"| {r['camera_rms_px']:.2f} |"
        )
    if rows:
        found = sum(r["found"] for r in rows)
        timed = sum(r["timed"] for r in rows)
        total = sum(r["n_true"] for r in rows)
        errs = {fps: [] for fps in sorted({r["fps"] * r["slowmo_true"] for r in rows})}
        for r in rows:
            errs[r["fps"] * r["slowmo_true"]] += (
                r["errors_ms"]["near"] + r["errors_ms"]["far"]
            )
        timing = "; ".join(
            f"{fps:g} fps: {_ms(v)} ms (n={len(v)})" for fps, v in errs.items() if v
        )
        out += [
            "",
            f"All rendered cases: {_pct(found, total)} of contacts within tolerance "
            f"on the right foot, {_pct(timed, total)} on either foot. "
            f"Contact timing by real frame rate: {timing}.",
        ]
    out += ["", GRAVITY_CLOCK]
    if real_rows:
        out += [
            "",
            "### Hand-labelled real clips",
            "",
            "Initial contacts hand-labelled frame by frame (`../shared/clips/LABELS.json`; "
            "a label gives the earliest frame and how many frames later the true one may "
            "be; the error of a detection is its distance to that interval). Tolerance "
            "±2 frames at 30 fps and below, the same time above. Not told about slow "
            "motion: the road clip's factor is estimated.",
            "",
            real_markdown(real_rows),
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter clips")
    parser.add_argument("--fresh", action="store_true", help="ignore the pose cache")
    args = parser.parse_args(argv)
    from validate_contacts import clip_rows

    print(render_camera_markdown(camera_rows(args.quick, args.fresh), clip_rows()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
