"""Time ``formcheck analyze`` against the plain loop a user would write, in one run.

The plain loop is what a user writes from the MediaPipe docs: ``cv2.VideoCapture``,
``cvtColor`` to RGB, ``mp.Image``, ``detect_for_video`` on the same model file with the
same options as formcheck (VIDEO mode, one pose, default confidences), keeping every
result. formcheck is timed in-process (:func:`formcheck.pipeline.track_poses`) and as
the CLI subprocess ``formcheck analyze CLIP --quiet`` (wall time including interpreter
start and model verification).

Speed targets are ratios measured in the same run on the same machine, so they mean
the same thing on a laptop and on a loaded CI runner; they never go into timed tests.

Example:
    $ .venv/bin/python benchmarks/bench_analyze.py                  # 10 s 1080p30 clip
    $ .venv/bin/python benchmarks/bench_analyze.py --repeats 3 --clip my_run.mp4
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from formcheck import models
from formcheck.pipeline import track_poses
from formcheck.synth import SceneParams, write_clip
from formcheck.video import VideoInfo, probe

#: Acceptance target: formcheck's time / the plain loop's time.
TARGET_RATIO = 0.75


@dataclass
class Method:
    """One way of analysing the clip, and what its runs measured.

    Attributes:
        name: label in the table.
        run: does the whole job once; returns ``(frames analysed, frames with a
            person)``, or ``None`` when it cannot tell (the CLI).
        seconds: wall time of each run.
        frames, detected: from the last run.
        note: shown under the table.
    """

    name: str
    run: Callable[[], tuple[int, int] | None]
    seconds: list[float] = field(default_factory=list)
    frames: int | None = None
    detected: int | None = None
    note: str = ""

    def time_once(self) -> None:
        start = time.perf_counter()
        counts = self.run()
        self.seconds.append(time.perf_counter() - start)
        if counts is not None:
            self.frames, self.detected = counts

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


# --------------------------------------------------------------------------- methods


def plain_loop(clip: Path, model_path: Path) -> tuple[int, int]:
    """The loop a user would write; returns ``(frames, frames with a person)``.

    Deliberately naive (no threads, no downscaling) but not wasteful: it keeps the
    landmarks, as any real use must, and nothing more.
    """
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    poses = []
    cap = cv2.VideoCapture(str(clip))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        last_ms = -1
        with vision.PoseLandmarker.create_from_options(options) as landmarker:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
                ms = int(cap.get(cv2.CAP_PROP_POS_MSEC)) or int(len(poses) * 1000 / fps)
                ms = max(ms, last_ms + 1)  # MediaPipe needs strictly increasing times
                last_ms = ms
                result = landmarker.detect_for_video(image, ms)
                poses.append(result.pose_landmarks)
    finally:
        cap.release()
    return len(poses), sum(1 for p in poses if p)


def formcheck_in_process(clip: Path, variant: str) -> tuple[int, int]:
    """``track_poses`` as a library user calls it."""
    run = track_poses(clip, variant=variant)
    return len(run.track), int(np.count_nonzero(run.track.detected))


def formcheck_cli(clip: Path, variant: str) -> None:
    """``formcheck analyze CLIP --quiet`` in a fresh interpreter."""
    exe = shutil.which("formcheck", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "formcheck"]
    cmd += ["analyze", str(clip), "--quiet", "--model-variant", variant]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-2000:]}"
        )
    return None


# --------------------------------------------------------------------------- setup


def render_clip(directory: Path, duration_s: float) -> Path:
    """A synthetic 1080p30 runner clip in ``directory``."""
    path = directory / "runner_1080p30.mp4"
    scene = SceneParams(width=1920, height=1080, fps=30.0, duration_s=duration_s)
    print(
        f"rendering a {duration_s:g} s 1920x1080 30 fps synthetic clip ...", flush=True
    )
    start = time.perf_counter()
    write_clip(path, scene=scene)
    print(f"  done in {time.perf_counter() - start:.1f} s: {path}", flush=True)
    return path


def warm_up(clip: Path, model_path: Path) -> None:
    """Load the native libraries, the model and the clip into memory once, untimed,
    so neither method pays a first-run cost the other does not."""
    import cv2  # noqa: F401
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    clip.read_bytes()
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        blank = np.zeros((64, 64, 3), np.uint8)
        landmarker.detect_for_video(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=blank), 0
        )


# --------------------------------------------------------------------------- report


def _versions() -> str:
    import av
    import cv2
    import mediapipe

    return (
        f"python {platform.python_version()}, mediapipe {mediapipe.__version__}, "
        f"av {av.__version__}, opencv {cv2.__version__}"
    )


def report(methods: list[Method], info: VideoInfo, clip: Path, repeats: int) -> None:
    """Print the table, the sanity counts, memory and the verdict."""
    plain, in_process, cli = methods
    frames = plain.frames or info.n_frames
    mbit = clip.stat().st_size * 8 / 1e6 / max(info.duration_s, 1e-9)
    print()
    print(f"date      {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(
        f"machine   {platform.machine()}, {os.cpu_count()} cores, {platform.system()}"
    )
    print(f"software  {_versions()}")
    print(
        f"clip      {clip.name}: {info.width}x{info.height} {info.fps:g} fps, "
        f"{frames} frames, {info.codec}, {mbit:.1f} Mbit/s"
    )
    print(f"repeats   {repeats} (order alternated; median shown)")
    print()
    header = f"{'method':<34} {'total s':>8} {'ms/frame':>9} {'vs plain':>9}"
    print(header)
    print("-" * len(header))
    for m in methods:
        s = m.median_s
        print(
            f"{m.name:<34} {s:>8.2f} {s / frames * 1000:>9.1f} "
            f"{s / plain.median_s:>8.2f}x"
        )
    print()
    for m in methods:
        if m.note:
            print(f"  {m.name}: {m.note}")
    print(
        f"  detections: plain loop {plain.detected}/{plain.frames} frames, "
        f"formcheck {in_process.detected}/{in_process.frames} "
        "(formcheck counts only plausible full-body people)"
    )
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  peak RSS: this process {self_mb:.0f} MB (max over the in-process runs), "
        f"CLI subprocess {child_mb:.0f} MB"
    )
    print()
    verdicts = []
    for m in (in_process, cli):
        ratio = m.median_s / plain.median_s
        verdicts.append(
            f"{m.name.split(' (')[0]} {ratio:.2f}x "
            f"({'met' if ratio <= TARGET_RATIO else 'NOT met'})"
        )
    print(
        f"verdict: target <= {TARGET_RATIO:.2f}x the plain loop: " + "; ".join(verdicts)
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time `formcheck analyze` against a plain cv2 + MediaPipe loop."
    )
    parser.add_argument(
        "--clip",
        type=Path,
        help="video to analyse (default: render a synthetic 1080p30 runner clip)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds of synthetic clip to render when --clip is not given (default 10)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs of each method, order alternated; the median is reported (default 1)",
    )
    parser.add_argument(
        "--variant",
        choices=list(models.MODELS),
        default=models.DEFAULT_VARIANT,
        help="pose model for both methods (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.duration <= 0:
        parser.error("--duration must be positive")
    return args


def run(args: argparse.Namespace, clip: Path) -> None:
    model_path = models.resolve_model(args.variant)  # also caches its SHA-256
    info = probe(clip)
    warm_up(clip, model_path)
    methods = [
        Method(
            "plain loop (cv2 + detect_for_video)", lambda: plain_loop(clip, model_path)
        ),
        Method(
            "formcheck track_poses (in-process)",
            lambda: formcheck_in_process(clip, args.variant),
        ),
        Method(
            "formcheck analyze --quiet (CLI)",
            lambda: formcheck_cli(clip, args.variant),
            note="wall time of a fresh process: interpreter start, imports, model "
            "check, decode, detect, metrics",
        ),
    ]
    for r in range(args.repeats):
        # Alternate the order so slow drift (thermal, other load) hits both sides.
        order = methods if r % 2 == 0 else methods[::-1]
        for m in order:
            print(f"run {r + 1}/{args.repeats}: {m.name} ...", end=" ", flush=True)
            m.time_once()
            print(f"{m.seconds[-1]:.2f} s", flush=True)
    report(methods, info, clip, args.repeats)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.clip is not None:
        if not args.clip.is_file():
            print(f"error: no such file: {args.clip}", file=sys.stderr)
            return 2
        run(args, args.clip)
        return 0
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        run(args, render_clip(Path(tmp), args.duration))
    return 0


if __name__ == "__main__":
    sys.exit(main())
