"""View, facing, treadmill and activity (formcheck.gait.view).

Fast tests run on hand-built stick figures (:func:`make_person`); the slow tests run
the real pipeline on rendered runners and on the labelled clips in ../shared/clips.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.config import DEFAULT
from formcheck.gait.types import CleanTrack
from formcheck.gait.view import (
    body_measures,
    classify_track,
    classify_view,
    infer_facing,
)
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.track import PoseTrack

CLIPS = Path(__file__).resolve().parent.parent.parent / "shared" / "clips"
TH = DEFAULT.view

GAITS = {
    # thigh swing amplitude (deg), peak swing-knee flexion (deg), elbow angle (deg)
    "running": (35.0, 100.0, 90.0),
    "walking": (22.0, 60.0, 160.0),
    "standing": (0.0, 0.0, 170.0),
}


def make_person(
    n: int = 120,
    fps: float = 30.0,
    *,
    activity: str = "running",
    cadence_spm: float | None = None,
    view: str = "side",
    facing: str = "right",
    x0: float = 320.0,
    y0: float = 260.0,
    height: float = 300.0,
    travel_px_s: float = 0.0,
    scale_per_s: float = 0.0,
    bounce_px: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A stick figure: ``(xy (n,33,2), visibility (n,33), z (n,33), time_s (n,))``.

    Side view: hips and shoulders overlap, the nose and toes point to ``facing``.
    Front/rear: shoulders 0.24 and hips 0.12 body heights wide, the runner's left
    shoulder on the image right (front) or left (rear), the nose nearer (front) or
    farther (rear) than the shoulders in ``z``. ``bounce_px`` moves the figure up
    and down twice a stride, as each gait does: a runner is lowest with the feet
    together (mid-stance), a walker highest.
    """
    amp, knee_flex, elbow = GAITS[activity]
    cadence = cadence_spm or {"running": 170.0, "walking": 110.0}.get(activity, 0.0)
    t = np.arange(n) / fps
    phase = 2 * np.pi * (cadence / 120.0) * t
    xy = np.zeros((n, 33, 2))
    z = np.zeros((n, 33))
    f = 1.0 if facing == "right" else -1.0
    sign = 1.0 if activity == "running" else -1.0  # image y grows downward
    for i in range(n):
        h = height * np.exp(scale_per_s * t[i])
        bob = sign * bounce_px * np.cos(2 * phase[i])
        hip = np.array([x0 + travel_px_s * t[i], y0 + bob])
        leg, trunk = 0.5 * h, 0.3 * h
        wide = view in ("front", "rear")
        # Front: runner's left on the image right.
        lr = (1.0 if view == "front" else -1.0) if wide else 0.0
        sh_w, hip_w = 0.12 * h * lr, 0.06 * h * lr
        shoulder = hip + np.array([0.03 * h * f * (not wide), -trunk])
        p = xy[i]
        p[L.LEFT_SHOULDER] = shoulder + [sh_w, 0]
        p[L.RIGHT_SHOULDER] = shoulder - [sh_w, 0]
        p[L.LEFT_HIP] = hip + [hip_w, 0]
        p[L.RIGHT_HIP] = hip - [hip_w, 0]
        head = shoulder + [0, -0.12 * h]
        fwd = 0.0 if wide else f
        p[L.NOSE] = head + [0.06 * h * fwd, 0]
        p[L.LEFT_EAR] = head + [0.07 * h * lr - 0.01 * h * fwd, -0.01 * h]
        p[L.RIGHT_EAR] = head + [-0.07 * h * lr - 0.01 * h * fwd, -0.01 * h]
        for k in range(1, 7):
            p[k] = head + [
                0.04 * h * fwd + 0.02 * h * lr * (1 if k < 4 else -1),
                -0.02 * h,
            ]
        p[L.MOUTH_LEFT] = head + [0.05 * h * fwd + 0.02 * h * lr, 0.02 * h]
        p[L.MOUTH_RIGHT] = head + [0.05 * h * fwd - 0.02 * h * lr, 0.02 * h]
        sides = (
            (
                L.LEFT_HIP,
                L.LEFT_KNEE,
                L.LEFT_ANKLE,
                L.LEFT_HEEL,
                L.LEFT_FOOT_INDEX,
                0.0,
            ),
            (
                L.RIGHT_HIP,
                L.RIGHT_KNEE,
                L.RIGHT_ANKLE,
                L.RIGHT_HEEL,
                L.RIGHT_FOOT_INDEX,
                np.pi,
            ),
        )
        for hp, kn, an, he, to, off in sides:
            ph = phase[i] + off
            thigh = np.radians(amp * np.sin(ph))
            flex = np.radians(knee_flex * max(0.0, np.sin(ph - np.pi / 2)) ** 2)
            if wide:  # seen from front/back the swing is foreshortened: vertical only
                knee = p[hp] + [0, 0.5 * leg * np.cos(thigh)]
                ankle = knee + [0, 0.5 * leg * np.cos(flex)]
            else:
                knee = p[hp] + 0.5 * leg * np.array([f * np.sin(thigh), np.cos(thigh)])
                shank = thigh - flex
                ankle = knee + 0.5 * leg * np.array([f * np.sin(shank), np.cos(shank)])
            p[kn], p[an] = knee, ankle
            p[he] = ankle + [-0.03 * h * fwd, 0.02 * h]
            p[to] = ankle + [0.08 * h * fwd, 0.03 * h]
        for s, e, w, side in (
            (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, 1),
            (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, -1),
        ):
            p[e] = p[s] + [0, 0.17 * h]
            a = np.radians(180.0 - elbow)
            p[w] = p[e] + 0.15 * h * np.array([side * 0 + f * np.sin(a), np.cos(a)])
        for k, w in ((17, 15), (19, 15), (21, 15), (18, 16), (20, 16), (22, 16)):
            p[k] = p[w] + [0, 0.02 * h]
        z[i] = 0.0
        depth = {"front": -0.1, "rear": 0.1}.get(view, 0.0) * h
        z[i, :11] = depth
    vis = np.ones((n, 33))
    return xy, vis, z, t


