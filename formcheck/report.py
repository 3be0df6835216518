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
from formcheck.atomic import atomic_open
from formcheck.metrics.frames import FrameMetrics
from formcheck.pipeline import PoseRun
from formcheck.pose.landmarks import LANDMARK_NAMES

REPORT_SCHEMA_VERSION = 1


def _num(x: float, digits: int) -> float | None:
    """JSON-safe rounded float (NaN/inf become null)."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


def build_report(run: PoseRun, metrics: FrameMetrics) -> dict:
    """The full analysis record as plain JSON-ready data."""
    track = run.track
    video = asdict(run.video)
    video["path"] = str(video["path"])
    frames = []
    for k in range(len(track)):
        detected = bool(track.detected[k])
        row = {
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
            "metrics": {
                name: _num(vals[k], 2) for name, vals in metrics.columns.items()
            },
        }
        frames.append(row)
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
        "detection": {"rejected": dict(run.rejected)},
        "landmark_names": list(LANDMARK_NAMES),
        "metric_units": dict(metrics.units),
        "summary": summarize(run, metrics),
        "frames": frames,
    }


def summarize(run: PoseRun, metrics: FrameMetrics) -> dict:
    """Short summary: detection, facing, and medians of the per-frame metrics."""
    track = run.track
    out: dict = {
        "frames_analysed": len(track),
        "frames_with_person": int(track.detected.sum()),
        "detection_rate": _num(track.detection_rate, 3),
        "facing": metrics.facing,
    }
    for name in ("trunk_lean_deg", "knee_left_deg", "knee_right_deg"):
        vals = metrics.columns[name]
        finite = vals[np.isfinite(vals)]
        out[f"median_{name}"] = _num(np.median(finite), 1) if finite.size else None
    return out


def write_json(report: dict, path: str | os.PathLike[str]) -> None:
    """Write ``report`` atomically as UTF-8 JSON."""
    with atomic_open(path, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False, allow_nan=False)
        fh.write("\n")


def frame_rows(run: PoseRun, metrics: FrameMetrics) -> tuple[list[str], list[list]]:
    """Header and rows of the per-frame table: one row per analysed frame."""
    track = run.track
    names = list(metrics.columns)
    header = ["frame", "time_s", "detected", *names]
    for lm in LANDMARK_NAMES:
        header += [f"{lm}_x", f"{lm}_y", f"{lm}_visibility"]
    rows = []
    for k in range(len(track)):
        row: list = [
            int(track.frame_index[k]),
            f"{track.time_s[k]:.4f}",
            int(track.detected[k]),
        ]
        row += [_fmt(metrics.columns[n][k], 2) for n in names]
        for j in range(len(LANDMARK_NAMES)):
            row += [
                _fmt(track.xy[k, j, 0], 1),
                _fmt(track.xy[k, j, 1], 1),
                _fmt(track.visibility[k, j], 3) if track.detected[k] else "",
            ]
        rows.append(row)
    return header, rows


def _fmt(x: float, digits: int) -> str:
    x = float(x)
    return f"{x:.{digits}f}" if math.isfinite(x) else ""


def write_csv(
    run: PoseRun, metrics: FrameMetrics, path: str | os.PathLike[str]
) -> None:
    """Write ``frames.csv`` atomically: one row per analysed frame, blanks for NaN."""
    header, rows = frame_rows(run, metrics)
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
