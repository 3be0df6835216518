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
