"""Reading video files: probing and a streaming frame reader on PyAV.

Every frame comes out as an upright RGB ``uint8`` array with its exact presentation
time, so the rest of the pipeline never deals with codecs, rotation metadata or
frame-rate quirks:

- **Upright.** Phones store a portrait clip as landscape pixels plus a display matrix
  ("rotate 90° clockwise to show"). The reader applies it, so ``Frame.image`` is what a
  video player shows, and ``VideoInfo.width``/``height`` describe that upright picture.
- **Exact time.** ``Frame.time_s`` is the frame's own presentation timestamp, not
  ``index / fps``, so variable-frame-rate phone clips keep their real timing. Times are
  strictly increasing: a frame whose timestamp is missing or does not advance is dropped
  (and counted in ``VideoReader.frames_dropped``).
- **Streaming.** Frames are decoded one at a time; memory does not grow with clip
  length.
- **User-facing errors.** Anything that makes a file unreadable raises
  :class:`~formcheck.errors.VideoError` with one sentence naming the file and the
  problem. Corruption in the middle of a file is not an error: the frames before it are
  yielded, and ``VideoReader.decode_error`` says where decoding stopped.

Example:
    >>> from formcheck.video import VideoReader
    >>> with VideoReader("run.mp4", start_s=2, max_side=640) as reader:  # doctest: +SKIP
    ...     for frame in reader:
    ...         print(frame.index, round(frame.time_s, 3), frame.image.shape)
"""

from __future__ import annotations

import bisect
import dataclasses
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import av.error
import numpy as np
from av.container import InputContainer
from av.stream import Disposition

from formcheck.errors import VideoError

__all__ = ["Frame", "VideoInfo", "VideoReader", "probe"]

# Codecs of still-image formats. FFmpeg opens a single PNG or JPEG as a one-frame
# "video"; we reject those, but an MJPEG *movie* (old cameras) is still a video.
_IMAGE_CODECS = frozenset(
    {"png", "apng", "mjpeg", "jpeg2000", "jpegls", "bmp", "gif", "webp", "tiff", "qoi"}
)

