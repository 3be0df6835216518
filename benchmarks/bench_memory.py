"""Peak memory of ``formcheck analyze`` on a short and a long clip, side by side.

Target (issue 10): the peak RSS of a 10-minute 720p clip within 1.2x that of a 10 s
clip, for the main process and for each pose worker; time per frame about the same
(time grows linearly with the clip).

    .venv/bin/python benchmarks/bench_memory.py                  # 10 s vs 10 min, ~6 min
    .venv/bin/python benchmarks/bench_memory.py --long 120       # quicker check

The clips loop a bundled sample runner (``sample_videos/good_form.mp4``), scaled to
960x720 and re-encoded with ffmpeg. Each run is ``formcheck analyze CLIP --quiet --json
--csv --steps-csv`` (the per-frame outputs are what grows with the clip), in a fresh
process. A sampler reads ``VmHWM`` (the kernel's peak resident set) of the CLI process
and of every process under it every 0.1 s; a process's last reading is its peak.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "good_form.mp4"


def make_clip(seconds: float, out: Path) -> Path:
    """Loop the sample runner for ``seconds`` at 960x720, 30 fps (H.264)."""
    if shutil.which("ffmpeg") is None:
        sys.exit("bench_memory.py needs ffmpeg (apt-get install ffmpeg)")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(SAMPLE)]
        + ["-t", f"{seconds}", "-vf", "scale=960:720", "-c:v", "libx264"]
        + ["-preset", "veryfast", "-crf", "26", "-an", str(out)],
        check=True,
    )
    return out


def _peak_kb(proc: psutil.Process) -> int | None:
    try:
        with open(f"/proc/{proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure(clip: Path, workdir: Path) -> dict:
    """Run the CLI on ``clip``; peak RSS (MB) of the main process and its workers."""
    cmd = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--quiet"]
    cmd += ["--json", str(workdir / "r.json"), "--csv", str(workdir / "f.csv")]
    cmd += ["--steps-csv", str(workdir / "s.csv")]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    main = psutil.Process(proc.pid)
    peaks: dict[int, tuple[str, int]] = {}
    while proc.poll() is None:
        try:
            procs = [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            kb = _peak_kb(p)
            if kb is not None:
                role = "main" if p.pid == proc.pid else "worker"
                peaks[p.pid] = (role, max(kb, peaks.get(p.pid, ("", 0))[1]))
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"formcheck failed on {clip}: {err}")
    workers = [kb for role, kb in peaks.values() if role == "worker"]
    frames = _frames(clip)
    return {
        "frames": frames,
        "wall_s": wall,
        "ms_per_frame": 1000 * wall / max(frames, 1),
        "main_mb": peaks.get(proc.pid, ("main", 0))[1] / 1024,
        "worker_mb": max(workers, default=0) / 1024,
    }


def _frames(clip: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0"]
        + ["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(clip)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", type=float, default=10.0, help="short clip, seconds")
    ap.add_argument("--long", type=float, default=600.0, help="long clip, seconds")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-mem-") as tmp:
        tmp = Path(tmp)
        rows = []
        for seconds in (args.short, args.long):
            clip = make_clip(seconds, tmp / f"clip_{seconds:g}s.mp4")
            rows.append((seconds, measure(clip, tmp)))
    print("| clip | frames | main process peak | worker peak | ms/frame |")
    print("|---|---|---|---|---|")
    for seconds, r in rows:
        print(
            f"| {seconds:g} s 960x720 | {r['frames']} | {r['main_mb']:.0f} MB | "
            f"{r['worker_mb']:.0f} MB | {r['ms_per_frame']:.1f} |"
        )
    (_, short), (_, long) = rows
    for key, label in (("main_mb", "main process"), ("worker_mb", "worker")):
        ratio = long[key] / max(short[key], 1e-9)
        verdict = "met" if ratio <= 1.2 else "NOT met"
        print(f"{label} peak RSS, long/short: {ratio:.2f}x (target <= 1.2x: {verdict})")
    ratio = long["ms_per_frame"] / short["ms_per_frame"]
    print(f"time per frame, long/short: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
