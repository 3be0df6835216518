"""Video in, pose track out: the decode -> detect stage of the pipeline.

Decoding runs in a reader thread that feeds a bounded queue, so PyAV decodes the next
frames while MediaPipe works on the current one (both release the GIL), and memory
stays flat however long the clip is. A clip long enough is cut into consecutive spans
that worker processes track in parallel, one MediaPipe detector each; the spans are
joined in time order and the runner is then chosen over the whole clip, so the result
does not depend on where the cuts fall (beyond MediaPipe re-finding the person at a cut).
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from formcheck import models, native_logs
from formcheck.camera import CameraMotion, MotionTracker
from formcheck.config import DEFAULT as DEFAULT_THRESHOLDS
from formcheck.config import DetectionThresholds, SelectThresholds, Thresholds
from formcheck.errors import FormcheckError, PoseError
from formcheck.pose.mediapipe_adapter import PoseEstimator
from formcheck.pose.plausibility import plausible_full_body
from formcheck.pose.select import (
    DetectionBuffer,
    Detections,
    Selection,
    geometry,
    runner_track,
    select_runner,
    suppress_duplicates,
)
from formcheck.pose.track import PoseTrack
from formcheck.video import VideoInfo, VideoReader, probe

#: Frames waiting between the reader thread and the detector.
QUEUE_SIZE = 8
#: Frames are downscaled so their longer side is at most this before detection.
#: MediaPipe works on 256 px crops internally, so this costs no accuracy on a runner
#: who fills a reasonable part of the frame, and it saves converting full 4K frames.
DEFAULT_DETECT_MAX_SIDE = 1280
#: Upper bound on pose worker processes (each holds a model and a few frames, ~250 MB).
MAX_WORKERS = 4
#: Shortest span given to a worker: starting one costs a seek to a keyframe and a
#: fresh person search, worth it only for a couple of seconds of video.
MIN_PART_S = 2.0
#: A worker reports progress every this many frames.
PROGRESS_EVERY = 5
#: Modules the worker-process server imports once, so workers start ready.
FORKSERVER_PRELOAD = [
    "formcheck.pipeline",
    "formcheck.batch.runner",
    "mediapipe.tasks.python.vision",
]

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
        camera: how the camera moved between analysed frames, measured on the
            background (:mod:`formcheck.camera`); ``None`` if not measured.
    """

    video: VideoInfo
    model: ModelInfo
    track: PoseTrack
    decode_error: str | None
    rejected: dict[str, int]
    selection: Selection | None = None
    camera: CameraMotion | None = None


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
    workers: int | None = None,
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
        workers: processes that decode and detect consecutive parts of the clip in
            parallel (default :func:`default_workers`); ``1`` keeps all work in this
            process. Parts are at least :data:`MIN_PART_S` long, so a short clip
            uses fewer.

    Returns:
        The pose run; frames without the runner are kept with ``detected == False``.

    Raises:
        VideoError: the file cannot be read as a video.
        ModelError: the pose model cannot be found or verified.
        PoseError: a pose worker process died.
    """
    path = models.resolve_model(variant, model_path, progress=model_progress)
    spec = models.identify(path)
    model = ModelInfo(
        variant=spec.variant if spec else variant,
        sha256=models.sha256_of(path),
        path=str(path),
    )
    wanted = num_poses or thresholds.select.max_people
    job = _Job(
        video_path=str(video_path),
        model_path=str(path),
        start_s=start_s,
        end_s=end_s,
        stride=stride,
        max_side=detect_max_side,
        num_poses=wanted,
        detection=thresholds.detection,
        select=thresholds.select,
    )
    info = probe(video_path)
    expected = max(1, _expected_frames(info, start_s, end_s, stride))
    parts = _split(info, start_s, end_s, stride, workers or default_workers())
    if wanted > 1:
        # Track one person and count people on the side; look for several on every
        # frame (slower) only if there are several.
        solo = dataclasses.replace(job, num_poses=1, census_poses=wanted)
        span = _track_parts(solo, parts, progress, expected)
        if span.most_people > 1:
            again = None
            if progress is not None:
                again = lambda done, n: progress(n + done, 2 * n)  # noqa: E731
            span = _track_parts(job, parts, again, expected)
    else:
        span = _track_parts(job, parts, progress, expected)
    frame_index = np.array([r[0] for r in span.rows], np.int64)
    time_s = np.array([r[1] for r in span.rows], np.float64)
    if span.variable_frame_rate and not info.variable_frame_rate:
        info = dataclasses.replace(info, variable_frame_rate=True)
    selection = select_runner(span.people, time_s, thresholds.select, thresholds.view)
    return PoseRun(
        video=info,
        model=model,
        track=runner_track(
            span.people, selection, frame_index, time_s, info.width, info.height
        ),
        decode_error=span.decode_error,
        rejected=span.rejected,
        selection=selection,
        camera=span.camera,
    )


def default_workers() -> int:
    """Pose worker processes: one per usable core, at most :data:`MAX_WORKERS`.

    MediaPipe's inference runs on one core per detector, so on a 2-core machine two
    processes, each decoding and detecting half of the clip, take about 0.55x the time
    of one (benchmarks/README.md). Two detectors sharing one process on alternating
    frames were measured not to be faster.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