# Frame intervals further than this from the typical interval (relative) mark the
# stream as variable-frame-rate. Loose enough for CFR clips in coarse time bases (1/600
# at 29.97 fps gives intervals of 20 and 21 ticks), tight enough for dropped frames.
_VFR_TOLERANCE = 0.1


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a video before (or while) decoding it.

    Attributes:
        path: the file, as given by the caller.
        width, height: native size in pixels of the upright frame (after applying
            ``rotation``; before any ``max_side`` downscaling by the reader).
        fps: average frame rate of the stream (its stated average rate, else FFmpeg's
            guessed rate, else frames / duration).
        n_frames: the frame count stated by the container; when the container does not
            state one (e.g. Matroska/WebM) an *estimate*, ``round(duration_s * fps)``.
        duration_s: duration of the video stream in seconds (of the container if the
            stream does not state it; 0.0 if neither does).
        rotation: clockwise rotation in degrees (0, 90, 180 or 270) applied to the
            stored pixels to make them upright, read from the display matrix. This is
            the value of the legacy ``rotate`` tag; portrait phone clips usually
            have 90.
        codec: FFmpeg decoder name, e.g. ``"h264"``, ``"hevc"``, ``"vp9"``.
        variable_frame_rate: True if frame intervals vary by more than 10 %. From the
            container's sample table where there is one (MP4/MOV), else a guess from
            the stated rates; ``VideoReader`` sets it when it sees irregular intervals.
    """

    path: str
    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    rotation: int
    codec: str
    variable_frame_rate: bool

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(
                f"VideoInfo size must be positive, got {self.width}x{self.height}"
            )
        if not self.fps > 0:
            raise ValueError(f"VideoInfo.fps must be positive, got {self.fps}")
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(
                f"VideoInfo.rotation must be 0/90/180/270, got {self.rotation}"
            )


# eq=False: comparing or hashing frames by their pixel arrays is never what you want.
@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded video frame.

    Attributes:
        index: 0-based position of the frame in the stream, counting every frame of the
            video from its start, including frames skipped by ``start_s``/``stride``
            and frames dropped for a bad timestamp (so indices can have gaps).
        time_s: presentation time of this frame in seconds from the start of the stream
            (``(pts - stream.start_time) * time_base``), exact also for variable frame
            rate; not ``index / fps``.
        image: ``(H, W, 3)`` uint8 RGB, C-contiguous, upright.
    """

    index: int
    time_s: float
    image: np.ndarray

    def __post_init__(self) -> None:
        image = self.image
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(
                f"Frame.image must be (H, W, 3) uint8, got {image.shape} {image.dtype}"
            )


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Describe a video file and check that its first frame decodes.

    Args:
        path: the video file.

    Returns:
        The video's properties, with the native (upright) frame size.

    Raises:
        VideoError: the file is missing, not a video, a still image, has no video
            stream, or no frame of it can be decoded.
    """
    container = _open(path)
    try:
        return _read_info(container, str(path))
    finally:
        container.close()


#: Environment variable that makes this process decode and encode on one thread.
SINGLE_THREAD_ENV = "FORMCHECK_SINGLE_THREAD"


def single_threaded_codecs() -> bool:
    """Whether this process should decode and encode video on one thread.

    True in worker processes that run one per core (``formcheck batch`` sets
    ``FORMCHECK_SINGLE_THREAD=1`` in its workers): codec threads would then only
    compete with the other workers for the same cores.
    """
    return os.environ.get(SINGLE_THREAD_ENV) == "1"


class VideoReader:
    """Stream the frames of a video, upright, as RGB arrays with exact timestamps.

    The file is opened and checked (as by :func:`probe`) on construction. Iterate once;
    use as a context manager, or call :meth:`close`.

    Args:
        path: the video file.
        start_s: skip frames presented before this time (seconds from the stream
            start). Seeks to the keyframe before it instead of decoding from the start
            when the container has a complete sample index (MP4/MOV); frame indices stay
            exact either way.
        end_s: stop before the first frame presented at or after this time, so frames
            cover the half-open interval ``[start_s, end_s)``.
        stride: yield every ``stride``-th frame, counting from the first frame at or
            after ``start_s``; ``Frame.index`` still counts every frame.
        max_side: if given, downscale (keeping the aspect ratio) so the longer side of
            the frame is at most this many pixels. Never upscales.
        threaded: let FFmpeg decode on several threads. Turn off when several
            readers already run in parallel, one per core: extra decoder threads
            then only compete for the same cores. Default: on, unless
            :func:`single_threaded_codecs`.

    Attributes:
        info: the video's properties, as from :func:`probe`: ``width``/``height`` are
            the native upright size even when ``max_side`` shrinks the frames yielded
            (scale pixel positions by ``info.width / image.shape[1]`` to map back).
            ``variable_frame_rate`` is set during iteration if irregular frame
            intervals are seen.
        decode_error: None while decoding goes well and if the stream decoded to its
            end; otherwise one line saying where decoding stopped and why, e.g.
            ``"decoding stopped at frame 57 (after t=1.87 s): Invalid data found when
            processing input"`` (the time is that of the last good frame). Frames
            before that point have been yielded; none after it, because frames after
            damage are predicted from damaged ones until the next keyframe. Damage
            the decoder cannot detect at all yields wrong pixels, not an error.
        frames_decoded: frames produced by the decoder so far, including those skipped
            by ``start_s``/``stride`` or dropped for a bad timestamp.
        frames_dropped: frames dropped because their timestamp was missing or did not
            increase.

    Raises:
        VideoError: on construction, as :func:`probe`; on iteration, if no frame at all
            can be decoded.
        ValueError: on construction, for a negative ``start_s``, an ``end_s`` not after
            ``start_s``, or a ``stride``/``max_side`` below 1.

    Example:
        >>> with VideoReader("clip.mp4", max_side=256) as reader:  # doctest: +SKIP
        ...     times = [frame.time_s for frame in reader]
        ...     problem = reader.decode_error
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        start_s: float | None = None,
        end_s: float | None = None,
        stride: int = 1,
        max_side: int | None = None,
        threaded: bool | None = None,
    ) -> None:
        if start_s is not None and start_s < 0:
            raise ValueError(f"start_s must be >= 0, got {start_s}")
        if end_s is not None and end_s <= (start_s or 0.0):
            raise ValueError(
                f"end_s ({end_s}) must be after start_s ({start_s or 0.0})"
            )
        if stride < 1:
            raise ValueError(f"stride must be >= 1, got {stride}")
        if max_side is not None and max_side < 1:
            raise ValueError(f"max_side must be >= 1, got {max_side}")
        self._path = str(path)
        self._start_s = start_s
        self._end_s = end_s
        self._stride = stride
        self._max_side = max_side
        self.decode_error: str | None = None
        self.frames_decoded = 0
        self.frames_dropped = 0
        self._iterated = False
        self._next_index = 0  # stream index of the next decoded frame
        self._last_time: float | None = None  # time of the last decoded frame
        self._stop_reason: str | None = None  # why decoding stopped early, if it did
        if threaded is None:
            threaded = not single_threaded_codecs()
        self._thread_type = "AUTO" if threaded else "NONE"

        self.info = probe(path)
        # Size of the frames we yield: upright, then shrunk to fit ``max_side``.
        self._size = _scaled_size(self.info.width, self.info.height, max_side)
        # probe() decoded a frame on its own handle; decode ours from a clean start.
        self._container = _open(path)
        self._stream = _video_stream(self._container)
        self._stream.thread_type = self._thread_type

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file and the decoder. Safe to call more than once."""
        self._container.close()

    def __iter__(self) -> Iterator[Frame]:
        if self._iterated:
            raise RuntimeError("a VideoReader can be iterated only once")
        self._iterated = True
        return self._frames()

    def _frames(self) -> Iterator[Frame]:
        stream = self._stream
        time_base = stream.time_base
        origin = stream.start_time or 0
        start = self._start_s or None
        packets, self._next_index = self._packets(start, time_base, origin)
        sought = start is not None
        first_kept: int | None = None
        last_pts: int | None = None
        decoded = self._decoded(packets)
        while (av_frame := next(decoded, None)) is not None:
            if av_frame.is_corrupt and sought and first_kept is None:
                # Some streams' keyframes are not clean entry points (later frames
                # still reference earlier ones), so the decoder marks what follows a
                # seek as damaged. Nothing was yielded yet: decode from the start.
                decoded.close()
                sought = False
                self._reopen()
                self._next_index = self.frames_decoded = self.frames_dropped = 0
                last_pts = self._last_time = None
                decoded = self._decoded(self._container.demux(self._stream))
                continue
            if av_frame.is_corrupt:
                # The decoder patched over damaged data; frames after it predict from
                # this one, so they are wrong too until the next keyframe. Stop here.
                self.decode_error = self._stopped_at("the frame is damaged")
                break
            self.frames_decoded += 1
            index = self._next_index
            self._next_index += 1
            pts = av_frame.pts
            if pts is None or (last_pts is not None and pts <= last_pts):
                self.frames_dropped += 1
                continue
            time_s = float((pts - origin) * time_base)
            if self._last_time is not None:
                self._note_interval(time_s - self._last_time)
            last_pts, self._last_time = pts, time_s
            if start is not None and time_s < start:
                continue
            if self._end_s is not None and time_s >= self._end_s:
                return
            if first_kept is None:
                first_kept = index
            if (index - first_kept) % self._stride == 0:
                yield Frame(index, time_s, self._to_image(av_frame))
        if self.frames_decoded == 0 and (self.decode_error or start is None):
            reason = self._stop_reason or "the stream has no decodable frames"
            after = f" from {start:.2f} s on" if start is not None else ""
            raise VideoError(
                f"No frame could be decoded from video '{self._path}'{after} ({reason})."
            )
        if self.decode_error is None:
            self._check_complete()

    def _packets(
        self, start: float | None, time_base: Fraction, origin: int
    ) -> tuple[Iterable[av.Packet], int]:
        """Packets to decode from, and the stream index of the first frame they give."""
        if start is not None:
            sought = self._seek(origin + int(start / time_base))
            if sought is not None:
                return sought
            self._reopen()  # a failed seek may have left us anywhere
        return self._container.demux(self._stream), 0

    def _seek(self, target: int) -> tuple[Iterable[av.Packet], int] | None:
        """Seek to the last keyframe presented at or before ``target`` (a pts).

        Returns the packets from that keyframe on and the keyframe's position in the
        stream; or None if the container has no complete sample index to tell that
        position (MP4/MOV have one, Matroska does not), or the seek went wrong.
        """
        stream = self._stream
        entries = stream.index_entries
        if stream.frames <= 0 or len(entries) != stream.frames:
            return None
        # Index entries are in decode order and carry decode timestamps (dts).
        kept = [e for e in entries if not e.is_discard]
        sample_dts = [e.timestamp for e in kept]
        keyframe_dts = [e.timestamp for e in kept if e.is_keyframe]
        seek_to = target
        # With B-frames a keyframe is presented some frames after it is decoded, so
        # the keyframe the demuxer picks for ``target`` may be presented after it:
        # then step back one keyframe.
        for _ in range(len(keyframe_dts) + 1):
            try:
                self._container.seek(seek_to, stream=stream, backward=True)
                packets = self._container.demux(stream)
                first = next((p for p in packets if p.dts is not None), None)
            except (av.error.FFmpegError, OSError):
                return None
            if first is None:  # sought past the end
                return [], len(sample_dts)
            position = bisect.bisect_left(sample_dts, first.dts)
            if position == 0 or first.pts is None or first.pts <= target:
                return _prepend(first, packets), position
            earlier = bisect.bisect_left(keyframe_dts, first.dts) - 1
            if earlier < 0:
                return None
            seek_to = keyframe_dts[earlier]
        return None

    def _reopen(self) -> None:
        self._container.close()
        self._container = _open(self._path)
        self._stream = _video_stream(self._container)
        self._stream.thread_type = self._thread_type

    def _decoded(self, packets: Iterable[av.Packet]) -> Iterator[av.VideoFrame]:
        """Decode ``packets`` up to the end or the first damage (see decode_error)."""
        stream = self._stream
        reason: str | None = None
        drain = True
        packet_iter = iter(packets)
        while True:
            try:
                packet = next(packet_iter)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError) as exc:
                reason = _describe_av_error(exc)
                break
            if packet.is_corrupt:
                # A partial packet (cut file) can make a frame-threaded decoder drop
                # the good frames still in flight without an error: stop before it.
                reason = "the data is cut off (the file is probably truncated)"
                break
            try:
                decoded = stream.decode(packet)
            except (av.error.FFmpegError, OSError) as exc:
                # A frame-threaded decoder reports the error in frame order, so every
                # frame before the damaged one is out already; what it still holds
                # comes after the damage and can be garbage (seen with FFmpeg 8).
                reason = _describe_av_error(exc)
                drain = False
                break
            yield from decoded
        if reason is None:
            return
        if drain:  # only intact packets went in: what the decoder holds is good
            try:
                drained = stream.codec_context.decode(None)
            except (av.error.FFmpegError, OSError):
                drained = []
            yield from drained
        self.decode_error = self._stopped_at(reason)

    def _check_complete(self) -> None:
        """Flag a stream that ended cleanly but short of the frames it declares."""
        stream = self._stream
        if stream.frames <= 0:
            return
        declared = stream.frames - sum(1 for e in stream.index_entries if e.is_discard)
        # Also require missing time at the end, so that a decoder legitimately not
        # outputting a frame or two (e.g. leading frames of an open GOP) is no alarm.
        last_time = self._last_time or 0.0
        ends_early = last_time + 1.5 / self.info.fps < self.info.duration_s
        if self._next_index < declared and ends_early:
            self.decode_error = self._stopped_at(
                f"the file declares {declared} frames, so it is probably truncated"
            )

    def _stopped_at(self, reason: str) -> str:
        """The ``decode_error`` line for stopping at the next frame because of
        ``reason``."""
        self._stop_reason = reason
        where = f"decoding stopped at frame {self._next_index}"
        if self._last_time is not None:
            where += f" (after t={self._last_time:.2f} s)"
        return f"{where}: {reason}"

    def _note_interval(self, interval_s: float) -> None:
        if self.info.variable_frame_rate:
            return
        if abs(interval_s * self.info.fps - 1.0) > _VFR_TOLERANCE:
            self.info = dataclasses.replace(self.info, variable_frame_rate=True)

    def _to_image(self, av_frame: av.VideoFrame) -> np.ndarray:
        rotation = self.info.rotation
        width, height = self._size
        if rotation in (90, 270):
            width, height = height, width
        # Always convert to the same size, so a mid-stream resolution change (rare, but
        # legal) cannot change the shape of the arrays we yield.
        try:
            image = av_frame.to_ndarray(
                format="rgb24", width=width, height=height, interpolation="AREA"
            )
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise VideoError(
                f"A frame of video '{self._path}' could not be converted to RGB "
                f"({_describe_av_error(exc)})."
            ) from exc
        if rotation:
            image = np.rot90(image, k=-(rotation // 90))
        return np.ascontiguousarray(image)


def _prepend(first: av.Packet, rest: Iterable[av.Packet]) -> Iterator[av.Packet]:
    yield first
    yield from rest


def _scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """``(width, height)`` shrunk so the longer side is at most ``max_side``."""
    longer = max(width, height)
    if max_side is None or longer <= max_side:
        return width, height
    scale = max_side / longer
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(path: str | os.PathLike[str]) -> InputContainer:
    """Open ``path`` for demuxing, turning every failure into one clear VideoError."""
    file = Path(path)
    if not file.exists():
        raise VideoError(f"Video file '{path}' does not exist.")
    if file.is_dir():
        raise VideoError(f"'{path}' is a directory, not a video file.")
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise VideoError(
            f"Video file '{path}' cannot be read ({exc.strerror})."
        ) from exc
    if size == 0:
        raise VideoError(f"Video file '{path}' is empty (0 bytes).")
    try:
        return av.open(str(file), "r")
    except PermissionError as exc:
        raise VideoError(
            f"Video file '{path}' cannot be read (permission denied)."
        ) from exc
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise VideoError(_unopenable_message(path, file, exc)) from exc


def _unopenable_message(path: object, file: Path, exc: Exception) -> str:
    try:
        with file.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        head = b""
    if head[4:8] == b"ftyp":
        return (
            f"'{path}' looks like an MP4/MOV video but cannot be opened; it is "
            "probably truncated or corrupt (e.g. the recording was interrupted)."
        )
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return (
            f"'{path}' looks like a Matroska/WebM video but cannot be opened; it is "
            "probably truncated or corrupt."
        )
    return f"'{path}' is not a video file that can be read ({_describe_av_error(exc)})."


def _describe_av_error(exc: BaseException) -> str:
    """The human part of a PyAV error, without errno and FFmpeg function names."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).rstrip(".")


