"""Hostile input to ``formcheck batch``: the right result, or one ``error:`` line and
exit code 2 before any work; never a traceback.

No MediaPipe: the analysis of a clip is replaced by :func:`fake_analyze`, which writes
what the real one writes (``annotated.mp4``, ``report.json``, the list of files) and
returns an "ok" result, and clips are analysed in this process. Everything around it
(inputs, planning, resuming, history, summary, terminal lines) is the real code.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import threading
from pathlib import Path

import pytest

from formcheck.batch import runner
from formcheck.batch.inputs import (
    BATCH_MARKER,
    OUTPUTS_LIST,
    assign_output_folders,
    expand_inputs,
)
from formcheck.batch.records import ClipJob, ClipResult
from formcheck.batch.runner import (
    DONE_FILE,
    BatchSettings,
    check_scheduler_address,
    plan,
    run_batch,
)
from formcheck.cli import main
from formcheck.cli.batch import _status_line
from formcheck.errors import FormcheckError
from formcheck.textsafe import terminal_text


def touch(path: Path, data: bytes = b"not really a video") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def fake_analyze(
    job: ClipJob, settings: BatchSettings, out_dir: Path, key: str, sha: str
) -> ClipResult:
    """Stands in for runner._analyze: the outputs of an analysed clip."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "annotated.mp4").write_bytes(Path(job.path).read_bytes() + b"!")
    (out_dir / "report.json").write_text("{}")
    (out_dir / OUTPUTS_LIST).write_text(
        json.dumps({"files": ["annotated.mp4", "report.json"]})
    )
    return ClipResult(
        job=job,
        key=key,
        content_sha256=sha,
        status="ok",
        activity="running",
        view="side",
        duration_s=5.0,
        metrics={"cadence_spm": 170.0, "trunk_lean_deg": -2.5},
        findings=[{"id": "x", "title": f"[bold]{job.athlete}", "severity": "mild"}],
        has_outputs=True,
    )


@pytest.fixture
def no_pipeline(monkeypatch):
    """Batch runs without the pose model: fake analysis, in this process."""

    def run_here(tasks, workers):
        for i, args in tasks:
            yield i, runner.analyze_clip(*args)

    monkeypatch.setattr(runner, "_analyze", fake_analyze)
    monkeypatch.setattr(runner, "_run_local", run_here)
    monkeypatch.setattr(runner, "settings_for", lambda **kw: BatchSettings(**kw))


def batch(capsys, *args: str | Path) -> tuple[int, str, str]:
    code = 0
    try:
        main(["batch", *map(str, args)])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def summary(out: Path) -> list[dict[str, str]]:
    with open(out / "summary.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    return lines[0]


# --- 2. the batch folder inside an input folder -------------------------------------


@pytest.mark.parametrize("out_rel", ["out", "deep/er/out", ".out"])
def test_out_inside_the_input_folder_is_not_analysed_on_reruns(
    no_pipeline, capsys, tmp_path, out_rel
):
    squad = tmp_path / "squad"
    touch(squad / "run.mp4")
    out = squad / out_rel
    for _ in range(3):
        code, _, err = batch(capsys, squad, "--out", out, "--workers", "1")
        assert code == 0, err
        assert [r["clip"] for r in summary(out)] == ["run.mp4"]
    assert len(list(out.rglob(DONE_FILE))) == 1
    assert (out / BATCH_MARKER).is_file()
    # Another batch of the same folder, elsewhere, skips the first one's outputs.
    other = tmp_path / "other"
    code, _, err = batch(capsys, squad, "--out", other, "--workers", "1")
    assert code == 0, err
    assert [r["clip"] for r in summary(other)] == ["run.mp4"]
    code, _, err = batch(capsys, squad / "**" / "*.mp4", "--out", other)
    assert code == 0, err
    assert [r["clip"] for r in summary(other)] == ["run.mp4"]


def test_the_batch_folder_as_its_own_input_is_one_error_line(
    no_pipeline, capsys, tmp_path
):
    touch(tmp_path / "squad" / "run.mp4")
    out = tmp_path / "squad" / "out"
    assert batch(capsys, tmp_path / "squad", "--out", out)[0] == 0
    code, _, err = batch(capsys, out, "--out", out)
    assert code == 2
    assert "1 formcheck output video(s) skipped" in one_error_line(err)


# --- 3. malformed --dask-scheduler ------------------------------------------------


BAD_SCHEDULERS = [
    "foo",
    "tcp://:x",
    "http://a b",
    "tcp://host",
    "tcp://host:99999",
    "tcp://host:0",
    "http://host:8786",
    "inproc://x",
    "tcp://host:8786/path",
    "tcp://[::1:8786",
    " ",
    "tcp://h\x1b[2J:1",
]


@pytest.mark.parametrize("address", BAD_SCHEDULERS)
def test_malformed_scheduler_addresses_are_errors(address):
    with pytest.raises(FormcheckError, match="--dask-scheduler"):
        check_scheduler_address(address)


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1:8786", "10.0.0.5:8786", "tls://h.example:1", "[::1]:9"]
)
def test_scheduler_addresses_that_are_fine(address):
    assert check_scheduler_address(address) == address