def _view(**kw):
    over = {k: kw.pop(k) for k in ("kind", "facing_override", "treadmill") if k in kw}
    if "facing_override" in over:
        over["facing"] = over.pop("facing_override")
    xy, vis, z, t = make_person(**kw)
    return classify_view(xy, vis, t, 640, 480, TH, z=z, **over)


@pytest.mark.parametrize(
    ("kw", "kind", "facing", "treadmill", "activity"),
    [
        ({}, "side", "right", True, "running"),
        ({"facing": "left"}, "side", "left", True, "running"),
        ({"travel_px_s": 300.0, "x0": 50.0}, "side", "right", False, "running"),
        ({"activity": "walking"}, "side", "right", True, "walking"),
        (
            {"activity": "walking", "travel_px_s": -150.0, "facing": "left"},
            "side",
            "left",
            False,
            "walking",
        ),
        ({"activity": "standing"}, "side", "right", None, "standing"),
        ({"view": "front"}, "front", None, True, "running"),
        ({"view": "rear", "scale_per_s": -0.3}, "rear", None, False, "running"),
        ({"view": "rear", "activity": "standing"}, "rear", None, None, "standing"),
    ],
)
def test_classify_view_on_stick_figures(kw, kind, facing, treadmill, activity):
    v = _view(**kw)
    assert (v.kind, v.facing, v.treadmill, v.activity) == (
        kind,
        facing,
        treadmill,
        activity,
    ), v.reasons
    assert 0.0 <= v.confidence <= 1.0
    assert v.reasons


def test_fast_walker_with_straight_arms_is_not_running():
    # Cadence alone (weight 2) against knee and elbow (1 + 1) is not a clear majority.
    v = _view(activity="walking", cadence_spm=150.0)
    assert v.activity == "walking"


