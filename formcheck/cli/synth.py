"""``formcheck synth``: render a synthetic runner with known ground truth."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from formcheck.cli._app import app, err_console
from formcheck.synth import PRESETS, SceneParams, write_clip


@app.command()
def synth(
    out: Annotated[
        Path,
        typer.Argument(
            help="Output video (.mp4); ground truth goes to <name>.truth.json."
        ),
    ],
    preset: Annotated[
        str, typer.Option(help=f"Runner preset: {', '.join(PRESETS)}.")
    ] = "good_form",
    cadence: Annotated[float | None, typer.Option(help="Steps per minute.")] = None,
    speed: Annotated[float | None, typer.Option(help="Running speed, m/s.")] = None,
    lean: Annotated[
        float | None, typer.Option(help="Whole-body lean from the ankles, degrees.")
    ] = None,
    hip_bend: Annotated[
        float | None, typer.Option(help="Forward bend at the hips, degrees.")
    ] = None,
    head_pitch: Annotated[
        float | None, typer.Option(help="Head tilted down, degrees.")
    ] = None,
    shoulder_elevation: Annotated[
        float | None, typer.Option(help="Shoulders raised, leg lengths.")
    ] = None,
    overstride: Annotated[
        float | None, typer.Option(help="Ankle ahead of hip at landing, leg lengths.")
    ] = None,
    foot_angle: Annotated[
        float | None, typer.Option(help="Foot angle at landing, degrees (toes up +).")
    ] = None,
    facing: Annotated[
        str, typer.Option(help="Screen direction the runner faces: left or right.")
    ] = "right",
    overground: Annotated[
        bool,
        typer.Option(
            "--overground", help="Run over the ground instead of a treadmill."
        ),
    ] = False,
    static_camera: Annotated[
        bool,
        typer.Option("--static-camera", help="Overground: do not pan with the runner."),
    ] = False,
    width: Annotated[int, typer.Option(help="Frame width, px (even).")] = 640,
    height: Annotated[int, typer.Option(help="Frame height, px (even).")] = 480,
    fps: Annotated[float, typer.Option(help="Frames per second.")] = 30.0,
    duration: Annotated[float, typer.Option(help="Seconds.")] = 4.0,
    runner_height: Annotated[
        float, typer.Option(help="Runner height as a fraction of frame height.")
    ] = 0.72,
    noise: Annotated[
        float, typer.Option(help="Gaussian pixel noise sigma (0-255).")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    background: Annotated[
        str,
        typer.Option(
            help="plain (a wall, few features) or textured (a street with corners "
            "a camera tracker can follow)."
        ),
    ] = "plain",
    camera: Annotated[
        str,
        typer.Option(
            help="auto (treadmill: static; overground: locked, or static with "
            "--static-camera), static, locked (the hips stay centred) or follow "
            "(overground: pans after the runner with lag and overshoot)."
        ),
    ] = "auto",
    zoom: Annotated[
        float, typer.Option(help="Zoom per second (0.05: 5 %/s in; negative: out).")
    ] = 0.0,
    shake: Annotated[
        float, typer.Option(help="Handheld shake, px RMS (smooth, 1-8 Hz).")
    ] = 0.0,
    roll: Annotated[float, typer.Option(help="Slow camera roll, peak degrees.")] = 0.0,
    tilt: Annotated[
        float, typer.Option(help="Slow vertical drift of the aim, peak px.")
    ] = 0.0,
    slowmo: Annotated[
        float,
        typer.Option(
            help="Slow motion: capture at fps x slowmo per real second, write at "
            "--fps (the file plays slowmo times slower; --duration is real time)."
        ),
    ] = 1.0,
) -> None:
    """Render a side-view runner with known kinematics and write its ground truth."""
    if preset not in PRESETS:
        raise typer.BadParameter(
            f"must be one of {', '.join(PRESETS)}", param_hint="--preset"
        )
    overrides = {
        "cadence_spm": cadence,
        "speed_mps": speed,
        "lean_deg": lean,
        "hip_bend_deg": hip_bend,
        "head_pitch_deg": head_pitch,
        "shoulder_elevation_ll": shoulder_elevation,
        "overstride_ll": overstride,
        "foot_angle_ic_deg": foot_angle,
    }
    try:
        runner = replace(
            PRESETS[preset],
            seed=seed,
            **{k: v for k, v in overrides.items() if v is not None},
        )
        scene = SceneParams(
            width=width,
            height=height,
            fps=fps,
            duration_s=duration,
            facing=facing,
            treadmill=not overground,
            pan=not static_camera,
            runner_height_frac=runner_height,
            noise_sigma=noise,
            seed=seed,
            background=background,
            camera=camera,
            zoom_per_s=zoom,
            shake_px=shake,
            roll_deg=roll,
            tilt_px=tilt,
            slowmo=slowmo,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    clip = write_clip(out, runner, scene)
    slow = f", {scene.slowmo:g}x slow motion" if scene.slowmo > 1 else ""
    err_console.print(
        f"wrote {clip.video_path} ({scene.n_frames} frames{slow}) and {clip.truth_path}"
    )
