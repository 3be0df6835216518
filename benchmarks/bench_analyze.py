"""Time ``formcheck analyze`` against the plain loop a user would write, in one run.

The plain loop is what a user writes from the MediaPipe docs: ``cv2.VideoCapture``,
``cvtColor`` to RGB, ``mp.Image``, ``detect_for_video`` with the same model file (VIDEO
mode, ``num_poses=1``, default confidences), keeping every result. formcheck runs with
its defaults (the report prints the ``num_poses`` it uses). It is timed in-process
(:func:`formcheck.pipeline.track_poses`) and as the CLI ``formcheck analyze CLIP
--quiet`` (wall time of a fresh process, including interpreter start, imports and model
verification).

Each in-process measurement runs in its own worker process, so neither method inherits
the other's heap (freed frames stay resident in glibc arenas) or warmed-up state; the
timer covers only the call, not the worker's start and imports.

Speed targets are ratios measured in one run on one machine, so they mean the same on a
laptop and on a busy CI runner; they never go into timed tests.

Example:
    $ .venv/bin/python benchmarks/bench_analyze.py              # 10 s 1080p30 clip
    $ .venv/bin/python benchmarks/bench_analyze.py --repeats 5 --clip my_run.mp4
"""

from __future__ import annotations

import argparse
import json
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
from fractions import Fraction
from pathlib import Path

#: Acceptance target: formcheck's wall time / the plain loop's wall time.
TARGET_RATIO = 0.75

#: Bit rate of phone 1080p30 H.264 recordings (iPhone and most Androids: 16-20 Mbit/s).
PHONE_MBIT_S = 16.0

#: Temporal film grain (FFmpeg ``noise`` filter strength, 0-100) added before the
#: re-encode. Without it the flat synthetic picture cannot use a phone's bit rate and
#: decodes several times faster than real footage.
GRAIN_STRENGTH = 12

_WORKERS = ("plain", "track_poses", "track_poses_1")


@dataclass(frozen=True)
class Sample:
    """One timed run of one method.

    Attributes:
        wall_s: elapsed time.
        cpu_s: user + system CPU time of all its threads (work spread over two cores
            shows as ``cpu_s > wall_s``).
        peak_rss_mb: peak resident memory of the process doing the work.
        frames, detected: frames analysed and frames with a person; ``None`` for the
            CLI, which does not report them with ``--quiet``.
    """

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    frames: int | None = None
    detected: int | None = None


@dataclass
class Method:
    """One way of analysing the clip, and its samples."""

    name: str
    run: Callable[[], Sample]
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


# --------------------------------------------------------------------------- methods


def plain_loop(clip: Path, model_path: Path) -> tuple[int, int]:
    """The loop a user would write; returns ``(frames, frames with a person)``.

    Naive (no threads, no downscaling) but not wasteful: it keeps the landmarks, as any
    real use must, and nothing more.
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
                ms = int(cap.get(cv2.CAP_PROP_POS_MSEC)) or round(
                    len(poses) * 1000 / fps
                )
                ms = max(ms, last_ms + 1)  # MediaPipe needs strictly increasing times
                last_ms = ms
                result = landmarker.detect_for_video(image, ms)
                poses.append(result.pose_landmarks)
    finally:
        cap.release()
    return len(poses), sum(1 for p in poses if p)


def formcheck_track_poses(
    clip: Path, variant: str, num_poses: int | None = None
) -> tuple[int, int]:
    """``track_poses`` as a library user calls it (``num_poses=None``: formcheck's
    default, which looks for several people to pick the runner)."""
    import numpy as np

    from formcheck.pipeline import track_poses

    run = track_poses(clip, variant=variant, num_poses=num_poses)
    return len(run.track), int(np.count_nonzero(run.track.detected))


def _peak_rss_mb() -> float:
    """Peak RSS of this process since exec. ``VmHWM`` rather than ``ru_maxrss``: on
    Linux a child started by vfork/exec inherits its parent's ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, else KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def _forkserver_cpu_s() -> float:
    """CPU seconds of multiprocessing's forkserver and its finished children (Linux;
    0 if there is none): formcheck's worker processes are its children, not ours."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)  # no public API
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14-17 of /proc/PID/stat (utime stime cutime cstime), 1-based; the split
    # above starts at field 3.
    ticks = sum(int(x) for x in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _children_rss_mb() -> float:
    """Upper bound on the memory of the worker processes this process waited for:
    the largest one's peak RSS times how many may run at once (0 if none ran).
    Forked workers share the parent's pages until written, so this overcounts."""
    scale = 1 if sys.platform == "darwin" else 1024
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale / 1024
    if peak == 0:
        return 0.0
    from formcheck.pipeline import default_workers

    return peak * default_workers()


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def worker(method: str, clip: Path, variant: str, out: Path) -> None:
    """Run one in-process method once in this (fresh) process; write a Sample as JSON."""
    import cv2  # noqa: F401  (imports are not what we time)
    import mediapipe  # noqa: F401

    from formcheck import models, pipeline  # noqa: F401

    model_path = models.resolve_model(variant)  # hashes the model; formcheck caches it
    if method == "plain":
        job = lambda: plain_loop(clip, model_path)  # noqa: E731
    elif method == "track_poses_1":
        job = lambda: formcheck_track_poses(clip, variant, num_poses=1)  # noqa: E731
    else:
        job = lambda: formcheck_track_poses(clip, variant)  # noqa: E731
    cpu0 = _own_cpu_s() + _forkserver_cpu_s()
    t0 = time.perf_counter()
    frames, detected = job()
    wall = time.perf_counter() - t0
    # With formcheck's pose worker processes (children of multiprocessing's
    # forkserver, which has reaped them by now).
    cpu = _own_cpu_s() + _forkserver_cpu_s() - cpu0
    sample = Sample(wall, cpu, _peak_rss_mb() + _children_rss_mb(), frames, detected)
    out.write_text(json.dumps(sample.__dict__))


