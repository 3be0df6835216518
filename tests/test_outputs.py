"""Outputs: annotators (fast, hand-built landmarks), and on a real analysis of a sample
clip (slow, MediaPipe): annotated video, plots, HTML and the atomic bundle."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.outputs import annotate as A
from formcheck.outputs.bundle import MANIFEST, findings_to_json, write_outputs
from formcheck.outputs.html import HEALTH_NOTE, render_html
from formcheck.outputs.plots import write_plots
from formcheck.outputs.video import (
    FrameOverlay,
    flagged_at,
    output_size,
    runner_box,
    write_annotated_video,
)
from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarks import Landmark as L
from formcheck.rules.types import Evidence, Finding
from formcheck.video import VideoReader, probe

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "good_form.mp4"
REAR_CLIP = ROOT.parent / "shared" / "clips" / "rear_park_runner.mp4"


# --- factories -------------------------------------------------------------------


def mock_xy(w: int = 640, h: int = 480) -> np.ndarray:
    """A side-view runner facing right, filling most of a ``w`` x ``h`` frame."""
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    cx = w * 0.5

    def put(lm, x, y):
        xy[lm] = (cx + x * h, y * h)

    for side, dx in (("LEFT", -0.01), ("RIGHT", 0.01)):
        put(L[f"{side}_SHOULDER"], 0.03 + dx, 0.25)
        put(L[f"{side}_HIP"], 0.0 + dx, 0.55)
        put(L[f"{side}_EAR"], 0.04 + dx, 0.13)
        put(L[f"{side}_EYE"], 0.07 + dx, 0.12)
    put(L.NOSE, 0.08, 0.13)
    # Left leg forward (landing), right leg back.
    put(L.LEFT_KNEE, 0.10, 0.72)
    put(L.LEFT_ANKLE, 0.14, 0.90)
    put(L.LEFT_HEEL, 0.12, 0.93)
    put(L.LEFT_FOOT_INDEX, 0.20, 0.91)
    put(L.RIGHT_KNEE, -0.05, 0.72)
    put(L.RIGHT_ANKLE, -0.18, 0.80)
    put(L.RIGHT_HEEL, -0.21, 0.79)
    put(L.RIGHT_FOOT_INDEX, -0.16, 0.86)
    for side, s in (("LEFT", 1), ("RIGHT", -1)):
        put(L[f"{side}_ELBOW"], 0.03 + 0.08 * s, 0.40)
        put(L[f"{side}_WRIST"], 0.10 + 0.05 * s, 0.33)
    return xy


def blank(w: int = 640, h: int = 480) -> np.ndarray:
    return np.zeros((h, w, 3), np.uint8)


def finding(
    id="overstriding",
    status="flagged",
    severity="moderate",
    ranges=((1.0, 2.0),),
    frames=(30,),
    title=None,
    cue="Land under your hips",
    score=2.0,
) -> Finding:
    return Finding(
        id=id,
        status=status,
        severity=severity if status == "flagged" else None,
        title=title or id.replace("_", " ").capitalize(),
        message=f"{id} message",
        why="Because.",
        cue=cue,
        drills=("A-skips",),
        evidence=Evidence(
            "overstride_ll", 0.2, 0.15, "leg lengths", ">", 5, 10, ranges, frames, 0.7
        ),
        score=score,
    )


def near(colour_a, colour_b, tol: float = 40) -> bool:
    return (
        float(np.abs(np.asarray(colour_a, float) - np.asarray(colour_b, float)).max())
        <= tol
    )


# --- annotators (fast) -----------------------------------------------------------


def test_style_scales_with_frame_size():
    small, big = (
        A.Style.for_frame(blank(640, 480)),
        A.Style.for_frame(blank(1920, 1080)),
    )
    assert big.font_scale > 2 * small.font_scale
    assert big.line > small.line
    portrait = A.Style.for_frame(blank(720, 1280))
    assert portrait.font_scale == pytest.approx(
        A.Style.for_frame(blank(1280, 720)).font_scale
    )


def test_skeleton_draws_left_blue_right_orange():
    xy = mock_xy()
    img = A.draw_skeleton(blank(), xy)
    lk, rk = xy[L.LEFT_KNEE].round().astype(int), xy[L.RIGHT_KNEE].round().astype(int)
    # The dot at each knee is its side's colour.
    assert near(img[lk[1], lk[0]], A.LEFT)
    assert near(img[rk[1], rk[0]], A.RIGHT)
    # Nothing drawn far from the body.
    assert not img[:40, :40].any()


def test_skeleton_far_side_thinner_and_dimmer():
    xy = mock_xy()
    both = A.draw_skeleton(blank(), xy)
    near_left = A.draw_skeleton(blank(), xy, near="left")
    knee, ankle = xy[L.RIGHT_KNEE], xy[L.RIGHT_ANKLE]
    mid = ((knee + ankle) / 2).round().astype(int)
    assert near(both[mid[1], mid[0]], A.RIGHT)
    assert near(near_left[mid[1], mid[0]], np.asarray(A.RIGHT) * 0.65, 25)
    box = (slice(mid[1] - 12, mid[1] + 13), slice(mid[0] - 12, mid[0] + 13))
    assert (near_left[box].sum(-1) > 0).sum() < (both[box].sum(-1) > 0).sum()


def test_skeleton_fades_low_visibility_points():
    xy = mock_xy()
    vis = np.ones(NUM_LANDMARKS)
    vis[L.LEFT_ANKLE] = 0.1
    img = A.draw_skeleton(blank(), xy, vis)
    la = xy[L.LEFT_ANKLE].round().astype(int)
    lk = xy[L.LEFT_KNEE].round().astype(int)
    assert 0 < img[la[1], la[0]].max() < 0.6 * img[lk[1], lk[0]].max()


def test_skeleton_with_unknown_landmarks_draws_nothing():
    img = A.draw_skeleton(blank(), np.full((NUM_LANDMARKS, 2), np.nan))
    assert not img.any()


def test_angle_annotators_draw_near_the_joint_and_skip_nan():
    xy = mock_xy()
    hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
    sh = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
    img = A.draw_segment_from_vertical(blank(), hip, sh, 7.0, "trunk")
    x, y = hip.round().astype(int)
    assert img[y - 60 : y, x - 30 : x + 30].any()  # the vertical / arc above the hip
    img = A.draw_joint_flexion(
        blank(), xy[L.LEFT_HIP], xy[L.LEFT_KNEE], xy[L.LEFT_ANKLE], 40.0, "knee"
    )
    x, y = xy[L.LEFT_KNEE].round().astype(int)
    assert img[y - 30 : y + 30, x - 30 : x + 30].any()
    img = A.draw_segment_from_horizontal(
        blank(), xy[L.LEFT_HEEL], xy[L.LEFT_FOOT_INDEX], 12.0, "foot"
    )
    assert img.any()
    nan = np.array([np.nan, np.nan])
    assert not A.draw_segment_from_vertical(blank(), nan, sh, 7.0, "trunk").any()
    assert not A.draw_joint_flexion(
        blank(), nan, xy[L.LEFT_KNEE], xy[L.LEFT_ANKLE], 1.0, "knee"
    ).any()
    assert not A.draw_pelvis_line(blank(), np.full((33, 2), np.nan), 3.0).any()


def test_pelvis_line_for_rear_view():
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    xy[L.LEFT_HIP], xy[L.RIGHT_HIP] = (280, 300), (360, 290)
    img = A.draw_pelvis_line(blank(), xy, 7.0)
    assert img[285:305, 250:390].any()


def test_event_marker_fades_and_vanishes():
    p = np.array([320.0, 400.0])
    full = A.draw_event_marker(blank(), p, "IC L", colour=A.LEFT, strength=1.0)
    half = A.draw_event_marker(blank(), p, "IC L", colour=A.LEFT, strength=0.4)
    assert full.sum() > half.sum() > 0
    assert not A.draw_event_marker(blank(), p, "IC L", colour=A.LEFT, strength=0).any()


@pytest.mark.parametrize("severity", ["mild", "moderate", "marked"])
def test_banner_fills_top_rows_in_severity_colour(severity):
    img = A.draw_banner(blank(), "Overstriding", severity)
    bh = A.banner_height(img.shape)
    # Left margin of the band (no text there) is the severity colour at 85 %.
    assert near(img[bh // 2, 2], np.asarray(A.SEVERITY[severity]) * 0.85, 3)
    assert not img[bh + 1 :].any()


def test_banner_text_fits_narrow_portrait_frames():
    img = A.draw_banner(blank(360, 640), "A very long finding title " * 3, "marked")
    bh = A.banner_height(img.shape)
    assert np.all(img[:bh, -2] == img[bh // 2, -2])  # the text never reaches the edge


def test_label_stays_inside_frame_and_has_dark_background():
    img = np.full((200, 300, 3), 255, np.uint8)
    A.draw_label(img, "trunk 12°", (290, 190))
    changed = np.argwhere(np.any(img != 255, axis=-1))
    assert changed.size and changed[:, 0].max() < 200 and changed[:, 1].max() < 300
    assert img[195, 295].max() < 255 and img[changed[:, 0].min(), 299].max() < 255


def test_degree_sign_is_drawn():
    style = A.Style.for_frame(blank())
    assert A.text_size("12°", style)[0] > A.text_size("12", style)[0]
    assert A.fmt_deg(float("nan")) == "?"
    assert A.fmt_deg(3.4, signed=True) == "+3°"


def test_output_size_is_even_and_keeps_aspect():
    assert output_size(1920, 1080, 1280) == (1280, 720)
    assert output_size(720, 1280, 1280) == (720, 1280)
    w, h = output_size(1081, 1921, 1280)
    assert w % 2 == 0 and h % 2 == 0 and abs(w / h - 1081 / 1921) < 0.01


def test_runner_box_crops_small_runners_only():
    small = mock_xy(640, 480) * 0.3 + (20, 200)  # a small runner, lower left
    x0, y0, x1, y1 = runner_box(small, (720, 1280))
    pts = small[np.isfinite(small).all(axis=1)]
    assert x0 <= pts[:, 0].min() and x1 >= pts[:, 0].max()
    assert y0 <= pts[:, 1].min() and y1 >= pts[:, 1].max()
    assert 0 <= x0 < x1 <= 1280 and 0 <= y0 < y1 <= 720
    assert (x1 - x0) >= 0.8 * (y1 - y0) - 1
    assert runner_box(mock_xy(400, 480), (480, 400)) is None  # fills the frame
    assert runner_box(np.full((33, 2), np.nan), (480, 640)) is None


def test_flagged_at_orders_by_severity_and_ignores_ok():
    mild = finding("a", severity="mild", ranges=((0, 5),))
    marked = finding("b", severity="marked", ranges=((1, 2),))
    ok = finding("c", status="ok", ranges=((0, 5),))
    assert [f.id for f in flagged_at([mild, marked, ok], 1.5)] == ["b", "a"]
    assert [f.id for f in flagged_at([mild, marked, ok], 3.0)] == ["a"]
    assert flagged_at([mild, marked], 9.0) == []


def test_findings_to_json_is_strict_json():
    f = dataclasses.replace(
        finding(), evidence=dataclasses.replace(finding().evidence, value=math.nan)
    )
    data = findings_to_json([f, Finding("x", "not_judged", "X", "needs a rear view")])
    text = json.dumps(data, allow_nan=False)
    assert data[0]["evidence"]["value"] is None
    assert data[0]["evidence"]["time_ranges"] == [[1.0, 2.0]]
    assert data[1]["evidence"] is None and '"status": "not_judged"' in text
    assert set(data[0]) >= {
        "id",
        "status",
        "severity",
        "title",
        "message",
        "why",
        "cue",
        "drills",
        "evidence",
    }


# --- on a real analysis (slow) ---------------------------------------------------


@pytest.fixture(scope="module")
def analysis():
    from formcheck.analysis import analyze_video

    return analyze_video(SAMPLE)


@pytest.fixture(scope="module")
def findings(analysis):
    steps = analysis.steps
    return [
        finding(
            "overstriding",
            severity="moderate",
            ranges=((1.0, 2.0),),
            frames=(steps[2].ic_frame,),
            cue="Land with your foot under your hips",
            score=3.0,
        ),
        finding(
            "heel_strike",
            severity="mild",
            ranges=((3.0, 3.5),),
            frames=(steps[4].ic_frame,),
            title="Heel <strike> & co",
            cue="Quiet feet",
            score=1.0,
        ),
        finding("trunk_lean", status="ok", ranges=(), frames=(), title="Trunk lean"),
        Finding("pelvic_drop", "not_judged", "Pelvic drop", "Needs a rear view."),
    ]


def decode(path) -> list:
    with VideoReader(path) as rd:
        return [(f.time_s, f.image) for f in rd]


@pytest.fixture(scope="module")
def annotated(analysis, findings, tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "annotated.mp4"
    calls = []
    captured = write_annotated_video(
        analysis,
        findings,
        path,
        progress=lambda d, t: calls.append((d, t)),
        capture=[10],
    )
    return path, captured, calls


@pytest.mark.slow
def test_annotated_video_same_frames_size_and_codec(analysis, annotated):
    path, captured, calls = annotated
    src, out = probe(SAMPLE), probe(path)
    assert out.codec == "h264"
    assert out.width / out.height == pytest.approx(src.width / src.height, rel=0.01)
    assert out.fps == pytest.approx(src.fps, rel=0.01)
    assert out.duration_s == pytest.approx(src.duration_s, abs=1.5 / src.fps)
    n_out = len(decode(path))
    assert n_out == len(decode(SAMPLE)) == len(analysis.clean)
    assert calls[-1][0] == n_out
    assert 10 in captured and captured[10].shape == (out.height, out.width, 3)


@pytest.mark.slow
def test_annotated_frame_differs_around_the_skeleton(analysis, annotated):
    path, _, _ = annotated
    k = 40
    src, out = decode(SAMPLE)[k][1].astype(int), decode(path)[k][1].astype(int)
    diff = np.abs(src - out).max(axis=-1)
    xy = analysis.clean.xy[k]
    # Along the near thigh and shin (drawn boldly over the body; the far leg's
    # bones are thin and faint, so they are not tested here).
    from formcheck.outputs.video import near_side

    near = near_side(analysis).upper()
    hip, knee, ankle = (L[f"{near}_{j}"] for j in ("HIP", "KNEE", "ANKLE"))
    for a, b in ((hip, knee), (knee, ankle)):
        p = ((xy[a] + xy[b]) / 2).round().astype(int)
        assert diff[p[1] - 3 : p[1] + 4, p[0] - 3 : p[0] + 4].max() > 60
    # Far from the runner and the overlays only compression noise remains.
    h, w = diff.shape
    assert np.median(diff[h // 2 :, w - 60 : w - 20]) < 12


@pytest.mark.slow
def test_banner_only_inside_flagged_time_ranges(annotated):
    path, _, _ = annotated
    frames, sources = decode(path), decode(SAMPLE)
    bh = A.banner_height(frames[0][1].shape)

    def banner_like(k: int, severity: str) -> bool:
        # The band is the severity colour blended 85 % over the picture.
        expected = (
            0.85 * np.asarray(A.SEVERITY[severity]) + 0.15 * sources[k][1][bh // 2, 3]
        )
        return near(frames[k][1][bh // 2, 3], expected, 25)

    times = [t for t, _ in frames]
    inside = [k for k, t in enumerate(times) if 1.05 <= t <= 1.95]
    mild = [k for k, t in enumerate(times) if 3.05 <= t <= 3.45]
    outside = [
        k for k, t in enumerate(times) if not (0.95 <= t <= 2.05 or 2.95 <= t <= 3.55)
    ]
    assert inside and mild and outside
    assert all(banner_like(k, "moderate") for k in inside)
    assert all(banner_like(k, "mild") for k in mild)
    assert not any(banner_like(k, sev) for k in outside for sev in ("mild", "moderate"))
    # Outside, the top-left corner is the untouched picture (up to compression).
    assert all(
        near(frames[k][1][bh // 2, 3], sources[k][1][bh // 2, 3], 12) for k in outside
    )


@pytest.mark.slow
def test_overlay_without_events_or_findings(analysis):
    quiet = dataclasses.replace(analysis, events=[], steps=[])
    img = np.zeros((480, 640, 3), np.uint8)
    FrameOverlay(quiet, []).draw(img, 20, time_s=0.6)
    assert img.any()
    assert not img[A.banner_height(img.shape) // 2, 3].any()  # no banner


@pytest.mark.slow
def test_plots_are_readable_pngs(analysis, tmp_path):
    bands = {
        "overstride_ll": [(0.15, None, "overstride", "#ff7f0e")],
        "trunk_lean_deg": [(None, 0.0, "leaning back", "red")],
    }
    paths = write_plots(analysis, tmp_path, bands=bands)
    assert [p.name for p in paths] == ["metrics_over_time.png", "steps_left_right.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        img = cv2.imread(str(p))
        assert img.shape[0] >= 500 and img.shape[1] >= 800
        assert 20_000 < p.stat().st_size < 2_000_000
    assert not list(tmp_path.glob(".*"))  # atomic writes left nothing behind


@pytest.mark.slow
def test_plots_without_steps(analysis, tmp_path):
    quiet = dataclasses.replace(analysis, events=[], steps=[])
    assert [p.name for p in write_plots(quiet, tmp_path)] == ["metrics_over_time.png"]


def _step_rows_in_html(html: str) -> int:
    section = html.split("<h2>Step by step</h2>", 1)[1].split("<h2>", 1)[0]
    return section.count("<tr>") - 1  # minus the header row


@pytest.mark.slow
def test_html_is_self_contained_and_complete(analysis, findings, tmp_path):
    plots = write_plots(analysis, tmp_path)
    html = render_html(
        analysis,
        findings,
        plots=plots,
        key_frames={"overstriding": b"\x89PNG fake"},
        report={},
    )
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html.lower()
    for f in findings:
        assert (
            f.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            in html
        )
    assert "Heel <strike>" not in html  # escaped
    for f in findings[:2]:
        assert f.cue in html
    assert HEALTH_NOTE in html
    assert _step_rows_in_html(html) == len(analysis.steps)
    assert html.count("data:image/png;base64,") == len(plots) + 1
    for note in analysis.notes:
        assert note.split(":")[0] in html
    # Ranked: the headline lists the higher-scored finding first.
    head = html.split("<h2>Headline</h2>", 1)[1].split("<h2>", 1)[0]
    assert head.index("Overstriding") < head.index("Heel &lt;strike&gt;")
    assert "What&#x27;s good" in html or "What's good" in html
    assert "Not judged" in html


@pytest.mark.slow
def test_html_without_findings_or_steps(analysis):
    quiet = dataclasses.replace(analysis, events=[], steps=[])
    html = render_html(quiet, [], plots=[], key_frames={}, report={})
    assert "No steps were detected" in html and HEALTH_NOTE in html


EXPECTED = {
    "report.json",
    "frames.csv",
    "steps.csv",
    "annotated.mp4",
    "report.html",
    "plots/metrics_over_time.png",
    "plots/steps_left_right.png",
    "frames/overstriding.png",
    "frames/heel_strike.png",
}


@pytest.mark.slow
def test_write_outputs_produces_every_file_and_no_temp(analysis, findings, tmp_path):
    out = tmp_path / "result"
    paths = write_outputs(analysis, findings, out)
    assert set(paths) == EXPECTED
    assert all((out / r).is_file() and (out / r).stat().st_size > 0 for r in EXPECTED)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result"]
    # No temporary file; the one hidden file is the list of what formcheck wrote.
    hidden = [p.relative_to(out) for p in out.rglob("*") if p.name.startswith(".")]
    assert hidden == [Path(MANIFEST)]
    assert set(json.loads((out / MANIFEST).read_text())["files"]) == EXPECTED
    report = json.loads((out / "report.json").read_text())
    assert [f["id"] for f in report["findings"]] == [f.id for f in findings]
    assert report["findings"][0]["evidence"]["steps_total"] == 10
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 + 2  # plots + flagged key frames
    key = cv2.imread(str(out / "frames" / "overstriding.png"))
    assert key is not None and key.shape[0] >= 720  # enlarged for the page


@pytest.mark.slow
def test_write_outputs_failure_keeps_previous_result(
    analysis, findings, tmp_path, monkeypatch
):
    out = tmp_path / "result"
    write_outputs(analysis, findings, out)
    (out / "notes.txt").write_text("user file")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("formcheck.outputs.bundle.render_html", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_outputs(analysis, findings[:1], out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result"]


@pytest.mark.slow
def test_write_outputs_replaces_stale_key_frames(analysis, findings, tmp_path):
    out = tmp_path / "result"
    write_outputs(analysis, findings, out)
    write_outputs(analysis, findings[:1], out)
    assert sorted(p.name for p in (out / "frames").iterdir()) == ["overstriding.png"]


@pytest.mark.slow
@pytest.mark.skipif(not REAR_CLIP.exists(), reason="shared clips not available")
def test_rear_view_outputs(tmp_path):
    from formcheck.analysis import analyze_video

    rear = analyze_video(REAR_CLIP, end_s=2.0)
    assert rear.view.kind == "rear"
    f = finding("pelvic_drop", ranges=((0.5, 1.0),), frames=(20,))
    paths = write_outputs(rear, [f], tmp_path / "rear")
    assert {
        "annotated.mp4",
        "report.html",
        "plots/metrics_over_time.png",
        "frames/pelvic_drop.png",
    } <= set(paths)
    assert len(decode(paths["annotated.mp4"])) == len(rear.clean)


@pytest.mark.slow
@pytest.mark.parametrize("rotation, vfr", [(90, False), (0, True)])
def test_annotated_video_upright_and_vfr(analysis, tmp_path, rotation, vfr):
    """A phone-style clip (rotated storage, or variable frame rate) comes out upright,
    with every frame, in order, and the same duration."""
    from helpers_video import write_clip

    n = 40
    pts = None
    if vfr:  # intervals alternating 25 and 42 ms
        pts = list(np.cumsum([0] + [25 if k % 2 else 42 for k in range(n - 1)]))
    clip = write_clip(
        tmp_path / "phone.mp4", n, size=(640, 480), rotation=rotation, pts_ms=pts
    )
    src = probe(clip)
    # The landmarks of the sample on this clip's pictures: only the pixels matter here.
    with VideoReader(clip) as rd:
        times = np.array([f.time_s for f in rd])
    c = analysis.clean
    clean = dataclasses.replace(
        c,
        frame_index=c.frame_index[:n],
        time_s=times,
        xy=c.xy[:n],
        visibility=c.visibility[:n],
        observed=c.observed[:n],
        swapped=c.swapped[:n],
    )
    fake = dataclasses.replace(
        analysis, run=dataclasses.replace(analysis.run, video=src), clean=clean
    )
    out_path = tmp_path / "out.mp4"
    write_annotated_video(fake, [], out_path)
    out = probe(out_path)
    assert (out.width, out.height) == (640, 480)
    assert out.rotation == 0
    assert out.duration_s == pytest.approx(src.duration_s, abs=2.5 / src.fps)
    a, b = decode(clip), decode(out_path)
    assert len(b) == len(a) == n
    # Upright and in order: the noise texture of the lower half matches frame by frame.
    for k in (0, n // 2, n - 1):
        diff = np.abs(a[k][1][300:].astype(int) - b[k][1][300:].astype(int))
        assert np.median(diff) < 40
        if k:
            other = np.abs(a[k - 1][1][300:].astype(int) - b[k][1][300:].astype(int))
            assert np.median(other) > np.median(diff) + 20
