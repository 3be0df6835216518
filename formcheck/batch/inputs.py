"""Turn ``formcheck batch`` inputs into clip jobs with safe, unique output folders.

An input is a video file, a folder (searched recursively for videos), a glob pattern
(``"squad/**/*.mov"``), or a CSV manifest with the columns ``path, athlete, date, view,
notes, slowmo`` (only ``path`` is required; relative paths are relative to the manifest;
``slowmo`` says how many times slower than real life a clip plays, blank if not known).
A path that exists is taken literally, even with glob characters in it (``[1].mp4``);
in a pattern, the longest leading part that exists as a folder is literal too.

Manifest cells keep what is between their quotes, line breaks included (a note may
span lines; the summary keeps them), trimmed of surrounding whitespace. A manifest row
may name something that is not a regular file (a FIFO, ``/dev/zero``): the job is
made, and the runner fails that clip with the reason instead of reading it.

Formcheck's own outputs are never taken as input, so a batch folder inside an input
folder is not analysed again on a rerun. Folder walks and globs skip, file by file:

* the files an output folder lists as formcheck's (its :data:`OUTPUTS_LIST`, written
  by ``formcheck analyze --out`` and by the batch), and ``annotated.mp4`` beside a
  ``batch.json`` or ``report.json`` (output folders older than that list);
* ``<batch>/<athlete>/<clip>/annotated.mp4`` where ``<batch>`` is this batch's folder
  or holds :data:`BATCH_MARKER` (written into every batch folder): that covers a run
  killed between moving the video in and writing the list.

It is done per file, not by leaving out whole folders, so a user's own clips are found
even inside a batch folder (``--out squad`` with the clips in ``squad/clips``). A clip
named explicitly (an argument or a manifest row) is always taken.

Each clip's outputs go to ``<athlete>/<clip>/`` under the batch folder. Both parts are
sanitised (:func:`~formcheck.textsafe.safe_component`): no separators, no ``..``, no
control characters, no leading dots, bounded length; Unicode letters are kept. Two
clips that would share a folder (same name in different source folders, or names equal
after sanitising) get a suffix made from a hash of their absolute path, so a clip keeps
its folder from one run to the next whatever else is in the batch; that is what makes
reruns resumable.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import math
import os
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

from formcheck.batch.records import ClipJob
from formcheck.errors import FormcheckError
from formcheck.outputs import MANIFEST
from formcheck.textsafe import MAX_COMPONENT, safe_component

__all__ = [
    "BATCH_MARKER",
    "MAX_COMPONENT",
    "OUTPUTS_LIST",
    "UNKNOWN_ATHLETE",
    "VIDEO_EXTENSIONS",
    "BatchInputError",
    "assign_output_folders",
    "expand_inputs",
    "read_manifest",
    "safe_component",
    "write_batch_marker",
]

#: File name extensions taken as videos when searching folders and globs.
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts", ".m2ts", ".3gp", ".mpg"}
)
#: Folder used for clips with no athlete.
UNKNOWN_ATHLETE = "unknown"
#: File written into every batch folder: ``annotated.mp4`` two levels below a folder
#: holding it is formcheck's, listed or not.
BATCH_MARKER = ".formcheck-batch"
#: The list of files formcheck wrote into an output folder.
OUTPUTS_LIST = MANIFEST
#: Files that mark a formcheck output folder written before :data:`OUTPUTS_LIST`
#: existed; in one, ``annotated.mp4`` is formcheck's.
_OUTPUT_RECORDS = ("batch.json", "report.json")
_ANNOTATED = "annotated.mp4"

_VIEWS = ("auto", "side", "rear", "front")
#: The slow-motion factors a manifest may give (as ``formcheck analyze --slowmo``).
SLOWMO_RANGE = (0.1, 64.0)


class BatchInputError(FormcheckError):
    """A batch input or manifest cannot be used (missing, malformed)."""


def write_batch_marker(out_dir: Path) -> None:
    """Mark ``out_dir`` as a batch folder (see the module docstring); write it
    before any clip's outputs."""
    marker = out_dir / BATCH_MARKER
    if not marker.is_file():
        marker.write_text(
            "formcheck batch folder: its outputs are never taken as input\n",
            encoding="utf-8",
        )


class _OwnOutputs:
    """Recognises the videos formcheck wrote (see the module docstring)."""

    def __init__(self, out_dir: str | os.PathLike[str] | None) -> None:
        self.out_dir = Path(os.path.expanduser(out_dir)).resolve() if out_dir else None
        self.skipped = 0
        self._written: dict[Path, set[str]] = {}
        self._roots: dict[Path, bool] = {}

    def is_output(self, video: Path, names: set[str] | None = None) -> bool:
        """Whether formcheck wrote ``video``; ``names``: the files beside it, if
        known (saves looking)."""
        folder = Path(os.path.abspath(video.parent))
        if video.name in self._written_in(folder, names):
            return True
        # Killed between moving annotated.mp4 in and writing the list of files.
        return video.name == _ANNOTATED and self._is_batch_root(folder.parent.parent)

    def _is_batch_root(self, folder: Path) -> bool:
        if folder not in self._roots:
            self._roots[folder] = (folder / BATCH_MARKER).is_file() or (
                self.out_dir is not None and folder.resolve() == self.out_dir
            )
        return self._roots[folder]

    def _written_in(self, folder: Path, names: set[str] | None) -> set[str]:
        """Names of the files in ``folder`` that formcheck wrote there."""
        if folder not in self._written:
            self._written[folder] = _written_in(folder, names)
        return self._written[folder]


