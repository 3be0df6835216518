"""The README's two Quick-start commands, with nothing but Python 3.11+ installed.

    python3 scripts/dev.py demo   # set up .venv, fetch the model, analyse a sample video
    python3 scripts/dev.py test   # set up .venv, fetch the model, run the whole test suite

Both create ``.venv`` in the checkout on first use (and refresh it when
``pyproject.toml`` changes), so they work on a fresh clone. Extra arguments after
``test`` go to pytest (e.g. ``python3 scripts/dev.py test -k video``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".formcheck-installed"
DEMO_VIDEO = ROOT / "sample_videos" / "overstride_heel_strike.mp4"


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def ensure_env() -> None:
    """Create the virtualenv and install formcheck into it if needed."""
    if sys.version_info < (3, 11):  # noqa: UP036  (runs under the system Python)
        sys.exit(
            f"formcheck needs Python 3.11 or newer (this is {sys.version.split()[0]})"
        )
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def formcheck(*args: str | Path) -> None:
    run(PYTHON, "-m", "formcheck", *args)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    ensure_env()
    formcheck("models", "fetch", "--variant", "full")
    try:
        if argv[0] == "demo":
            formcheck("analyze", DEMO_VIDEO, "--every", "5", *argv[1:])
        else:
            run(PYTHON, "-m", "pytest", *(argv[1:] or ["-q"]))
    except subprocess.CalledProcessError as exc:
        return exc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