def run_worker(method: str, clip: Path, variant: str, scratch: Path) -> Sample:
    out = scratch / f"{method}.json"
    cmd = [
        sys.executable, __file__, "--worker", method, "--clip", str(clip),
        "--variant", variant, "--worker-out", str(out),
    ]  # fmt: skip
    _check(subprocess.run(cmd, capture_output=True, text=True, check=False), cmd)
    return Sample(**json.loads(out.read_text()))


# Runs a command and reports its wall time, CPU time and peak RSS. The launcher is a
# small process, so the RUSAGE_CHILDREN peak it sees is the CLI's, not ours.
_LAUNCHER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
code = subprocess.run(sys.argv[2:]).returncode
wall = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as fh:
    json.dump({"wall": wall, "cpu": u.ru_utime + u.ru_stime, "kib": u.ru_maxrss}, fh)
sys.exit(code)
"""


#: The plain loop as the script a user would run: same code as :func:`plain_loop`.
_PLAIN_SCRIPT = """
import sys
import cv2
import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision

clip, model = sys.argv[1], sys.argv[2]
options = vision.PoseLandmarkerOptions(
    base_options=BaseOptions(model_asset_path=model),
    running_mode=vision.RunningMode.VIDEO,
    num_poses=1,
)
poses = []
cap = cv2.VideoCapture(clip)
fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
last_ms = -1
with vision.PoseLandmarker.create_from_options(options) as landmarker:
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        ms = int(cap.get(cv2.CAP_PROP_POS_MSEC)) or round(len(poses) * 1000 / fps)
        ms = max(ms, last_ms + 1)
        last_ms = ms
        poses.append(landmarker.detect_for_video(image, ms).pose_landmarks)
