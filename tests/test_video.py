"""Tests for formcheck.video, on small clips with known content written by the tests.

Each test frame carries a red marker in its upright top-left corner and its own frame
number as a binary code (see ``helpers_video``), so a test can check that a decoded
frame is the right one, upright, with the right timestamp.
"""

from __future__ import annotations

import gc
import os
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers_video import (
    marker_corner,
    overwrite,
    read_code,
    remux_mkv_with_repeated_pts,
    sample_extents,
    truncate,
    write_audio,
    write_clip,
    write_image,
)

from formcheck.errors import VideoError
from formcheck.video import Frame, VideoInfo, VideoReader, probe

FPS = 30
TIME_TOL = 1e-6  # s; timestamps are exact, this only absorbs float rounding

MakeClip = Callable[..., Path]


def read_all(path: Path, **options) -> tuple[list[Frame], VideoReader]:
    """All frames of ``path`` and the (closed) reader, for its counters."""
    with VideoReader(path, **options) as reader:
        frames = list(reader)
    return frames, reader


# --- basic reading -------------------------------------------------------------------


def test_probe_describes_a_clip(make_clip: MakeClip) -> None:
    path = make_clip(45, size=(96, 64))

    info = probe(path)

    assert info == VideoInfo(
        path=str(path),
        width=96,
        height=64,
        fps=30.0,
        n_frames=45,
        duration_s=pytest.approx(1.5, abs=1e-3),
        rotation=0,
        codec="h264",
        variable_frame_rate=False,
    )


def test_reads_every_frame_in_order_with_exact_times(make_clip: MakeClip) -> None:
    path = make_clip(30, size=(96, 64))

    frames, reader = read_all(path)

    assert [f.index for f in frames] == list(range(30))
    assert [read_code(f.image) for f in frames] == list(range(30))
    np.testing.assert_allclose(
        [f.time_s for f in frames], np.arange(30) / FPS, atol=TIME_TOL
    )
    for frame in frames:
        assert frame.image.shape == (64, 96, 3)
        assert frame.image.dtype == np.uint8
        assert frame.image.flags.c_contiguous
        assert marker_corner(frame.image) == "top-left"  # also proves RGB, not BGR
    assert reader.decode_error is None
    assert (reader.frames_decoded, reader.frames_dropped) == (30, 0)


def test_reader_info_matches_probe(make_clip: MakeClip) -> None:
    path = make_clip(10)
    with VideoReader(path, max_side=48) as reader:
        assert reader.info == probe(path)  # native size, even though frames shrink


# --- rotation ------------------------------------------------------------------------


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_phone_rotation_is_applied(make_clip: MakeClip, rotation: int) -> None:
    # A portrait picture stored as rotated pixels plus a display matrix, as phones do.
    path = make_clip(8, size=(64, 96), rotation=rotation)

    info = probe(path)
    frames, _ = read_all(path)

    assert (info.rotation, info.width, info.height) == (rotation, 64, 96)
    assert [f.image.shape for f in frames] == [(96, 64, 3)] * 8
    assert [marker_corner(f.image) for f in frames] == ["top-left"] * 8
    assert [read_code(f.image) for f in frames] == list(range(8))


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_agrees_with_opencv(make_clip: MakeClip, rotation: int) -> None:
    """An independent decoder (OpenCV's FFmpeg backend auto-rotates) sees the same
    picture: guards the sign convention, which the round trip above cannot."""
    cv2 = pytest.importorskip("cv2")
    path = make_clip(3, size=(64, 96), rotation=rotation)
    capture = cv2.VideoCapture(str(path))
    ok, bgr = capture.read()
    capture.release()
    assert ok

    frames, _ = read_all(path)

    assert bgr.shape == frames[0].image.shape
    diff = np.abs(bgr[..., ::-1].astype(int) - frames[0].image.astype(int))
    assert diff.mean() < 4


# --- timing --------------------------------------------------------------------------

IRREGULAR_GAPS_MS = [33, 33, 50, 17, 40, 33, 66, 20, 33, 34, 100, 16]
TIMING_CASES = {
    "variable": (list(np.cumsum([0, *IRREGULAR_GAPS_MS])), True),
    "constant in a ms time base": ([round(i * 1000 / FPS) for i in range(13)], False),
}