@pytest.mark.parametrize("address", BAD_SCHEDULERS[:4])
def test_malformed_scheduler_fails_before_any_work(capsys, tmp_path, address):
    clip = touch(tmp_path / "run.mp4")
    out = tmp_path / "out"
    code, _, err = batch(capsys, clip, "--out", out, "--dask-scheduler", address)
    assert code == 2
    assert "--dask-scheduler" in one_error_line(err)
    assert not out.exists()  # nothing written, nothing hashed


def test_run_batch_checks_the_scheduler_too(tmp_path):
    with pytest.raises(FormcheckError, match="needs a host and a port"):
        run_batch([], BatchSettings(), tmp_path, dask_scheduler="foo")


# --- 4, 6. odd names in paths and athlete names --------------------------------------


HOSTILE_ATHLETES = [
    "[/]",
    "[bold]B[/bold]",
    "a/b[1]",
    "\x1b]0;pwned\x07Ann",
    "\x1b[2J",
    "=HYPERLINK(1)",
    "$\\frac{1}{$",
    "Ω" * 3000,
]


def test_hostile_names_end_to_end(no_pipeline, capsys, tmp_path):
    folder = tmp_path / "clips [1]"
    rows = [["path", "athlete", "notes"]]
    for i, athlete in enumerate(HOSTILE_ATHLETES):
        touch(folder / f"c[{i}].mp4", bytes([i]) * 10)
        rows.append([f"clips [1]/c[{i}].mp4", athlete, f"-{i}\nline two"])
    manifest = tmp_path / "m.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "out"
    code, stdout, err = batch(capsys, manifest, "--out", out, "--workers", "1")
    assert code == 0, err
    for char in "\x1b\x07\x9b":
        assert char not in stdout + err
    assert "[bold]" in err  # a finding title printed literally, markup and all
    written = summary(out)
    assert len(written) == len(HOSTILE_ATHLETES)
    for row in written:
        for cell in row.values():
            if cell and cell[0] in "=+-@\t\r":
                float(cell)  # only a number may start like a formula
        assert row["notes"].endswith("\nline two")
        assert float(row["trunk_lean_deg"]) == -2.5
    for done in out.rglob(DONE_FILE):
        assert done.resolve().is_relative_to(out.resolve())
        assert len(done.parent.parent.name.encode()) <= 80
    # Each athlete's history reads back, and a name nobody has is one error line.
    for athlete in HOSTILE_ATHLETES:
        code, stdout, err = batch_history(capsys, athlete, out)
        assert code == 0, err
        assert "\x1b" not in stdout + err
    code, _, err = batch_history(capsys, "nobody", out)
    assert code == 2 and "no athlete 'nobody'" in one_error_line(err)


