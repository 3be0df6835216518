"""The analysis record (``report.json``) and its tabular form (``frames.csv``).

The JSON layout is a documented contract (``docs/report-format.md``); later stages add
keys, never change the meaning of existing ones.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import asdict

import numpy as np

from formcheck import __version__
from formcheck.analysis import Analysis
from formcheck.atomic import atomic_open
from formcheck.metrics.registry import METRICS
from formcheck.pose.landmarks import LANDMARK_NAMES

REPORT_SCHEMA_VERSION = 1


def _num(x: float, digits: int) -> float | None:
    """JSON-safe rounded float (NaN/inf become null)."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def build_report(analysis: Analysis) -> dict:
    """The full analysis record as plain JSON-ready data (docs/report-format.md)."""
    run = analysis.run
    track = run.track
    video = asdict(run.video)
    video["path"] = str(video["path"])
    event_at = _events_by_frame(analysis.events)
    frames = []
    for k in range(len(track)):
        detected = bool(track.detected[k])
        frames.append(
            {
                "index": int(track.frame_index[k]),
                "time_s": _num(track.time_s[k], 4),
                "detected": detected,
                "landmarks": (
                    [
                        [
                            _num(track.xy[k, j, 0], 2),
                            _num(track.xy[k, j, 1], 2),
                            _num(track.z[k, j], 2),
                            _num(track.visibility[k, j], 3),
                        ]
                        for j in range(track.xy.shape[1])
                    ]
                    if detected
                    else None
                ),
                "events": event_at.get(k, []),
                "metrics": {
                    name: _num(vals[k], 2) for name, vals in analysis.series.items()
                },
            }
        )
    view = analysis.view
    return {
        "formcheck_version": __version__,
        "schema_version": REPORT_SCHEMA_VERSION,
        "video": video,
        "model": {"variant": run.model.variant, "sha256": run.model.sha256},
        "decoding": {
            "complete": run.decode_error is None,
            "stopped_early": run.decode_error,
            "frames_analysed": len(track),
        },
        "detection": {
            "frames_with_person": int(track.detected.sum()),
            "detection_rate": _num(track.detection_rate, 3),
            "rejected": dict(run.rejected),
            "legs_swapped_frames": int(analysis.clean.swapped.sum()),
        },
        "view": {
            "kind": view.kind,
            "facing": view.facing,
            "treadmill": view.treadmill,
            "activity": view.activity,
            "confidence": _num(view.confidence, 2),
            "reasons": list(view.reasons),
        },
        "runner_height_cm": analysis.runner_height_cm,
        "landmark_names": list(LANDMARK_NAMES),
        "metric_definitions": {
            name: {
                "unit": m.unit,
                "views": list(m.views),
                "instant": m.instant,
                "description": m.description,
            }
            for name, m in METRICS.items()
        },
        "summary": _clean_json(analysis.summary),
        "capture_notes": list(analysis.notes),
        "events": [
            {
                "type": e.type,
                "frame": int(track.frame_index[e.frame]),
                "time_s": _num(e.time_s, 4),
                "foot": e.foot,
            }
            for e in analysis.events
        ],
        "steps": [
            {
                "index": st.index,
                "foot": st.foot,
                "ic_frame": int(track.frame_index[st.ic_frame]),
                "ic_time_s": _num(st.ic_time_s, 4),
                **{k: _num(v, 4) for k, v in st.values.items()},
            }
            for st in analysis.steps
        ],
        "frames": frames,
    }


def _events_by_frame(events) -> dict[int, list[str]]:
    """Track index -> labels like "IC L", "TO R"."""
    out: dict[int, list[str]] = {}
    for e in events:
        label = ("IC " if e.type == "initial_contact" else "TO ") + e.foot[0].upper()
        out.setdefault(e.frame, []).append(label)
    return out


def _clean_json(obj):
    """Replace NaN/inf by None, recursively."""
    if isinstance(obj, dict):
        return {k: _clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean_json(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return _num(obj, 4)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def write_json(report: dict, path: str | os.PathLike[str]) -> None:
    """Write ``report`` atomically as UTF-8 JSON."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


def frame_rows(analysis: Analysis) -> tuple[list[str], list[list]]:
    """Header and rows of the per-frame table: one row per analysed frame."""
    track = analysis.run.track
    names = list(analysis.series)
    event_at = _events_by_frame(analysis.events)
    header = ["frame", "time_s", "detected", "events", *names]
    for lm in LANDMARK_NAMES:
        header += [f"{lm}_x", f"{lm}_y", f"{lm}_visibility"]
    rows = []
    for k in range(len(track)):
        row: list = [
            int(track.frame_index[k]),
            f"{track.time_s[k]:.4f}",
            int(track.detected[k]),
            " ".join(event_at.get(k, [])),
        ]
        row += [_fmt(analysis.series[n][k], 2) for n in names]
        for j in range(len(LANDMARK_NAMES)):
            row += [
                _fmt(track.xy[k, j, 0], 1),
                _fmt(track.xy[k, j, 1], 1),
                _fmt(track.visibility[k, j], 3) if track.detected[k] else "",
            ]
        rows.append(row)
    return header, rows


def step_rows(analysis: Analysis) -> tuple[list[str], list[list]]:
    """Header and rows of the per-step table."""
    names = list(dict.fromkeys(k for st in analysis.steps for k in st.values))
    header = ["step", "foot", "ic_frame", "ic_time_s", *names]
    track = analysis.run.track
    rows = [
        [
            st.index,
            st.foot,
            int(track.frame_index[st.ic_frame]),
            f"{st.ic_time_s:.4f}",
            *(_fmt(st.values.get(n, math.nan), 4) for n in names),
        ]
        for st in analysis.steps
    ]
    return header, rows


def _fmt(x: float, digits: int) -> str:
    x = float(x)
    return f"{x:.{digits}f}" if math.isfinite(x) else ""


def write_csv(
    header: list[str], rows: list[list], path: str | os.PathLike[str]
) -> None:
    """Write a table atomically as CSV, blanks for unmeasured values."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
