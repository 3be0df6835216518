"""The Streamlit page (streamlit_app.py): its pure helpers, and the page in AppTest."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

pytest.importorskip(
    "streamlit", reason="the app extra is not installed (pip install .[app])"
)

from streamlit.testing.v1 import AppTest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
sys.path.insert(0, str(ROOT))

import streamlit_app as app  # noqa: E402


def _finding(**evidence) -> dict:
    ev = {
        "metric": "overstride_ll",
        "value": 0.527,
        "threshold": 0.52,
        "unit": "leg lengths",
        "comparison": ">",
        "steps_affected": 10,
        "steps_total": 11,
        "time_ranges": [[1.2, 4.3]],
        "frames": [14],
        "confidence": 0.86,
    }
    ev.update(evidence)
    return {
        "id": "overstriding",
        "status": "flagged",
        "title": "Overstriding",
        "evidence": ev,
    }


def _report(**parts) -> dict:
    report = {
        "detection": {"frames_with_person": 150, "detection_rate": 1.0},
        "view": {
            "kind": "side",
            "facing": "right",
            "treadmill": True,
            "activity": "running",
        },
        "summary": {"cadence_spm": 171.6, "n_steps": 13},
        "events": [
            {"type": "initial_contact", "frame": 3, "time_s": 0.1, "foot": "left"},
            {"type": "toe_off", "frame": 9, "time_s": 0.3, "foot": "left"},
        ],
        "frames": [
            {"time_s": 0.0, "metrics": {"trunk_lean_deg": 5.0, "head_pitch_deg": None}},
            {"time_s": 0.1, "metrics": {"trunk_lean_deg": 6.0, "head_pitch_deg": None}},
            {"time_s": 0.2, "metrics": None},
        ],
    }
    report.update(parts)
    return report


@pytest.mark.parametrize(
    ("data", "name", "max_mb", "expected"),
    [
        (b"x" * 10, "run.mp4", 1, None),
        (b"x" * 10, "RUN.MOV", 1, None),
        (b"x" * 10, "run.webm", 1, None),
        (b"hello", "notes.txt", 1, "not a video file"),
        (b"hello", "noextension", 1, "not a video file"),
        (b"x" * (2 * 2**20), "big.mp4", 1, "the limit is 1 MB"),
        (b"", "empty.mp4", 1, "is empty"),
    ],
)
def test_check_upload(data, name, max_mb, expected):
    problem = app.check_upload(data, name, max_mb)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem


def test_run_analysis_text_renamed_mp4_is_a_friendly_error():
    result = app.run_analysis(b"just some notes\n" * 100, "notes.mp4", app.Options())
    assert result["report"] is None and result["files"] == {}
    assert result["error"] and "Traceback" not in result["error"]
    assert result["error"] != app.GENERIC_ERROR  # a VideoError, said plainly
    assert "notes.mp4" in result["error"] and "not a video" in result["error"]
    assert "formcheck-app-" not in result["error"]  # not our temporary path


def test_run_analysis_unexpected_error_is_generic_and_logged(monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(app, "analyse", boom)
    result = app.run_analysis(b"x", "run.mp4", app.Options())
    assert result["error"] == app.GENERIC_ERROR
    assert "internal detail" in caplog.text


def test_run_analysis_too_large_before_decoding():
    result = app.run_analysis(
        b"x" * (2 * 2**20), "big.mp4", app.Options(max_upload_mb=1)
    )
    assert "limit is 1 MB" in result["error"]


def test_jump_time_and_number_line():
    f = _finding()
    assert app.jump_time(f) == pytest.approx(0.9)
    assert app.jump_time(_finding(time_ranges=[[0.1, 1.0]])) == 0.0
    assert app.jump_time(_finding(time_ranges=[])) is None
    assert app.jump_time({"evidence": None}) is None
    # Report times are real time; a 2x slow-motion video shows them twice as late.
    assert app.jump_time(f, slowmo=2.0) == pytest.approx(2 * 1.2 - 0.3)
    assert app.number_line(f) == "0.53 leg lengths (over 0.52), in 10 of 11 steps"
    assert app.number_line(_finding(value=None)) == ""
    below = app.number_line(
        _finding(
            value=162.0, threshold=165, unit="steps/min", comparison="<", steps_total=0
        )
    )
    assert below == "162 steps/min (under 165)"


@pytest.mark.parametrize(
    ("detection", "activity", "expected"),
    [
        ({"frames_with_person": 150}, "running", None),
        ({"frames_with_person": 0}, "none", "No person was found"),
        ({"frames_with_person": 90}, "walking", "looks like walking"),
        ({"frames_with_person": 90}, "none", "looks like not running"),
    ],
)
def test_problem_with_clip(detection, activity, expected):
    report = _report(detection=detection, view={"activity": activity})
    problem = app.problem_with_clip(report)
    assert problem is None if expected is None else expected in problem


def test_chart_data_from_report():
    report = _report()
    assert app.available_metrics(report) == ["trunk_lean_deg"]
    df = app.metric_frame(report, ["trunk_lean_deg", "head_pitch_deg"])
    assert df["value"].tolist() == [5.0, 6.0]
    assert app.metric_label("knee_flexion_left_deg") == "knee flexion left (°)"
    assert set(df["metric"]) == {"trunk_lean_deg"}
    ic = app.contact_frame(report)
    assert ic.to_dict("records") == [{"time_s": 0.1, "foot": "left"}]


def test_clip_summary():
    text = app.clip_summary(_report())
    assert text.startswith("side view, facing right · treadmill · running")
    assert "cadence 172 steps/min" in text and "13 steps" in text


def test_page_before_upload_shows_guide_and_no_error():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert any("How to film" in e.label for e in at.expander)
    assert any("Upload a video or try the sample" in i.value for i in at.info)
    assert [b.label for b in at.button] == ["Try a sample video"]


def _markdown_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [s.value for s in at.subheader]
    return "\n".join(parts)


@pytest.mark.slow
def test_sample_run_shows_overstriding_and_is_cached(monkeypatch):
    import formcheck.analysis

    calls = []
    real = formcheck.analysis.analyze_video

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(formcheck.analysis, "analyze_video", counting)
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at.button[0].click().run()
    assert not at.exception
    assert not at.error
    subheaders = [s.value for s in at.subheader]
    text = _markdown_text(at)
    titles = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert titles[0].startswith("#### 1. Overstriding")
    assert "**Cue:**" in text and "**Drill:**" in text and "confidence" in text
    assert "leg lengths" in text  # the number behind the finding
    assert "Step by step" in subheaders and "Downloads" in subheaders
    assert any(
        "not a diagnosis" in c.value or "health professional" in c.value
        for c in at.caption
    )
    assert len(calls) == 1
    assert len(at.get("video")) == 1  # the annotated video

    # A display widget changes: the page redraws from the cache, no new analysis.
    at.multiselect(key="chart_metrics").set_value(["trunk_lean_deg"]).run()
    assert not at.exception
    assert len(calls) == 1

    # "Show in the video" moves the player to where the finding shows.
    jump = next(b for b in at.button if b.label.startswith("▶ Show in the video"))
    jump.click().run()
    assert not at.exception
    assert at.session_state["video_start"] > 0
    assert len(calls) == 1


@pytest.mark.slow
def test_sample_run_with_options_reanalyses(monkeypatch):
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at.sidebar.checkbox[0].uncheck()
    at.sidebar.number_input[0].set_value(178)
    start = time.monotonic()
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert time.monotonic() - start < 180
    assert "#### 1. Overstriding" in _markdown_text(at)