@pytest.mark.parametrize(
    ("pts_ms", "variable"), TIMING_CASES.values(), ids=TIMING_CASES
)
def test_times_are_the_frames_own_timestamps(
    make_clip: MakeClip, pts_ms: list[int], variable: bool
) -> None:
    path = make_clip(pts_ms=pts_ms)

    frames, reader = read_all(path)

    np.testing.assert_allclose(
        [f.time_s for f in frames], np.array(pts_ms) / 1000, rtol=0, atol=TIME_TOL
    )
    assert [read_code(f.image) for f in frames] == list(range(len(pts_ms)))
    assert probe(path).variable_frame_rate is variable
    assert reader.info.variable_frame_rate is variable


def test_repeated_timestamps_are_dropped(make_clip: MakeClip, tmp_path: Path) -> None:
    source = make_clip(20, bframes=0)
    path = remux_mkv_with_repeated_pts(source, tmp_path / "repeats.mkv", repeat=[5, 6])

    frames, reader = read_all(path)

    kept = [i for i in range(20) if i not in (5, 6)]
    assert [f.index for f in frames] == kept
    assert [read_code(f.image) for f in frames] == kept
    assert np.all(np.diff([f.time_s for f in frames]) > 0)
    assert (reader.frames_decoded, reader.frames_dropped) == (20, 2)
    assert reader.decode_error is None


# --- start / end / stride ------------------------------------------------------------

SPAN_CASES = [
    # start_s, end_s, stride
    (None, None, 1),
    (None, None, 3),
    (None, 0.5, 1),
    (10 / FPS, None, 1),  # a keyframe, presented after a B-frame delay
    (0.5, None, 1),
    (11 / FPS + 0.001, 1.0, 1),
    (1.2, 1.5, 2),
    (0.9, None, 4),
    (2.5, None, 1),  # after the last frame: nothing
]


@pytest.fixture(params=["mp4", "mkv"])
def span_clip(request: pytest.FixtureRequest, make_clip: MakeClip, tmp_path: Path):
    """60 frames, a keyframe every 10, B-frames; MP4 (sample index, so the reader
    seeks) or Matroska (no full index, so it decodes from the start)."""
    mp4 = make_clip(60, keyint=10, bframes=2)
    if request.param == "mp4":
        return mp4
    return remux_mkv_with_repeated_pts(mp4, tmp_path / "span.mkv", repeat=[])


@pytest.mark.parametrize(("start_s", "end_s", "stride"), SPAN_CASES)
def test_start_end_stride_select_the_same_frames_as_a_full_read(
    span_clip: Path, start_s: float | None, end_s: float | None, stride: int
) -> None:
    everything, _ = read_all(span_clip)
    inside = [
        f
        for f in everything
        if (start_s is None or f.time_s >= start_s)
        and (end_s is None or f.time_s < end_s)
    ]
    expected = inside[::stride]

    frames, reader = read_all(span_clip, start_s=start_s, end_s=end_s, stride=stride)

    assert [f.index for f in frames] == [f.index for f in expected]
    assert [f.time_s for f in frames] == [f.time_s for f in expected]
    assert [read_code(f.image) for f in frames] == [f.index for f in expected]
    assert reader.decode_error is None


def test_start_seeks_instead_of_decoding_from_the_beginning(
    make_clip: MakeClip,
) -> None:
    path = make_clip(60, keyint=10, bframes=2)

    frames, reader = read_all(path, start_s=45 / FPS)

    assert frames[0].index == 45
    assert read_code(frames[0].image) == 45
    assert reader.frames_decoded <= 60 - 45 + 10  # from the keyframe before, at most


# --- downscaling ---------------------------------------------------------------------

SCALE_CASES = [
    # upright size, rotation, max_side, expected image shape
    ((96, 64), 0, None, (64, 96, 3)),
    ((96, 64), 0, 48, (32, 48, 3)),
    ((96, 64), 0, 500, (64, 96, 3)),  # never upscales
    ((64, 96), 90, 48, (48, 32, 3)),
]


@pytest.mark.parametrize(("size", "rotation", "max_side", "shape"), SCALE_CASES)
def test_max_side_downscales_keeping_aspect(
    make_clip: MakeClip, size, rotation: int, max_side: int | None, shape
) -> None:
    path = make_clip(4, size=size, rotation=rotation)

    frames, reader = read_all(path, max_side=max_side)

    assert [f.image.shape for f in frames] == [shape] * 4
    assert all(f.image.flags.c_contiguous for f in frames)
    assert [marker_corner(f.image) for f in frames] == ["top-left"] * 4
    assert (reader.info.width, reader.info.height) == size


