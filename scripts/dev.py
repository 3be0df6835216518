"""The README's two Quick-start commands, with nothing but Python 3.11+ installed.

    python3 scripts/dev.py demo   # set up .venv, fetch the model, analyse a sample video
    python3 scripts/dev.py test   # set up .venv, fetch the model, run the whole test suite
    python3 scripts/dev.py lock   # re-resolve the newest packages into constraints.txt

Both create ``.venv`` in the checkout on first use (and refresh it when
``pyproject.toml`` or ``constraints.txt`` changes), so they work on a fresh clone.
Extra arguments after ``test`` go to pytest (e.g. ``python3 scripts/dev.py test -k
video``).

The venv gets the exact versions in ``constraints.txt``, the set the test suite last
passed with, not whatever is newest on PyPI today: a fresh machine must behave like
the one the tests ran on (mediapipe 1.2.3 once broke ``--quiet`` by printing native log
lines). The package itself keeps version ranges for users who install it into their
own environment. To move to newer packages deliberately: ``python3 scripts/dev.py
lock``, then ``rm -r .venv && python3 scripts/dev.py test``, and commit
``constraints.txt`` if the tests pass.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".formcheck-installed"
CONSTRAINTS = ROOT / "constraints.txt"
#: Installed besides ``.[dev]`` and pinned in the lock (the browser test's driver).
EXTRA_LOCKED = ["playwright"]
DEMO_VIDEO = ROOT / "sample_videos" / "overstride_heel_strike.mp4"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, env=env)


def pinned_env() -> dict[str, str]:
    """Environment for pip: every install, build environments included, is pinned."""
    return {**os.environ, "PIP_CONSTRAINT": str(CONSTRAINTS)}


def ensure_env() -> None:
    """Create the virtualenv and install formcheck into it if needed."""
    if sys.version_info < (3, 11):  # noqa: UP036  (runs under the system Python)
        sys.exit(
            f"formcheck needs Python 3.11 or newer (this is {sys.version.split()[0]})"
        )
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(CONSTRAINTS.read_bytes())
    wanted = digest.hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    env = pinned_env()
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip", env=env)
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]", env=env)
    STAMP.write_text(wanted)


def lock() -> None:
    """Resolve the newest releases of everything ``.[dev]`` needs into constraints.txt.

    Resolved in a throwaway venv, so the working ``.venv`` is untouched until the new
    set is tested (``rm -r .venv && python3 scripts/dev.py test``).
    """
    with tempfile.TemporaryDirectory(prefix="formcheck-lock-") as tmp:
        venv.EnvBuilder(with_pip=True).create(tmp)
        py = Path(tmp) / BIN.name / PYTHON.name
        run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools")
        run(py, "-m", "pip", "install", "--quiet", ".[dev]", *EXTRA_LOCKED)
        frozen = subprocess.run(
            [str(py), "-m", "pip", "freeze", "--all", "--exclude", "formcheck"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    pins = sorted(
        (ln for ln in frozen.splitlines() if "==" in ln), key=lambda ln: ln.lower()
    )
    header = [
        "# The tested package set: scripts/dev.py and .ci/run install exactly these.",
        "# Regenerate with `python3 scripts/dev.py lock`, then run the tests in a fresh",
        f"# venv before committing. Resolved for Python {sys.version.split()[0]}.",
    ]
    CONSTRAINTS.write_text("\n".join([*header, *pins]) + "\n")
    print(f"wrote {len(pins)} pins to {CONSTRAINTS.relative_to(ROOT)}")


def formcheck(*args: str | Path) -> None:
    run(PYTHON, "-m", "formcheck", *args)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "lock"):
        print(__doc__)
        return 2
    if argv[0] == "lock":
        lock()
        return 0
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
