"""End to end through the real pipeline (PyAV + MediaPipe) on rendered runners.

The rendered clips have exact ground truth, so these tests check *accuracy*, not just
that the pipeline runs. Tolerances are in leg lengths (hip-to-ankle), so they do not
depend on the resolution.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.gait.view import infer_facing
from formcheck.metrics.posture import trunk_lean
from formcheck.pipeline import track_poses
from formcheck.pose.landmarks import Landmark as L
from formcheck.synth import PRESETS, SceneParams, ground_truth, write_clip
from formcheck.synth.render import iter_frames

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
TORSO = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
LIMBS = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]

pytestmark = pytest.mark.slow


def _errors_ll(track, truth: dict, landmarks) -> np.ndarray:
    """Per-frame error of each landmark in leg lengths, detected frames only."""
    gt = np.array(truth["frames"]["landmarks"])[track.frame_index]
    err = np.linalg.norm(track.xy[:, landmarks] - gt[:, landmarks], axis=-1)
    return err[track.detected] / truth["leg_length_px"]


@pytest.fixture(scope="module")
def good_form_run():
    return track_poses(SAMPLES / "good_form.mp4")


def test_sample_runner_is_found_in_every_frame(good_form_run):
    truth = json.loads((SAMPLES / "good_form.truth.json").read_text())
    track = good_form_run.track
    assert len(track) == truth["video"]["n_frames"]
    assert track.detection_rate >= 0.98
    np.testing.assert_array_equal(track.frame_index, np.arange(len(track)))
    np.testing.assert_allclose(track.time_s, truth["frames"]["time_s"], atol=1e-4)
    assert good_form_run.decode_error is None


def test_sample_landmarks_are_close_to_the_rendered_truth(good_form_run):
    truth = json.loads((SAMPLES / "good_form.truth.json").read_text())
    torso = _errors_ll(good_form_run.track, truth, TORSO)
    limbs = _errors_ll(good_form_run.track, truth, LIMBS)
    # Measured: torso ~0.03, knees/ankles ~0.06-0.09 leg lengths (docs/validation.md).
    assert np.median(torso) < 0.06
    assert np.median(limbs) < 0.12


def test_facing_and_trunk_lean_are_read_from_the_sample(good_form_run):
    track = good_form_run.track
    assert infer_facing(track.xy)[0] == "right"
    # Rendered trunk lean 5 deg; MediaPipe's hip/shoulder points put it within a few.
    assert np.nanmedian(trunk_lean(track.xy, 1.0)) == pytest.approx(5.0, abs=3.0)


def _write_phone_clip(path: Path, scene: SceneParams, runner, rotation_cw: int) -> None:
    """Store upright frames rotated, with a display matrix, as a phone does."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream(
            "libx264", rate=int(scene.fps), options={"preset": "veryfast"}
        )
        stream.width, stream.height, stream.pix_fmt = (
            scene.height,
            scene.width,
            "yuv420p",
        )
        stream.set_display_rotation(
            -rotation_cw
        )  # PyAV takes counter-clockwise degrees
        for i, upright in enumerate(iter_frames(runner, scene)):
            stored = np.ascontiguousarray(np.rot90(upright, k=rotation_cw // 90))
            frame = av.VideoFrame.from_ndarray(stored, "rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


@pytest.mark.parametrize("rotation_cw", [90, 270])
def test_portrait_phone_clip_is_analysed_upright(tmp_path, rotation_cw):
    scene = SceneParams(width=360, height=640, fps=30.0, duration_s=1.5, facing="left")
    runner = PRESETS["good_form"]
    path = tmp_path / "phone.mp4"
    _write_phone_clip(path, scene, runner, rotation_cw)
    run = track_poses(path)
    assert (run.video.width, run.video.height) == (360, 640)
    assert run.video.rotation == rotation_cw
    assert run.track.detection_rate >= 0.9
    truth = ground_truth(runner, scene)
    assert np.median(_errors_ll(run.track, truth, TORSO)) < 0.06
    assert infer_facing(run.track.xy)[0] == "left"


def test_a_frame_without_a_person_is_kept_as_undetected(tmp_path):
    # First half a runner, second half an empty treadmill (runner scaled to nothing).
    scene = SceneParams(duration_s=1.0)
    frames = list(iter_frames(PRESETS["good_form"], scene))
    empty = np.full_like(frames[0], 200)
    path = tmp_path / "half.mp4"
    from formcheck.video_sink import VideoSink

    with VideoSink(path, width=640, height=480, fps=30) as sink:
        for img in frames[:15] + [empty] * 15:
            sink.write(img)
    track = track_poses(path).track
    assert len(track) == 30
    assert track.detected[:15].mean() >= 0.9
    assert not track.detected[16:].any()
    assert np.isnan(track.xy[~track.detected]).all()


def test_parallel_spans_agree_with_one_pass(tmp_path):
    # A clip long enough to be cut into two spans tracked by two worker processes.
    from formcheck.pipeline import MIN_PART_S

    scene = SceneParams(duration_s=2 * MIN_PART_S + 0.5, width=640, height=480)
    clip = tmp_path / "long.mp4"
    write_clip(clip, PRESETS["good_form"], scene)
    one = track_poses(clip, workers=1)
    two = track_poses(clip, workers=2)
    # Same frames, in order, no duplicates or gaps at the cut.
    np.testing.assert_array_equal(two.track.frame_index, one.track.frame_index)
    np.testing.assert_array_equal(two.track.time_s, one.track.time_s)
    assert two.track.detection_rate >= 0.98
    both = two.track.detected & one.track.detected
    diff = np.linalg.norm(
        two.track.xy[both][:, TORSO] - one.track.xy[both][:, TORSO], axis=-1
    )
    assert np.median(diff) < 3.0  # pixels, on a ~170 px leg


def _span(rows, n_people, decode_error=None):
    from formcheck.pipeline import _Span
    from formcheck.pose.select import DetectionBuffer

    buf = DetectionBuffer()
    z = np.zeros((33,), np.float32)
    for r in range(n_people):
        buf.append(r, np.zeros((33, 2), np.float32), z, z, z, np.zeros((33, 3)))
    return _Span(list(rows), buf.freeze(), {"legs not visible": 1}, decode_error, False)


def test_spans_join_in_time_order_and_stop_where_decoding_stopped():
    from formcheck.errors import VideoError
    from formcheck.pipeline import _join_spans

    a = _span([(0, 0.0), (1, 0.1)], 2)
    b = _span([(2, 0.2), (3, 0.3)], 1, decode_error="decoding stopped at frame 4")
    c = _span([(9, 0.9)], 1)
    joined = _join_spans([a, b, c])
    assert joined.rows == [(0, 0.0), (1, 0.1), (2, 0.2), (3, 0.3)]
    np.testing.assert_array_equal(joined.people.row, [0, 1, 2])  # b's row 0 -> 2
    assert joined.decode_error == "decoding stopped at frame 4"
    assert joined.rejected == {"legs not visible": 2}
    # A later span that could not decode at all: decoding stopped at its start.
    joined = _join_spans([a, VideoError("no frame from 5.00 s on")])
    assert joined.rows == a.rows and "5.00 s" in joined.decode_error
    # The first span failing is the clip failing.
    with pytest.raises(VideoError):
        _join_spans([VideoError("not a video"), a])


def test_a_clip_is_cut_into_spans_only_when_long_enough():
    from formcheck.pipeline import MIN_PART_S, _split
    from formcheck.video import VideoInfo

    info = VideoInfo("x.mp4", 640, 480, 30.0, 300, 10.0, 0, "h264", False)
    assert _split(info, None, None, 1, 2) == [(None, 5.0), (5.0, None)]
    assert _split(info, 2.0, 8.0, 1, 2) == [(2.0, 5.0), (5.0, 8.0)]
    assert _split(info, None, None, 1, 1) == [(None, None)]
    assert _split(info, None, None, 2, 2) == [(None, None)]  # stride: one pass
    short = 1.5 * MIN_PART_S
    assert _split(info, None, short, 1, 4) == [(None, short)]


@pytest.mark.slow
def test_a_script_piped_to_python_tracks_without_worker_tracebacks():
    """``python -`` (a notebook-like caller): workers could not re-run ``<stdin>``
    and printed tracebacks before the in-process fallback; now it tracks in-process
    from the start."""
    import subprocess
    import sys

    code = (
        "from formcheck.pipeline import track_poses\n"
        f"run = track_poses({str(SAMPLES / 'good_form.mp4')!r}, end_s=4.5, workers=2)\n"
        "print(len(run.track), run.track.detected.mean())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-"], input=code, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    n, rate = proc.stdout.split()
    assert int(n) > 100 and float(rate) > 0.9
