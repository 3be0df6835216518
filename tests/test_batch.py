"""``formcheck batch`` end to end: outputs, bad clips, resuming, Dask, odd file names.

These run MediaPipe on the rendered sample clips (marked slow).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers_video import write_clip as write_test_pattern

from formcheck.batch.inputs import expand_inputs
from formcheck.batch.runner import DONE_FILE, plan, run_batch, settings_for
from formcheck.batch.summary import summary_rows
from formcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"

pytestmark = pytest.mark.slow


def run_cli(*args: str) -> int:
    try:
        main(["batch", *args])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def done(folder: Path) -> dict:
    return json.loads((folder / DONE_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def squad(tmp_path_factory) -> Path:
    """Two athletes' good clips, a corrupt file and a clip with nobody in it."""
    root = tmp_path_factory.mktemp("squad")
    (root / "clips").mkdir()
    shutil.copy(SAMPLES / "good_form.mp4", root / "clips" / "ann_easy.mp4")
    shutil.copy(SAMPLES / "overstride_heel_strike.mp4", root / "clips" / "bob.mp4")
    (root / "clips" / "corrupt.mp4").write_bytes(
        b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000)
    )
    write_test_pattern(root / "clips" / "empty_track.mp4", 40, size=(320, 240))
    (root / "squad.csv").write_text(
        "path,athlete,date,view,notes\n"
        "clips/ann_easy.mp4,Ann,2026-03-01,,easy run\n"
        "clips/bob.mp4,Bob,2026-03-02,side,\n"
        "clips/corrupt.mp4,Bob,2026-03-02,,\n"
        "clips/empty_track.mp4,Ann,2026-03-03,,\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def first_run(squad, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    code = run_cli(str(squad / "squad.csv"), "--out", str(out), "--workers", "2", "-q")
    return out, code


def test_batch_writes_every_good_clip_and_an_error_row_for_each_bad_one(first_run):
    out, code = first_run
    assert code == 1  # finished, but some clips failed
    for folder in (out / "Ann" / "ann_easy", out / "Bob" / "bob"):
        for name in ("report.json", "report.html", "annotated.mp4", "frames.csv"):
            assert (folder / name).is_file(), folder / name
        record = done(folder)
        assert record["status"] == "ok" and record["error"] is None
        assert 150 < record["metrics"]["cadence_spm"] < 195
    bob = done(out / "Bob" / "bob")
    assert "overstriding" in [f["id"] for f in bob["findings"]]
    corrupt = done(out / "Bob" / "corrupt")
    assert corrupt["status"] == "failed" and corrupt["error_kind"] == "input"
    assert "video" in corrupt["error"].lower()
    empty = done(out / "Ann" / "empty_track")
    assert empty["status"] == "failed" and "No person" in empty["error"]
    with open(out / "summary.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_clip = {r["clip"]: r for r in rows}
    assert set(by_clip) == {"ann_easy.mp4", "bob.mp4", "corrupt.mp4", "empty_track.mp4"}
    assert by_clip["corrupt.mp4"]["status"] == "failed"
    assert by_clip["corrupt.mp4"]["error"]
    assert by_clip["ann_easy.mp4"]["status"] == "ok"
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert 'href="Ann/ann_easy/report.html"' in html
    assert (out / "formcheck.db").is_file()


def test_a_rerun_skips_finished_clips_and_force_redoes_them(squad, first_run):
    out, _ = first_run
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob(DONE_FILE)}
    assert len(stamps) == 4
    t0 = time.perf_counter()
    code = run_cli(str(squad / "squad.csv"), "--out", str(out), "-q")
    assert code == 1
    assert time.perf_counter() - t0 < 10  # nothing analysed again
    assert {p: p.stat().st_mtime_ns for p in out.rglob(DONE_FILE)} == stamps
    # --force redoes a finished clip.
    single = (str(squad / "clips" / "ann_easy.mp4"), "--out", str(out / "one"), "-q")
    assert run_cli(*single) == 0
    record = out / "one" / "unknown" / "ann_easy" / DONE_FILE
    first = record.stat().st_mtime_ns
    assert run_cli(*single) == 0
    assert record.stat().st_mtime_ns == first
    assert run_cli(*single, "--force") == 0
    assert record.stat().st_mtime_ns > first


def test_a_batch_killed_midway_finishes_on_the_next_run(squad, tmp_path):
    clips = [squad / "clips" / n for n in ("ann_easy.mp4", "bob.mp4")]
    extra = tmp_path / "more"
    extra.mkdir()
    for k in range(2):
        shutil.copy(SAMPLES / "hip_bend.mp4", extra / f"hip_{k}.mp4")
    out = tmp_path / "out"
    cmd = [
        sys.executable, "-m", "formcheck", "batch", *map(str, clips), str(extra),
        "--out", str(out), "--workers", "1", "-q",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not list(out.rglob(DONE_FILE)) and time.monotonic() < deadline:
            assert proc.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.2)
        finished = {p: p.stat().st_mtime_ns for p in out.rglob(DONE_FILE)}
        assert 1 <= len(finished) < 4
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, at once
        proc.wait()
    code = subprocess.run(cmd, check=False).returncode
    assert code == 0
    records = {p: p.stat().st_mtime_ns for p in out.rglob(DONE_FILE)}
    assert len(records) == 4
    for path, stamp in finished.items():
        assert records[path] == stamp, f"{path} was analysed again"
    for path in records:
        assert (path.parent / "report.html").is_file()


def test_odd_file_names_stay_inside_the_batch_folder_and_do_not_collide(tmp_path):
    src = tmp_path / "in"
    names = ["my run.mp4", "Zoë ü 走る.mp4", "a..b.mp4", "x/clip.mp4", "y/clip.mp4"]
    for name in names:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLES / "good_form.mp4", src / name)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,athlete\n"
        + "".join(
            f"in/{n},../../{'..' if k else 'Zoë'}\n" for k, n in enumerate(names)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = run_cli(str(manifest), "--out", str(out), "--workers", "2", "-q")
    assert code == 0
    folders = sorted(p.parent for p in out.rglob(DONE_FILE))
    assert len(folders) == len(names)
    for folder in folders:
        assert folder.resolve().is_relative_to(out.resolve())
        assert (folder / "report.html").is_file()
    assert not list(tmp_path.glob("*.html"))  # nothing escaped above the batch folder


def test_the_dask_path_gives_the_same_results_as_local_workers(squad, tmp_path):
    distributed = pytest.importorskip("distributed")
    jobs = expand_inputs(
        [str(squad / "clips" / n) for n in ("ann_easy.mp4", "bob.mp4")]
    )
    settings = settings_for()
    local = run_batch(plan(jobs, settings, tmp_path / "local", False), settings,
                      tmp_path / "local", workers=2)  # fmt: skip
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_batch(
            plan(jobs, settings, tmp_path / "dask", False),
            settings,
            tmp_path / "dask",
            dask_scheduler=cluster.scheduler_address,
        )
    assert [r.status for r in remote] == [r.status for r in local] == ["ok", "ok"]
    for a, b in zip(local, remote, strict=True):
        assert a.key == b.key and a.metrics == b.metrics and a.findings == b.findings
    # The squad summary is the same table either way.
    assert summary_rows(remote) == summary_rows(local)
    a = json.loads((tmp_path / "local" / "unknown" / "bob" / "report.json").read_text())
    b = json.loads((tmp_path / "dask" / "unknown" / "bob" / "report.json").read_text())
    assert a["summary"] == b["summary"] and a["events"] == b["events"]


def test_an_out_folder_inside_the_input_folder_is_never_analysed(tmp_path):
    squad = tmp_path / "squad"
    squad.mkdir()
    shutil.copy(SAMPLES / "good_form.mp4", squad / "ann.mp4")
    out = squad / "out"
    for _ in range(2):  # the rerun must not pick up the annotated.mp4 it wrote
        assert run_cli(str(squad), "--out", str(out), "--workers", "1", "-q") == 0
        with open(out / "summary.csv", encoding="utf-8") as fh:
            assert [r["clip"] for r in csv.DictReader(fh)] == ["ann.mp4"]
    assert (out / "unknown" / "ann" / "annotated.mp4").is_file()
    assert len(list(out.rglob(DONE_FILE))) == 1
