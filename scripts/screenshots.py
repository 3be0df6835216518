"""Regenerate the terminal screenshot in the README (docs/images/cli.svg).

python scripts/screenshots.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    cmd = [
        "formcheck",
        "analyze",
        "sample_videos/overstride_heel_strike.mp4",
        "--every",
        "15",
    ]
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "96", "TERM": "xterm-256color"}
    proc = subprocess.run(
        [sys.executable, "-m", *cmd],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    with open(os.devnull, "w") as sink:
        console = Console(record=True, width=96, force_terminal=True, file=sink)
        console.print(Text("$ " + " ".join(cmd), style="bold"))
        console.print(Text.from_ansi(proc.stdout))
    out = ROOT / "docs" / "images" / "cli.svg"
    console.save_svg(str(out), title="formcheck analyze")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
