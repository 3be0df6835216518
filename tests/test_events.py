"""Gait events: initial contact / toe-off timing, cadence and step timing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from test_clean import synth_track

from formcheck.gait.clean import clean_track
from formcheck.gait.events import cadence_spm, detect_events, step_timing
from formcheck.gait.types import GaitEvent, View
from formcheck.pose.track import PoseTrack

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
sys.path.insert(0, str(ROOT / "scripts"))
from validate_events import match_events  # noqa: E402


def side(facing: str, treadmill: bool = True) -> View:
    return View("side", facing, treadmill, "running", 1.0)  # type: ignore[arg-type]


def scored_truth(truth: dict, track: PoseTrack) -> list[dict]:
    margin = 0.5 * truth["summary"]["contact_time_s"]
    t0, t1 = track.time_s[0] + margin, track.time_s[-1] - margin
    return [e for e in truth["events"] if t0 <= e["time_s"] <= t1]


def found_fraction(events, truth, track, fps, tol_frames=1) -> float:
    gt = scored_truth(truth, track)
    found = 0
    for kind in ("initial_contact", "toe_off"):
        m = match_events(
            [e for e in events if e.type == kind],
            [e for e in gt if e["type"] == kind],
            fps,
            tol_frames,
        )
        found += m["found"]
    return found / len(gt)


@pytest.mark.parametrize("fps", [24.0, 30.0])
@pytest.mark.parametrize("facing", ["left", "right"])
@pytest.mark.parametrize("treadmill", [True, False])
def test_events_on_exact_landmarks(fps, facing, treadmill):
    track, truth = synth_track(
        fps=fps, facing=facing, duration_s=4.0, treadmill=treadmill
    )
    events = detect_events(clean_track(track), side(facing, treadmill))
    # Measured: 100 % within +-1 frame at 24 and 30 fps on exact landmarks.
    assert found_fraction(events, truth, track, fps) >= 0.95
    cad = cadence_spm(events)
    true_cad = truth["summary"]["cadence_spm"]
    assert abs(cad - true_cad) / true_cad < (0.025 if fps < 25 else 0.01)


@pytest.mark.parametrize("fps", [60.0, 240.0])
def test_event_timing_does_not_depend_on_the_frame_rate(fps):
    track, truth = synth_track(fps=fps, facing="left", duration_s=2.5)
    events = detect_events(clean_track(track), side("left"))
    gt = scored_truth(truth, track)
    # The kink fit no longer drifts into the contact (it did by +25 ms at IC / -20 ms
    # at TO at >= 60 fps). Measured on exact landmarks at 30-240 fps: IC -14..-16 ms,
    # TO +1..+12 ms (the synthetic foot touches down tangentially, so no power-law
    # hinge fits it exactly).
    errors = {}
    for kind in ("initial_contact", "toe_off"):
        m = match_events(
            [e for e in events if e.type == kind],
            [e for e in gt if e["type"] == kind],
            fps,
            round(0.05 * fps),
        )
        assert m["found"] >= m["n_true"] - 1 > 0  # one may be cut by the clip's end
        errors[kind] = np.mean(m["errors_ms"])
    assert abs(errors["initial_contact"]) < 20
    assert abs(errors["toe_off"]) < 20
    assert abs(cadence_spm(events) - 172) / 172 < 0.01


def test_events_survive_injected_swaps_and_noise():
    from test_clean import inject_swaps

    track, truth = synth_track(fps=30.0, duration_s=4.0, noise_px=1.5)
    inject_swaps(track, np.array([17, 18, 40, 41, 42, 75, 100]))
    events = detect_events(clean_track(track), side("right"))
    assert found_fraction(events, truth, track, 30.0) >= 0.9


def test_each_foot_alternates_ic_and_to_and_events_are_sorted():
    track, _ = synth_track(fps=60.0, duration_s=3.0, noise_px=1.0)
    events = detect_events(clean_track(track), side("right"))
    assert events == sorted(events, key=lambda e: e.time_s)
    for foot in ("left", "right"):
        kinds = [e.type for e in events if e.foot == foot]
        assert kinds and all(a != b for a, b in zip(kinds, kinds[1:], strict=False))


def test_no_events_for_other_views_or_a_standing_person():
    track, _ = synth_track()
    clean = clean_track(track)
    assert detect_events(clean, View("front", None, None, "running", 1.0)) == []
    standing = PoseTrack.allocate(90, 640, 480)
    standing.time_s[:] = np.arange(90) / 30
    standing.xy[:] = track.xy[0]
    standing.visibility[:] = 0.9
    standing.detected[:] = True
    assert detect_events(clean_track(standing), side("right")) == []
    assert detect_events(clean_track(PoseTrack.empty()), side("right")) == []


def _events(spec: list[tuple[str, str, float]]) -> list[GaitEvent]:
    return [GaitEvent(k, f, int(round(t * 30)), t) for k, f, t in spec]  # type: ignore[arg-type]


def test_cadence_is_robust_to_one_missed_contact():
    ics = [
        ("initial_contact", "left" if k % 2 == 0 else "right", 0.35 * k)
        for k in range(10)
        if k != 5
    ]
    assert cadence_spm(_events(ics)) == pytest.approx(60 / 0.35)
    assert np.isnan(cadence_spm([]))


def test_step_timing():
    ev = _events(
        [
            ("initial_contact", "left", 0.10),
            ("toe_off", "left", 0.34),
            ("initial_contact", "right", 0.45),
            ("toe_off", "right", 0.69),
            ("initial_contact", "left", 0.80),
            ("toe_off", "left", 1.04),
        ]
    )
    rows = step_timing(ev)
    first = rows[0]
    assert first["foot"] == "left"
    assert first["contact_s"] == pytest.approx(0.24)
    assert first["step_s"] == pytest.approx(0.35)
    assert first["flight_s"] == pytest.approx(0.11)
    assert first["stride_s"] == pytest.approx(0.70)
    assert first["duty_factor"] == pytest.approx(0.24 / 0.70)
    assert np.isnan(rows[-1]["step_s"]) and np.isnan(rows[-1]["stride_s"])


# --- end to end through MediaPipe -------------------------------------------------


_RENDERED: dict[str, tuple] = {}


def rendered_runner(tmp_path_factory, facing: str):
    """The good-form runner, 30 fps, 4 s, through MediaPipe (once per facing)."""
    if facing not in _RENDERED:
        from formcheck.pipeline import track_poses
        from formcheck.synth import PRESETS, SceneParams, write_clip

        scene = SceneParams(duration_s=4.0, facing=facing)
        path = tmp_path_factory.mktemp("run") / "run.mp4"
        clip = write_clip(path, PRESETS["good_form"], scene)
        _RENDERED[facing] = (track_poses(clip.video_path).track, clip.truth)
    return _RENDERED[facing]


@pytest.mark.slow
@pytest.mark.parametrize("facing", ["left", "right"])
def test_events_on_rendered_runner_through_mediapipe(tmp_path_factory, facing):
    track, truth = rendered_runner(tmp_path_factory, facing)
    events = detect_events(clean_track(track), side(facing))
    # Measured since landings are also timed by the foot stopping over the ground
    # (right-facing: 62 % of IC+TO within +-1 frame, was 67 %; 95 % within +-3, was
    # 90 %; cadence +0.0 %, was -1.0 %): the rendered foot comes down tangentially,
    # so neither cue has a sharp corner here, unlike real feet (the labelled real
    # clips went from 0/30 and 32/39 to 29/30 and 38/39 within +-2 frames). The
    # target (95 % within +-1 frame) is not met (see docs/validation.md). The bounds
    # leave a margin.
    assert found_fraction(events, truth, track, 30.0, tol_frames=1) >= 0.55
    assert found_fraction(events, truth, track, 30.0, tol_frames=3) >= 0.88
    cad = cadence_spm(events)
    assert abs(cad - 172) / 172 < 0.015


@pytest.mark.slow
@pytest.mark.parametrize("facing", ["left", "right"])
def test_per_side_overstride_agrees_on_a_symmetric_runner(tmp_path_factory, facing):
    from validate_events import label_accuracy

    from formcheck.gait.clean import _apply_swaps
    from formcheck.metrics.steps import step_records

    track, truth = rendered_runner(tmp_path_factory, facing)
    clean = clean_track(track)
    view = side(facing)
    steps = step_records(clean.xy, clean.time_s, detect_events(clean, view), view)
    median = {
        foot: float(
            np.nanmedian([s.values["overstride_ll"] for s in steps if s.foot == foot])
        )
        for foot in ("left", "right")
    }
    # Measured: left 0.23 / right 0.11 (facing left), true 0.14; with MediaPipe
    # looking for 3 people on every frame (its detector re-placing the body each
    # frame) it was 0.21 / 0.18. Before the L/R repair was rebuilt, one side read
    # -0.65 (the other foot's ankle): that is what this guards against. What remains
    # is MediaPipe's far foot, which it places up to ~0.1 leg lengths behind the
    # truth around landing: over all 14 rendered clips of docs/validation.md
    # |left - right| is 0.00-0.17 (median 0.08).
    assert abs(median["left"] - median["right"]) < 0.2
    for value in median.values():
        assert 0.0 < value < truth["summary"]["overstride_ll"] + 0.15
    # And the labels themselves (frames with the feet apart): measured 59 % -> 99 %
    # (left), 76 % -> 100 % (right).
    raw = np.where(track.detected[:, None, None], track.xy.astype(float), np.nan)
    repaired, _ = _apply_swaps(raw, track.visibility, clean.swapped)
    assert label_accuracy(repaired, truth) >= 95.0


@pytest.mark.slow
def test_cadence_on_the_real_treadmill_clip():
    path = CLIPS / "treadmill_side_male.mp4"
    if not path.exists():
        pytest.skip("needs ../shared/clips/treadmill_side_male.mp4 (not in the repo)")
    from formcheck.pipeline import track_poses

    label = json.loads((CLIPS / "LABELS.json").read_text())["treadmill_side_male.mp4"]
    track = track_poses(path).track
    events = detect_events(clean_track(track), side("left"))
    cad = cadence_spm(events)
    assert abs(cad - label["cadence_spm"]) / label["cadence_spm"] < 0.02


@pytest.mark.parametrize("through_filter", [False, True])
def test_kink_fit_is_not_delayed_by_the_filter(through_filter):
    from formcheck.config import DEFAULT, replace_section

    track, truth = synth_track(fps=240.0, facing="right", duration_s=2.5)
    th = replace_section(DEFAULT, "events", kink_through_filter=through_filter)
    events = detect_events(clean_track(track), side("right"), th)
    gt = scored_truth(truth, track)
    for kind in ("initial_contact", "toe_off"):
        m = match_events(
            [e for e in events if e.type == kind],
            [e for e in gt if e["type"] == kind],
            240.0,
            24,
        )
        # Measured (plain / through the filter): IC -14 / -11 ms, TO +12 / +13 ms.
        # Before the fit used one fixed set of samples: IC +28 ms, TO -23 ms.
        assert abs(np.mean(m["errors_ms"])) < 20


def test_contacts_one_after_the_other_are_not_duplicates():
    from formcheck.gait.events import _Contact, _dedupe

    late_landing = [_Contact("right", 1.73, 1.89), _Contact("left", 1.92, 2.19)]
    assert _dedupe(late_landing, 0.2) == late_landing
    same = [_Contact("left", 1.00, 1.25), _Contact("left", 1.05, 1.20)]
    assert _dedupe(same, 0.2) == [same[0]]


@pytest.mark.parametrize("drift_ll", [0.6, -0.6])
def test_contacts_follow_a_ground_that_moves_in_the_picture(drift_ll):
    """A camera alongside a road runner sees the ground line climb or sink in the
    image (the road's grade, the car's pitch): on a real tracking shot it rose 0.6
    leg lengths within 3 s of video. Exact landmarks shifted that way, with a zoom
    of 15 % over the clip: every contact is still found within a frame (a single
    image level for the clip, the earlier method, puts half of them in the air)."""
    track, truth = synth_track(fps=30.0, duration_s=4.0, treadmill=False)
    t = track.time_s
    leg = truth["leg_length_px"]
    shift = drift_ll * leg * t / t[-1]
    zoom = 1.0 + 0.15 * t / t[-1]
    centre = np.array([track.width / 2, track.height / 2])
    track.xy[:] = (track.xy - centre) * zoom[:, None, None] + centre
    track.xy[:, :, 1] += shift[:, None]
    events = detect_events(clean_track(track), side("right", treadmill=False))
    assert found_fraction(events, truth, track, 30.0) >= 0.95


def test_steadied_takes_the_cameras_vertical_shake_out():
    from formcheck.gait.scene import CameraPath, steadied

    xy = np.zeros((4, 33, 2))
    offset = np.array([[0.0, 0.0], [5.0, 2.0], [9.0, -3.0], [12.0, 1.5]])
    shaken = xy + offset[:, None, :]
    out = steadied(shaken, CameraPath(offset, 1.0))
    assert np.allclose(out[..., 1], 0.0)
    # Horizontal motion stays: footprints are measured relative to the hips.
    assert np.allclose(out[..., 0], shaken[..., 0])
    unknown = CameraPath(np.full((4, 2), np.nan), 0.0)
    assert steadied(shaken, unknown) is shaken


def test_local_statistic_is_held_at_the_ends_and_global_for_short_clips():
    from formcheck.gait.events import _local

    t = np.arange(120) / 30.0
    ramp = t.copy()
    out = _local(ramp, t, 1.0, np.mean)
    inner = (t >= 0.5) & (t <= t[-1] - 0.5)
    # A straight line's window mean is the line itself where the window fits ...
    assert np.allclose(out[inner], ramp[inner], atol=0.02)
    # ... and is held beyond, not biased by a one-sided window.
    assert np.allclose(out[t < 0.5], out[inner][0], atol=1e-9)
    assert np.allclose(out[t > t[-1] - 0.5], out[inner][-1], atol=1e-9)
    short = _local(ramp[:20], t[:20], 1.0, np.median)
    assert np.allclose(short, np.median(ramp[:20]))
    pooled = _local(np.column_stack([ramp, ramp + 1.0]), t, 1.0, np.mean)
    assert np.allclose(pooled[inner], ramp[inner] + 0.5, atol=0.02)
    assert np.isnan(_local(np.full(50, np.nan), t[:50], 1.0, np.mean)).all()


@pytest.mark.parametrize("true_kink", [0.50, 0.517])
def test_joint_hinge_finds_the_shared_corner(true_kink):
    """Height and position over the ground both stop at the landing; one hinge
    time fits both (to a tenth of a frame on clean signals)."""
    from formcheck.gait.events import _kink_time

    t = np.arange(60) / 60.0
    lag = np.maximum(0.0, true_kink - t)
    height = 0.02 + 1.5 * lag**1.5
    ground = 3.0 - 2.0 * lag  # forward over the ground until it lands
    fitted = _kink_time(
        t,
        np.column_stack([height, ground]),
        guess=true_kink + 0.05,
        window=0.1,
        landing=True,
        dt=1 / 60,
        before=0.1,
    )
    assert fitted == pytest.approx(true_kink, abs=0.1 / 60)