@pytest.mark.parametrize(("activity", "sign"), [("running", 1), ("walking", -1)])
def test_bounce_phase_tells_the_gaits_apart_without_a_clock(activity, sign):
    xy, vis, z, t = make_person(activity=activity, bounce_px=8.0, n=150)
    for stretch in (1.0, 4.0):  # real time and 4x slow motion alike
        m = body_measures(xy, vis, t * stretch, TH, z)
        assert sign * m.bounce_phase > 0.4  # measured: +0.53 running, -0.50 walking


def test_slow_motion_runner_is_running_and_flagged_as_slowed():
    xy, vis, z, t = make_person(bounce_px=8.0, n=200)
    v = classify_view(xy, vis, t * 4, 640, 480, TH, z=z)
    assert v.activity == "running", v.reasons
    assert v.slowed_cadence_spm == pytest.approx(170 / 4, rel=0.1)


def test_slow_jog_with_running_kinematics_is_running_in_real_time():
    # 130 steps/min is below the cadence cue's 140 but no slow motion: the bounce,
    # swing knee and elbows decide.
    v = _view(bounce_px=8.0, cadence_spm=130.0, n=200)
    assert v.activity == "running", v.reasons
    assert v.slowed_cadence_spm is None


def test_walker_bouncing_like_a_walker_is_walking_at_any_cadence():
    v = _view(activity="walking", bounce_px=8.0, cadence_spm=150.0, n=200)
    assert v.activity == "walking", v.reasons


def test_no_person_gives_none_and_unknown_view():
    n = 50
    v = classify_view(
        np.full((n, 33, 2), np.nan), np.zeros((n, 33)), np.arange(n) / 30, 640, 480
    )
    assert (v.kind, v.facing, v.treadmill, v.activity) == (
        "unknown",
        None,
        None,
        "none",
    )


def test_a_few_stray_detections_are_no_person():
    xy, vis, z, t = make_person(100)
    xy[3:] = np.nan  # a person in 3 of 100 frames = 0.1 s (below min_person_s)
    v = classify_view(xy, vis, t, 640, 480, z=z)
    assert v.activity == "none"
    assert v.kind == "unknown"


def test_empty_input_does_not_raise():
    v = classify_view(np.zeros((0, 33, 2)), np.zeros((0, 33)), np.zeros(0), 640, 480)
    assert v.activity == "none"


@pytest.mark.parametrize(
    ("override", "field", "value"),
    [
        ({"kind": "front"}, "kind", "front"),
        ({"facing_override": "left"}, "facing", "left"),
        ({"treadmill": False}, "treadmill", False),
    ],
)
def test_user_overrides_win_and_are_reported(override, field, value):
    v = _view(**override)
    assert getattr(v, field) == value
    assert any("(given)" in r for r in v.reasons)


def test_panning_clip_is_reported_in_place_with_a_caveat():
    v = _view()  # runner in place on screen
    assert v.treadmill is True
    assert any("panning" in r for r in v.reasons)
    assert v.confidence <= 0.6


@pytest.mark.parametrize("facing", ["left", "right"])
def test_infer_facing(facing):
    xy, *_ = make_person(60, facing=facing)
    got, agreement, _ = infer_facing(xy)
    assert got == facing
    assert agreement == 1.0


def test_infer_facing_split_when_the_person_turns_around():
    right, *_ = make_person(60, facing="right")
    left, *_ = make_person(60, facing="left")
    got, agreement, why = infer_facing(np.concatenate([right, left]))
    assert got is None
    assert agreement == pytest.approx(0.5)
    assert "split" in why


def test_infer_facing_front_view_has_no_facing():
    xy, *_ = make_person(60, view="front")
    assert infer_facing(xy)[0] is None


@pytest.mark.parametrize(
    ("activity", "cadence"), [("running", 170.0), ("walking", 110.0)]
)
def test_cadence_from_ankle_separation(activity, cadence):
    xy, vis, _, t = make_person(240, 60.0, activity=activity, cadence_spm=cadence)
    m = body_measures(xy, vis, t)
    assert m.cadence_spm == pytest.approx(cadence, rel=0.05)