def batch_history(capsys, athlete: str, out: Path) -> tuple[int, str, str]:
    code = 0
    try:
        main(["history", athlete, "--db", str(out / "formcheck.db")])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("athlete", HOSTILE_ATHLETES)
def test_status_lines_print_names_and_errors_literally(athlete, tmp_path):
    from rich.console import Console

    clip = touch(tmp_path / "c.mp4")
    (job,) = assign_output_folders([ClipJob(path=str(clip), athlete=athlete)])
    failed = ClipResult(
        job=job, key="k", content_sha256="", status="failed", error=f"bad {athlete}"
    )
    ok = fake_analyze(job, BatchSettings(), tmp_path / "o", "k", "s")
    console = Console(record=True, width=10_000, color_system=None)
    for r in (failed, ok):
        console.print(_status_line(r))  # a MarkupError if not escaped
    text = console.export_text()
    assert "\x1b" not in text and "\x07" not in text
    assert job.out_rel in text
    assert terminal_text(f"bad {athlete}") in text
    assert terminal_text(f"[bold]{athlete}") in text


# --- 7. things that are not regular files ---------------------------------------------


def _unblock(fifo: Path) -> None:
    """Open the FIFO for writing, so a reader blocked on it (a bug) gets EOF."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def _plan_in_time(jobs, tmp_path, fifo: Path | None):
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(plan(jobs, BatchSettings(), tmp_path, False)),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive() and fifo is not None:
        _unblock(fifo)
    assert not worker.is_alive() and result, "planning blocked on a non-regular file"
    return result[0]


def test_fifo_and_device_rows_fail_alone_without_being_read(tmp_path):
    good = touch(tmp_path / "good.mp4")
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    (tmp_path / "dir.mp4").mkdir()
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,athlete\ngood.mp4,Ann\npipe.mp4,Bo\n/dev/zero,Cy\ndir.mp4,Di\n",
        encoding="utf-8",
    )
    jobs = expand_inputs([str(manifest)])
    planned = _plan_in_time(jobs, tmp_path, fifo)
    assert [p.failed is None for p in planned] == [True, False, False, False]
    reasons = [p.failed.error for p in planned[1:]]
    assert "named pipe (FIFO)" in reasons[0]
    assert "character device" in reasons[1]
    assert "folder" in reasons[2]
    assert all(p.failed.error_kind == "input" for p in planned[1:])
    assert len({p.key for p in planned}) == 4
    assert planned[0].sha and planned[0].job.path == str(good.resolve())


def test_unreadable_clip_fails_alone(tmp_path, monkeypatch):
    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(runner, "file_sha256", denied)  # chmod 0 does not stop root
    clip = touch(tmp_path / "secret.mp4")
    (p,) = plan(expand_inputs([str(clip)]), BatchSettings(), tmp_path, False)
    assert p.failed is not None
    assert p.failed.error == "Cannot read the clip: Permission denied."


def test_batch_with_a_fifo_row_finishes_with_a_failed_row(
    no_pipeline, capsys, tmp_path
):
    touch(tmp_path / "good.mp4")
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,athlete\ngood.mp4,Ann\npipe.mp4,Ann\n/dev/zero,Ann\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(batch(capsys, manifest, "--out", out)),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():
        _unblock(fifo)
    assert result, "the batch blocked on the FIFO"
    code, _, err = result[0]
    assert code == 1, err  # finished, some clips failed
    rows = {r["clip"]: r for r in summary(out)}
    assert rows["good.mp4"]["status"] == "ok"
    assert rows["pipe.mp4"]["status"] == "failed"
    assert "named pipe" in rows["pipe.mp4"]["error"]
    assert "character device" in rows["zero"]["error"]
    assert "named pipe" in err  # its line on the terminal
    # Nothing was marked done for them: a rerun looks again.
    assert len(list(out.rglob(DONE_FILE))) == 1
