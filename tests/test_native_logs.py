"""Native log lines (written to fd 2 from C++) stay off the user's terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from formcheck import native_logs

SAMPLE = str(Path(__file__).parent.parent / "sample_videos" / "good_form.mp4")


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = dict(os.environ)
    environ.pop(native_logs.ENV_SHOW, None)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


PROCESS = """
    import os, subprocess, sys
    from formcheck import native_logs
    native_logs.process_silenced()
    os.write(2, b"INFO: native line\\n")
    print("python line", file=sys.stderr)
    # A child process inherits the silenced fd 2.
    subprocess.run([sys.executable, "-c", "import os; os.write(2, b'child native\\\\n')"])
    sys.stderr.write("last python line\\n")
"""


def test_process_silenced_keeps_python_output_and_drops_native_lines() -> None:
    proc = _run(PROCESS)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "python line\nlast python line\n"


def test_native_lines_shown_on_request() -> None:
    proc = _run(PROCESS, **{native_logs.ENV_SHOW: "1"})
    assert "INFO: native line" in proc.stderr
    assert "child native" in proc.stderr


def test_silenced_block_restores_fd2() -> None:
    proc = _run(
        """
        import os
        from formcheck import native_logs
        with native_logs.silenced():
            os.write(2, b"hidden\\n")
        os.write(2, b"visible\\n")
        """
    )
    assert proc.stderr == "visible\n"


@pytest.mark.slow
def test_cli_prints_no_native_lines_at_exit(tmp_path) -> None:
    """mediapipe 1.2.3 logs ``DestroyAccelerator`` when a landmarker closes."""
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", SAMPLE, "--quiet"]
        + ["--end", "2.5", "--workers", "2", "--json", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_a_crash_is_still_reported_when_native_lines_are_hidden() -> None:
    proc = _run(
        """
        import faulthandler
        from formcheck import native_logs
        native_logs.process_silenced()
        faulthandler._sigsegv()
        """
    )
    assert proc.returncode != 0
    assert "Fatal Python error: Segmentation fault" in proc.stderr
