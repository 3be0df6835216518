"""Small video files with known content, written with PyAV, for the video tests.

Every test frame shows, on a black background:

- a red marker square in the top-left corner of the *upright* picture, so a test can
  tell which way up a decoded frame is (and that channels are RGB, not BGR);
- the frame number as a binary code, one white or black ``CELL``-pixel cell per bit,
  laid out row by row below the marker, so a test can tell *which* frame it got;
- grey noise below the code (different in every frame), so frames compress to a
  realistic few kB and cutting a file at some byte offset cuts a frame in the middle.

Both survive H.264 compression at small sizes. The code is only readable on an upright,
unmirrored frame, so reading it back checks orientation too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.stream import Disposition

CELL = 8  # px, side of one code cell
MARKER = 12  # px, side of the red marker square
CODE_TOP = 16  # px, first row of code cells
CODE_BITS = 10  # frame numbers up to 1023


def frame_image(
    index: int, width: int, height: int, *, texture: bool = True
) -> np.ndarray:
    """The upright ``(height, width, 3)`` RGB test picture for frame ``index``."""
    cols = width // CELL
    rows = -(-CODE_BITS // cols)
    if CODE_TOP + rows * CELL > height or cols < 1:
        raise ValueError(f"{width}x{height} is too small for the frame code")
    image = np.zeros((height, width, 3), np.uint8)
    image[:MARKER, :MARKER] = (255, 0, 0)
    for bit in range(CODE_BITS):
        if index >> bit & 1:
            y, x = CODE_TOP + bit // cols * CELL, bit % cols * CELL
            image[y : y + CELL, x : x + CELL] = 255
    noise_top = CODE_TOP + (rows + 1) * CELL
    if texture and noise_top < height:
        rng = np.random.default_rng(index)
        grey = rng.integers(0, 256, (height - noise_top, width, 1), dtype=np.uint8)
        image[noise_top:] = grey
    return image


def read_code(image: np.ndarray) -> int:
    """The frame number coded in an upright decoded picture (see ``frame_image``)."""
    cols = image.shape[1] // CELL
    value = 0
    for bit in range(CODE_BITS):
        y, x = CODE_TOP + bit // cols * CELL, bit % cols * CELL
        cell = image[y + 2 : y + CELL - 2, x + 2 : x + CELL - 2]
        if cell.mean() > 128:
            value |= 1 << bit
    return value


def marker_corner(image: np.ndarray) -> str:
    """Which corner the red marker is in: ``"top-left"``, ``"bottom-right"``, ..."""
    rgb = image.astype(np.int16)
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 100) & (rgb[..., 2] < 100)
    ys, xs = np.nonzero(red)
    if len(ys) == 0:
        return "none"
    h, w = red.shape
    vertical = "top" if ys.mean() < h / 2 else "bottom"
    horizontal = "left" if xs.mean() < w / 2 else "right"
    return f"{vertical}-{horizontal}"


def write_clip(
    path: str | os.PathLike[str],
    n_frames: int = 30,
    *,
    size: tuple[int, int] = (96, 64),
    fps: int = 30,
    rotation: int = 0,
    pts_ms: Sequence[int] | None = None,
    keyint: int = 250,
    bframes: int = 2,
    faststart: bool = False,
    preset: str = "veryfast",
    texture: bool = True,
) -> Path:
    """Write an H.264 MP4 of ``frame_image`` pictures.

    Args:
        path: output file.
        n_frames: number of frames.
        size: ``(width, height)`` of the upright picture.
        fps: frame rate (time base ``1/fps``) unless ``pts_ms`` is given.
        rotation: clockwise degrees a player must rotate the stored pixels by
            (what a phone held upright writes: 90). The pixels are stored rotated the
            other way and a display matrix is written, as a phone does.
        pts_ms: presentation times in milliseconds (time base 1/1000), for a
            variable-frame-rate clip; ``len(pts_ms)`` overrides ``n_frames``.
        keyint: frames between keyframes.
        bframes: B-frames between references (0: decode order = display order).
        faststart: put the index (moov) before the data, as streaming files do.
        preset: x264 speed preset.
        texture: draw the noise band (see ``frame_image``); without it frames
            compress to a few bytes.

    Returns:
        ``path`` as a Path.
    """
    path = Path(path)
    width, height = size
    stored_w, stored_h = (height, width) if rotation in (90, 270) else (width, height)
    options = {"movflags": "faststart"} if faststart else {}
    x264 = f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes={bframes}"
    with av.open(str(path), "w", format="mp4", options=options) as out:
        stream = out.add_stream(
            "libx264", rate=fps, options={"preset": preset, "x264-params": x264}
        )
        stream.width, stream.height, stream.pix_fmt = stored_w, stored_h, "yuv420p"
        if rotation:
            # PyAV takes counter-clockwise degrees; ``rotation`` is clockwise.
            stream.set_display_rotation(-rotation)
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
            stream.time_base = Fraction(1, 1000)
            n_frames = len(pts_ms)
        for i in range(n_frames):
            upright = frame_image(i, width, height, texture=texture)
            stored = np.rot90(upright, k=rotation // 90)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(stored), "rgb24")
            frame.pts = i if pts_ms is None else pts_ms[i]
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def remux_mkv_with_repeated_pts(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], repeat: Sequence[int]
) -> Path:
    """Copy ``src`` (no B-frames) to Matroska, giving packets ``repeat`` the timestamp
    of the packet before them, as a broken recorder might. Matroska accepts that;
    MP4 does not."""
    dst = Path(dst)
    with av.open(str(src)) as source, av.open(str(dst), "w", format="matroska") as out:
        stream_in = source.streams.video[0]
        stream_out = out.add_stream_from_template(stream_in)
        previous = None
        for k, packet in enumerate(source.demux(stream_in)):
            if packet.dts is None:  # the flush packet at the end
                continue
            if k in repeat:
                packet.pts = packet.dts = previous
            previous = packet.pts
            packet.stream = stream_out
            out.mux(packet)
    return dst


def write_audio(
    path: str | os.PathLike[str], seconds: float = 0.5, *, cover: bool = False
) -> Path:
    """An AAC audio-only M4A file of silence, with a JPEG cover picture if ``cover``
    (FFmpeg lists that as a video stream, marked as an attached picture)."""
    path = Path(path)
    rate, chunk = 44100, 1024
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate)
        if cover:
            picture = out.add_stream("mjpeg")
            picture.width, picture.height, picture.pix_fmt = 96, 64, "yuvj420p"
            picture.disposition = Disposition.attached_pic
            frame = av.VideoFrame.from_ndarray(frame_image(0, 96, 64), "rgb24")
            for packet in picture.encode(frame.reformat(format="yuvj420p")):
                packet.pts = packet.dts = 0
                out.mux(packet)
        for i in range(int(seconds * rate / chunk)):
            samples = np.zeros((1, chunk), np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, i * chunk
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def write_image(path: str | os.PathLike[str], codec: str) -> Path:
    """A single still picture (``codec`` ``"png"`` or ``"mjpeg"``) in ``path``."""
    path = Path(path)
    image = frame_image(0, 96, 64)
    with av.open(str(path), "w", format="image2") as out:
        stream = out.add_stream(codec, rate=1)
        stream.width, stream.height = 96, 64
        stream.pix_fmt = "rgb24" if codec == "png" else "yuvj420p"
        frame = av.VideoFrame.from_ndarray(image, "rgb24")
        out.mux(stream.encode(frame.reformat(format=stream.pix_fmt)))
        out.mux(stream.encode(None))
    return path


def sample_extents(path: str | os.PathLike[str]) -> list[tuple[int, int]]:
    """``(byte offset, size)`` of each video sample of an MP4, in decode order."""
    with av.open(str(path)) as container:
        entries = container.streams.video[0].index_entries
        return [(e.pos, e.size) for e in entries]


def truncate(src: str | os.PathLike[str], dst: str | os.PathLike[str], n: int) -> Path:
    """Copy the first ``n`` bytes of ``src`` to ``dst``."""
    dst = Path(dst)
    dst.write_bytes(Path(src).read_bytes()[:n])
    return dst


def overwrite(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], start: int, n: int
) -> Path:
    """Copy ``src`` to ``dst`` with ``n`` bytes from ``start`` replaced by noise."""
    data = bytearray(Path(src).read_bytes())
    noise = np.random.default_rng(0).integers(0, 256, n, dtype=np.uint8)
    data[start : start + n] = noise.tobytes()[: len(data) - start]
    dst = Path(dst)
    dst.write_bytes(bytes(data))
    return dst