@dataclass(frozen=True)
class _Job:
    """What every part of a clip is analysed with (picklable, for worker processes)."""

    video_path: str
    model_path: str
    start_s: float | None
    end_s: float | None
    stride: int
    max_side: int | None
    num_poses: int
    detection: DetectionThresholds
    select: SelectThresholds
    #: Decode on several threads (off when spans run in parallel processes; None:
    #: the reader's default).
    threaded_decode: bool | None = None
    #: With > 1, a second detector looks for this many people every
    #: ``select.census_every_s``; the span then reports the most it saw at once.
    census_poses: int = 0


@dataclass
class _Span:
    """The detections of a consecutive span of frames.

    ``rows`` holds ``(frame index, time_s)`` per analysed frame; ``people.row``
    counts from 0 at the span's first row.
    """

    rows: list[tuple[int, float]]
    people: Detections
    rejected: dict[str, int]
    decode_error: str | None
    variable_frame_rate: bool
    #: Most distinct plausible people the census saw in one frame (0: no census).
    most_people: int = 0
    #: Camera motion per row (None: not measured).
    camera: CameraMotion | None = None


def _split(
    info: VideoInfo, start_s: float | None, end_s: float | None, stride: int, n: int
) -> list[tuple[float | None, float | None]]:
    """Cut ``[start_s, end_s)`` into at most ``n`` spans of >= MIN_PART_S seconds.

    One span when striding (each span would restart the stride) or when the stream
    has no usable duration.
    """
    lo = start_s or 0.0
    hi = min(end_s, info.duration_s) if end_s is not None else info.duration_s
    n = min(n, int((hi - lo) // MIN_PART_S)) if hi > lo else 1
    if n <= 1 or stride != 1:
        return [(start_s, end_s)]
    cuts = [float(t) for t in np.linspace(lo, hi, n + 1)[1:-1]]
    return list(zip([start_s, *cuts], [*cuts, end_s], strict=True))


def _track_parts(
    job: _Job, parts: list[tuple], progress: ProgressFn | None, expected: int
) -> _Span:
    if len(parts) > 1 and _workers_can_start():
        try:
            return _track_parallel(job, parts, progress, expected)
        except PoseError:
            # A worker died (or could not start, e.g. a script without a
            # ``__main__`` guard): do the work here instead, one span.
            pass
    return _track_span(
        job, job.start_s, job.end_s, progress=progress, expected=expected
    )


def _workers_can_start() -> bool:
    """Whether worker processes can re-create the caller's ``__main__``.

    A worker started by forkserver or spawn re-runs the main script; a script piped
    to ``python -`` has the non-file ``<stdin>`` as its main, so every worker would
    die printing a traceback before the fallback. Such callers track in-process.
    """
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


def _track_span(
    job: _Job,
    start_s: float | None = None,
    end_s: float | None = None,
    *,
    progress: ProgressFn | None = None,
    expected: int = 1,
) -> _Span:
    """Decode and detect ``[start_s, end_s)`` in this process.

    A reader thread decodes ahead into a bounded queue while MediaPipe works.
    """
    with VideoReader(
        job.video_path,
        start_s=start_s,
        end_s=end_s,
        stride=job.stride,
        max_side=job.max_side,
        threaded=job.threaded_decode,
    ) as reader:
        info = reader.info
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
        most_people = 0
        next_census = -np.inf
        tracker = MotionTracker()
        # dx, dy, scale, inliers per row, packed (no Python objects per frame).
        motion = array.array("d")
        thread.start()
        try:
            with contextlib.ExitStack() as stack:
                estimator = stack.enter_context(
                    PoseEstimator(job.model_path, num_poses=job.num_poses)
                )
                census = None
                if job.census_poses > 1:
                    census = stack.enter_context(
                        PoseEstimator(job.model_path, num_poses=job.census_poses)
                    )
                for frame in _frames_until_end(frames):
                    if census is not None and frame.time_s >= next_census:
                        next_census = frame.time_s + job.select.census_every_s
                        seen = _count_people(
                            census.detect(frame.image, frame.time_s), frame, job
                        )
                        most_people = max(most_people, seen)
                    found = estimator.detect(frame.image, frame.time_s)
                    h, w = frame.image.shape[:2]
                    scale = np.array([info.width / w, info.height / h], np.float32)
                    # The background's motion, with every detected person masked.
                    boxes = [_box(p.xy) for p in found]
                    dx, dy, zoom, n_in = tracker.step(frame.image, boxes)
                    motion.extend((dx * scale[0], dy * scale[1], zoom, n_in))
                    for person in found:
                        ok, why = plausible_full_body(
                            person.xy, person.visibility, w, h, job.detection
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
                    rows.append((frame.index, frame.time_s))
                    if progress is not None:
                        progress(len(rows), max(expected, len(rows)))
        finally:
            stop.set()
            thread.join(timeout=5)
        return _Span(
            rows=rows,
            people=people.freeze(),
            rejected=rejected,
            decode_error=reader.decode_error,
            variable_frame_rate=reader.info.variable_frame_rate,
            most_people=most_people,
            camera=_camera(motion),
        )


def _box(xy: np.ndarray) -> np.ndarray:
    """A person's landmark box ``(x0, y0, x1, y1)``."""
    with np.errstate(invalid="ignore"):
        return np.array([*np.nanmin(xy, 0), *np.nanmax(xy, 0)], np.float32)


def _camera(motion: array.array) -> CameraMotion:
    if not motion:
        return CameraMotion.unmeasured(0)
    a = np.frombuffer(motion, np.float64).reshape(-1, 4)
    return CameraMotion(
        dx=a[:, 0].astype(np.float32),
        dy=a[:, 1].astype(np.float32),
        scale=a[:, 2].astype(np.float32),
        inliers=a[:, 3].astype(np.int32),
    )


def _count_people(found: list, frame, job: _Job) -> int:
    """Distinct plausible full-body people among one frame's detections."""
    h, w = frame.image.shape[:2]
    people = [
        p
        for p in found
        if plausible_full_body(p.xy, p.visibility, w, h, job.detection)[0]
    ]
    if len(people) < 2:
        return len(people)
    centre, size, box = geometry(np.stack([p.xy for p in people]))
    score = np.array([p.visibility.mean() for p in people])
    row = np.zeros(len(people), np.int64)
    return int(suppress_duplicates(row, centre, size, box, score, job.select).sum())


def _frames_until_end(frames: queue.Queue):
    """Frames from the reader thread until ``_END``; re-raise its exception."""
    while True:
        frame = frames.get()
        if frame is _END:
            return
        if isinstance(frame, BaseException):
            raise frame
        yield frame


class _ParentGone(Exception):
    """The process that started this worker has died (killed, crashed)."""


def _span_worker(job: _Job, part: int, span: tuple, messages) -> None:
    """Worker process: track one span, report progress, then the result or error.

    Stops by itself if the process that started it dies (a killed parent cannot stop
    its workers)."""
    parent = multiprocessing.parent_process()
    # Errors travel back on ``messages``; fd 2 would only carry native log lines.
    native_logs.process_silenced()

    def progress(done: int, _expected: int) -> None:
        if done % PROGRESS_EVERY == 0:
            if parent is not None and not parent.is_alive():
                raise _ParentGone
            messages.put(("progress", part, done))

    try:
        result = _track_span(job, *span, progress=progress)
        messages.put(("done", part, result))
    except _ParentGone:
        return
    except FormcheckError as exc:
        messages.put(("error", part, exc))
    except BaseException as exc:  # noqa: BLE001  (a bug: report it, with its type)
        messages.put(("crash", part, f"{type(exc).__name__}: {exc}"))


def _track_parallel(
    job: _Job, parts: list[tuple], progress: ProgressFn | None, expected: int
) -> _Span:
    """Track each span in its own process and join the results in time order."""
    job = dataclasses.replace(job, threaded_decode=False)
    ctx = worker_context()
    messages = ctx.Queue()
    procs = [
        ctx.Process(
            target=_span_worker,
            args=(job, k, span, messages),
            name=f"formcheck-pose-{k}",
            daemon=True,
        )
        for k, span in enumerate(parts)
    ]
    results: dict[int, _Span | BaseException] = {}
    done = [0] * len(parts)
    try:
        for proc in procs:
            try:
                proc.start()
            except OSError as exc:  # e.g. out of processes or memory
                raise PoseError(f"Cannot start a pose worker process: {exc}") from None
        _import_later_stages()
        while len(results) < len(parts):
            try:
                kind, part, payload = messages.get(timeout=0.5)
            except queue.Empty:
                dead = [
                    k
                    for k, proc in enumerate(procs)
                    if k not in results and proc.exitcode is not None
                ]
                if dead:  # died without a word (killed, out of memory, segfault)
                    code = procs[dead[0]].exitcode
                    raise PoseError(
                        f"A pose worker process stopped unexpectedly (exit code "
                        f"{code}); try again with --workers 1."
                    ) from None
                continue
            if kind == "progress":
                done[part] = payload
            elif kind == "crash":
                raise RuntimeError(f"pose worker {part} failed: {payload}")
            else:
                results[part] = payload
                if kind == "done":
                    done[part] = len(payload.rows)
            if progress is not None:
                progress(sum(done), max(expected, sum(done)))
    finally:
        for proc in procs:
            if proc.pid is None:  # never started
                continue
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5)
        messages.close()
    return _join_spans([results[k] for k in range(len(parts))])


def _import_later_stages() -> None:
    """Import what the stages after this one need (~1 s of scipy), while this
    process would otherwise only wait for its workers."""
    import scipy.ndimage  # noqa: F401
    import scipy.optimize  # noqa: F401
    import scipy.signal  # noqa: F401


def _join_spans(spans: list[_Span | BaseException]) -> _Span:
    """Concatenate spans in time order; stop where decoding stopped, like one pass.

    A span that failed to decode at all counts as decoding stopping at its start; if
    the first span failed, its error is raised.
    """
    if isinstance(spans[0], BaseException):
        raise spans[0]
    rows: list[tuple[int, float]] = []
    people: list[Detections] = []
    cameras: list[CameraMotion] = []
    rejected: dict[str, int] = {}
    decode_error = None
    vfr = False
    most = 0
    for span in spans:
        if isinstance(span, BaseException):
            decode_error = str(span)
            break
        people.append(span.people.shift(len(rows)))
        cameras.append(span.camera or CameraMotion.unmeasured(len(span.rows)))
        rows.extend(span.rows)
        for why, n in span.rejected.items():
            rejected[why] = rejected.get(why, 0) + n
        vfr = vfr or span.variable_frame_rate
        most = max(most, span.most_people)
        if span.decode_error is not None:
            decode_error = span.decode_error
            break
    return _Span(
        rows,
        Detections.concat(people),
        rejected,
        decode_error,
        vfr,
        most,
        CameraMotion.concat(cameras),
    )


def worker_context() -> multiprocessing.context.BaseContext:
    """How formcheck starts worker processes (pose spans here, clips in a batch).

    ``forkserver`` on Linux: workers are forked from a small server process started
    once, which has imported the pipeline and MediaPipe, so a worker starts in
    milliseconds. Not ``fork`` from the caller: a caller with other threads (Streamlit,
    a Dask client, a progress bar) can hold a lock at the moment of the fork, and the
    child then hangs on it. ``spawn`` elsewhere (macOS frameworks break under fork).
    """
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _expected_frames(info: VideoInfo, start_s, end_s, stride: int) -> int:
    span = (end_s if end_s is not None else info.duration_s) - (start_s or 0.0)
    span = min(max(span, 0.0), info.duration_s)
    n = round(span * info.fps) if info.duration_s > 0 else info.n_frames
    return int(np.ceil(n / max(stride, 1)))
