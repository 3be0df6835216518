"""Runner selection among several people (formcheck.pose.select).

People are stick figures from ``test_view.make_person``, placed into a
:class:`DetectionBuffer` frame by frame as MediaPipe with ``num_poses`` > 1 would.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_view import make_person

from formcheck.config import DEFAULT, replace_section
from formcheck.pose.select import (
    DetectionBuffer,
    Detections,
    geometry,
    iou,
    link_tracks,
    runner_track,
    select_runner,
    suppress_duplicates,
)

FPS = 30.0


def person(n, **kw):
    xy, vis, z, _ = make_person(n, FPS, **kw)
    return xy, vis, z


def detections(people, n, order=None) -> Detections:
    """``people``: list of (first_row, (xy, vis, z)); rows where xy is NaN are skipped.

    ``order`` permutes the people within each frame (MediaPipe's order is arbitrary).
    """
    buf = DetectionBuffer(capacity=2)  # small, so the buffer must grow
    for r in range(n):
        ps = list(people) if order is None else [people[i] for i in order(r)]
        for first, (xy, vis, z) in ps:
            k = r - first
            if 0 <= k < len(xy) and np.isfinite(xy[k]).all():
                buf.append(r, xy[k], z[k], vis[k], vis[k], np.zeros((33, 3)))
    return buf.freeze()


def times(n):
    return np.arange(n) / FPS


def chosen_rows(det, sel):
    return det.row[sel.track_id == sel.chosen]


def test_two_people_crossing_keep_their_identity():
    n = 120
    runner = person(n, x0=100.0, travel_px_s=300.0)
    walker = person(n, activity="walking", facing="left", x0=700.0, travel_px_s=-150.0)
    # Where they overlap, the nearer person hides the other (one detection).
    hidden = np.zeros(n, bool)
    cx = lambda p: (p[0][:, 23, 0] + p[0][:, 24, 0]) / 2  # noqa: E731
    hidden[np.abs(cx(runner) - cx(walker)) < 0.3 * 300] = True
    walker[0][hidden] = np.nan
    det = detections([(0, runner), (0, walker)], n, order=lambda r: [r % 2, 1 - r % 2])
    sel = select_runner(det, times(n))
    assert sel.tracks[0].activity == "running"
    ids = sel.track_id
    runner_x = geometry(det.xy[ids == sel.chosen])[0][:, 0]
    assert np.all(np.diff(runner_x) > 0), "the runner's track jumped to the walker"
    assert len(runner_x) == n
    # The walker keeps one identity before the crossing and one after at most.
    assert len({s.track_id for s in sel.tracks}) <= 3


def test_runner_appearing_late_wins_over_a_walker_seen_longer():
    n = 150
    walker = person(n, activity="walking", x0=400.0, travel_px_s=-100.0, facing="left")
    runner = person(60, x0=500.0, y0=300.0, height=260.0)  # 2 s, from row 90
    det = detections([(0, walker), (90, runner)], n)
    sel = select_runner(det, times(n))
    assert [s.activity for s in sel.tracks[:2]] == ["running", "walking"]
    np.testing.assert_array_equal(chosen_rows(det, sel), np.arange(90, 150))
    track = runner_track(det, sel, np.arange(n), times(n), 640, 480)
    assert not track.detected[:90].any() and track.detected[90:].all()
    np.testing.assert_allclose(track.xy[90:], runner[0], atol=1e-3)


def test_among_runners_the_one_seen_longest_wins():
    n = 120
    a = person(50, x0=100.0)
    b = person(n, x0=450.0)
    det = detections([(0, a), (0, b)], n)
    sel = select_runner(det, times(n))
    assert len(chosen_rows(det, sel)) == n


def test_standing_person_is_not_chosen_over_a_walker():
    n = 120
    stander = person(n, activity="standing", x0=100.0)
    walker = person(n, activity="walking", x0=400.0, travel_px_s=-80.0, facing="left")
    det = detections([(0, stander), (0, walker)], n)
    sel = select_runner(det, times(n))
    assert sel.tracks[0].activity == "walking"
    assert sel.tracks[1].activity == "standing"


def test_duplicate_detections_of_one_person_make_one_track():
    n = 60
    p = person(n)
    twin = (p[0] + 3.0, p[1] * 0.9, p[2])  # same person, a few px off, less visible
    det = detections([(0, p), (0, twin)], n)
    sel = select_runner(det, times(n))
    assert len(sel.tracks) == 1
    assert (sel.track_id == -1).sum() == n  # every twin dropped
    np.testing.assert_allclose(det.xy[sel.track_id == sel.chosen], p[0], atol=1e-3)


def test_stray_short_detections_are_nobody():
    n = 300
    p = person(3)
    det = detections([(100, p), (200, p)], n)
    sel = select_runner(det, times(n))
    assert sel.chosen == -1
    track = runner_track(det, sel, np.arange(n), times(n), 640, 480)
    assert not track.detected.any()


def test_short_clip_with_one_person_is_kept():
    # 11 frames at 60 fps (like a 0.18 s calibration clip): half the clip suffices.
    xy, vis, z, t = make_person(11, 60.0, activity="standing")
    det = detections([(0, (xy, vis, z))], 11)
    sel = select_runner(det, t)
    assert sel.chosen == 0
    assert sel.tracks[0].activity == "standing"


def test_no_detections():
    sel = select_runner(Detections.empty(), times(10))
    assert sel.chosen == -1
    track = runner_track(Detections.empty(), sel, np.arange(10), times(10), 64, 48)
    assert len(track) == 10 and not track.detected.any()


def test_link_breaks_after_a_long_gap_and_on_a_jump():
    n = 60
    p = person(n, x0=100.0, travel_px_s=300.0)
    xy = p[0].copy()
    xy[20:40] = np.nan  # unseen for 0.67 s > link_max_gap_s
    xy[50:] += [250.0, 0.0]  # teleports by ~0.8 body heights in one frame
    det = detections([(0, (xy, p[1], p[2]))], n)
    c, s, b = geometry(det.xy)
    ids = link_tracks(det.row, times(n), c, s, b, DEFAULT.select)
    assert len(np.unique(ids)) == 3
    assert len(np.unique(ids[det.row < 20])) == 1


def test_linking_respects_the_size_ratio():
    n = 20
    near = person(n, height=300.0)
    far = person(n, height=150.0, y0=260.0)
    # Alternate: the same place, but the body size halves every other frame.
    xy = np.where((np.arange(n) % 2 == 0)[:, None, None], near[0], far[0])
    det = detections([(0, (xy, near[1], near[2]))], n)
    c, s, b = geometry(det.xy)
    th = replace_section(DEFAULT, "select", link_max_size_ratio=1.5).select
    assert len(np.unique(link_tracks(det.row, times(n), c, s, b, th))) == 2


def test_iou():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    m = iou(boxes, boxes)
    assert m[0, 1] == 1.0 and m[0, 2] == pytest.approx(50 / 150) and m[0, 3] == 0.0


def test_duplicate_suppression():
    a, *_ = make_person(1, x0=300.0)
    crouched = a.copy()
    crouched[:, 25:] += [0.0, -40.0]  # the same person, legs read differently
    crouched += 10.0
    other, *_ = make_person(1, x0=420.0)  # a second person, 0.4 body heights away
    xy = np.concatenate([a, crouched, other])
    c, size, box = geometry(xy)
    keep = suppress_duplicates(
        np.zeros(3, int), c, size, box, np.array([0.9, 0.8, 0.7]), DEFAULT.select
    )
    np.testing.assert_array_equal(keep, [True, False, True])


def test_geometry_falls_back_to_box_centre_without_hips():
    xy, *_ = make_person(1)
    xy[:, [23, 24]] = np.nan
    c, s, b = geometry(xy)
    np.testing.assert_allclose(c[0], (b[0, :2] + b[0, 2:]) / 2)
    assert s[0] > 0


@pytest.mark.parametrize(
    ("field", "shape", "message"),
    [
        ("xy", (2, 33, 3), "xy"),
        ("visibility", (2, 32), "visibility"),
        ("row", None, "non-decreasing"),
    ],
)
def test_detections_validate_shapes(field, shape, message):
    arrays = {
        "row": np.array([0, 1]),
        "xy": np.zeros((2, 33, 2), np.float32),
        "z": np.zeros((2, 33), np.float32),
        "visibility": np.zeros((2, 33), np.float32),
        "presence": np.zeros((2, 33), np.float32),
        "world": np.zeros((2, 33, 3), np.float32),
    }
    arrays[field] = np.array([1, 0]) if shape is None else np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match=message):
        Detections(**arrays)


# --------------------------------------------------------------------------- slow

from test_view import CLIPS, _needs_clips  # noqa: E402


@pytest.mark.slow
@_needs_clips
def test_multi_person_clip_keeps_one_person():
    from formcheck.pipeline import track_poses

    run = track_poses(CLIPS / "multi_person_vp9.mp4")
    sel = run.selection
    assert sel is not None and len(sel.tracks) >= 3  # box, walker, runner (+ fragments)
    tr = run.track
    xy = tr.xy[tr.detected]
    both = np.diff(np.flatnonzero(tr.detected)) == 1  # consecutive detected frames
    hip = (xy[:, 23] + xy[:, 24]) / 2
    body = xy[..., 1].max(1) - xy[..., 1].min(1)
    step = (np.linalg.norm(np.diff(hip, axis=0), axis=1) / body[1:])[both]
    # Consecutive detected frames never jump by more than a third of a body height.
    assert np.nanmax(step) < 0.35
    assert tr.detected.sum() >= 100


@pytest.mark.slow
@_needs_clips
def test_standing_clip_keeps_the_subject_not_the_operator():
    from formcheck.pipeline import track_poses

    tr = track_poses(CLIPS / "standing_tpose.mp4").track
    assert tr.detected.all()
    hip_x = (tr.xy[:, 23, 0] + tr.xy[:, 24, 0]) / 2
    # The subject stands in the middle of the frame (x ~ 510 of 1088 px); the
    # operator is at the left edge (x ~ 200).
    assert np.all(np.abs(hip_x - 510) < 60)


def test_a_short_running_fragment_does_not_beat_a_long_track():
    """A few frames split off the runner's track (a duplicate skeleton near the end
    of a clip) are judged on a step or two; a slow-motion runner's long track may be
    judged "walking". The long track is kept: activity only decides between tracks
    of comparable length (``activity_min_share``)."""
    n = 300
    long_walker = person(n - 30, activity="walking", x0=400.0, facing="left")
    fragment = person(30, x0=100.0, y0=300.0, height=260.0)  # 1 s
    det = detections([(0, long_walker), (n - 30, fragment)], n)
    sel = select_runner(det, times(n))
    assert sel.tracks[0].activity == "walking"
    assert len(chosen_rows(det, sel)) == n - 30