# --- unreadable input ----------------------------------------------------------------


def _text_named_mp4(tmp: Path, make_clip: MakeClip) -> Path:
    path = tmp / "notes.mp4"
    path.write_text("These are not the frames you are looking for.\n" * 50)
    return path


def _empty(tmp: Path, make_clip: MakeClip) -> Path:
    path = tmp / "empty.mp4"
    path.touch()
    return path


def _png_named_mp4(tmp: Path, make_clip: MakeClip) -> Path:
    png = write_image(tmp / "still.png", "png")
    return png.rename(tmp / "still.mp4")


def _index_cut_off(tmp: Path, make_clip: MakeClip) -> Path:
    # The MP4 index (moov) is written last; a recording cut short has none.
    clip = make_clip(30)
    return truncate(clip, tmp / "cut.mp4", int(clip.stat().st_size * 0.6))


def _data_cut_in_first_frame(tmp: Path, make_clip: MakeClip) -> Path:
    clip = make_clip(30, faststart=True)
    pos, size = sample_extents(clip)[0]
    return truncate(clip, tmp / "cut.mp4", pos + size // 2)


def _all_frames_noise(tmp: Path, make_clip: MakeClip) -> Path:
    clip = make_clip(30, faststart=True)
    pos, _ = sample_extents(clip)[0]
    return overwrite(clip, tmp / "noise.mp4", pos, clip.stat().st_size)


def _first_frame_damaged(tmp: Path, make_clip: MakeClip) -> Path:
    clip = make_clip(30, faststart=True, bframes=0)
    pos, size = sample_extents(clip)[0]
    return overwrite(clip, tmp / "damaged.mp4", pos + size // 2, 300)


BAD_INPUTS = [
    pytest.param(lambda t, m: t / "missing.mp4", "does not exist", id="missing"),
    pytest.param(lambda t, m: t, "is a directory", id="directory"),
    pytest.param(_empty, "is empty", id="zero bytes"),
    pytest.param(_text_named_mp4, "is not a video file", id="text named .mp4"),
    pytest.param(lambda t, m: write_image(t / "a.png", "png"), "still image", id="png"),
    pytest.param(
        lambda t, m: write_image(t / "a.jpg", "mjpeg"), "still image", id="jpeg"
    ),
    pytest.param(_png_named_mp4, "still image", id="png named .mp4"),
    pytest.param(
        lambda t, m: write_audio(t / "a.m4a"), "no video stream", id="audio only"
    ),
    pytest.param(
        lambda t, m: write_audio(t / "a.m4a", cover=True),
        "no video stream (it contains only audio and a cover picture)",
        id="audio with cover picture",
    ),
    pytest.param(_index_cut_off, "probably truncated", id="cut, index lost"),
    pytest.param(
        _data_cut_in_first_frame, "No frame could be decoded", id="cut in frame 0"
    ),
    pytest.param(_all_frames_noise, "No frame could be decoded", id="all frames noise"),
    pytest.param(
        _first_frame_damaged, "No frame could be decoded", id="frame 0 damaged"
    ),
]


@pytest.mark.parametrize("opener", [probe, VideoReader], ids=["probe", "VideoReader"])
@pytest.mark.parametrize(("make_input", "problem"), BAD_INPUTS)
def test_unreadable_input_raises_one_clear_sentence(
    tmp_path: Path, make_clip: MakeClip, make_input, problem: str, opener
) -> None:
    path = make_input(tmp_path, make_clip)

    with pytest.raises(VideoError) as caught:
        opener(path)

    message = str(caught.value)
    assert problem in message
    assert str(path) in message
    assert "\n" not in message and "Errno" not in message
    assert message.endswith(".")


# --- damage in the middle ------------------------------------------------------------


def test_truncated_file_yields_the_frames_before_the_cut(
    make_clip: MakeClip, tmp_path: Path
) -> None:
    # No B-frames: decode order is display order, so "intact" is a prefix.
    clip = make_clip(60, faststart=True, bframes=0)
    cut = int(clip.stat().st_size * 0.6)
    intact = sum(1 for pos, size in sample_extents(clip) if pos + size <= cut)
    path = truncate(clip, tmp_path / "cut.mp4", cut)

    frames, reader = read_all(path)

    assert 0 < intact < 60
    assert [f.index for f in frames] == list(range(intact))
    assert [read_code(f.image) for f in frames] == list(range(intact))
    assert reader.decode_error is not None
    assert reader.decode_error.startswith(f"decoding stopped at frame {intact} ")
    assert "truncated" in reader.decode_error


def test_undecodable_frame_mid_file_stops_after_the_good_frames(
    make_clip: MakeClip, tmp_path: Path
) -> None:
    clip = make_clip(60, faststart=True, bframes=0)
    pos, _ = sample_extents(clip)[30]
    path = overwrite(clip, tmp_path / "damaged.mp4", pos, 300)  # NAL header too

    frames, reader = read_all(path)

    assert [f.index for f in frames] == list(range(30))
    assert [read_code(f.image) for f in frames] == list(range(30))
    assert reader.decode_error == (
        "decoding stopped at frame 30 (after t=0.97 s): "
        "Invalid data found when processing input"
    )


def test_patched_over_damage_stops_at_the_damaged_frame(
    make_clip: MakeClip, tmp_path: Path
) -> None:
    # Noise inside keyframe 30: FFmpeg conceals it and flags the frame as corrupt
    # instead of failing; the frames predicted from it are wrong but not flagged.
    # (Damage the decoder cannot detect at all gives wrong pixels; nothing to test.)
    clip = make_clip(60, faststart=True, bframes=2, keyint=10)
    pos, _ = sample_extents(clip)[30]
    path = overwrite(clip, tmp_path / "damaged.mp4", pos + 20, 300)

    frames, reader = read_all(path)

    assert [f.index for f in frames] == list(range(30))
    assert [read_code(f.image) for f in frames] == list(range(30))
    assert reader.decode_error == (
        "decoding stopped at frame 30 (after t=0.97 s): the frame is damaged"
    )


# --- streaming -----------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_memory_does_not_grow_with_clip_length(make_clip: MakeClip) -> None:
    n, width, height = 600, 256, 192
    path = make_clip(n, size=(width, height), preset="ultrafast", texture=False)
    frame_bytes = width * height * 3  # 600 frames kept would be 88 MB
    alive: list[weakref.ref] = []
    rss_after_warmup = 0

    with VideoReader(path) as reader:
        for frame in reader:
            alive.append(weakref.ref(frame.image))
            if frame.index == 100:
                gc.collect()
                rss_after_warmup = _rss_bytes()
        del frame
        gc.collect()
        growth = _rss_bytes() - rss_after_warmup

    assert reader.frames_decoded == n
    assert sum(ref() is not None for ref in alive) == 0  # the reader keeps no frame
    assert growth < 50 * frame_bytes


# --- arguments and records -----------------------------------------------------------

BAD_ARGUMENTS = [
    {"start_s": -1.0},
    {"end_s": 0.0},
    {"start_s": 1.0, "end_s": 0.5},
    {"stride": 0},
    {"max_side": 0},
]


@pytest.mark.parametrize("options", BAD_ARGUMENTS)
def test_bad_arguments_raise_value_error(make_clip: MakeClip, options: dict) -> None:
    with pytest.raises(ValueError):
        VideoReader(make_clip(2), **options)


def test_a_reader_iterates_once_and_closes_twice(make_clip: MakeClip) -> None:
    reader = VideoReader(make_clip(3))
    assert len(list(reader)) == 3
    with pytest.raises(RuntimeError):
        iter(reader)
    reader.close()
    reader.close()


@pytest.mark.parametrize(
    "image",
    [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4, 3))],
    ids=["grey", "rgba", "float"],
)
def test_frame_rejects_images_that_are_not_rgb_uint8(image: np.ndarray) -> None:
    with pytest.raises(ValueError):
        Frame(index=0, time_s=0.0, image=image)


@pytest.mark.parametrize(
    "change",
    [{"width": 0}, {"fps": 0.0}, {"rotation": 45}],
    ids=["width", "fps", "rot"],
)
def test_video_info_rejects_impossible_values(change: dict) -> None:
    good = {
        "path": "x.mp4",
        "width": 4,
        "height": 4,
        "fps": 30.0,
        "n_frames": 1,
        "duration_s": 0.1,
        "rotation": 0,
        "codec": "h264",
        "variable_frame_rate": False,
    }
    VideoInfo(**good)
    with pytest.raises(ValueError):
        VideoInfo(**{**good, **change})


def test_write_clip_helper_rejects_too_small_frames(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_clip(tmp_path / "tiny.mp4", 1, size=(16, 16))
