"""``formcheck analyze VIDEO``: the frame-by-frame report and the measured summary."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from formcheck import models
from formcheck.analysis import Analysis, ViewOverrides, analyze_video
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
from formcheck.cli._progress import progress_bar
from formcheck.config import load_thresholds
from formcheck.metrics.registry import METRICS
from formcheck.outputs.preflight import Target, check_targets, estimate, output_errors
from formcheck.report import build_report, frame_rows, step_rows, write_csv, write_json
from formcheck.rules import HEALTH_NOTE, evaluate, load_rules, threshold_bands
from formcheck.rules.types import Finding
from formcheck.textsafe import markup_text, terminal_text
from formcheck.video import probe

#: Per-frame columns printed in the terminal table, when measured (the CSV has all).
TABLE_COLUMNS = (
    ("trunk_lean_deg", "trunk°"),
    ("head_pitch_deg", "head°"),
    ("knee_flexion_left_deg", "knee L°"),
    ("knee_flexion_right_deg", "knee R°"),
    ("foot_angle_left_deg", "foot L°"),
    ("foot_angle_right_deg", "foot R°"),
    ("pelvis_tilt_deg", "pelvis°"),
    ("lateral_trunk_lean_deg", "trunk side°"),
)


def _choice(value: str, allowed: tuple[str, ...], hint: str) -> str | None:
    if value not in allowed:
        raise typer.BadParameter(
            f"must be one of {', '.join(allowed)}", param_hint=hint
        )
    return None if value == "auto" else value


@app.command()
def analyze(
    video: Annotated[
        Path, typer.Argument(help="Video to analyse (mp4, mov, webm, ...).")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write report.json, frames.csv, steps.csv, annotated.mp4, "
            "plots and report.html into this folder.",
        ),
    ] = None,
    rules_file: RulesFile = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write one row per frame to this CSV.")
    ] = None,
    steps_csv: Annotated[
        Path | None,
        typer.Option("--steps-csv", help="Write one row per step to this CSV."),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the full record to this JSON file."),
    ] = None,
    view: Annotated[
        str, typer.Option(help="Camera view: auto, side, rear or front.")
    ] = "auto",
    facing: Annotated[
        str,
        typer.Option(
            help="Side view: direction the runner faces, auto, left or right."
        ),
    ] = "auto",
    treadmill: Annotated[
        bool | None,
        typer.Option("--treadmill/--overground", help="Say how the clip was filmed."),
    ] = None,
    slowmo: Annotated[
        float | None,
        typer.Option(
            min=0.1,
            max=64.0,
            help="The clip plays this many times slower than real life (slow motion "
            "shared at a normal frame rate, e.g. 2 or 4; below 1 if it plays fast; "
            "1 = real time); times and cadence are then given in real time. Not "
            "given: a runner at a cadence no runner has is taken for slow motion, "
            "its factor estimated and its times withheld. Phone slow-motion files "
            "that keep real timestamps need nothing.",
        ),
    ] = None,
    height_cm: HeightCm = None,
    thresholds_file: ThresholdsFile = None,
    variant: ModelVariant = models.DEFAULT_VARIANT,
    model_path: ModelPath = None,
    start: Annotated[
        float | None, typer.Option(min=0, help="Start time in seconds.")
    ] = None,
    end: Annotated[
        float | None, typer.Option(min=0, help="End time in seconds.")
    ] = None,
    stride: Annotated[int, typer.Option(min=1, help="Analyse every Nth frame.")] = 1,
    max_people: MaxPeople = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes that detect poses in parallel, each on its own part of "
            "the clip. Default: one per core (at most 4).",
        ),
    ] = None,
    every: Annotated[
        int, typer.Option(min=1, help="Print every Nth analysed frame in the table.")
    ] = 1,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No table or progress; errors only.")
    ] = False,
) -> None:
    """Analyse a running video: frame-by-frame table, gait events and form metrics."""
    check_variant(variant)
    overrides = ViewOverrides(
        kind=_choice(view, ("auto", "side", "rear", "front"), "--view"),
        facing=_choice(facing, ("auto", "left", "right"), "--facing"),
        treadmill=treadmill,
        slowmo=slowmo,
    )
    thresholds = load_thresholds(thresholds_file)
    rules = load_rules(rules_file)
    _preflight(
        video,
        start,
        end,
        stride,
        (
            ("--out", out_dir, "dir"),
            ("--json", json_path, "file"),
            ("--csv", csv_path, "file"),
            ("--steps-csv", steps_csv, "file"),
        ),
    )
    analysis = _run_with_progress(
        video,
        quiet,
        thresholds=thresholds,
        overrides=overrides,
        runner_height_cm=height_cm,
        variant=variant,
        model_path=model_path,
        start_s=start,
        end_s=end,
        stride=stride,
        num_poses=max_people,
        workers=workers,
    )
    findings = evaluate(analysis, rules)
    if out_dir is not None:
        with output_errors(f"--out {out_dir}"):
            _write_bundle(analysis, findings, out_dir, threshold_bands(rules), quiet)
    if json_path is not None:
        from formcheck.outputs.bundle import findings_to_json

        report = build_report(analysis)
        report["findings"] = findings_to_json(findings)
        with output_errors(f"--json {json_path}"):
            write_json(report, json_path)
    if csv_path is not None:
        with output_errors(f"--csv {csv_path}"):
            write_csv(*frame_rows(analysis), csv_path)
    if steps_csv is not None:
        with output_errors(f"--steps-csv {steps_csv}"):
            write_csv(*step_rows(analysis), steps_csv)
    if not quiet:
        out = Console(highlight=False)
        out.print(frame_table(analysis, every))
        outputs = (
            ("JSON", json_path),
            ("CSV", csv_path),
            ("Steps CSV", steps_csv),
            ("Report folder", out_dir),
        )
        print_summary(out, analysis, outputs)
        print_findings(out, findings, analysis.slowmo)


def _preflight(
    video: Path,
    start: float | None,
    end: float | None,
    stride: int,
    outputs: tuple[tuple[str, Path | None, str], ...],
) -> None:
    """Check the time span and every output path before the analysis starts."""
    if start is not None and end is not None and end <= start:
        raise typer.BadParameter(
            f"must be after --start ({end:g} <= {start:g})", param_hint="--end"
        )
    info = probe(video)
    if start is not None and info.duration_s > 0 and start >= info.duration_s:
        raise typer.BadParameter(
            f"{start:g} s is past the end of the clip ({info.duration_s:.2f} s)",
            param_hint="--start",
        )
    lo = start or 0.0
    hi = min(end, info.duration_s) if end is not None else info.duration_s
    seconds = max(hi - lo, 0.0)
    frames = int(seconds * info.fps / stride) + 1
    check_targets(
        [
            Target(option, path, kind, estimate(option, frames, seconds))
            for option, path, kind in outputs
            if path is not None
        ]
    )


def _write_bundle(
    analysis: Analysis, findings, out_dir: Path, bands, quiet: bool
) -> None:
    from formcheck.outputs.bundle import write_outputs

    with progress_bar("drawing the annotated video", quiet=quiet) as progress:
        write_outputs(analysis, findings, out_dir, bands=bands, progress=progress)


def _run_with_progress(video: Path, quiet: bool, **options) -> Analysis:
    def say(msg: str) -> None:
        if not quiet:
            err_console.print(msg, style="dim", markup=False, highlight=False)

    with progress_bar(f"analysing {Path(video).name}", quiet=quiet) as progress:
        return analyze_video(video, progress=progress, model_progress=say, **options)


def _cell(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}" if math.isfinite(x) else "–"


def frame_table(analysis: Analysis, every: int = 1) -> Table:
    """The per-frame table; event frames are always shown and marked."""
    run = analysis.run
    table = Table(
        title=Text(f"{terminal_text(Path(run.video.path).name)}: frame by frame"),
        header_style="bold",
    )
    for name, justify in (
        ("frame", "right"),
        ("time s", "right"),
        ("person", "left"),
        ("event", "left"),
    ):
        table.add_column(name, justify=justify)
    columns = [(n, label) for n, label in TABLE_COLUMNS if n in analysis.series]
    for _, label in columns:
        table.add_column(label, justify="right")
    events: dict[int, list[str]] = {}
    for e in analysis.events:
        label = ("IC " if e.type == "initial_contact" else "TO ") + e.foot[0].upper()
        events.setdefault(e.frame, []).append(label)
    track = run.track
    for k in range(len(track)):
        if k % every and k not in events:
            continue
        seen = bool(track.detected[k])
        table.add_row(
            str(track.frame_index[k]),
            f"{track.time_s[k]:.3f}",
            "yes" if seen else "[red]no[/]",
            "[cyan]" + " ".join(events.get(k, [])) + "[/]",
            *(_cell(analysis.series[name][k]) for name, _ in columns),
        )
    return table


def _fmt_value(entry: dict, unit: str) -> str:
    v = entry["value"]
    digits = (
        0
        if unit == "steps/min"
        else 2
        if unit in ("s", "ratio", "leg lengths", "trunk lengths", "hip widths")
        else 1
    )
    text = f"{v:.{digits}f}"
    if entry.get("left") is not None and entry.get("right") is not None:
        text += f"  (L {entry['left']:.{digits}f} / R {entry['right']:.{digits}f})"
    return text


def print_summary(out: Console, analysis: Analysis, outputs) -> None:
    run, view = analysis.run, analysis.view
    v, track = run.video, run.track
    rot = f", rotated {v.rotation}°" if v.rotation else ""
    out.print(
        f"[bold]Video[/]   {v.width}x{v.height}{rot}, {v.fps:.2f} fps, "
        f"{v.duration_s:.2f} s, {v.codec}"
    )
    out.print(
        f"[bold]Model[/]   pose_landmarker_{run.model.variant} "
        f"(sha256 {run.model.sha256[:12]}…)"
    )
    out.print(
        f"[bold]Person[/]  found in {int(track.detected.sum())}/{len(track)} frames "
        f"({100 * track.detection_rate:.0f}%)"
    )
    where = (
        "treadmill"
        if view.treadmill
        else "overground"
        if view.treadmill is False
        else "?"
    )
    facing = f", facing {view.facing}" if view.facing else ""
    out.print(
        f"[bold]View[/]    {view.kind}{facing}, {where}; activity: {view.activity} "
        f"(confidence {view.confidence:.2f})"
    )
    metrics = analysis.summary["metrics"]
    table = Table(title="Form metrics (median over steps)", header_style="bold")
    for col in ("metric", "value", "unit", "steps", "confidence"):
        table.add_column(col, justify="left" if col in ("metric", "unit") else "right")
    omitted: dict[str, list[str]] = {}
    for name, entry in metrics.items():
        if entry.get("value") is None:
            omitted.setdefault(entry.get("omitted", "not measured"), []).append(name)
            continue
        unit = METRICS[name].unit
        n = entry.get("n", entry.get("n_frames", ""))
        table.add_row(
            name,
            _fmt_value(entry, unit),
            unit,
            str(n),
            f"{entry.get('confidence', 0):.2f}",
        )
    if table.row_count:
        out.print(table)
    for reason, names in omitted.items():
        # One line per reason: a no-person clip has ~25 metrics with the same one.
        out.print(
            Text(f"Not reported ({reason}): {', '.join(names)}", style="dim"),
        )
    for note in analysis.notes:
        out.print(f"[yellow]Note:[/] {note}")
    for label, path in outputs:
        if path is not None:
            out.print(f"[bold]{label}[/]  {path}")


SEVERITY_STYLE = {
    "marked": "bold red",
    "moderate": "bold dark_orange",
    "mild": "yellow",
}


def print_findings(out: Console, findings: list[Finding], slowmo: float = 1.0) -> None:
    """The ranked findings, last, so they are what a user reads first after a run.

    ``slowmo``: where a finding shows is given in the video's own time, to find it
    in the player."""
    flagged = [f for f in findings if f.status == "flagged"]
    ok = [f for f in findings if f.status == "ok"]
    not_judged = [f for f in findings if f.status == "not_judged"]
    out.rule("[bold]Feedback")
    if not flagged and ok:
        out.print(
            "[green]Nothing to fix in this clip.[/] What is good: "
            + ", ".join(markup_text(f.title.lower()) for f in ok)
            + "."
        )
    for rank, f in enumerate(flagged, 1):
        # Rule text comes from a rules file, which may be someone else's: printed
        # literally, without control characters.
        style = SEVERITY_STYLE.get(f.severity or "", "")
        conf = f.evidence.confidence if f.evidence else 0.0
        out.print(
            f"[{style}]{rank}. {markup_text(f.title)}[/] ({f.severity}, "
            f"confidence {conf:.2f})"
        )
        out.print(f"   {markup_text(f.message)}")
        out.print(f"   [bold]Why:[/] {markup_text(f.why)}")
        out.print(f"   [bold]Cue:[/] {markup_text(f.cue)}")
        for drill in f.drills:
            out.print(f"   [bold]Drill:[/] {markup_text(drill)}")
        if f.evidence and f.evidence.time_ranges:
            spans = ", ".join(
                f"{a * slowmo:.1f}-{b * slowmo:.1f} s"
                for a, b in f.evidence.time_ranges[:4]
            )
            clock = " of the video" if slowmo != 1.0 else ""
            out.print(f"   [dim]Where: {spans}{clock}[/]")
    if flagged and ok:
        out.print(
            "[green]Checked and not seen:[/] "
            + ", ".join(markup_text(f.title.lower()) for f in ok)
            + "."
        )
    if not_judged:
        out.print(
            f"[dim]Not judged from this clip: "
            f"{', '.join(markup_text(f.title.lower()) for f in not_judged)}.[/]"
        )
    out.print(f"[dim]{HEALTH_NOTE}[/]")
