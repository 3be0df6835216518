"""Hostile input to ``formcheck analyze`` and its output folder: one ``error:`` line and
exit code 2 before any work, nothing of the user's removed, nothing left behind."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import OutputError
from formcheck.outputs import bundle, preflight
from formcheck.outputs.preflight import Target, check_targets

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_videos" / "good_form.mp4"


def _cli(capsys, *args: str | Path) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exc.value.code, captured.err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--start", "3", "--end", "1"], "must be after --start"),
        (["--start", "-1"], "--start"),
        (["--end", "-2"], "--end"),
        (["--start", "99"], "past the end of the clip"),
        (["--out", "{file}"], "is a file; give a folder"),
        (["--json", "{dir}"], "is a folder; give a file name"),
        (["--csv", "{file}/frames.csv"], "is a file, not a folder"),
        (["--json", "{dir}/same", "--csv", "{dir}/same"], "name the same path"),
        (["--stride", "0"], "--stride"),
        (["--view", "top"], "--view"),
        (["--no-such-option"], "No such option"),
    ],
)
def test_bad_options_fail_up_front_with_one_line(capsys, tmp_path, args, needle):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("the user's file\n")
    argv = [x.format(file=a_file, dir=tmp_path) for x in args]
    code, err = _cli(capsys, "analyze", SAMPLE, "--quiet", *argv)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert needle in lines[0]
    assert a_file.read_text() == "the user's file\n"


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d / "missing.mp4",
        lambda d: (d / "empty.mp4").write_bytes(b"") and d / "empty.mp4",
        lambda d: (d / "notes.mp4").write_text("not a video") and d / "notes.mp4",
        lambda d: d,
    ],
    ids=["missing", "empty", "text", "folder"],
)
def test_unreadable_video_is_one_line(capsys, tmp_path, make):
    code, err = _cli(capsys, "analyze", make(tmp_path), "--quiet")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error:"), err


def test_markup_and_control_characters_in_a_path_are_printed_literally(
    capsys, tmp_path
):
    name = tmp_path / "[bold red]run\x1b]0;pwned\x07\x1b[2J.mp4"
    code, err = _cli(capsys, "analyze", name, "--quiet")
    assert code == 2
    assert "[bold red]run" in err
    assert "\x1b" not in err and "\x07" not in err


def test_preflight_counts_room_for_all_outputs_on_one_disk(monkeypatch, tmp_path):
    class Usage:
        free = 10_000_000

    monkeypatch.setattr(preflight.shutil, "disk_usage", lambda _: Usage)
    small = [Target("--json", tmp_path / "a.json", "file", 6_000_000)]
    check_targets(small)
    both = [*small, Target("--csv", tmp_path / "f.csv", "file", 6_000_000)]
    with pytest.raises(OutputError, match="not enough disk space for --json, --csv"):
        check_targets(both)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to read-only folders")
def test_preflight_refuses_a_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="not writable"):
            check_targets([Target("--out", ro / "report", "dir")])
    finally:
        ro.chmod(0o700)


def test_preflight_estimate_grows_with_the_clip():
    short = preflight.estimate("--out", 300, 10.0)
    long = preflight.estimate("--out", 18_000, 600.0)
    assert long > 20 * (short - preflight.BUNDLE_FIXED_BYTES)
    assert preflight.estimate("--json", 0, 0.0) == 0


def test_a_full_disk_while_writing_is_one_line():
    with (
        pytest.raises(
            OutputError, match="could not write --json r.json: the disk is full"
        ),
        preflight.output_errors("--json r.json"),
    ):
        raise OSError(errno.ENOSPC, "No space left on device")


def _staged(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, list[str]]:
    stage = tmp_path / "stage"
    for rel, data in files.items():
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_bytes(data)
    return stage, sorted(files)


def test_rerun_removes_only_what_formcheck_wrote_before(tmp_path):
    out = tmp_path / "report"
    stage, rel = _staged(
        tmp_path,
        {"report.json": b"{}", "frames/hip_bend.png": b"1", "plots/a.png": b"1"},
    )
    bundle._move_in(stage, out, rel)
    # The user's own files, including PNGs where formcheck keeps its own.
    (out / "frames" / "my_notes.png").write_bytes(b"mine")
    (out / "plots" / "coach.png").write_bytes(b"mine")
    (out / "notes.txt").write_text("mine")
    # The finding went away: the rerun writes no hip_bend key frame.
    stage, rel = _staged(tmp_path, {"report.json": b"{}", "plots/a.png": b"2"})
    bundle._move_in(stage, out, rel)
    assert not (out / "frames" / "hip_bend.png").exists()
    assert (out / "frames" / "my_notes.png").read_bytes() == b"mine"
    assert (out / "plots" / "coach.png").read_bytes() == b"mine"
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "plots" / "a.png").read_bytes() == b"2"


@pytest.mark.parametrize(
    "listed",
    [
        ["../outside.txt"],
        ["/etc/hostname"],
        "frames",
        ["frames"],  # a folder: nothing removed, and the manifest is still rewritten
        ["link/outside.txt"],  # through a symlinked folder
        [1, None],
        {"a": 1},
    ],
)
def test_a_tampered_manifest_never_removes_files_outside(tmp_path, listed):
    out = tmp_path / "report"
    out.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (out / "frames").mkdir()
    (out / "frames" / "mine.png").write_bytes(b"mine")
    (out / "link").symlink_to(tmp_path)
    (out / bundle.MANIFEST).write_text(json.dumps({"files": listed}))
    stage, rel = _staged(tmp_path, {"report.json": b"{}"})
    bundle._move_in(stage, out, rel)
    assert outside.read_text() == "keep"
    assert (out / "frames" / "mine.png").read_bytes() == b"mine"
    assert json.loads((out / bundle.MANIFEST).read_text()) == {"files": ["report.json"]}


def test_stale_staging_of_a_dead_process_is_removed(tmp_path):
    out = tmp_path / "report"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    prefix = f".report.{bundle.STAGING_TAG}"
    stale = tmp_path / f"{prefix}{dead}-abc.tmp"
    live = tmp_path / f"{prefix}{os.getpid()}-def.tmp"
    other = tmp_path / ".report.something-else.tmp"
    for d in (stale, live, other):
        d.mkdir()
    bundle.remove_stale_staging(out)
    assert not stale.exists()
    assert live.exists() and other.exists()


def _signalled(
    sig: int, delay_s: float, out: Path, tmpdir: Path
) -> subprocess.CompletedProcess:
    # A background job ignores SIGINT; restore the default, as in a terminal.
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(delay_s)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_stopped_run_says_so_and_leaves_nothing_behind(tmp_path, sig, code, word):
    out = tmp_path / "out" / "report"
    out.parent.mkdir()
    temp = tmp_path / "temp"  # the run's temporary directory (multiprocessing's pymp-*)
    temp.mkdir()
    proc = _signalled(sig, 3.0, out, temp)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == word
    assert "Traceback" not in proc.stderr
    time.sleep(1.0)
    assert list(out.parent.iterdir()) == []
    assert list(temp.iterdir()) == []


@pytest.mark.slow
def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "--end", "1"]
        + ["--json", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("analysing")]
    assert lines[-1].startswith("analysing good_form.mp4: 100% (")
    assert 5 <= len(lines) <= 10
    assert "\x1b" not in proc.stderr


def test_rule_text_from_a_shared_rules_file_is_printed_literally():
    """Rules files are shared between coaches: their text must not be able to break
    rich markup (a traceback after the whole analysis) or drive the terminal."""
    from rich.console import Console

    from formcheck.cli.analyze import print_findings
    from formcheck.rules.types import Finding

    hostile = "Lean [/] [bold red]x\x1b]0;pwned\x07\x1b[2J"
    findings = [
        Finding("a", "flagged", hostile, hostile, "mild", hostile, hostile, (hostile,)),
        Finding("b", "ok", hostile, hostile),
        Finding("c", "not_judged", hostile, hostile),
    ]
    console = Console(record=True, width=200, force_terminal=False)
    print_findings(console, findings)
    text = console.export_text()
    assert "Lean [/] [bold red]x" in text
    assert "\x1b" not in text and "\x07" not in text
