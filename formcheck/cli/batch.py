"""``formcheck batch INPUT... --out DIR``: analyse a squad's clips, resumably."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from formcheck import models
from formcheck.batch.records import ClipResult
from formcheck.cli._app import app, err_console
from formcheck.cli._options import (
    HeightCm,
    MaxPeople,
    ModelPath,
    ModelVariant,
    RulesFile,
    ThresholdsFile,
    check_variant,
)
from formcheck.errors import FormcheckError
from formcheck.textsafe import markup_text, terminal_text

#: Exit code when the batch finished but some clips failed.
EXIT_SOME_FAILED = 1


def default_batch_workers() -> int:
    """One worker process per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Clips, folders (searched recursively), glob patterns, or a CSV "
            "manifest with columns path, athlete, date, view, notes, slowmo.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Batch folder: <athlete>/<clip>/ outputs, summary.csv, summary.html. "
            "It may be inside an input folder: formcheck's outputs are never inputs.",
        ),
    ],
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes. Default: one per core."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Redo clips finished by an earlier run.")
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option(help="History database. Default: DIR/formcheck.db."),
    ] = None,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(
            help="Run on this Dask distributed scheduler (tcp://HOST:PORT) instead "
            "of local workers; clips must be on storage the workers share."
        ),
    ] = None,
    rules_file: RulesFile = None,
    thresholds_file: ThresholdsFile = None,
    height_cm: HeightCm = None,
    variant: ModelVariant = models.DEFAULT_VARIANT,
    model_path: ModelPath = None,
    max_people: MaxPeople = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress or table; errors only.")
    ] = False,
) -> None:
    """Analyse many clips: per-clip reports, a squad summary and athlete history.

    Rerunning the same command skips clips already done (same file contents and
    settings); exit code 1 means the batch finished but some clips failed.
    """
    from formcheck.batch.inputs import expand_inputs, write_batch_marker
    from formcheck.batch.runner import check_scheduler_address, plan, settings_for
    from formcheck.batch.summary import write_summary_csv, write_summary_html
    from formcheck.history import HistoryDB

    check_variant(variant)
    if dask_scheduler is not None:
        check_scheduler_address(dask_scheduler)  # before any work
    if out_dir.exists() and not out_dir.is_dir():
        raise FormcheckError(f"--out {out_dir} is a file; give a folder.")
    jobs = expand_inputs(inputs, out_dir=out_dir)
    settings = settings_for(
        variant=variant,
        model_path=model_path,
        thresholds_file=thresholds_file,
        rules_file=rules_file,
        height_cm=height_cm,
        max_people=max_people,
    )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_batch_marker(out_dir)  # later walks of a folder around it skip it
    except OSError as exc:
        raise FormcheckError(
            f"cannot write the batch folder {out_dir}: {exc.strerror or exc}"
        ) from None
    planned = plan(jobs, settings, out_dir, force)
    n_workers = workers or default_batch_workers()
    reused = sum(p.done is not None for p in planned)
    if not quiet:
        where = markup_text(dask_scheduler or f"{n_workers} worker process(es)")
        err_console.print(
            f"[bold]{len(planned)} clip(s)[/], {reused} already done; "
            f"running on {where}"
        )
    with HistoryDB(db or out_dir / "formcheck.db") as history:
        results = _run(
            planned, settings, out_dir, n_workers, dask_scheduler, history, quiet
        )
    write_summary_csv(results, out_dir / "summary.csv")
    write_summary_html(results, out_dir / "summary.html")
    failed = [r for r in results if r.status != "ok"]
    if not quiet:
        out = Console(highlight=False)
        out.print(
            f"{len(results) - len(failed)} ok, {len(failed)} failed · "
            f"summary: {markup_text(str(out_dir / 'summary.html'))}"
        )
    if failed:
        raise typer.Exit(EXIT_SOME_FAILED)


def _run(planned, settings, out_dir, workers, scheduler, history, quiet):
    """Run the batch, recording each result in the history as it comes, with an
    overall progress bar and one line per analysed clip unless ``quiet``."""
    from formcheck.batch.runner import run_batch

    columns = (
        TextColumn("[bold]batch[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    bar = Progress(*columns, console=err_console, transient=True, disable=quiet)
    with bar:
        task = bar.add_task("clips", total=len(planned))

        def on_result(result: ClipResult, reused: bool) -> None:
            history.record(result)
            if not quiet and not reused:
                bar.console.print(_status_line(result))
            bar.advance(task)

        return run_batch(
            planned,
            settings,
            out_dir,
            workers=workers,
            dask_scheduler=scheduler,
            on_result=on_result,
        )


def _status_line(r: ClipResult) -> str:
    """One line of rich markup; the user's text in it (names, errors, finding
    titles) is printed literally, without control characters."""
    name = markup_text(r.job.out_rel or terminal_text(r.job.path))
    if r.status == "ok":
        cadence = r.metrics.get("cadence_spm")
        bits = [f"cadence {cadence:.0f}" if cadence else "cadence –"]
        titles = ", ".join(str(f.get("title", "")) for f in r.findings[:2])
        bits.append(titles or "nothing flagged")
        text = markup_text(" · ".join(bits))
        return f"[green]✓[/] {name}: {text} [dim]({r.seconds:.0f} s)[/]"
    return f"[red]✗[/] {name}: {markup_text(r.error or 'failed')}"
