"""Shared fixtures. Video writers live in ``helpers_video.py``; these wrap them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_video import write_clip


@pytest.fixture
def make_clip(tmp_path: Path) -> Callable[..., Path]:
    """Write a test clip (see ``helpers_video.write_clip``) into ``tmp_path``.

    Call it as ``make_clip(n_frames, **options)``; an optional ``name=`` picks the file
    name, else each call gets a fresh one.
    """
    counter = itertools.count()

    def make(n_frames: int = 30, *, name: str | None = None, **options) -> Path:
        path = tmp_path / (name or f"clip{next(counter)}.mp4")
        return write_clip(path, n_frames, **options)

    return make


#: Debian's Chromium, driven through the playwright package (its own browser
#: downloads do not work everywhere). Browser tests skip with the reason without it.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (playwright Browser), or a skip saying what is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="playwright is not installed (pip install playwright)",
    )
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
