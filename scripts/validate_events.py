"""Validate gait events (initial contact, toe-off) and cadence against ground truth.

Renders synthetic runners (``formcheck.synth``) whose event times are known exactly,
runs the real pipeline (MediaPipe) on them, cleans the track, detects events and
scores them: timing (within +-1 and +-2 frames, signed error mean and SD), missed and
extra events, cadence, and the left/right identity of the legs (MediaPipe's labels and
after the repair in ``formcheck.gait.clean``) against the rendered truth. Also
measures cadence on the real treadmill clip in ``../shared/clips``.

    python scripts/validate_events.py           # full table (a few minutes)
    python scripts/validate_events.py --quick   # fewer, shorter clips

``scripts/validate.py`` calls :func:`event_rows` and :func:`render_events_markdown`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.synth import PRESETS, RunnerParams, SceneParams

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
REAL_CLIP = "treadmill_side_male.mp4"

#: Events count as found if within this many frames of the truth.
TOLERANCE_FRAMES = 1
#: A detected event this close to a true one (same foot and type) is that event; the
#: signed errors (mean, SD) are over these matches, and true events with no detection
#: this close are missed, detections matching nothing are extra.
MATCH_S = 0.1
#: Frames count for the left/right check only if the true ankles are this far apart
#: horizontally (leg lengths): with the feet together the labels mean nothing.
LEGS_APART_LL = 0.25


def event_cases(quick: bool) -> list[tuple[str, RunnerParams, SceneParams]]:
    """The synthetic clips scored: (label, runner, scene)."""
    good = PRESETS["good_form"]
    base = SceneParams(duration_s=4.0)
    cases = [
        ("30 fps, facing right, treadmill", good, base),
        ("30 fps, facing left, treadmill", good, replace(base, facing="left")),
        ("60 fps", good, replace(base, fps=60.0, duration_s=3.0)),
        ("120 fps", good, replace(base, fps=120.0, duration_s=2.5)),
        (
            "240 fps, facing left",
            good,
            replace(base, fps=240.0, duration_s=2.0, facing="left"),
        ),
        ("24 fps", good, replace(base, fps=24.0)),
        ("overground, panning", good, replace(base, treadmill=False, pan=True)),
        (
            "overground, static camera, 1280x480",
            good,
            replace(
                base, treadmill=False, pan=False, width=1280, duration_s=2.0, fps=60.0
            ),
        ),
        (
            "cadence 150, 2.6 m/s",
            replace(good, cadence_spm=150, speed_mps=2.6, duty_factor=0.40),
            base,
        ),
        (
            "cadence 190, 4 m/s",
            replace(good, cadence_spm=190, speed_mps=4.0, duty_factor=0.32),
            base,
        ),
        (
            "heel strike 20 deg, overstride",
            PRESETS["overstride_heel_strike"],
            replace(base, facing="left"),
        ),
        ("forefoot strike -10 deg", replace(good, foot_angle_ic_deg=-10.0), base),
        ("runner 50% of frame", good, replace(base, runner_height_frac=0.5)),
        (
            "noise sigma 12 + shake 1.5 px",
            good,
            replace(base, noise_sigma=12.0, shake_px=1.5, seed=3),
        ),
    ]
    if quick:
        keep = {0, 1, 3, 6, 10}
        cases = [
            (label, runner, replace(scene, duration_s=min(scene.duration_s, 2.5)))
            for k, (label, runner, scene) in enumerate(cases)
            if k in keep
        ]
    return cases


def match_events(
    detected: list,
    truth: list[dict],
    fps: float,
    tol_frames: int | None = TOLERANCE_FRAMES,
    tol_s: float | None = None,
) -> dict:
    """One-to-one matching of detected to true events, per foot and type.

    Each true event is matched to the nearest unmatched detected event of the same
    foot and type (greedy by time error) that lies within the tolerance: ``tol_frames``
    frames (``round(time * fps)`` on both sides), or ``tol_s`` seconds if given.

    Returns:
        ``{"n_true", "found", "missed", "extra", "errors_ms"}`` (errors of the found
        events, signed: detected minus true).
    """
    found = missed = 0
    used: set[int] = set()
    errors = []
    for ev in truth:
        cands = [
            (abs(d.time_s - ev["time_s"]), j)
            for j, d in enumerate(detected)
            if j not in used and d.type == ev["type"] and d.foot == ev["foot"]
        ]
        hit = None
        for err, j in sorted(cands):
            if tol_s is not None:
                ok = err <= tol_s
            else:
                ok = abs(round(detected[j].time_s * fps) - ev["frame"]) <= tol_frames
            if ok:
                hit = j
                break
        if hit is None:
            missed += 1
            continue
        used.add(hit)
        found += 1
        errors.append(1000.0 * (detected[hit].time_s - ev["time_s"]))
    return {
        "n_true": len(truth),
        "found": found,
        "missed": missed,
        "extra": len(detected) - len(used),
        "errors_ms": errors,
    }


def _truth_in_span(truth: dict, t0: float, t1: float, margin_s: float) -> list[dict]:
    """True events far enough from the clip's ends that a detector can see them."""
    return [e for e in truth["events"] if t0 + margin_s <= e["time_s"] <= t1 - margin_s]