def test_cadence_ignores_left_right_label_swaps():
    xy, vis, _, t = make_person(240, 60.0, cadence_spm=170.0)
    swapped = xy.copy()
    for a, b in ((L.LEFT_ANKLE, L.RIGHT_ANKLE), (L.LEFT_KNEE, L.RIGHT_KNEE)):
        swapped[::7, [a, b]] = swapped[::7, [b, a]]
    assert body_measures(swapped, vis, t).cadence_spm == pytest.approx(170.0, rel=0.05)


def _pose_track(xy, vis, z, t) -> PoseTrack:
    n = len(t)
    tr = PoseTrack.allocate(n, 640, 480)
    tr.time_s[:] = t
    tr.xy[:] = xy
    tr.z[:] = z
    tr.visibility[:] = vis
    tr.detected[:] = True
    return tr


def test_classify_track_accepts_pose_track_and_clean_track():
    xy, vis, z, t = make_person(90, facing="left")
    pose = _pose_track(xy, vis, z, t)
    pose.detected[::10] = False  # undetected frames must be ignored
    clean = CleanTrack(
        frame_index=np.arange(90),
        time_s=t,
        xy=xy,
        visibility=vis.astype(np.float32),
        observed=np.ones((90, 33), bool),
        swapped=np.zeros(90, bool),
        fps=30.0,
        width=640,
        height=480,
    )
    for track in (pose, clean):
        v = classify_track(track)
        assert (v.kind, v.facing, v.activity) == ("side", "left", "running")


# --------------------------------------------------------------------------- slow


def _labels() -> dict:
    return json.loads((CLIPS / "LABELS.json").read_text())


#: Checked by eye: frame 0 of standing_tpose.mp4 shows the subject's bare back with
#: spine markers and the back of his cap, so the view is rear(-oblique), not the
#: "front-oblique" of LABELS.json (MediaPipe agrees: left shoulder on the image left).
LABEL_FIXES = {"standing_tpose.mp4": {"view": "rear"}}

_needs_clips = pytest.mark.skipif(
    not (CLIPS / "LABELS.json").exists(),
    reason=f"shared clips not found at {CLIPS} (they are not redistributed)",
)


@pytest.mark.slow
@_needs_clips
@pytest.mark.parametrize(
    "clip",
    [
        "treadmill_side_male.mp4",
        "grass_side_female_lowres.mp4",
        "rear_park_runner.mp4",
        "walking_side.mp4",
        "standing_tpose.mp4",
        "no_person_bird.mp4",
    ],
)
def test_labelled_clips(clip):
    from formcheck.pipeline import track_poses

    label = _labels()[clip] | LABEL_FIXES.get(clip, {})
    v = classify_track(track_poses(CLIPS / clip).track)
    assert v.activity == label["activity"], v.reasons
    if label["activity"] != "none":
        assert v.kind == label["view"], v.reasons
    if "facing" in label:
        assert v.facing == label["facing"], v.reasons
    if "treadmill" in label and label["activity"] in ("running", "walking"):
        if label["treadmill"] is False and v.treadmill is True:
            # In place on screen but labelled overground = a panning camera, which
            # landmarks cannot tell from a treadmill; none of these clips pans.
            pytest.fail(f"{clip}: read as treadmill; {v.reasons}")
        assert v.treadmill == label["treadmill"], v.reasons


@pytest.mark.slow
@pytest.mark.parametrize(
    ("facing", "treadmill", "pan", "expect_treadmill"),
    [
        ("right", True, True, True),
        ("left", True, True, True),
        ("right", False, False, False),
        ("left", False, False, False),
        # Panning camera: the runner stays in place on screen; reported as in place.
        ("right", False, True, True),
    ],
)
def test_rendered_runners(tmp_path, facing, treadmill, pan, expect_treadmill):
    from formcheck.pipeline import track_poses
    from formcheck.synth import PRESETS, SceneParams, write_clip

    scene = SceneParams(facing=facing, treadmill=treadmill, pan=pan)
    path = tmp_path / "runner.mp4"
    write_clip(path, PRESETS["good_form"], scene)
    v = classify_track(track_poses(path).track)
    assert (v.kind, v.facing, v.activity) == ("side", facing, "running"), v.reasons
    assert v.treadmill is expect_treadmill, v.reasons
