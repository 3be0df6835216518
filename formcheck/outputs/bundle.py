"""Every output of one analysis in one folder, written all-or-nothing.

``write_outputs`` produces::

    out_dir/
      report.json          analysis record (docs/report-format.md) + "findings"
      frames.csv           one row per analysed frame
      steps.csv            one row per step
      annotated.mp4        the clip with skeleton, angles, events and finding banners
      report.html          self-contained report (images inline)
      plots/*.png          metrics over time, per-step left vs right
      frames/<id>.png      each finding's key frame, annotated

(``annotated.mp4`` and the key frames are left out when no frame was analysed;
``steps_left_right.png`` when there are no steps.)

Atomicity: everything is first written into a temporary folder beside ``out_dir`` (same
file system), then moved in with ``os.replace``, ``report.json`` last. A failure while
writing leaves ``out_dir`` exactly as it was; an earlier result is only replaced by a
complete new one. (A crash *during* the final moves, a few renames, could still leave
a mix of old and new files; ``report.json`` is moved last, so it always belongs to a
complete set.)
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from formcheck.analysis import Analysis
from formcheck.atomic import atomic_open
from formcheck.outputs import MANIFEST
from formcheck.outputs.html import render_html
from formcheck.outputs.plots import Bands, write_plots
from formcheck.outputs.video import png_bytes, render_key_frame, write_annotated_video
from formcheck.report import build_report, frame_rows, step_rows, write_csv, write_json
from formcheck.rules.types import Finding
from formcheck.textsafe import safe_component

ProgressFn = Callable[[int, int], None]

# A rerun removes files of the earlier run that it does not write again (a finding
# that went away leaves no stale key frame) and only those: a file formcheck did not
# write is never removed, whatever its name.
#: Staging folders beside ``out_dir`` are named ``.<out name>.<STAGING_TAG><pid>-*.tmp``;
#: the pid lets a later run remove one whose process was killed (kill -9, power cut).
STAGING_TAG = "formcheck-staging-"


def _json_safe(obj):
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4) if math.isfinite(obj) else None
    return obj


def findings_to_json(findings: Sequence[Finding]) -> list[dict]:
    """Findings as JSON-ready dicts (the ``"findings"`` key of report.json).

    Each: ``{"id", "status", "severity", "title", "message", "why", "cue", "drills",
    "score", "evidence": {metric, value, threshold, unit, comparison, steps_affected,
    steps_total, fraction, time_ranges, frames, confidence} | null}``. ``frames`` are
    track indices (rows of frames.csv), NaN values are null.
    """
    out = []
    for f in findings:
        ev = None
        if f.evidence is not None:
            ev = dataclasses.asdict(f.evidence)
            ev["fraction"] = f.evidence.fraction
            ev["time_ranges"] = [list(r) for r in f.evidence.time_ranges]
            ev["frames"] = [int(k) for k in f.evidence.frames]
        out.append(
            _json_safe(
                {
                    "id": f.id,
                    "status": f.status,
                    "severity": f.severity,
                    "title": f.title,
                    "message": f.message,
                    "why": f.why,
                    "cue": f.cue,
                    "drills": list(f.drills),
                    "score": float(f.score),
                    "evidence": ev,
                }
            )
        )
    return out


def _key_frame_index(f: Finding, n: int) -> int | None:
    if f.evidence is None:
        return None
    frames = [int(k) for k in f.evidence.frames if 0 <= int(k) < n]
    return frames[0] if frames else None


def write_outputs(
    analysis: Analysis,
    findings: Sequence[Finding],
    out_dir: str | os.PathLike[str],
    *,
    bands: Bands | None = None,
    progress: ProgressFn | None = None,
    max_side: int | None = 1280,
) -> dict[str, Path]:
    """Write every output of ``analysis`` into ``out_dir``, atomically.

    Args:
        analysis: the measured clip (its video file must still be readable).
        findings: the rules' verdicts.
        out_dir: the folder to fill (created if missing; other files in it are kept).
        bands: threshold bands for the plots (see :mod:`formcheck.outputs.plots`).
        progress: ``progress(frames_done, frames_expected)`` while the video is drawn.
        max_side: longest side of the annotated video.

    Returns:
        ``{relative path: final path}`` for every file written, e.g.
        ``{"report.json": out_dir/"report.json", "plots/metrics_over_time.png": ...}``.

    Example:
        >>> paths = write_outputs(analysis, findings, "run_report")  # doctest: +SKIP
        >>> paths["report.html"]
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out_dir)
    tmp = Path(
        tempfile.mkdtemp(
            prefix=f".{out_dir.name}.{STAGING_TAG}{os.getpid()}-",
            suffix=".tmp",
            dir=out_dir.parent,
        )
    )
    try:
        rel = _write_all(
            analysis, findings, tmp, bands=bands, progress=progress, max_side=max_side
        )
        return _move_in(tmp, out_dir, rel)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_all(
    analysis, findings, tmp: Path, *, bands, progress, max_side
) -> list[str]:
    """Write every output into ``tmp``; returns their relative paths."""
    report = build_report(analysis)
    report["findings"] = findings_to_json(findings)
    write_json(report, tmp / "report.json")
    write_csv(*frame_rows(analysis), tmp / "frames.csv")
    write_csv(*step_rows(analysis), tmp / "steps.csv")
    n = len(analysis.clean)
    wanted = {f.id: k for f in findings if (k := _key_frame_index(f, n)) is not None}
    key_frames: dict[str, bytes] = {}
    if n:
        captured = write_annotated_video(
            analysis,
            findings,
            tmp / "annotated.mp4",
            max_side=max_side,
            progress=progress,
            capture=wanted.values(),
        )
        (tmp / "frames").mkdir(exist_ok=True)
        by_id = {f.id: f for f in findings}
        for fid, k in wanted.items():
            if k not in captured:
                continue
            image = render_key_frame(
                analysis,
                findings,
                captured[k],
                k,
                focus=by_id[fid] if by_id[fid].status == "flagged" else None,
            )
            key_frames[fid] = png_bytes(image)
            (tmp / "frames" / f"{safe_component(fid, 'finding')}.png").write_bytes(
                key_frames[fid]
            )
    plots = write_plots(analysis, tmp / "plots", bands=bands)
    html = render_html(
        analysis, findings, plots=plots, key_frames=key_frames, report=report
    )
    with atomic_open(tmp / "report.html", "w", encoding="utf-8") as fh:
        fh.write(html)
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())


