"""Posture metrics through the real pipeline vs the same metrics on the rendered truth.

For each rendered runner, the *truth* value of a metric is computed by the same
functions (``formcheck.metrics.steps``) on the exact joint positions and the exact
gait events; the *measured* value comes from the full pipeline (video -> MediaPipe ->
cleaning -> detected events -> metrics). The difference is what a user's number is
off by, on a runner whose answer is known.

    python scripts/validate_metrics.py          # prints a markdown table
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.analysis import analyze_video
from formcheck.gait.types import GaitEvent, View
from formcheck.metrics.steps import clip_series, step_records, summarize
from formcheck.synth import PRESETS, SceneParams, write_clip

#: (metric, unit, tolerance) — the stated tolerance each metric is checked against.
METRICS = [
    ("cadence_spm", "spm", 1.7),  # 1 % of 170
    ("trunk_lean_deg", "deg", 2.0),
    ("body_lean_deg", "deg", 4.0),
    ("hip_bend_deg", "deg", 4.0),
    ("hip_flexion_midstance_deg", "deg", 5.0),
    ("overstride_ll", "leg lengths", 0.05),
    ("foot_angle_ic_deg", "deg", None),  # known MediaPipe bias; see the note
    ("knee_flexion_ic_deg", "deg", 6.0),
    ("head_pitch_deg", "deg", None),
    ("neck_length_tl", "trunk lengths", None),
    ("contact_time_s", "s", 0.034),
]


def truth_summary(truth: dict, facing: str) -> dict:
    xy = np.array(truth["frames"]["landmarks"])
    t = np.array(truth["frames"]["time_s"])
    events = [
        GaitEvent(e["type"], e["foot"], e["frame"], e["time_s"])
        for e in truth["events"]
        if e["frame"] < len(t)
    ]
    view = View("side", facing, truth["scene"]["treadmill"], "running", 1.0)
    steps = step_records(xy, t, events, view)
    cadence = truth["runner"]["cadence_spm"]
    return summarize(steps, clip_series(xy, view), view, cadence, 1.0, t, events)


def cases(quick: bool):
    base = SceneParams(duration_s=3.0 if quick else 5.0)
    out = [
        (name, PRESETS[name], replace(base, seed=k)) for k, name in enumerate(PRESETS)
    ]
    good = PRESETS["good_form"]
    out += [
        ("good_form, facing left", good, replace(base, facing="left")),
        ("good_form, 60 fps", good, replace(base, fps=60.0)),
        ("good_form, overground panning", good, replace(base, treadmill=False)),
        ("good_form, runner 50% of frame", good, replace(base, runner_height_frac=0.5)),
    ]
    return out[:4] if quick else out


def metric_rows(quick: bool = False) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, runner, scene in cases(quick):
            clip = write_clip(Path(tmp) / "clip.mp4", runner, scene)
            analysis = analyze_video(clip.video_path)
            measured = analysis.summary["metrics"]
            truth = truth_summary(clip.truth, scene.facing)
            row = {
                "label": label,
                "view_ok": analysis.view.kind == "side"
                and analysis.view.facing == scene.facing,
                "values": {},
            }
            for name, _, _ in METRICS:
                m, t = measured[name].get("value"), truth[name].get("value")
                row["values"][name] = (m, t)
            rows.append(row)
            print(f"{label}: done", file=sys.stderr)
    return rows


def render_metrics_markdown(rows: list[dict]) -> str:
    lines = [
        "## Posture metrics vs rendered truth",
        "",
        "Each cell is **measured − truth** for one rendered clip (truth = the same metric "
        "functions on the exact joints and exact events). The last rows give the median "
        "absolute error and the stated tolerance.",
        "",
        "| clip | " + " | ".join(n for n, _, _ in METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    errors = {n: [] for n, _, _ in METRICS}
    for r in rows:
        cells = []
        for name, _, _ in METRICS:
            m, t = r["values"][name]
            if m is None or t is None:
                cells.append("–")
                continue
            errors[name].append(m - t)
            cells.append(f"{m - t:+.2f}")
        lines.append(f"| {r['label']} | " + " | ".join(cells) + " |")
    med = [
        f"{np.median(np.abs(errors[n])):.2f}" if errors[n] else "–"
        for n, _, _ in METRICS
    ]
    tol = [f"{t}" if t is not None else "n/a" for _, _, t in METRICS]
    ok = []
    for name, _, t in METRICS:
        e = np.abs(errors[name])
        ok.append(
            f"{100 * np.mean(e <= t):.0f}%" if (t is not None and e.size) else "–"
        )
    lines += [
        "| **median abs error** | " + " | ".join(med) + " |",
        "| **tolerance** | " + " | ".join(tol) + " |",
        "| **clips within tolerance** | " + " | ".join(ok) + " |",
        "",
    ]
    # Sensitivity of the metrics MediaPipe reads with a known bias.
    by_label = {r["label"]: r["values"] for r in rows}
    if {
        "good_form",
        "looking_down",
        "hunched",
        "overstride_heel_strike",
    } <= by_label.keys():
        g, d = by_label["good_form"], by_label["looking_down"]
        h, o = by_label["hunched"], by_label["overstride_heel_strike"]

        def delta(a, b, k, i):
            return a[k][i] - b[k][i]

        lines += [
            "Metrics with a known MediaPipe bias are judged by their *change* between "
            "clips instead (measured change / true change):",
            "",
            f"- head pitch, looking-down vs good form: measured "
            f"{delta(d, g, 'head_pitch_deg', 0):+.1f}°, true "
            f"{delta(d, g, 'head_pitch_deg', 1):+.1f}° "
            f"({100 * delta(d, g, 'head_pitch_deg', 0) / delta(d, g, 'head_pitch_deg', 1):.0f}%"
            " seen); absolute offset on the drawn head "
            f"{g['head_pitch_deg'][0] - g['head_pitch_deg'][1]:+.1f}°.",
            f"- neck length, hunched vs good form: measured "
            f"{delta(h, g, 'neck_length_tl', 0):+.3f}, true "
            f"{delta(h, g, 'neck_length_tl', 1):+.3f} trunk lengths "
            f"({100 * delta(h, g, 'neck_length_tl', 0) / delta(h, g, 'neck_length_tl', 1):.0f}%"
            " seen).",
            f"- foot angle at contact, heel strike vs good form: measured "
            f"{delta(o, g, 'foot_angle_ic_deg', 0):+.1f}°, true "
            f"{delta(o, g, 'foot_angle_ic_deg', 1):+.1f}°; absolute offset on a flat-ish "
            f"foot {g['foot_angle_ic_deg'][0] - g['foot_angle_ic_deg'][1]:+.1f}° "
            "(MediaPipe reads feet toes-down).",
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    quick = "--quick" in sys.argv
    print(render_metrics_markdown(metric_rows(quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
