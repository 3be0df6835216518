"""``formcheck history ATHLETE``: one athlete's sessions and what changed lately."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from formcheck.batch.records import KEY_METRICS
from formcheck.cli._app import app
from formcheck.config import load_thresholds
from formcheck.errors import HistoryError
from formcheck.history import (
    Change,
    HistoryDB,
    Session,
    athlete_key,
    changes,
    plot_history,
)
from formcheck.metrics.registry import METRICS
from formcheck.textsafe import MAX_DISPLAY, markup_text, safe_component, terminal_text

DEFAULT_DB = Path("formcheck.db")

#: Decimals shown per unit; anything else gets 2.
_DIGITS = {"steps/min": 0, "deg": 1, "s": 3, "cm": 1}


def _num(value: float, unit: str, *, signed: bool = False) -> str:
    return f"{value:{'+' if signed else ''}.{_DIGITS.get(unit, 2)}f}"


def plot_name(athlete: str) -> str:
    """File name of an athlete's default plot: ``history_<name>.png``.

    The name is matched loosely (:func:`~formcheck.history.athlete_key`), spaces
    become ``_``, and :func:`~formcheck.textsafe.safe_component` makes it one safe,
    bounded path component (``[``, ``/``, control characters, 3000 characters...).
    """
    name = "_".join(athlete_key(athlete).split())
    return f"history_{safe_component(name, 'unknown')}.png"


@app.command()
def history(
    athlete: Annotated[
        str, typer.Argument(help="Athlete name as in the batch (any case).")
    ],
    db_path: Annotated[
        Path, typer.Option("--db", help="History database written by formcheck batch.")
    ] = DEFAULT_DB,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write the metrics-over-time PNG here. "
            "Default: history_<athlete>.png beside the database."
        ),
    ] = None,
    no_plot: Annotated[
        bool, typer.Option("--no-plot", help="Do not write the PNG.")
    ] = False,
    thresholds_file: Annotated[
        Path | None,
        typer.Option(
            "--thresholds",
            help="TOML file overriding thresholds, e.g. the smallest meaningful "
            "change of a metric (history section).",
        ),
    ] = None,
) -> None:
    """Show an athlete's sessions (one per date) and what changed since the last one."""
    smallest = load_thresholds(thresholds_file).history
    if not db_path.is_file():
        raise HistoryError(
            f"no history database at {db_path}: run formcheck batch first, or point "
            "--db at the formcheck.db it wrote"
        )
    with HistoryDB(db_path, create=False) as db:
        sessions = db.sessions(athlete)
        key = athlete_key(athlete)
        name = next((a for a in db.athletes() if athlete_key(a) == key), athlete)
    out = Console(highlight=False)
    out.print(session_table(name, sessions))
    print_changes(out, sessions, changes(sessions, smallest))
    if not no_plot:
        target = plot or db_path.parent / plot_name(name)
        try:
            path = plot_history(sessions, target, athlete=name)
        except OSError as exc:
            raise HistoryError(
                f"cannot write the plot {terminal_text(str(target))}: "
                f"{exc.strerror or exc} (--plot FILE.png, or --no-plot)"
            ) from None
        out.print(Text.assemble(("Plot", "bold"), "  ", terminal_text(str(path))))


def _metric_title(name: str) -> str:
    from formcheck.outputs.plots import metric_title  # pulls in matplotlib

    return metric_title(name)


#: Most recent sessions shown as columns (older ones are in the plot).
MAX_SESSION_COLUMNS = 5


def session_table(athlete: str, sessions: list[Session]) -> Table:
    """One column per date (the latest :data:`MAX_SESSION_COLUMNS`), one row per key
    metric measured on any of them, then the clips and the flagged findings: narrow
    enough for an 80-column terminal, however many metrics there are."""
    shown = sessions[-MAX_SESSION_COLUMNS:]
    # A Text, not markup: the name is printed literally, "[bold]" and all.
    title = f"{terminal_text(athlete, MAX_DISPLAY)}: sessions (median per date)"
    if len(shown) < len(sessions):
        title += f", latest {len(shown)} of {len(sessions)}"
    table = Table(title=Text(title, style="table.title"), header_style="bold")
    table.add_column("metric")
    table.add_column("unit", style="dim")
    for s in shown:
        table.add_column(s.date, justify="right")
    clips = []
    for s in shown:
        failed = s.clips - s.ok_clips
        clips.append(f"{s.clips}" + (f" [red]({failed} failed)[/]" if failed else ""))
    table.add_row("clips", "", *clips)
    for name in KEY_METRICS:
        if any(name in s.metrics for s in shown):
            unit = METRICS[name].unit
            table.add_row(
                _metric_title(name),
                unit,
                *(
                    _num(s.metrics[name], unit) if name in s.metrics else "–"
                    for s in shown
                ),
            )
    table.add_row(
        "flagged",
        "",
        *(
            "\n".join(markup_text(s.finding_titles[f]) for f in s.findings) or "–"
            for s in shown
        ),
    )
    return table


def print_changes(out: Console, sessions: list[Session], found: list[Change]) -> None:
    """The "what changed" section: meaningful metric changes, then findings."""
    if len(sessions) == 1:
        out.print(
            f"Only one session ({sessions[0].date}): nothing to compare yet. "
            "Record another date to see what changed."
        )
        return
    usable = [s for s in sessions if s.ok_clips > 0]
    if len(usable) < 2:
        out.print(
            "Fewer than two sessions with analysed clips: nothing to compare yet."
        )
        return
    before, after = usable[-2].date, usable[-1].date
    out.rule(f"[bold]What changed since {before}")
    out.print(f"[dim]{before} → {after}[/]")
    metric = [c for c in found if c.kind == "metric"]
    meaningful = [c for c in metric if c.meaningful]
    for c in meaningful:
        out.print(
            f"[bold]{_metric_title(c.name)}[/]: {_num(c.before, c.unit)} → "
            f"{_num(c.after, c.unit)} {c.unit} ({_num(c.delta, c.unit, signed=True)}; "
            f"meaningful from {_num(c.smallest, c.unit)})"
        )
    if not metric:
        out.print("No key metric was measured in both sessions.")
    elif not meaningful:
        out.print("No meaningful change in the key metrics.")
    small = [c for c in metric if not c.meaningful]
    if small:
        out.print(
            "[dim]Within noise: "
            + ", ".join(
                f"{_metric_title(c.name).lower()} {_num(c.delta, c.unit, signed=True)} "
                f"{c.unit}"
                for c in small
            )
            + "[/]"
        )
    for c in found:
        if c.kind == "appeared":
            out.print(f"[bold red]+ New finding:[/] {markup_text(c.title)}")
        elif c.kind == "disappeared":
            out.print(f"[bold green]- No longer flagged:[/] {markup_text(c.title)}")
    if not any(c.kind != "metric" for c in found):
        out.print("Flagged findings: no change.")
