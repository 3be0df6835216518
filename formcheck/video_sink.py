"""Writing H.264 video with PyAV (plays in browsers, unlike OpenCV's mp4v)."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np

from formcheck.atomic import atomic_path
from formcheck.video import single_threaded_codecs


class VideoSink:
    """Context manager that encodes RGB frames to an H.264 MP4, atomically.

    The file appears at ``path`` only when the block exits without an exception.

    Example:
        >>> with VideoSink("out.mp4", width=640, height=480, fps=30) as sink:  # doctest: +SKIP
        ...     sink.write(frame_rgb)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fps: float,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError("H.264 (yuv420p) needs even frame width and height")
        self.path = Path(path)
        self.width, self.height = width, height
        self.fps = Fraction(fps).limit_denominator(1001)
        self.crf, self.preset = crf, preset
        self._atomic = atomic_path(self.path)
        self._container: av.container.OutputContainer | None = None
        self._stream = None
        self._n = 0

    def __enter__(self) -> VideoSink:
        tmp = self._atomic.__enter__()
        self._container = av.open(str(tmp), mode="w", format="mp4")
        stream = self._container.add_stream("libx264", rate=self.fps)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(self.crf), "preset": self.preset}
        if single_threaded_codecs():
            stream.options = {**stream.options, "threads": "1"}
        self._stream = stream
        return self

    def write(self, image: np.ndarray) -> None:
        """Append one ``(height, width, 3)`` uint8 RGB frame."""
        if image.shape != (self.height, self.width, 3):
            raise ValueError(
                f"frame shape {image.shape} != {(self.height, self.width, 3)}"
            )
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = self._n
        frame.time_base = 1 / self.fps
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self._n += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
        finally:
            self._container.close()
            self._atomic.__exit__(exc_type, exc, tb)
