"""Detection on the real clips in ../shared/clips (skipped when they are absent).

What a person sees in each clip was checked by eye (see docs/validation.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.pipeline import track_poses
from formcheck.video import VideoReader

CLIPS = Path(__file__).resolve().parent.parent.parent / "shared" / "clips"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CLIPS / "LABELS.json").exists(),
        reason=f"shared clips not found at {CLIPS} (they are not redistributed with formcheck)",
    ),
]


def _labels() -> dict:
    return json.loads((CLIPS / "LABELS.json").read_text())


@pytest.mark.parametrize(
    ("clip", "frames_in_view"),
    [
        ("treadmill_side_male.mp4", slice(None)),
        # The runner crosses the frame and is gone from frame 33 on (checked by eye);
        # only the frames where she is in view count.
        ("grass_side_female_lowres.mp4", slice(0, 32)),
    ],
)
def test_side_view_runner_is_found_in_at_least_90_percent_of_frames(
    clip, frames_in_view
):
    assert _labels()[clip]["view"] == "side"
    track = track_poses(CLIPS / clip).track
    assert track.detected[frames_in_view].mean() >= 0.90


def test_no_person_clip_has_no_detections_and_no_error():
    assert _labels()["no_person_bird.mp4"]["people"] == 0
    run = track_poses(CLIPS / "no_person_bird.mp4")
    assert len(run.track) > 250
    assert not run.track.detected.any()
    assert np.isnan(run.track.xy).all()
    # MediaPipe does fire on the bird's face; the full-body check is what rejects it.
    assert sum(run.rejected.values()) > 0


def test_portrait_treadmill_clip_is_upright():
    run = track_poses(CLIPS / "treadmill_side_male.mp4", end_s=1.0)
    assert (run.video.width, run.video.height) == (720, 1280)
    xy = run.track.xy[run.track.detected]
    # Upright: the head is above the hips, the hips above the ankles.
    assert np.all(xy[:, 0, 1] < xy[:, 23, 1])
    assert np.all(xy[:, 23, 1] < xy[:, 27, 1])


def test_several_people_are_noted_and_only_one_is_analysed():
    from formcheck.analysis import analyze_video

    analysis = analyze_video(CLIPS / "multi_person_vp9.mp4")
    assert any("people were in view" in note for note in analysis.notes)
    selection = analysis.run.selection
    assert selection.chosen >= 0
    assert sum(t.eligible for t in selection.tracks) >= 2


def test_start_inside_a_clip_whose_keyframes_are_not_clean_entry_points():
    # After seeking to this clip's keyframes, FFmpeg marks every frame as damaged
    # (they still reference frames before the keyframe). The reader must then decode
    # from the start instead of reporting damage or losing the frames.
    clip = CLIPS / "no_person_bird.mp4"
    with VideoReader(clip) as whole:
        frames = [(f.index, f.time_s, f.image) for f in whole]
    with VideoReader(clip, start_s=7.0) as part:
        later = [(f.index, f.time_s, f.image) for f in part]
        assert part.decode_error is None
    expected = [f for f in frames if f[1] >= 7.0]
    assert [f[:2] for f in later] == [f[:2] for f in expected]
    assert np.array_equal(later[0][2], expected[0][2])


#: Treadmill or overground, from LABELS.json (``treadmill``) or its camera notes.
CAMERA_TRUTH = [
    ("treadmill_side_male.mp4", True),  # static camera
    ("treadmill_side_portrait_hoodie.mp4", True),  # static phone, a little drift
    ("tracking_side_road_man.mp4", False),  # camera travels alongside, runner centred
    ("handheld_track_drills.mp4", False),  # handheld phone panning to follow
    ("grass_side_female_lowres.mp4", False),  # static camera, runner crosses
]


@pytest.mark.parametrize(("clip", "treadmill"), CAMERA_TRUTH)
def test_treadmill_or_overground_with_the_camera_taken_out(clip, treadmill):
    """A runner the camera follows stays in place on screen, like on a treadmill;
    the background's measured motion tells them apart. One person is looked for:
    which person is the runner is not what this checks."""
    from formcheck.analysis import analyze_run

    label = _labels()[clip]
    assert label.get("treadmill", treadmill) == treadmill
    analysis = analyze_run(track_poses(CLIPS / clip, num_poses=1))
    assert analysis.view.treadmill is treadmill, analysis.view.reasons