def label_accuracy(xy: np.ndarray, truth: dict) -> float:
    """Share of frames whose leg labels fit the truth better than swapped, in %.

    Only frames with the true ankles more than ``LEGS_APART_LL`` apart horizontally
    count (knee, ankle, heel and foot index of both legs compared); NaN if none.
    """
    from formcheck.pose.landmarks import Landmark as L

    lm = np.array(truth["frames"]["landmarks"])
    n = min(len(lm), len(xy))
    lm, xy = lm[:n], xy[:n]
    lft = [L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX]
    rgt = [L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX]

    def dist(a, b):
        return np.linalg.norm(a - b, axis=-1).sum(axis=-1)

    keep = dist(xy[:, lft], lm[:, lft]) + dist(xy[:, rgt], lm[:, rgt])
    swap = dist(xy[:, lft], lm[:, rgt]) + dist(xy[:, rgt], lm[:, lft])
    apart = np.abs(lm[:, L.LEFT_ANKLE, 0] - lm[:, L.RIGHT_ANKLE, 0]) > (
        LEGS_APART_LL * truth["leg_length_px"]
    )
    ok = apart & np.isfinite(keep) & np.isfinite(swap)
    return 100.0 * float((keep[ok] < swap[ok]).mean()) if ok.any() else float("nan")


def _median(values: list[float]) -> float:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else float("nan")


def score_track(
    label: str, track, truth: dict, view_facing: str, treadmill: bool, thresholds=None
) -> dict:
    """Clean + detect on one pose track and score against the synthetic truth."""
    from formcheck.config import DEFAULT
    from formcheck.gait.clean import _apply_swaps, clean_track
    from formcheck.gait.events import cadence_spm, detect_events
    from formcheck.gait.types import View
    from formcheck.metrics.steps import step_records

    th = thresholds or DEFAULT
    fps = float(truth["scene"]["fps"])
    clean = clean_track(track, th)
    view = View("side", view_facing, treadmill, "running", 1.0)  # type: ignore[arg-type]
    events = detect_events(clean, view, th)
    t0, t1 = float(track.time_s[0]), float(track.time_s[-1])
    # Events within half a contact of the ends cannot be timed (the contact is cut).
    margin = 0.5 * truth["summary"]["contact_time_s"]
    gt = _truth_in_span(truth, t0, t1, margin)
    inner = [e for e in events if t0 + margin <= e.time_s <= t1 - margin]
    row = {"case": label, "fps": fps}
    for kind, short in (("initial_contact", "ic"), ("toe_off", "to")):
        det = [e for e in inner if e.type == kind]
        true = [e for e in gt if e["type"] == kind]
        m1 = match_events(det, true, fps, 1)
        m2 = match_events(det, true, fps, 2)
        mt = match_events(det, true, fps, tol_s=MATCH_S)
        err = np.asarray(mt["errors_ms"])
        row[f"{short}_true"] = m1["n_true"]
        row[f"{short}_found"] = m1["found"]
        row[f"{short}_found2"] = m2["found"]
        row[f"{short}_missed"] = mt["missed"]
        row[f"{short}_extra"] = mt["extra"]
        row[f"{short}_bias_ms"] = float(err.mean()) if len(err) else float("nan")
        row[f"{short}_sd_ms"] = float(err.std()) if len(err) > 1 else float("nan")
    cad = cadence_spm(events)
    true_cad = float(truth["summary"]["cadence_spm"])
    row["cadence_spm"] = cad
    row["cadence_true"] = true_cad
    row["cadence_err_pct"] = 100.0 * (cad - true_cad) / true_cad
    row["swapped_pct"] = 100.0 * float(clean.swapped.mean()) if len(clean) else 0.0
    raw = np.where(track.detected[:, None, None], track.xy.astype(float), np.nan)
    repaired, _ = _apply_swaps(raw, track.visibility, clean.swapped)
    row["lr_raw_pct"] = label_accuracy(raw, truth)
    row["lr_repaired_pct"] = label_accuracy(repaired, truth)
    steps = step_records(clean.xy, clean.time_s, events, view)
    for foot in ("left", "right"):
        row[f"overstride_{foot[0]}_ll"] = _median(
            [s.values.get("overstride_ll", np.nan) for s in steps if s.foot == foot]
        )
    row["overstride_true_ll"] = float(truth["summary"]["overstride_ll"] or np.nan)
    return row