def _video_stream(container: InputContainer) -> av.VideoStream | None:
    """The first real video stream: not a cover picture of an audio file."""
    not_video = Disposition.attached_pic | Disposition.timed_thumbnails
    for stream in container.streams.video:
        if not stream.disposition & not_video:
            return stream
    return None


def _read_info(container: InputContainer, path: str) -> VideoInfo:
    stream = _video_stream(container)
    if stream is None:
        kinds = sorted({s.type for s in container.streams if s.type != "video"})
        if len(container.streams.video):
            kinds.append("a cover picture")
        has = f"it contains only {' and '.join(kinds)}" if kinds else "it is empty"
        raise VideoError(f"'{path}' has no video stream ({has}).")
    if stream.codec_context is None:
        raise VideoError(
            f"The video stream of '{path}' cannot be decoded (its codec is unknown or "
            "its header is damaged)."
        )
    codec = stream.codec_context.name
    format_name = container.format.name
    is_image_format = format_name == "image2" or format_name.endswith("_pipe")
    if is_image_format or (
        codec in _IMAGE_CODECS and stream.frames <= 1 and not stream.duration
    ):
        raise VideoError(f"'{path}' is a still image, not a video.")

    first = _first_frame(container, stream, path)
    # frame.rotation is counter-clockwise; we report the clockwise turn we apply.
    # Phones only write quarter turns; anything else is rounded to the nearest one,
    # and a mirroring component of the matrix (rare) is ignored.
    rotation = round(-first.rotation / 90) % 4 * 90
    width, height = first.width, first.height
    if rotation in (90, 270):
        width, height = height, width

    time_base = stream.time_base
    if stream.duration and time_base:
        duration_s = float(stream.duration * time_base)
    elif container.duration:
        duration_s = container.duration / av.time_base
    else:
        duration_s = 0.0
    fps = _frame_rate(stream, duration_s)
    if fps is None:
        raise VideoError(f"'{path}' does not state a usable frame rate.")
    n_frames = stream.frames if stream.frames > 0 else round(duration_s * fps)
    return VideoInfo(
        path=path,
        width=width,
        height=height,
        fps=fps,
        n_frames=n_frames,
        duration_s=duration_s,
        rotation=rotation,
        codec=codec,
        variable_frame_rate=_looks_variable(stream),
    )


