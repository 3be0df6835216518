"""``formcheck analyze VIDEO``: the frame-by-frame report."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from formcheck import models
from formcheck.cli._app import app, err_console
from formcheck.metrics.frames import FrameMetrics, frame_metrics
from formcheck.pipeline import PoseRun, track_poses
from formcheck.report import build_report, write_csv, write_json

#: Per-frame columns printed in the terminal table (the CSV has all of them).
TABLE_COLUMNS = (
    ("trunk_lean_deg", "trunk lean°"),
    ("knee_left_deg", "knee L°"),
    ("knee_right_deg", "knee R°"),
    ("hip_x_px", "hip x"),
    ("hip_y_px", "hip y"),
)


@app.command()
def analyze(
    video: Annotated[
        Path, typer.Argument(help="Video file to analyse (mp4, mov, webm, ...).")
    ],
    csv_path: Annotated[
        Path | None,
        typer.Option("--csv", help="Write one row per frame to this CSV file."),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the full record to this JSON file."),
    ] = None,
    variant: Annotated[
        str,
        typer.Option("--model-variant", "-m", help="Pose model: lite, full or heavy."),
    ] = models.DEFAULT_VARIANT,
    model_path: Annotated[
        Path | None,
        typer.Option("--model", help="Use this pose model file (checked by SHA-256)."),
    ] = None,
    start: Annotated[float | None, typer.Option(help="Start time in seconds.")] = None,
    end: Annotated[float | None, typer.Option(help="End time in seconds.")] = None,
    stride: Annotated[int, typer.Option(min=1, help="Analyse every Nth frame.")] = 1,
    every: Annotated[
        int, typer.Option(min=1, help="Print every Nth analysed frame in the table.")
    ] = 1,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No table or progress; only errors (for scripts)."
        ),
    ] = False,
) -> None:
    """Analyse a running video and print a frame-by-frame report."""
    if variant not in models.MODELS:
        raise typer.BadParameter(
            f"must be one of {', '.join(models.MODELS)}", param_hint="--model-variant"
        )
    run = _run_with_progress(video, variant, model_path, start, end, stride, quiet)
    metrics = frame_metrics(run.track)
    if json_path is not None:
        write_json(build_report(run, metrics), json_path)
    if csv_path is not None:
        write_csv(run, metrics, csv_path)
    if not quiet:
        out = Console(highlight=False)
        out.print(frame_table(run, metrics, every))
        print_summary(out, run, metrics, json_path, csv_path)


def _run_with_progress(
    video, variant, model_path, start, end, stride, quiet
) -> PoseRun:
    def say(msg: str) -> None:
        if not quiet:
            err_console.print(f"[dim]{msg}[/]")

    if quiet:
        return track_poses(
            video,
            variant=variant,
            model_path=model_path,
            start_s=start,
            end_s=end,
            stride=stride,
            model_progress=say,
        )
    columns = (
        TextColumn("[bold]analysing[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(Path(video).name, total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return track_poses(
            video,
            variant=variant,
            model_path=model_path,
            start_s=start,
            end_s=end,
            stride=stride,
            progress=progress,
            model_progress=say,
        )


def _cell(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}" if math.isfinite(x) else "–"


def frame_table(run: PoseRun, metrics: FrameMetrics, every: int = 1) -> Table:
    """The per-frame table as a rich Table."""
    table = Table(
        title=f"{Path(run.video.path).name}: frame by frame", header_style="bold"
    )
    table.add_column("frame", justify="right")
    table.add_column("time s", justify="right")
    table.add_column("person")
    for _, label in TABLE_COLUMNS:
        table.add_column(label, justify="right")
    track = run.track
    for k in range(0, len(track), every):
        seen = bool(track.detected[k])
        table.add_row(
            str(track.frame_index[k]),
            f"{track.time_s[k]:.3f}",
            "yes" if seen else "[red]no[/]",
            *(_cell(metrics.columns[name][k]) for name, _ in TABLE_COLUMNS),
        )
    return table


def print_summary(
    out: Console, run: PoseRun, metrics: FrameMetrics, json_path, csv_path
) -> None:
    v, track = run.video, run.track
    rot = f", rotated {v.rotation}°" if v.rotation else ""
    out.print(
        f"[bold]Video[/]  {v.width}x{v.height}{rot}, {v.fps:.2f} fps, "
        f"{v.duration_s:.2f} s, {v.codec}"
    )
    out.print(
        f"[bold]Model[/]  pose_landmarker_{run.model.variant} (sha256 {run.model.sha256[:12]}…)"
    )
    out.print(
        f"[bold]Person[/] found in {int(track.detected.sum())}/{len(track)} frames "
        f"({100 * track.detection_rate:.0f}%); facing {metrics.facing}"
    )
    if len(track) and not track.detected.any():
        out.print(
            "[yellow]No person was found in this video.[/] Film the whole body from the side, "
            "with the runner filling at least half the frame height."
        )
    lean = metrics.columns["trunk_lean_deg"]
    if track.detected.any() and metrics.facing != "unknown":
        out.print(
            f"[bold]Trunk lean[/] median {_cell(float(np.nanmedian(lean)))}° (forward +)"
        )
    if run.decode_error:
        out.print(
            f"[yellow]Decoding stopped early:[/] {run.decode_error}. "
            "The frames before it were analysed."
        )
    for label, path in (("JSON", json_path), ("CSV", csv_path)):
        if path is not None:
            out.print(f"[bold]{label}[/]   {path}")
