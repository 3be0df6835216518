"""Memory of a whole ``formcheck analyze`` run stays flat in the clip's length.

Issue 10: the main process grew from 335 to 665 MB between a 12 s and a 10-minute
clip. Here the whole command runs (decoding in its reader thread, the tracking loop,
runner selection, the analysis, report.json, frames.csv, steps.csv) on a synthetic
stream: a tiny 10 s and a 10-minute H.264 clip, with MediaPipe's inference replaced
by a stand-in that returns a rendered runner's exact landmarks for each frame's time
(18,000 real inferences would take ten minutes). The stand-in loads the real pose
model, as the real detector does with ``--workers 1``, so the process holds what a real
run holds; what MediaPipe holds does not depend on the clip's length, what would grow
is everything formcheck keeps per frame. benchmarks/bench_memory.py measures the real
thing, inference included (README: Speed).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "sample_videos" / "good_form.truth.json"

RUN = """
import json, resource, sys
import numpy as np
from formcheck import models, pipeline
from formcheck.pose.mediapipe_adapter import PoseEstimator, PoseObservation

MODEL = models.resolve_model("full")  # before the model lookup is stubbed below

truth = json.load(open({truth!r}))
LMS = np.asarray(truth["frames"]["landmarks"], np.float32)       # (150, 33, 2)
W, H = truth["video"]["width"], truth["video"]["height"]
FPS = truth["video"]["fps"]


class StandIn:
    # The real model loaded; the rendered runner's exact landmarks at the frame's
    # time, in its pixels, instead of inference.
    def __init__(self, path, num_poses=1):
        self.real = PoseEstimator(MODEL, num_poses=num_poses)
    def __enter__(self):
        self.real.__enter__()
        return self
    def __exit__(self, *exc):
        return self.real.__exit__(*exc)
    def detect(self, image, time_s):
        h, w = image.shape[:2]
        xy = LMS[int(round(time_s * FPS)) % len(LMS)] * np.float32([w / W, h / H])
        n = len(xy)
        one = np.ones(n, np.float32)
        return [PoseObservation(xy, np.zeros(n, np.float32), one, one,
                                np.zeros((n, 3), np.float32))]


pipeline.PoseEstimator = StandIn
models.resolve_model = lambda *a, **k: {model!r}
models.identify = lambda path: None
models.sha256_of = lambda path: "0" * 64

from formcheck.cli import main
try:
    main(["analyze", {clip!r}, "--quiet", "--workers", "1", "--max-people", "1",
          "--json", {out!r} + "/r.json", "--csv", {out!r} + "/f.csv",
          "--steps-csv", {out!r} + "/s.csv"])
except SystemExit as exc:
    assert not exc.code, exc.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _clip(path: Path, seconds: float) -> Path:
    """A 160x120 30 fps H.264 clip (the stand-in ignores the pixels)."""
    import av
    import numpy as np

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        image = np.zeros((120, 160, 3), np.uint8)
        for k in range(int(seconds * 30)):
            image[:] = k % 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def _peak_rss_kb(tmp_path: Path, seconds: float) -> int:
    out = tmp_path / f"out_{seconds:g}"
    out.mkdir()
    clip = _clip(tmp_path / f"clip_{seconds:g}.mp4", seconds)
    model = tmp_path / "model.task"
    model.write_bytes(b"stand-in")
    code = RUN.format(truth=str(TRUTH), clip=str(clip), out=str(out), model=str(model))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "r.json").stat().st_size > seconds * 30 * 1000  # every frame written
    return int(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_peak_memory_of_a_10_minute_clip_is_within_1_2x_of_10_seconds(tmp_path):
    short = _peak_rss_kb(tmp_path, 10)
    long = _peak_rss_kb(tmp_path, 600)
    assert long <= 1.2 * short, (
        f"10 s: {short / 1024:.0f} MB, 10 min: {long / 1024:.0f} MB"
    )