def _written_in(folder: Path, names: set[str] | None) -> set[str]:
    if names is None:
        names = {n for n in (OUTPUTS_LIST, *_OUTPUT_RECORDS) if (folder / n).exists()}
    if OUTPUTS_LIST in names:
        listed = folder / OUTPUTS_LIST
        try:
            if not listed.is_file():  # a FIFO would block the read
                return {_ANNOTATED}
            files = json.loads(listed.read_text(encoding="utf-8"))["files"]
            return {_ANNOTATED, *(f for f in files if isinstance(f, str))}
        except (OSError, ValueError, KeyError, TypeError):
            return {_ANNOTATED}
    if any(n in names for n in _OUTPUT_RECORDS):
        return {_ANNOTATED}
    return set()


def expand_inputs(
    inputs: list[str], *, out_dir: str | os.PathLike[str] | None = None
) -> list[ClipJob]:
    """Clip jobs for every input, in input order, duplicates (same file) dropped.

    Args:
        inputs: files, folders, glob patterns and CSV manifests.
        out_dir: the batch folder, whose outputs are never inputs, even when it
            is inside an input folder (see the module docstring).

    Raises:
        BatchInputError: an input matches nothing (but formcheck's outputs), or a
            manifest is malformed.
    """
    own = _OwnOutputs(out_dir)
    jobs: list[ClipJob] = []
    for item in inputs:
        try:
            jobs.extend(_jobs_of(item, own))
        except (OSError, ValueError) as exc:  # no permission, a name too long...
            why = getattr(exc, "strerror", None) or exc
            raise BatchInputError(f"Cannot use the input '{item}': {why}.") from None
    seen: set[str] = set()
    unique = []
    for job in jobs:
        if job.path not in seen:
            seen.add(job.path)
            unique.append(job)
    return assign_output_folders(unique)


def _jobs_of(item: str, own: _OwnOutputs) -> list[ClipJob]:
    """The jobs of one input. An existing path is taken literally, glob characters
    and all; only a path that does not exist is a pattern."""
    path = Path(os.path.expanduser(item))  # never raises for ~nobody
    if path.is_file() and path.suffix.lower() == ".csv":
        return read_manifest(path)
    if path.is_file():
        return [ClipJob(path=str(path.resolve()))]
    if path.is_dir():
        return [ClipJob(path=str(p)) for p in _folder_videos(item, path, own)]
    if path.exists():  # a FIFO, a device...: the runner fails it, giving the reason
        return [ClipJob(path=os.path.abspath(path))]
    if glob.has_magic(item):
        return [ClipJob(path=str(p)) for p in _glob_videos(item, own)]
    raise BatchInputError(f"No such file or folder: '{item}'.")


def _skipped_note(own: _OwnOutputs) -> str:
    if not own.skipped:
        return ""
    return f" ({own.skipped} formcheck output video(s) skipped)"


def _folder_videos(item: str, folder: Path, own: _OwnOutputs) -> list[Path]:
    own.skipped = 0
    found = _videos_under(folder, own)
    if not found:
        raise BatchInputError(
            f"No video files found in folder '{item}'{_skipped_note(own)}."
        )
    return found


def _is_video(name: str) -> bool:
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS


