"""Slow-motion playback: a clip shared at a normal frame rate that plays N times
slower than real life.

A rendered treadmill runner (exact truth: 172 steps/min) is captured at 120 fps and
its frames written as a 30 fps file, which plays 4x slower, as a phone's slow motion
conformed to 30 fps does. Without being told, formcheck must not coach it as a walker:
the clock-free cues say running, the steps say slow motion, the factor is estimated
(within 15 %) and every number measured in time is withheld. With ``--slowmo 4`` every
time is real time again and the cadence is the runner's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import Analysis, ViewOverrides, analyze_run
from formcheck.config import DEFAULT
from formcheck.gait.view import _looks_slowed

_RUN = [(2.0, "hips"), (1.0, "swing knee"), (1.0, "elbows")]


@pytest.mark.parametrize(
    ("free", "cadence", "slowed"),
    [
        (_RUN, 88.0, True),
        # A runner at a slow jog's cadence: real time.
        (_RUN, 135.0, False),
        (_RUN, 170.0, False),
        # A walker: the clock-free cues say walking too.
        ([(-2.0, "hips"), (-1.0, "swing knee"), (-1.0, "elbows")], 110.0, False),
        # The bounce and a joint outvote the elbows: running, and no runner steps
        # at 88 a minute.
        ([(2.0, "hips"), (1.0, "swing knee"), (-1.0, "elbows")], 88.0, True),
        # The bounce not measured (a short clip): knee and elbows both say running.
        ([(1.0, "swing knee"), (1.0, "elbows")], 42.0, True),
        ([(1.0, "swing knee"), (-1.0, "elbows")], 42.0, False),
        # One clock-free cue (not a side view): not enough to say.
        ([(1.0, "elbows")], 42.0, False),
        (_RUN, float("nan"), False),
    ],
)
def test_slow_motion_is_suspected_only_when_every_clock_free_cue_says_running(
    free, cadence, slowed
):
    assert _looks_slowed(free, cadence, DEFAULT.view) is slowed


def _analysis_of_sample(stretch: float, given: float | None | str = "true") -> Analysis:
    """The rendered sample's landmarks, without MediaPipe: the truth file's exact
    landmarks, in a pose run whose clock is stretched ``stretch`` times, analysed
    with ``--slowmo given`` (default: the true factor; None: not given)."""
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
    slowmo = stretch if given == "true" else given
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


def test_slowed_clock_without_the_factor_is_running_with_times_withheld():
    """4x slowed, not told: running (clock-free cues), the factor estimated within
    15 %, steps found where the real-time clip has them, every clocked number
    withheld with the reason, and a note that says how to get them."""
    slowed = _analysis_of_sample(4.0, given=None)
    real = _analysis_of_sample(1.0)
    assert slowed.view.activity == "running"
    assert slowed.view.slowed_cadence_spm is not None
    assert slowed.slowmo_estimated
    assert slowed.slowmo == pytest.approx(4.0, rel=0.15)
    assert len(slowed.events) == len(real.events)
    # The guessed clock is not exactly 4x, so filters differ a little: same steps,
    # each within a frame.
    frames = np.array([e.frame for e in slowed.events])
    assert np.abs(frames - [e.frame for e in real.events]).max() <= 1
    metrics = slowed.summary["metrics"]
    assert slowed.summary["cadence_spm"] is None
    for name in ("cadence_spm", "contact_time_s", "flight_time_s", "step_time_s"):
        assert metrics[name]["value"] is None
        assert "slow motion" in metrics[name]["omitted"]
    # ... in the step table too, so the CSV and plots cannot show them.
    for st in slowed.steps:
        assert np.isnan(st.values["contact_time_s"])
        assert np.isnan(st.values["step_time_s"])
    # Clock-free metrics are measured as in real time.
    for name, tol in (("overstride_ll", 0.02), ("trunk_lean_deg", 0.5)):
        assert metrics[name]["value"] == pytest.approx(
            real.summary["metrics"][name]["value"], abs=tol
        )
    note = next(n for n in slowed.notes if "slow motion" in n)
    assert "--slowmo" in note
    assert not any("This looks like walking" in n for n in slowed.notes)


@pytest.mark.parametrize("given", [1.0, 2.0])
def test_a_clock_given_is_kept_but_a_cadence_no_runner_has_is_not_reported(given):
    """Told 'real time' (or 2x) for a 4x clip: the user's clock is kept, nothing is
    estimated, and no cadence or contact time of a runner stepping 43 (or 86) times
    a minute is reported; the note says what factor would be typical."""
    told = _analysis_of_sample(4.0, given=given)
    assert not told.slowmo_estimated and told.slowmo == given
    assert told.summary["cadence_spm"] is None
    assert told.summary["metrics"]["contact_time_s"]["value"] is None
    note = told.notes[0]
    assert f"({given:g}x)" in note
    likely = float(re.search(r"About ([0-9.]+)x", note).group(1))
    assert likely == pytest.approx(4.0, rel=0.15)


def test_no_slow_motion_is_claimed_for_a_runner_at_a_runners_cadence():
    """Not told, a real-time runner: no factor is estimated, cadence reported."""
    real = _analysis_of_sample(1.0, given=None)
    assert not real.slowmo_estimated and real.slowmo == 1.0
    assert real.view.slowed_cadence_spm is None
    assert real.summary["cadence_spm"] == pytest.approx(172, rel=0.01)


def _slowed_render(tmp_path: Path, factor: int) -> tuple[Path, dict]:
    """A treadmill runner captured at 30*factor fps and written as a 30 fps file
    (5 s of running: cadence within 1 % needs more than a few steps)."""
    slow = tmp_path / "slow.mp4"
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "synth", str(slow)]
        + ["--fps", "30", "--slowmo", str(factor), "--duration", "5"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return slow, json.loads(slow.with_suffix(".truth.json").read_text())


@pytest.mark.slow
def test_a_rendered_4x_slow_motion_clip_end_to_end(tmp_path):
    """MediaPipe on the 4x slowed render: flagged as slowed without the option,
    the runner's own cadence (within 1 %) with ``--slowmo 4``."""
    clip, truth = _slowed_render(tmp_path, 4)
    reports = {}
    for slowmo in ("not given", "4"):
        out = tmp_path / f"r{slowmo}.json"
        option = [] if slowmo == "not given" else ["--slowmo", slowmo]
        proc = subprocess.run(
            [sys.executable, "-m", "formcheck", "analyze", str(clip), "--quiet"]
            + ["--json", str(out), *option],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr
        reports[slowmo] = json.loads(out.read_text())
    plain, told = reports["not given"], reports["4"]
    assert plain["view"]["activity"] == "running"
    assert plain["playback"]["estimated"] is True
    assert plain["playback"]["slowmo"] == pytest.approx(4.0, rel=0.15)
    assert plain["summary"]["cadence_spm"] is None
    assert any("--slowmo" in n and "e.g. 4)" in n for n in plain["capture_notes"])
    assert told["view"]["activity"] == "running"
    assert told["playback"] == {"slowmo": 4.0, "estimated": False}
    assert told["summary"]["cadence_spm"] == pytest.approx(
        truth["runner"]["cadence_spm"], rel=0.01
    )


@pytest.mark.parametrize(
    ("estimate", "fps", "suggested"),
    [
        (1.93, 25.0, "2"),  # a 50 fps capture played at 25 fps
        (3.87, 30.0, "4"),  # 120 fps at 30
        (7.4, 30.0, "8"),  # 240 fps at 30
        (5.3, 30.0, "5.3"),  # no phone capture rate within 20 %: the estimate
    ],
)
def test_the_suggested_factor_is_a_phone_capture_rate_when_one_fits(
    estimate, fps, suggested
):
    from formcheck.analysis import _likely_factor

    assert _likely_factor(estimate, fps) == suggested
