"""The analysis record (``report.json``) and its tabular form (``frames.csv``).

The JSON layout is a documented contract (``docs/report-format.md``); later stages add
keys, never change the meaning of existing ones.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
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
        # Every time in this record is the video's timestamp divided by slowmo (1
        # unless the user said the clip plays in slow motion, or it was estimated).
        "playback": {
            "slowmo": analysis.slowmo,
            "estimated": analysis.slowmo_estimated,
        },
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
        "events": Records(
            len(analysis.events),
            lambda k: _event_record(analysis.events[k], track.frame_index),
        ),
        "steps": Records(
            len(analysis.steps),
            lambda k: _step_record(analysis.steps[k], track.frame_index),
        ),
        "frames": FrameRecords(analysis),
    }


def _event_record(e, frame_index: np.ndarray) -> dict:
    return {
        "type": e.type,
        "frame": int(frame_index[e.frame]),
        "time_s": _num(e.time_s, 4),
        "foot": e.foot,
    }


def _step_record(st, frame_index: np.ndarray) -> dict:
    return {
        "index": st.index,
        "foot": st.foot,
        "ic_frame": int(frame_index[st.ic_frame]),
        "ic_time_s": _num(st.ic_time_s, 4),
        **{k: _num(v, 4) for k, v in st.values.items()},
    }


class Records(Sequence):
    """A list of report records made one at a time when read.

    The per-frame, per-event and per-step lists of a 10-minute clip would, as Python
    dicts, lists and floats, grow the process by hundreds of MB; :func:`write_json`
    streams them to the file one record at a time. Indexing, slicing, ``len`` and
    iteration work like a list.
    """

    def __init__(self, n: int, make: Callable[[int], dict]) -> None:
        self._n = n
        self._make = make

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self._make(i) for i in range(*k.indices(self._n))]
        if not -self._n <= k < self._n:
            raise IndexError("record index out of range")
        return self._make(k % self._n)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented


class FrameRecords(Records):
    """The ``frames`` list of report.json (one record per analysed frame)."""

    def __init__(self, analysis: Analysis) -> None:
        self._analysis = analysis
        self._events = _events_by_frame(analysis.events)
        super().__init__(len(analysis.run.track), self._record)

    def _record(self, k: int) -> dict:
        track = self._analysis.run.track
        detected = bool(track.detected[k])
        landmarks = None
        if detected:
            landmarks = [
                [
                    _num(track.xy[k, j, 0], 2),
                    _num(track.xy[k, j, 1], 2),
                    _num(track.z[k, j], 2),
                    _num(track.visibility[k, j], 3),
                ]
                for j in range(track.xy.shape[1])
            ]
        return {
            "index": int(track.frame_index[k]),
            "time_s": _num(track.time_s[k], 4),
            "detected": detected,
            "landmarks": landmarks,
            "events": self._events.get(k, []),
            "metrics": {
                name: _num(vals[k], 2) for name, vals in self._analysis.series.items()
            },
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


#: Stands for a streamed :class:`Records` list while the rest of a report is encoded.
_SLOT = "\x00formcheck-records-{}\x00"


def write_json(report: dict, path: str | os.PathLike[str]) -> None:
    """Write ``report`` atomically as UTF-8 JSON.

    Top-level :class:`Records` lists are streamed, one record per line, so memory does
    not grow with the clip's length.
    """
    opts = {"ensure_ascii": False, "allow_nan": False}
    lazy = {k: v for k, v in report.items() if isinstance(v, Records)}
    slots = {k: _SLOT.format(n) for n, k in enumerate(lazy)}
    text = json.dumps({**report, **slots}, indent=1, **opts)
    with atomic_open(path, "w", encoding="utf-8") as fh:
        for key, records in lazy.items():
            head, text = text.split(json.dumps(slots[key], **opts), 1)
            fh.write(head + "[")
            for k, record in enumerate(records):
                fh.write(",\n  " if k else "\n  ")
                fh.write(json.dumps(record, separators=(",", ":"), **opts))
            fh.write("\n ]" if len(records) else "]")
        fh.write(text + "\n")


def frame_rows(analysis: Analysis) -> tuple[list[str], Iterator[list]]:
    """Header and rows of the per-frame table: one row per analysed frame.

    The rows are generated as they are read (a long clip has tens of thousands)."""
    names = list(analysis.series)
    event_at = _events_by_frame(analysis.events)
    header = ["frame", "time_s", "detected", "events", *names]
    for lm in LANDMARK_NAMES:
        header += [f"{lm}_x", f"{lm}_y", f"{lm}_visibility"]
    return header, _frame_rows(analysis, names, event_at)


def _frame_rows(analysis: Analysis, names: list[str], event_at) -> Iterator[list]:
    track = analysis.run.track
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
        yield row


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
    header: list[str], rows: Iterable[list], path: str | os.PathLike[str]
) -> None:
    """Write a table atomically as CSV, blanks for unmeasured values."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