def _move_in(tmp: Path, out_dir: Path, rel: list[str]) -> dict[str, Path]:
    """Move the finished files into ``out_dir``; ``report.json`` last.

    Then remove what the previous run wrote and this one did not (by the folder's
    :data:`MANIFEST`), and record this run's files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    earlier = _written_before(out_dir)
    order = sorted(rel, key=lambda r: (r == "report.json", r == "report.html", r))
    moved: dict[str, Path] = {}
    for r in order:
        dest = out_dir / r
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / r, dest)
        moved[r] = dest
    for r in sorted(earlier - set(moved)):
        _remove_own(out_dir, r)
    with atomic_open(out_dir / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump({"files": sorted(moved)}, fh, indent=1)
    return {r: moved[r] for r in rel}


def _remove_own(out_dir: Path, rel: str) -> None:
    """Remove ``out_dir/rel`` if it is a plain file that really lies inside
    ``out_dir``: not a folder, not a symlink, not reached through a symlinked folder.
    A file that cannot be removed is left; the run has already succeeded."""
    path = out_dir / rel
    try:
        inside = path.resolve().is_relative_to(out_dir.resolve())
        if inside and path.is_file() and not path.is_symlink():
            path.unlink()
    except OSError:
        pass


def _written_before(out_dir: Path) -> set[str]:
    """Relative paths the last run recorded in ``out_dir``'s manifest.

    Only plain relative paths count, and :func:`_remove_own` checks each file again:
    a manifest that was edited or damaged, or a symlink put in the folder, can never
    make formcheck remove anything outside ``out_dir`` or any folder.
    """
    try:
        listed = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    safe = set()
    for r in listed if isinstance(listed, list) else []:
        if not isinstance(r, str):
            continue
        parts = Path(r).parts
        if r and not Path(r).is_absolute() and ".." not in parts and "" not in parts:
            safe.add(Path(*parts).as_posix())
    return safe


def remove_stale_staging(out_dir: Path) -> None:
    """Remove staging folders beside ``out_dir`` left by a killed formcheck process."""
    prefix = f".{out_dir.name}.{STAGING_TAG}"
    try:
        entries = list(out_dir.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid = name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process
    return True
