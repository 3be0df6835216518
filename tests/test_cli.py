"""The command line as a user meets it: exit codes, one-line errors, written files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_video import truncate, write_audio, write_clip, write_image

from formcheck.pose.landmarks import LANDMARK_NAMES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "good_form.mp4"


def formcheck(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]


def _bad_inputs(tmp: Path) -> dict[str, Path]:
    empty = tmp / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    folder = tmp / "folder.mp4"
    folder.mkdir()
    good = write_clip(tmp / "good.mp4", 60)
    return {
        "missing": tmp / "does-not-exist.mp4",
        "empty": empty,
        "text": text,
        "directory": folder,
        "image": write_image(tmp / "photo.png", "png"),
        "audio": write_audio(tmp / "sound.m4a"),
        "truncated header": truncate(good, tmp / "cut.mp4", 400),
    }


@pytest.mark.parametrize(
    "kind",
    ["missing", "empty", "text", "directory", "image", "audio", "truncated header"],
)
def test_bad_input_is_one_clear_line_and_exit_2(tmp_path, kind):
    path = _bad_inputs(tmp_path)[kind]
    _assert_one_line_error(formcheck("analyze", path, "--quiet"), path.name)


@pytest.mark.slow
def test_analyze_sample_prints_table_and_writes_json_and_csv(tmp_path):
    out_json, out_csv = tmp_path / "r.json", tmp_path / "f.csv"
    proc = formcheck(
        "analyze", SAMPLE, "--json", out_json, "--csv", out_csv, "--every", "10"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "frame by frame" in proc.stdout
    assert "found in 150/150 frames" in proc.stdout
    assert "side, facing right" in proc.stdout
    assert "activity: running" in proc.stdout
    assert "cadence_spm" in proc.stdout

    report = json.loads(out_json.read_text())
    # The documented contract (docs/report-format.md).
    assert {"formcheck_version", "video", "model", "frames"} <= report.keys()
    assert {"path", "width", "height", "fps", "n_frames", "duration_s", "rotation"} <= (
        report["video"].keys()
    )
    assert report["model"]["variant"] == "full"
    assert len(report["model"]["sha256"]) == 64
    frames = report["frames"]
    assert [f["index"] for f in frames] == list(range(150))
    assert frames[30]["time_s"] == pytest.approx(1.0)
    assert all(f["detected"] for f in frames)
    assert len(frames[0]["landmarks"]) == 33 and len(frames[0]["landmarks"][0]) == 4
    x, y, _, vis = frames[0]["landmarks"][23]  # left hip
    assert 250 < x < 390 and 200 < y < 400 and vis > 0.5

    with out_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 150
    assert rows[0]["frame"] == "0" and rows[0]["detected"] == "1"
    assert f"{LANDMARK_NAMES[32]}_visibility" in rows[0]
    assert float(rows[5]["trunk_lean_deg"]) == pytest.approx(5.0, abs=4.0)


@pytest.mark.slow
def test_quiet_prints_nothing_on_success(tmp_path):
    proc = formcheck("analyze", SAMPLE, "--quiet", "--end", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_unknown_model_variant_is_a_usage_error():
    proc = formcheck("analyze", SAMPLE, "--model-variant", "huge")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_synth_writes_a_clip_and_its_truth(tmp_path):
    out = tmp_path / "r.mp4"
    proc = formcheck(
        "synth", out, "--preset", "hip_bend", "--duration", "0.5", "--fps", "24"
    )
    assert proc.returncode == 0, proc.stderr
    truth = json.loads(out.with_suffix(".truth.json").read_text())
    assert truth["runner"]["hip_bend_deg"] == 16.0
    assert truth["video"]["n_frames"] == 12
    assert out.stat().st_size > 1000
