"""Check where outputs will go before any analysis starts.

A long clip takes minutes to analyse; an ``--out`` that is a file, a read-only folder,
a ``--json`` that names a folder or a disk without room should fail in the first
second with one line, not after the work is done (or with a traceback). Nothing here
creates or changes a file.

The room estimate is deliberately rough (a first estimate, not a promise): the
per-frame record dominates ``report.json`` and ``frames.csv``, the annotated video
dominates the folder. Writes can still fail later (the disk fills up meanwhile);
:func:`output_errors` turns such failures into a :class:`OutputError` too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import OutputError

#: Bytes per analysed frame in report.json (33 landmarks with x, y, z, visibility,
#: presence, world xyz, plus the per-frame metrics); measured ~2.7 kB.
JSON_BYTES_PER_FRAME = 3_000
#: Bytes per analysed frame in frames.csv; measured ~0.6 kB.
CSV_BYTES_PER_FRAME = 1_000
#: Bytes per second of annotated H.264 video at up to 1280 px (generous).
VIDEO_BYTES_PER_S = 600_000
#: Plots, key frames, HTML, steps.csv: a fixed allowance.
BUNDLE_FIXED_BYTES = 20_000_000


@dataclass(frozen=True)
class Target:
    """One output the user asked for.

    Attributes:
        option: the flag that named it, for the error message (``--json``).
        path: where it goes.
        kind: ``"file"`` or ``"dir"``.
        bytes_needed: a first estimate of its size.
    """

    option: str
    path: Path
    kind: str
    bytes_needed: int = 0


def estimate(option: str, n_frames: int, duration_s: float) -> int:
    """A first estimate of the bytes an output needs, by the option that asks for it."""
    n = max(int(n_frames), 0)
    if option == "--json":
        return n * JSON_BYTES_PER_FRAME
    if option in ("--csv", "--steps-csv"):
        return n * CSV_BYTES_PER_FRAME
    if option == "--out":
        return (
            n * (JSON_BYTES_PER_FRAME + CSV_BYTES_PER_FRAME)
            + int(max(duration_s, 0.0) * VIDEO_BYTES_PER_S)
            + BUNDLE_FIXED_BYTES
        )
    return 0


def _existing_ancestor(path: Path) -> Path:
    """The nearest ancestor of ``path`` (itself included) that exists."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_targets(targets: list[Target]) -> None:
    """Raise :class:`OutputError` naming the option if any target cannot be written.

    Checks: the kind (a folder where a file is wanted, or the reverse), that the
    nearest existing folder on the way is a writable folder, that two options do not
    name the same path, and that the file system has room for every target on it
    together.
    """
    seen: dict[Path, str] = {}
    room: dict[int, tuple[Path, int, list[str]]] = {}
    for t in targets:
        path = Path(os.path.abspath(t.path))
        if path in seen:
            raise OutputError(
                f"{t.option} and {seen[path]} name the same path {t.path}"
            )
        seen[path] = t.option
        if t.kind == "file" and path.is_dir():
            raise OutputError(f"{t.option} {t.path} is a folder; give a file name")
        if t.kind == "dir" and path.exists() and not path.is_dir():
            raise OutputError(f"{t.option} {t.path} is a file; give a folder")
        base = _existing_ancestor(path)
        if base != path and not base.is_dir():
            raise OutputError(f"{t.option} {t.path}: {base} is a file, not a folder")
        folder = base if base.is_dir() else base.parent
        writable = os.access(folder, os.W_OK | os.X_OK)
        if path.exists() and t.kind == "file":
            writable = writable and os.access(path, os.W_OK)
        if not writable:
            raise OutputError(f"{t.option} {t.path}: {folder} is not writable")
        try:
            dev = os.stat(folder).st_dev
        except OSError as exc:
            raise OutputError(f"{t.option} {t.path}: {exc.strerror}") from None
        where, need, options = room.get(dev, (folder, 0, []))
        room[dev] = (where, need + t.bytes_needed, [*options, t.option])
    for folder, need, options in room.values():
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue
        if need > free:
            raise OutputError(
                f"not enough disk space for {', '.join(options)}: about "
                f"{_mb(need)} needed, {_mb(free)} free in {folder}"
            )


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} kB"


@contextlib.contextmanager
def output_errors(what: str) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``what`` into a one-line :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        reason = (
            "the disk is full"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else exc.strerror or str(exc)
        )
        raise OutputError(f"could not write {what}: {reason}") from None