def _videos_under(folder: Path, own: _OwnOutputs) -> list[Path]:
    """Videos in ``folder`` and its subfolders (not hidden ones, not symlinked ones,
    and not formcheck's outputs), resolved and sorted."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        here, names = Path(root), set(files)
        for name in files:
            if name.startswith(".") or not _is_video(name):
                continue
            if own.is_output(here / name, names):
                own.skipped += 1
            elif (here / name).is_file():
                found.append((here / name).resolve())
    return sorted(found)


def _literal_prefix(pattern: str) -> str:
    """The pattern with its longest leading part that exists as a folder taken
    literally (escaped): ``clips [1]/*.mp4`` searches the folder ``clips [1]``."""
    parts = Path(pattern).parts
    for k in range(len(parts) - 1, 0, -1):
        base = Path(*parts[:k])
        if base.is_dir():
            return os.path.join(glob.escape(str(base)), *parts[k:])
    return pattern


def _glob_videos(item: str, own: _OwnOutputs) -> list[Path]:
    pattern = _literal_prefix(os.path.expanduser(item))
    own.skipped = 0
    found = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        p = Path(match)
        if not (_is_video(p.name) and p.is_file()):
            continue
        if own.is_output(p):
            own.skipped += 1
        else:
            found.append(p.resolve())
    if not found:
        raise BatchInputError(
            f"The pattern '{item}' matches no video files{_skipped_note(own)}."
        )
    return found


def _clip_path(clip: Path) -> str:
    """Absolute path of a manifest clip: resolved for a file, as written otherwise
    (resolving ``/dev/stdin`` gives a pipe's pseudo name)."""
    return str(clip.resolve()) if clip.is_file() else os.path.abspath(clip)


def read_manifest(path: Path) -> list[ClipJob]:
    """Jobs from a CSV manifest (columns ``path, athlete, date, view, notes, slowmo``).

    Cells keep their line breaks; surrounding whitespace is trimmed.

    Raises:
        BatchInputError: no ``path`` column, a row with more cells than the
            header, a bad date or view, a missing clip, or text that is not CSV
            (the message names the line).
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"Cannot read manifest '{path}': {exc}") from None
    # Lines split at CR/LF only, untranslated: a quoted cell keeps its line breaks.
    # Strict: a quote left open would otherwise swallow every row after it.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        raise BatchInputError(f"Manifest '{path}' line 1: {_csv_why(exc)}") from None
    if "path" not in header:
        raise BatchInputError(
            f"Manifest '{path}' needs a 'path' column (found: {', '.join(header)})."
        )
    jobs = []
    while True:
        line = reader.line_num + 1  # where the next row starts
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            raise BatchInputError(
                f"Manifest '{path}' line {line}: {_csv_why(exc)}"
            ) from None
        if cells is None:
            return jobs
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise BatchInputError(
                f"Manifest '{path}' line {line}: {len(cells)} cells but the header "
                f"has {len(header)} (quote a cell that holds a comma)."
            )
        row = {}
        for name, cell in zip(header, cells, strict=False):
            row.setdefault(name, cell.strip())
        if row.get("path"):
            jobs.append(_manifest_job(path, line, row))


def _csv_why(exc: csv.Error) -> str:
    return f"not valid CSV ({exc}); check the quotes."


def _manifest_job(path: Path, line: int, row: dict[str, str]) -> ClipJob:
    where = f"Manifest '{path}' line {line}"
    try:
        clip = Path(os.path.expanduser(row["path"]))
        if not clip.is_absolute():
            clip = path.parent / clip
        exists = clip.exists()
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long...
        raise BatchInputError(f"{where}: bad path {row['path']!r}: {exc}.") from None
    if not exists:
        raise BatchInputError(f"{where}: no such file '{row['path']}'.")
    day = row.get("date", "")
    if day:
        try:
            day = date.fromisoformat(day).isoformat()
        except ValueError:
            raise BatchInputError(f"{where}: date '{day}' is not YYYY-MM-DD.") from None
    view = (row.get("view") or "auto").lower()
    if view not in _VIEWS:
        raise BatchInputError(
            f"{where}: view '{view}' is not one of {', '.join(_VIEWS)}."
        )
    return ClipJob(
        path=_clip_path(clip),
        athlete=row.get("athlete", ""),
        date=day,
        view=view,
        notes=row.get("notes", ""),
        slowmo=_slowmo(row.get("slowmo", ""), where),
    )


def _slowmo(cell: str, where: str) -> float | None:
    """A manifest's ``slowmo`` cell: how many times slower than real life the clip
    plays (1 = real time); blank = not known (slow motion is then detected)."""
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not SLOWMO_RANGE[0] <= value <= SLOWMO_RANGE[1]:  # NaN fails too
        raise BatchInputError(
            f"{where}: slowmo '{cell}' is not a number from {SLOWMO_RANGE[0]:g} to "
            f"{SLOWMO_RANGE[1]:g} (blank: not known)."
        )
    return value


def assign_output_folders(jobs: list[ClipJob]) -> list[ClipJob]:
    """Give each job a unique ``<athlete>/<clip>`` folder (see the module docstring)."""
    wanted = [_folder(job) for job in jobs]
    counts = Counter(w.casefold() for w in wanted)  # case-insensitive file systems
    out = []
    for job, folder in zip(jobs, wanted, strict=True):
        if counts[folder.casefold()] > 1:
            # Undecodable name bytes arrive as lone surrogates: hash them as they are.
            name = job.path.encode("utf-8", "surrogatepass")
            digest = hashlib.sha256(name).hexdigest()[:8]
            folder = f"{folder}-{digest}"
        out.append(replace(job, out_rel=folder))
    return out


def _folder(job: ClipJob) -> str:
    athlete = safe_component(job.athlete, UNKNOWN_ATHLETE) if job.athlete else None
    clip = safe_component(Path(job.path).stem)
    return f"{athlete or UNKNOWN_ATHLETE}/{clip}"