def _synthetic_rows(quick: bool, tmp: Path) -> list[dict]:
    from formcheck.pipeline import track_poses
    from formcheck.synth import write_clip

    rows = []
    for k, (label, runner, scene) in enumerate(event_cases(quick)):
        clip = write_clip(tmp / f"events{k}.mp4", runner, scene)
        run = track_poses(clip.video_path)
        rows.append(
            score_track(label, run.track, clip.truth, scene.facing, scene.treadmill)
        )
    return rows


def real_clip_row() -> dict | None:
    """Cadence on the real treadmill clip against its label (None if absent)."""
    path = CLIPS / REAL_CLIP
    labels_path = CLIPS / "LABELS.json"
    if not path.exists() or not labels_path.exists():
        return None
    from formcheck.gait.clean import clean_track
    from formcheck.gait.events import cadence_spm, detect_events
    from formcheck.gait.types import View
    from formcheck.pipeline import track_poses

    label = json.loads(labels_path.read_text())[REAL_CLIP]
    run = track_poses(path)
    clean = clean_track(run.track)
    view = View("side", label["facing"], label["treadmill"], "running", 1.0)
    events = detect_events(clean, view)
    cad = cadence_spm(events)
    true_cad = float(label["cadence_spm"])
    return {
        "case": f"real: {REAL_CLIP}",
        "fps": run.video.fps,
        "n_ic": sum(e.type == "initial_contact" for e in events),
        "n_to": sum(e.type == "toe_off" for e in events),
        "cadence_spm": cad,
        "cadence_true": true_cad,
        "cadence_err_pct": 100.0 * (cad - true_cad) / true_cad,
        "swapped_pct": 100.0 * float(clean.swapped.mean()),
    }


def event_rows(quick: bool) -> list[dict]:
    """Score event detection on rendered runners (and the real clip, if present).

    Each synthetic row has ``case, fps``, per event type (``ic``/``to``):
    ``_true, _found`` (within +-1 frame), ``_found2`` (+-2 frames), ``_missed,
    _extra`` (at ``MATCH_S``), ``_bias_ms, _sd_ms`` (signed error), and
    ``cadence_spm, cadence_true, cadence_err_pct, swapped_pct, lr_raw_pct,
    lr_repaired_pct, overstride_l_ll, overstride_r_ll, overstride_true_ll``. The
    real-clip row has cadence keys and counts.
    """
    with tempfile.TemporaryDirectory() as tmp:
        rows = _synthetic_rows(quick, Path(tmp))
    real = real_clip_row()
    if real is not None:
        rows.append(real)
    return rows


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100.0 * a / b:.0f}%)" if b else "–"


def _ms(mean: float, sd: float) -> str:
    if not np.isfinite(mean):
        return "–"
    return f"{mean:+.0f} ± {sd:.0f}" if np.isfinite(sd) else f"{mean:+.0f}"


