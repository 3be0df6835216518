"""Turn ``formcheck batch`` inputs into clip jobs with safe, unique output folders.

An input is a video file, a folder (searched recursively for videos), a glob pattern
(``"squad/**/*.mov"``), or a CSV manifest with the columns ``path, athlete, date, view,
notes`` (only ``path`` is required; relative paths are relative to the manifest).

Each clip's outputs go to ``<athlete>/<clip>/`` under the batch folder. Both parts are
sanitised (:func:`safe_component`): no separators, no ``..``, no control characters,
no leading dots, bounded length; Unicode letters are kept. Two clips that would share a
folder (same name in different source folders, or names equal after sanitising) get a
suffix made from a hash of their absolute path, so a clip keeps its folder from one
run to the next whatever else is in the batch; that is what makes reruns resumable.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

from formcheck.batch.records import ClipJob
from formcheck.errors import FormcheckError

#: File name extensions taken as videos when searching folders and globs.
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts", ".m2ts", ".3gp", ".mpg"}
)
#: Folder used for clips with no athlete.
UNKNOWN_ATHLETE = "unknown"
#: Longest folder name written (most file systems allow 255 bytes; leave room).
MAX_COMPONENT = 80

_VIEWS = ("auto", "side", "rear", "front")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


class BatchInputError(FormcheckError):
    """A batch input or manifest cannot be used (missing, malformed)."""


def safe_component(name: str, fallback: str = "clip") -> str:
    """``name`` as one safe path component: no separators, ``..``, control
    characters or leading dots; Unicode kept (NFC); at most :data:`MAX_COMPONENT`
    UTF-8 bytes.

    >>> safe_component("../../etc/passwd")
    'etc_passwd'
    >>> safe_component("Zoë Smith")
    'Zoë Smith'
    """
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)  # no ".." anywhere
    text = text.strip(" ._")
    text = re.sub(r"_+", "_", text)
    if _WINDOWS_RESERVED.match(text):
        text = f"_{text}"
    encoded = text.encode("utf-8")[:MAX_COMPONENT]
    text = encoded.decode("utf-8", errors="ignore").rstrip(" ._")
    return text or fallback


def expand_inputs(inputs: list[str]) -> list[ClipJob]:
    """Clip jobs for every input, in input order, duplicates (same file) dropped.

    Raises:
        BatchInputError: an input matches nothing, or a manifest is malformed.
    """
    jobs: list[ClipJob] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_file() and path.suffix.lower() == ".csv":
            jobs.extend(read_manifest(path))
        elif path.is_file():
            jobs.append(ClipJob(path=str(path.resolve())))
        elif path.is_dir():
            found = _videos_under(path)
            if not found:
                raise BatchInputError(f"No video files found in folder '{item}'.")
            jobs.extend(ClipJob(path=str(p)) for p in found)
        elif glob.has_magic(item):
            found = [
                Path(p).resolve()
                for p in sorted(glob.glob(os.path.expanduser(item), recursive=True))
                if Path(p).is_file() and Path(p).suffix.lower() in VIDEO_EXTENSIONS
            ]
            if not found:
                raise BatchInputError(f"The pattern '{item}' matches no video files.")
            jobs.extend(ClipJob(path=str(p)) for p in found)
        else:
            raise BatchInputError(f"No such file or folder: '{item}'.")
    seen: set[str] = set()
    unique = []
    for job in jobs:
        if job.path not in seen:
            seen.add(job.path)
            unique.append(job)
    return assign_output_folders(unique)


def _videos_under(folder: Path) -> list[Path]:
    return sorted(
        p.resolve()
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in VIDEO_EXTENSIONS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def read_manifest(path: Path) -> list[ClipJob]:
    """Jobs from a CSV manifest (columns ``path, athlete, date, view, notes``).

    Raises:
        BatchInputError: no ``path`` column, a bad date or view, or a missing clip
            (the message names the row).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"Cannot read manifest '{path}': {exc}") from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "path" not in fields:
        raise BatchInputError(
            f"Manifest '{path}' needs a 'path' column (found: {', '.join(fields)})."
        )
    jobs = []
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not row.get("path"):
            continue
        clip = Path(row["path"]).expanduser()
        if not clip.is_absolute():
            clip = path.parent / clip
        if not clip.is_file():
            raise BatchInputError(
                f"Manifest '{path}' line {line}: no such file '{row['path']}'."
            )
        day = row.get("date", "")
        if day:
            try:
                day = date.fromisoformat(day).isoformat()
            except ValueError:
                raise BatchInputError(
                    f"Manifest '{path}' line {line}: date '{day}' is not YYYY-MM-DD."
                ) from None
        view = (row.get("view") or "auto").lower()
        if view not in _VIEWS:
            raise BatchInputError(
                f"Manifest '{path}' line {line}: view '{view}' is not one of "
                f"{', '.join(_VIEWS)}."
            )
        jobs.append(
            ClipJob(
                path=str(clip.resolve()),
                athlete=row.get("athlete", ""),
                date=day,
                view=view,
                notes=row.get("notes", ""),
            )
        )
    return jobs


def assign_output_folders(jobs: list[ClipJob]) -> list[ClipJob]:
    """Give each job a unique ``<athlete>/<clip>`` folder (see the module docstring)."""
    wanted = [_folder(job) for job in jobs]
    counts = Counter(w.casefold() for w in wanted)  # case-insensitive file systems
    out = []
    for job, folder in zip(jobs, wanted, strict=True):
        if counts[folder.casefold()] > 1:
            digest = hashlib.sha256(job.path.encode("utf-8")).hexdigest()[:8]
            folder = f"{folder}-{digest}"
        out.append(replace(job, out_rel=folder))
    return out


def _folder(job: ClipJob) -> str:
    athlete = safe_component(job.athlete, UNKNOWN_ATHLETE) if job.athlete else None
    clip = safe_component(Path(job.path).stem)
    return f"{athlete or UNKNOWN_ATHLETE}/{clip}"
