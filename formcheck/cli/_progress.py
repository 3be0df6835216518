"""Progress on stderr: a live bar on a terminal, plain lines every 10 % elsewhere.

A run whose stderr goes to a log file or a CI console (not a terminal) would otherwise
print nothing for the many minutes a long clip takes; a bar's control sequences would
be noise there, so plain lines stand in for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from formcheck.cli._app import err_console
from formcheck.textsafe import terminal_text

ProgressFn = Callable[[int, int], None]

#: Plain progress lines are printed at every multiple of this share of the work.
PLAIN_STEP = 0.10


@contextlib.contextmanager
def progress_bar(
    label: str, *, quiet: bool = False, unit: str = "frames"
) -> Iterator[ProgressFn]:
    """Yield ``progress(done, total)`` that shows how far ``label`` has got.

    Args:
        label: what is being done, e.g. ``"analysing run.mp4"`` (printed literally).
        quiet: show nothing.
        unit: what ``done`` and ``total`` count, for the plain lines.
    """
    if quiet:
        yield lambda done, total: None
        return
    label = terminal_text(label)
    if not err_console.is_terminal:
        yield _plain(label, unit)
        return
    columns = (
        TextColumn(escape(label)),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _plain(label: str, unit: str) -> ProgressFn:
    shown = {"step": 0}

    def report(done: int, total: int) -> None:
        if total <= 0:
            return
        step = int(min(done / total, 1.0) / PLAIN_STEP + 1e-9)
        if step > shown["step"]:
            shown["step"] = step
            err_console.print(
                f"{label}: {round(100 * step * PLAIN_STEP)}% ({done}/{total} {unit})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    return report