def render_events_markdown(rows: list[dict]) -> str:
    """The gait-events section of docs/validation.md."""
    synth = [r for r in rows if "ic_true" in r]
    real = [r for r in rows if "ic_true" not in r]
    out = [
        "## Gait events and cadence",
        "",
        "Initial contact (IC) and toe-off (TO) found by `formcheck.gait.events` on "
        "MediaPipe's landmarks of rendered runners, against the exact event times. "
        "*±1 f* / *±2 f*: events whose frame is within 1 / 2 frames of the true "
        "frame (one-to-one per foot). *error ms*: mean ± SD of the signed error "
        f"(detected minus true) of events matched within {1000 * MATCH_S:.0f} ms; "
        "*missed / extra* at that tolerance. Events within half a contact time of the "
        "clip's ends are not scored. *L/R labels*: share of frames with the feet "
        f"apart (true ankles > {LEGS_APART_LL} leg lengths apart) whose leg labels "
        "fit the truth — MediaPipe's, and after formcheck's repair. *overstride L / "
        "R*: median per-step overstride (leg lengths) per foot after cleaning, "
        "against the true value (the runner is symmetric). Target: ≥95 % within ±1 "
        "frame, cadence within 1 %.",
        "",
        "| case | fps | IC ±1 f | IC ±2 f | IC error ms | IC missed / extra "
        "| TO ±1 f | TO ±2 f | TO error ms | TO missed / extra | cadence error "
        "| L/R labels raw → repaired | overstride L / R (true) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in synth:
        out.append(
            f"| {r['case']} | {r['fps']:g} | {_pct(r['ic_found'], r['ic_true'])} "
            f"| {_pct(r['ic_found2'], r['ic_true'])} "
            f"| {_ms(r['ic_bias_ms'], r['ic_sd_ms'])} "
            f"| {r['ic_missed']} / {r['ic_extra']} "
            f"| {_pct(r['to_found'], r['to_true'])} "
            f"| {_pct(r['to_found2'], r['to_true'])} "
            f"| {_ms(r['to_bias_ms'], r['to_sd_ms'])} "
            f"| {r['to_missed']} / {r['to_extra']} "
            f"| {r['cadence_err_pct']:+.1f} % "
            f"| {r['lr_raw_pct']:.0f} % → {r['lr_repaired_pct']:.0f} % "
            f"| {r['overstride_l_ll']:.2f} / {r['overstride_r_ll']:.2f} "
            f"({r['overstride_true_ll']:.2f}) |"
        )
    if synth:

        def total(key: str) -> int:
            return sum(r[key] for r in synth)

        within = sum(abs(r["cadence_err_pct"]) <= 1.0 for r in synth)
        lr_raw = np.nanmedian([r["lr_raw_pct"] for r in synth])
        lr_rep = np.nanmedian([r["lr_repaired_pct"] for r in synth])
        out += [
            "",
            f"All rendered cases: IC {_pct(total('ic_found'), total('ic_true'))} "
            f"within ±1 frame, {_pct(total('ic_found2'), total('ic_true'))} within ±2; "
            f"TO {_pct(total('to_found'), total('to_true'))} within ±1 frame, "
            f"{_pct(total('to_found2'), total('to_true'))} within ±2; cadence within "
            f"1 % in {within} of {len(synth)} cases; leg labels right in "
            f"{lr_raw:.0f} % (MediaPipe) → {lr_rep:.0f} % (repaired) of the frames "
            "with the feet apart (median over cases).",
        ]
    for r in real:
        out += [
            "",
            f"Real clip `{r['case'].removeprefix('real: ')}` ({r['fps']:g} fps): "
            f"{r['n_ic']} IC and {r['n_to']} TO detected, cadence "
            f"{r['cadence_spm']:.1f} spm against {r['cadence_true']:g} spm labelled "
            f"({r['cadence_err_pct']:+.1f} %; target within 2 %); leg labels "
            f"swapped back in {r['swapped_pct']:.0f} % of frames.",
        ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter clips")
    args = parser.parse_args(argv)
    print(render_events_markdown(event_rows(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