cap.release()
print(len(poses), sum(1 for p in poses if p))
"""


def run_plain_script(clip: Path, model_path: Path, scratch: Path) -> Sample:
    """The plain loop as a script in a fresh interpreter, timed like the CLI."""
    script = scratch / "plain_loop.py"
    script.write_text(_PLAIN_SCRIPT)
    return _launch([sys.executable, str(script), str(clip), str(model_path)], scratch)


def _launch(cmd: list[str], scratch: Path) -> Sample:
    out = scratch / "launch.json"
    launch = [sys.executable, "-c", _LAUNCHER, str(out), *cmd]
    _check(subprocess.run(launch, capture_output=True, text=True, check=False), cmd)
    usage = json.loads(out.read_text())
    return Sample(usage["wall"], usage["cpu"], usage["kib"] / 1024)


def run_cli(clip: Path, variant: str, scratch: Path) -> Sample:
    """``formcheck analyze CLIP --quiet`` in a fresh interpreter, timed from outside."""
    exe = shutil.which("formcheck", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "formcheck"]
    cmd += ["analyze", str(clip), "--quiet", "--model-variant", variant]
    return _launch(cmd, scratch)


def _check(proc: subprocess.CompletedProcess, cmd: list[str]) -> None:
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
        )


# --------------------------------------------------------------------------- the clip


def render_clip(directory: Path, duration_s: float, mbit_s: float) -> Path:
    """A synthetic 1080p30 runner clip; re-encoded at ``mbit_s`` with grain if > 0."""
    from formcheck.synth import SceneParams, write_clip

    clean = directory / "runner_1080p30_clean.mp4"
    scene = SceneParams(width=1920, height=1080, fps=30.0, duration_s=duration_s)
    print(f"rendering a {duration_s:g} s 1920x1080 30 fps synthetic runner ...")
    t0 = time.perf_counter()
    write_clip(clean, scene=scene)
    print(f"  {time.perf_counter() - t0:.1f} s")
    if mbit_s <= 0:
        return clean
    phone = directory / "runner_1080p30.mp4"
    print(
        f"re-encoding at {mbit_s:g} Mbit/s with film grain, like a phone recording ..."
    )
    t0 = time.perf_counter()
    reencode_with_grain(clean, phone, mbit_s)
    print(f"  {time.perf_counter() - t0:.1f} s")
    clean.unlink()
    return phone


def reencode_with_grain(src: Path, dst: Path, mbit_s: float) -> None:
    """H.264 High profile (CABAC, like phones) at a constant ``mbit_s``, with grain."""
    import av
    from av.filter import Graph

    rate = int(mbit_s * 1e6)
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = inp.streams.video[0]
        stream.thread_type = "AUTO"
        fps = stream.average_rate or Fraction(30)
        enc = out.add_stream("libx264", rate=fps)
        enc.width, enc.height, enc.pix_fmt = stream.width, stream.height, "yuv420p"
        time_base = enc.time_base = 1 / fps  # the muxer changes enc.time_base later
        enc.bit_rate = rate
        enc.options = {
            "preset": "veryfast",
            "maxrate": str(rate),
            "bufsize": str(2 * rate),
            "bf": "0",  # phones rarely use B-frames
        }
        graph = Graph()
        source = graph.add_buffer(template=stream)
        grain = graph.add("noise", f"alls={GRAIN_STRENGTH}:allf=t")
        sink = graph.add("buffersink")
        source.link_to(grain)
        grain.link_to(sink)
        graph.configure()
        for i, frame in enumerate(inp.decode(stream)):
            graph.push(frame)
            grainy = graph.pull()
            grainy.pts, grainy.time_base = i, time_base
            for packet in enc.encode(grainy):
                out.mux(packet)
        for packet in enc.encode(None):
            out.mux(packet)


# --------------------------------------------------------------------------- report


def _versions() -> str:
    from importlib.metadata import version

    pkgs = ("mediapipe", "av", "opencv-contrib-python", "numpy")
    found = []
    for pkg in pkgs:
        try:
            found.append(f"{pkg} {version(pkg)}")
        except Exception:  # noqa: BLE001  (not installed under this name)
            continue
    return f"python {platform.python_version()}, " + ", ".join(found)


def _machine_busy_s() -> float | None:
    """CPU seconds all processes have used since boot (Linux), else None."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    # guest time is already counted in user time
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    return _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN)


def _formcheck_setup() -> str:
    """How formcheck runs MediaPipe by default, in words."""
    from formcheck import config, pipeline

    most = config.DEFAULT.select.max_people
    every = config.DEFAULT.select.census_every_s
    return (
        f"{pipeline.default_workers()} worker process(es); tracks 1 person while a "
        f"second detector counts up to {most} people every {every:g} s"
    )


