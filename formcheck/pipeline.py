"""Video in, pose track out: the decode -> detect stage of the pipeline.

Decoding runs in a reader thread that feeds a bounded queue, so PyAV decodes the next
frames while MediaPipe works on the current one (both release the GIL), and memory
stays flat however long the clip is.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from formcheck import models
from formcheck.config import DEFAULT as DEFAULT_THRESHOLDS
from formcheck.config import Thresholds
from formcheck.pose.mediapipe_adapter import PoseEstimator
from formcheck.pose.plausibility import plausible_full_body
from formcheck.pose.select import (
    DetectionBuffer,
    Selection,
    runner_track,
    select_runner,
)
from formcheck.pose.track import PoseTrack
from formcheck.video import VideoInfo, VideoReader

#: Frames waiting between the reader thread and the detector.
QUEUE_SIZE = 8
#: Frames are downscaled so their longer side is at most this before detection.
#: MediaPipe works on 256 px crops internally, so this costs no accuracy on a runner
#: who fills a reasonable part of the frame, and it saves converting full 4K frames.
DEFAULT_DETECT_MAX_SIDE = 1280

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ModelInfo:
    """Which pose model produced a track."""

    variant: str
    sha256: str
    path: str


@dataclass(frozen=True)
class PoseRun:
    """Everything the decode -> detect stage knows about one video.

    Attributes:
        video: stream facts (size of the upright frame, fps, rotation, ...).
        model: the pose model used.
        track: landmarks per analysed frame, in pixels of the upright full-size frame.
        decode_error: ``None`` if the whole stream decoded, else where decoding stopped.
        rejected: detections discarded as not an analysable full-body person, by
            reason (e.g. ``{"legs not visible": 12}``).
        selection: how the runner was chosen among the people detected (track ids of
            every detection, the chosen one, reasons); ``None`` for old records.
    """

    video: VideoInfo
    model: ModelInfo
    track: PoseTrack
    decode_error: str | None
    rejected: dict[str, int]
    selection: Selection | None = None


_END = object()


def _read_ahead(reader: VideoReader, out: queue.Queue, stop: threading.Event) -> None:
    """Reader thread: push frames, then ``_END``; an exception is pushed as-is."""
    try:
        for frame in reader:
            while not stop.is_set():
                try:
                    out.put(frame, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
        out.put(_END)
    except BaseException as exc:  # noqa: BLE001  (re-raised in the consumer thread)
        out.put(exc)


def track_poses(
    video_path: str | os.PathLike[str],
    *,
    variant: str = models.DEFAULT_VARIANT,
    model_path: str | os.PathLike[str] | None = None,
    start_s: float | None = None,
    end_s: float | None = None,
    stride: int = 1,
    detect_max_side: int | None = DEFAULT_DETECT_MAX_SIDE,
    progress: ProgressFn | None = None,
    model_progress: Callable[[str], None] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    num_poses: int | None = None,
    detect_threads: int | None = None,
) -> PoseRun:
    """Decode a video and estimate the runner's pose in every analysed frame.

    Args:
        video_path: any video PyAV can read.
        variant: pose model variant (``lite``, ``full`` or ``heavy``).
        model_path: use this model file instead of the cache (verified by SHA-256).
        start_s, end_s: analyse only this span (seconds).
        stride: analyse every ``stride``-th frame.
        detect_max_side: downscale frames for detection to this longer side.
        progress: called as ``progress(frames_done, frames_expected)``.
        model_progress: receives model fetch messages.
        thresholds: decides which detections count as a person, and (``[select]``)
            how the runner is chosen among several people.
        num_poses: people MediaPipe looks for per frame (default
            ``thresholds.select.max_people``). Every plausible person is kept and
            linked over time; :func:`formcheck.pose.select.select_runner` keeps one.
        detect_threads: pose detectors run in parallel on alternating frames
            (default :func:`default_detect_threads`).

    Returns:
        The pose run; frames without the runner are kept with ``detected == False``.

    Raises:
        VideoError: the file cannot be read as a video.
        ModelError: the pose model cannot be found or verified.
    """
    path = models.resolve_model(variant, model_path, progress=model_progress)
    spec = models.identify(path)
    model = ModelInfo(
        variant=spec.variant if spec else variant,
        sha256=models.sha256_of(path),
        path=str(path),
    )
    with VideoReader(
        video_path,
        start_s=start_s,
        end_s=end_s,
        stride=stride,
        max_side=detect_max_side,
    ) as reader:
        info = reader.info
        expected = max(1, _expected_frames(info, start_s, end_s, stride))
        frames: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        stop = threading.Event()
        thread = threading.Thread(
            target=_read_ahead,
            args=(reader, frames, stop),
            name="formcheck-decode",
            daemon=True,
        )
        # Only (index, time) per frame: keeping the Frame would keep its image.
        rows: list[tuple[int, float]] = []
        people = DetectionBuffer()
        rejected: dict[str, int] = {}
        n_poses = num_poses or thresholds.select.max_people
        n_threads = detect_threads or default_detect_threads()
        thread.start()
        try:
            with contextlib.ExitStack() as stack:
                estimators = [
                    stack.enter_context(PoseEstimator(path, num_poses=n_poses))
                    for _ in range(n_threads)
                ]
                for item in _detect_in_order(frames, estimators, stop):
                    index, time_s_k, (h, w), found = item
                    scale = np.array([info.width / w, info.height / h], np.float32)
                    for person in found:
                        ok, why = plausible_full_body(
                            person.xy, person.visibility, w, h, thresholds.detection
                        )
                        if ok:
                            people.append(
                                len(rows),
                                person.xy * scale,
                                person.z * scale[0],
                                person.visibility,
                                person.presence,
                                person.world,
                            )
                        else:
                            rejected[why] = rejected.get(why, 0) + 1
                    rows.append((index, time_s_k))
                    if progress is not None:
                        progress(len(rows), max(expected, len(rows)))
        finally:
            stop.set()
            thread.join(timeout=5)
        decode_error = reader.decode_error
    det = people.freeze()
    frame_index = np.array([r[0] for r in rows], np.int64)
    time_s = np.array([r[1] for r in rows], np.float64)
    selection = select_runner(det, time_s, thresholds.select, thresholds.view)
    return PoseRun(
        video=info,
        model=model,
        track=runner_track(
            det, selection, frame_index, time_s, info.width, info.height
        ),
        decode_error=decode_error,
        rejected=rejected,
        selection=selection,
    )


def default_detect_threads() -> int:
    """How many pose detectors run in parallel on alternating frames: one.

    Measured on a 2-core machine (benchmarks/README.md): two detectors cost ~20 %
    more CPU and were no faster end to end, because decoding already keeps the second
    core busy. On a machine with many cores, ``detect_threads=2`` may pay off.
    """
    return 1


def _detector_thread(
    estimator: PoseEstimator, jobs: queue.Queue, results: queue.Queue
) -> None:
    """Run one detector over the frames given to it, in order; ``None`` stops it."""
    while True:
        frame = jobs.get()
        if frame is None:
            return
        try:
            found = estimator.detect(frame.image, frame.time_s)
            results.put((frame.index, frame.time_s, frame.image.shape[:2], found))
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller's thread)
            results.put(exc)


def _detect_in_order(
    frames: queue.Queue, estimators: list[PoseEstimator], stop: threading.Event
):
    """Yield ``(index, time_s, (h, w), people)`` per frame, in decode order.

    Frame ``k`` goes to detector ``k % n``. Each detector keeps its own VIDEO-mode
    tracking state over the frames it sees (every n-th frame, still strictly
    increasing timestamps). Results are collected in the same round-robin order, so
    they come back in decode order, and at most ``2 n`` frames are in flight.
    """
    n = len(estimators)
    jobs = [queue.Queue(maxsize=2) for _ in range(n)]
    results = [queue.Queue() for _ in range(n)]
    threads = [
        threading.Thread(
            target=_detector_thread,
            args=(est, jobs[i], results[i]),
            name=f"formcheck-detect-{i}",
            daemon=True,
        )
        for i, est in enumerate(estimators)
    ]
    for t in threads:
        t.start()
    sent = received = 0

    def collect():
        nonlocal received
        item = results[received % n].get()
        received += 1
        if isinstance(item, BaseException):
            raise item
        return item

    try:
        while True:
            frame = frames.get()
            if frame is _END:
                break
            if isinstance(frame, BaseException):
                raise frame
            jobs[sent % n].put(frame)
            sent += 1
            while sent - received >= 2 * n:
                yield collect()
        while received < sent:
            yield collect()
    finally:
        stop.set()
        for q in jobs:
            # Unblock and stop every detector, even after an error.
            while True:
                try:
                    q.put(None, timeout=0.05)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        q.get_nowait()
        for t in threads:
            t.join(timeout=10)


def _expected_frames(info: VideoInfo, start_s, end_s, stride: int) -> int:
    span = (end_s if end_s is not None else info.duration_s) - (start_s or 0.0)
    span = min(max(span, 0.0), info.duration_s)
    n = round(span * info.fps) if info.duration_s > 0 else info.n_frames
    return int(np.ceil(n / max(stride, 1)))