def _first_frame(
    container: InputContainer, stream: av.VideoStream, path: str
) -> av.VideoFrame:
    try:
        for packet in container.demux(stream):
            if packet.is_corrupt:
                break
            for frame in stream.decode(packet):
                if frame.is_corrupt:
                    raise VideoError(
                        f"No frame could be decoded from video '{path}' (the first "
                        "frame is damaged)."
                    )
                return frame
    except (av.error.FFmpegError, OSError) as exc:
        reason = _describe_av_error(exc)
        raise VideoError(
            f"No frame could be decoded from video '{path}' ({reason})."
        ) from exc
    reason = "the stream is empty or cut off"
    raise VideoError(f"No frame could be decoded from video '{path}' ({reason}).")


def _frame_rate(stream: av.VideoStream, duration_s: float) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate):
        if rate and rate > 0:
            return float(rate)
    if stream.frames > 0 and duration_s > 0:
        return stream.frames / duration_s
    return None


def _looks_variable(stream: av.VideoStream) -> bool:
    """Guess variable frame rate from the sample table, else from the stated rates."""
    entries = stream.index_entries
    if stream.frames > 2 and len(entries) == stream.frames:
        dts = np.fromiter((e.timestamp for e in entries if not e.is_discard), np.int64)
        intervals = np.diff(dts)
        if len(intervals) >= 2:
            typical = float(np.median(intervals))
            if typical <= 0:
                return True
            return bool(np.any(np.abs(intervals / typical - 1.0) > _VFR_TOLERANCE))
    average, base = stream.average_rate, stream.base_rate
    if average and base:
        return abs(float(average) / float(base) - 1.0) > 0.01
    return False