def report(
    methods: list[Method], clip: Path, repeats: int, others: float | None
) -> None:
    """Print the context, the table, the sanity counts and the verdict."""
    from formcheck.video import probe

    info = probe(clip)
    plain, plain_script, same_work, in_process, cli = methods
    frames = plain.samples[-1].frames or info.n_frames
    mbit = clip.stat().st_size * 8 / 1e6 / max(info.duration_s, 1e-9)
    print()
    print(f"date      {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine   {platform.machine()} {platform.system()}, {os.cpu_count()} cores")
    print(f"software  {_versions()}")
    print(
        f"clip      {clip.name}: {info.width}x{info.height} {info.fps:g} fps, "
        f"{frames} frames, {info.codec}, {mbit:.1f} Mbit/s"
    )
    print(f"repeats   {repeats} (order alternated; medians shown)")
    print()
    header = (
        f"{'method':<36} {'total s':>8} {'ms/frame':>9} {'vs plain':>9} "
        f"{'best s':>7} {'CPU s':>7} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    base = plain.median("wall_s")
    for m in methods:
        wall = m.median("wall_s")
        print(
            f"{m.name:<36} {wall:>8.2f} {wall / frames * 1000:>9.1f} "
            f"{wall / base:>8.2f}x {min(s.wall_s for s in m.samples):>7.2f} "
            f"{m.median('cpu_s'):>7.1f} "
            f"{max(s.peak_rss_mb for s in m.samples):>12.0f}"
        )
    print()
    print("  total s, CPU s: medians; best s: fastest run; CPU s counts all threads.")
    print(
        "  CLI: wall time of a fresh process (interpreter start, imports, model check,"
    )
    print("  decode, detect, metrics).")
    print("  vs plain: against the in-process plain loop; the CLI's verdict below is")
    print("  against the plain loop run as a script, both paying start-up and imports.")
    print(f"  MediaPipe: plain loop num_poses=1; formcheck {_formcheck_setup()}")
    p, f = plain.samples[-1], in_process.samples[-1]
    print(
        f"  detections: plain loop {p.detected}/{p.frames} frames, formcheck "
        f"{f.detected}/{f.frames} (formcheck keeps only plausible full-body people)"
    )
    if others is not None:
        noisy = " -- ratios are noisier than on an idle machine" if others > 0.1 else ""
        print(
            f"  other processes used {others:.0%} of the machine's CPU meanwhile{noisy}"
        )
    print()
    verdicts = []
    pairs = ((same_work, plain), (in_process, plain), (cli, plain_script))
    for m, ref in pairs:
        ratio = m.median("wall_s") / ref.median("wall_s")
        ok = "met" if ratio <= TARGET_RATIO else "NOT met"
        verdicts.append(f"{m.name} vs {ref.name}: {ratio:.2f}x ({ok})")
    print(f"verdict (target <= {TARGET_RATIO:.2f}x):")
    for line in verdicts:
        print(f"  {line}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time `formcheck analyze` against a plain cv2 + MediaPipe loop.",
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
        help="seconds of synthetic clip (default %(default)g)",
    )
    parser.add_argument(
        "--bitrate",
        type=float,
        default=PHONE_MBIT_S,
        help="Mbit/s to re-encode the synthetic clip at, with film grain, like a phone "
        "recording; 0 keeps the clean render (~0.5 Mbit/s) (default %(default)g)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs of each method, order alternated; medians reported (default 1)",
    )
    parser.add_argument(
        "--variant",
        choices=("lite", "full", "heavy"),
        default="full",
        help="pose model for both methods (default %(default)s)",
    )
    parser.add_argument("--worker", choices=_WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.duration <= 0:
        parser.error("--duration must be positive")
    if args.worker and not (args.clip and args.worker_out):
        parser.error("--worker needs --clip and --worker-out")
    return args


def benchmark(args: argparse.Namespace, clip: Path, scratch: Path) -> None:
    from formcheck import models

    model_path = models.resolve_model(args.variant)  # fetch now, not while timing
    for path in (clip, model_path):
        path.read_bytes()  # into the page cache, so no method pays for the disk
    busy0, ours0, t0 = _machine_busy_s(), _own_cpu_s(), time.perf_counter()
    methods = [
        Method(
            "plain loop (cv2 + detect_for_video)",
            lambda: run_worker("plain", clip, args.variant, scratch),
        ),
        Method(
            "plain loop as a script (fresh process)",
            lambda: run_plain_script(clip, model_path, scratch),
        ),
        Method(
            "formcheck track_poses, 1 person (same work)",
            lambda: run_worker("track_poses_1", clip, args.variant, scratch),
        ),
        Method(
            "formcheck track_poses (in-process)",
            lambda: run_worker("track_poses", clip, args.variant, scratch),
        ),
        Method(
            "formcheck analyze --quiet (CLI)",
            lambda: run_cli(clip, args.variant, scratch),
        ),
    ]
    for r in range(args.repeats):
        # Alternate the order so slow drift (thermal, other load) hits all sides.
        order = methods if r % 2 == 0 else methods[::-1]
        for m in order:
            print(f"run {r + 1}/{args.repeats}: {m.name} ...", end=" ", flush=True)
            m.samples.append(m.run())
            print(f"{m.samples[-1].wall_s:.2f} s", flush=True)
    others = None  # share of the machine's CPU that other processes used meanwhile
    if busy0 is not None:
        other_cpu = (_machine_busy_s() - busy0) - (_own_cpu_s() - ours0)
        capacity = (time.perf_counter() - t0) * (os.cpu_count() or 1)
        others = max(other_cpu, 0.0) / capacity
    report(methods, clip, args.repeats, others)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.clip is not None and not args.clip.is_file():
        print(f"error: no such file: {args.clip}", file=sys.stderr)
        return 2
    if args.worker:
        worker(args.worker, args.clip, args.variant, args.worker_out)
        return 0
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        scratch = Path(tmp)
        clip = args.clip or render_clip(scratch, args.duration, args.bitrate)
        benchmark(args, clip, scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
