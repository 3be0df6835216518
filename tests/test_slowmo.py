"""Slow-motion playback: a clip shared at a normal frame rate that plays N times
slower than real life.

A rendered treadmill runner (exact truth: 172 steps/min) is rendered at 120 fps and
its frames written as a 30 fps file, which plays 4x slower, as a phone's slow motion
conformed to 30 fps does. Without being told, formcheck must not coach it as a walker
with running metrics: it says the clip looks slowed. With ``--slowmo 4`` every time
is real time again and the cadence is the runner's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import Analysis, ViewOverrides, analyze_run
from formcheck.gait.view import _looks_slowed


@pytest.mark.parametrize(
    ("votes", "slowed"),
    [
        ([(-2.0, "cadence 88 spm"), (1.0, "swing knee"), (1.0, "elbows")], True),
        # A walker: the time-free cues say walking too.
        ([(-2.0, "cadence 110 spm"), (-1.0, "swing knee"), (-1.0, "elbows")], False),
        ([(-2.0, "cadence 110 spm"), (1.0, "swing knee"), (-1.0, "elbows")], False),
        # Only one time-free cue measured (not a side view): not enough to say.
        ([(-2.0, "cadence 88 spm"), (1.0, "elbows")], False),
        ([(2.0, "cadence 170 spm"), (1.0, "swing knee"), (1.0, "elbows")], False),
    ],
)
def test_slow_motion_is_suspected_only_when_every_time_free_cue_says_running(
    votes, slowed
):
    assert _looks_slowed(votes) is slowed


def _analysis_of_sample(stretch: float, given: float | None = None) -> Analysis:
    """The rendered sample's landmarks, without MediaPipe: the truth file's exact
    landmarks, in a pose run whose clock is stretched ``stretch`` times, analysed
    with ``--slowmo given`` (default: the true factor)."""
    from formcheck.pipeline import ModelInfo, PoseRun
    from formcheck.pose.track import PoseTrack
    from formcheck.video import VideoInfo

    truth = json.loads(
        (
            Path(__file__).parent.parent / "sample_videos" / "good_form.truth.json"
        ).read_text()
    )
    xy = np.asarray(truth["frames"]["landmarks"], np.float32)
    n = len(xy)
    track = PoseTrack.allocate(n, truth["video"]["width"], truth["video"]["height"])
    track.frame_index[:] = np.arange(n)
    track.time_s[:] = np.asarray(truth["frames"]["time_s"]) * stretch
    track.xy[:] = xy
    track.z[:] = 0.0
    track.visibility[:] = 1.0
    track.presence[:] = 1.0
    track.detected[:] = True
    fps = truth["video"]["fps"] / stretch
    video = VideoInfo(
        "x.mp4", track.width, track.height, fps, n, n / fps, 0, "h264", False
    )
    run = PoseRun(video, ModelInfo("full", "0" * 64, "m"), track, None, {})
    slowmo = stretch if given is None else given
    return analyze_run(run, overrides=ViewOverrides(slowmo=slowmo))


@pytest.mark.parametrize("slowmo", [1.0, 2.0, 4.0])
def test_given_slowmo_puts_every_time_in_real_time(slowmo):
    """The same landmarks on a 1x, 2x and 4x stretched clock, with the factor given,
    measure the same runner."""
    real = _analysis_of_sample(1.0)
    slowed = _analysis_of_sample(slowmo)
    assert slowed.view.activity == "running"
    assert slowed.summary["cadence_spm"] == pytest.approx(
        real.summary["cadence_spm"], rel=0.01
    )
    assert [e.frame for e in slowed.events] == [e.frame for e in real.events]
    contact = slowed.summary["metrics"]["contact_time_s"]["value"]
    assert contact == pytest.approx(
        real.summary["metrics"]["contact_time_s"]["value"], rel=0.02
    )
    assert slowed.video_time_s(slowed.clean.time_s[-1]) == pytest.approx(
        real.clean.time_s[-1] * slowmo
    )


def test_slowed_clock_without_the_factor_is_flagged_not_coached():
    slowed = _analysis_of_sample(4.0, given=1.0)
    assert slowed.view.activity != "running"
    assert slowed.view.slowed_cadence_spm is not None
    note = next(n for n in slowed.notes if "slow motion" in n)
    assert "--slowmo" in note
    assert not any("This looks like walking" in n for n in slowed.notes)


def _slowed_render(tmp_path: Path, factor: int) -> tuple[Path, dict]:
    """A treadmill runner rendered at 30*factor fps, written as a 30 fps file."""
    import av

    fast = tmp_path / "fast.mp4"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "formcheck",
            "synth",
            str(fast),
            "--fps",
            str(30 * factor),
        ]
        + ["--duration", "3"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    truth = json.loads(fast.with_suffix(".truth.json").read_text())
    slow = tmp_path / "slow.mp4"
    with av.open(str(fast)) as src, av.open(str(slow), "w") as dst:
        stream = dst.add_stream("libx264", rate=30)
        stream.width = src.streams.video[0].width
        stream.height = src.streams.video[0].height
        stream.pix_fmt = "yuv420p"
        for frame in src.decode(video=0):
            image = frame.to_ndarray(format="rgb24")
            dst.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        dst.mux(stream.encode(None))
    return slow, truth


@pytest.mark.slow
def test_a_rendered_4x_slow_motion_clip_end_to_end(tmp_path):
    """MediaPipe on the 4x slowed render: flagged as slowed without the option,
    the runner's own cadence (within 1 %) with ``--slowmo 4``."""
    clip, truth = _slowed_render(tmp_path, 4)
    reports = {}
    for slowmo in ("1", "4"):
        out = tmp_path / f"r{slowmo}.json"
        proc = subprocess.run(
            [sys.executable, "-m", "formcheck", "analyze", str(clip), "--quiet"]
            + ["--json", str(out), "--slowmo", slowmo],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        reports[slowmo] = json.loads(out.read_text())
    plain, told = reports["1"], reports["4"]
    assert plain["view"]["activity"] != "running"
    assert any("slow motion" in n and "--slowmo" in n for n in plain["capture_notes"])
    assert told["view"]["activity"] == "running"
    assert told["playback"] == {"slowmo": 4.0}
    assert told["summary"]["cadence_spm"] == pytest.approx(
        truth["runner"]["cadence_spm"], rel=0.01
    )
