"""Clips per minute of ``formcheck batch`` with 1 and with 2 worker processes, in one run.

The clips are the rendered sample videos (640x480, 5 s each), copied ``--copies``
times so there is enough work to share. Each measurement is a fresh ``formcheck batch``
process writing into an empty folder (so nothing is skipped as already done), timed
from outside: interpreter start, worker start-up, analysis, every output, the summary
and the history database. The order of the two settings alternates between repeats.

Speed targets are ratios measured in one run on one machine; they never go into timed
tests.

Example:
    $ .venv/bin/python benchmarks/bench_batch.py                 # 10 clips, 1 repeat
    $ .venv/bin/python benchmarks/bench_batch.py --copies 4 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
#: Acceptance target: clips/minute with 2 workers / with 1 worker, on 2 cores.
TARGET_SPEEDUP = 1.6


def make_clips(folder: Path, copies: int) -> list[Path]:
    clips = []
    for k in range(copies):
        for src in sorted(SAMPLES.glob("*.mp4")):
            dst = folder / f"{src.stem}_{k}.mp4"
            shutil.copy(src, dst)
            clips.append(dst)
    return clips


def time_batch(clips_dir: Path, out: Path, workers: int) -> float:
    cmd = [
        sys.executable, "-m", "formcheck", "batch", str(clips_dir),
        "--out", str(out), "--workers", str(workers), "--quiet",
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr}")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the 5 samples")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    from formcheck import models

    models.resolve_model("full")  # fetch now, not while timing
    walls: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-batch-") as tmp:
        clips_dir = Path(tmp) / "clips"
        clips_dir.mkdir()
        clips = make_clips(clips_dir, args.copies)
        for r in range(args.repeats):
            order = (1, 2) if r % 2 == 0 else (2, 1)
            for workers in order:
                out = Path(tmp) / f"out_{r}_{workers}"
                wall = time_batch(clips_dir, out, workers)
                walls[workers].append(wall)
                print(
                    f"run {r + 1}/{args.repeats}: --workers {workers}: {wall:.1f} s",
                    flush=True,
                )
                shutil.rmtree(out)
    n = len(clips)
    rate = {w: n / statistics.median(v) * 60 for w, v in walls.items()}
    print()
    print(f"date      {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine   {platform.machine()} {platform.system()}, {os.cpu_count()} cores")
    print(
        f"clips     {n} x 5 s 640x480 30 fps (rendered samples), {args.repeats} run(s)"
    )
    print()
    print(f"{'workers':>8} {'median s':>9} {'clips/min':>10}")
    for w in (1, 2):
        print(f"{w:>8} {statistics.median(walls[w]):>9.1f} {rate[w]:>10.1f}")
    speedup = rate[2] / rate[1]
    ok = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
    print()
    print(
        f"speed-up 2 vs 1 workers: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: {ok})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
