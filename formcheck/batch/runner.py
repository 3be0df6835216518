"""Run a batch: analyse each clip in a worker process (or on a Dask cluster), resumably.

Each clip is analysed by :func:`analyze_clip`, the same work as ``formcheck analyze
--out``: it writes the clip's outputs atomically, then ``batch.json`` (the clip's
:class:`~formcheck.batch.records.ClipResult`) last, as the mark that the clip is done.
A rerun skips a clip whose ``batch.json`` carries the same key: the SHA-256 of the
video's bytes plus a hash of every setting that changes the result (model, thresholds,
rules, view, height, formcheck version). So a batch killed at any moment loses at most
the clips in flight. Clips that failed because of the clip itself (corrupt, no
runner) are done too; clips that failed for any other reason (a worker crashed) are
tried again.

Workers are separate processes, one clip each at a time, each running the pose model
on one core; the parent only hashes files, hands out clips and collects results.

A clip that is not a regular file (a FIFO, a device such as ``/dev/zero``, a folder)
or cannot be read is failed by :func:`plan` with the reason, without reading it (a
FIFO would block, a device never ends) and without a ``batch.json``: the next run
looks again.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import re
import stat
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from formcheck.atomic import atomic_open
from formcheck.batch.records import KEY_METRICS, ClipJob, ClipResult
from formcheck.errors import FormcheckError

#: Name of the per-clip record written last into each clip's output folder.
DONE_FILE = "batch.json"
#: Bytes read at a time when hashing a video.
_CHUNK = 1 << 20
#: Protocols of a Dask scheduler address (``inproc`` only works inside one process).
DASK_PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(address: str) -> str:
    """``address`` if it is a Dask scheduler address ``[PROTOCOL://]HOST:PORT``.

    Checked before any work, so a typo fails at once instead of after hashing every
    clip (and a bare ``foo`` does not wait 20 s for a host of that name).

    Raises:
        FormcheckError: anything else, naming what is wrong.

    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    usage = "expected [PROTOCOL://]HOST:PORT, e.g. tcp://10.0.0.5:8786"
    shown = repr(address)  # quoted, control characters escaped
    if not address.strip():
        raise FormcheckError(f"--dask-scheduler is empty ({usage}).")
    if re.search(r"[\s\x00-\x1f\x7f-\x9f]", address):
        raise FormcheckError(
            f"--dask-scheduler {shown} holds spaces or control characters ({usage})."
        )
    text = address if "://" in address else f"tcp://{address}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise FormcheckError(
            f"--dask-scheduler {shown} is not a scheduler address: {exc} ({usage})."
        ) from None
    if parts.scheme not in DASK_PROTOCOLS:
        raise FormcheckError(
            f"--dask-scheduler {shown}: unknown protocol {parts.scheme!r} "
            f"(one of {', '.join(DASK_PROTOCOLS)}; {usage})."
        )
    if not parts.hostname or port is None or port == 0:
        raise FormcheckError(
            f"--dask-scheduler {shown} needs a host and a port ({usage})."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise FormcheckError(
            f"--dask-scheduler {shown} has more than a host and a port ({usage})."
        )
    return address


@dataclass(frozen=True)
class BatchSettings:
    """Everything besides the clip that decides a clip's result.

    Attributes:
        variant, model_path: the pose model (``model_path`` must exist on workers).
        thresholds_file, rules_file: user override files (absolute paths, on
            storage the workers share), or None.
        files_sha256: hash of those files' contents and of the model file, filled
            in by :func:`settings_for`; editing a file changes every clip's key.
        height_cm, max_people: as for ``formcheck analyze``.
        formcheck_version: results of another version are not reused.
    """

    variant: str = "full"
    model_path: str | None = None
    thresholds_file: str | None = None
    rules_file: str | None = None
    files_sha256: str = ""
    height_cm: float | None = None
    max_people: int | None = None
    formcheck_version: str = ""

    def digest(self) -> str:
        """Hash of what decides results (paths only say where the files are)."""
        fields = asdict(self)
        for where in ("model_path", "thresholds_file", "rules_file"):
            fields.pop(where)
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def settings_for(**options) -> BatchSettings:
    """Batch settings from ``formcheck batch`` options, with the files hashed and
    paths made absolute (workers may run elsewhere)."""
    from formcheck import __version__, models

    for where in ("model_path", "thresholds_file", "rules_file"):
        if options.get(where) is not None:
            options[where] = str(Path(options[where]).expanduser().resolve())
    settings = BatchSettings(formcheck_version=__version__, **options)
    model = models.resolve_model(settings.variant, settings.model_path)
    h = hashlib.sha256(models.sha256_of(model).encode())
    for path in (settings.thresholds_file, settings.rules_file):
        h.update(b"\0" + (file_sha256(path).encode() if path else b"-"))
    return replace(settings, files_sha256=h.hexdigest())


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def clip_key(content_sha256: str, settings: BatchSettings, job: ClipJob) -> str:
    """The resume key of one clip: its bytes, the settings and its forced view."""
    text = f"{content_sha256}:{settings.digest()}:{job.view}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- one clip


def analyze_clip(
    job: ClipJob, settings: BatchSettings, out_root: str, key: str, sha: str
) -> ClipResult:
    """Analyse one clip, write its outputs and ``batch.json``; never raises.

    Runs in a worker process (or a Dask worker): everything it needs comes in the
    arguments, and everything it finds goes into the returned result and to disk.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_root) / job.out_rel
    try:
        result = _analyze(job, settings, out_dir, key, sha)
    except FormcheckError as exc:
        result = _failed(job, key, sha, str(exc), "input")
    except Exception as exc:  # noqa: BLE001  (a bug or a broken environment)
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        result = _failed(job, key, sha, f"internal error: {detail}", "crash")
    result = replace(result, seconds=round(time.perf_counter() - t0, 2))
    if result.error_kind != "crash":  # a crash is retried, so it is not "done"
        write_done(out_dir, result)
    return result


def _analyze(
    job: ClipJob, settings: BatchSettings, out_dir: Path, key: str, sha: str
) -> ClipResult:
    from formcheck.analysis import ViewOverrides, analyze_video
    from formcheck.config import load_thresholds
    from formcheck.outputs.bundle import write_outputs
    from formcheck.rules import evaluate, load_rules, threshold_bands

    thresholds = load_thresholds(settings.thresholds_file)
    rules = load_rules(settings.rules_file)
    analysis = analyze_video(
        job.path,
        thresholds=thresholds,
        overrides=ViewOverrides(
            kind=None if job.view == "auto" else job.view, slowmo=job.slowmo
        ),
        runner_height_cm=settings.height_cm,
        variant=settings.variant,
        model_path=settings.model_path,
        num_poses=settings.max_people,
        workers=1,  # the batch runs one clip per core already
    )
    activity = analysis.view.activity
    base = dict(
        job=job,
        key=key,
        content_sha256=sha,
        activity=activity,
        view=analysis.view.kind,
        duration_s=round(analysis.run.video.duration_s, 3),
    )
    if not analysis.run.track.detected.any():
        return ClipResult(
            **base,
            status="failed",
            error="No person was found in the video.",
            error_kind="input",
        )
    findings = evaluate(analysis, rules)
    write_outputs(analysis, findings, out_dir, bands=threshold_bands(rules))
    metrics = {
        name: float(entry["value"])
        for name in KEY_METRICS
        if (entry := analysis.summary.get("metrics", {}).get(name))
        and entry.get("value") is not None
    }
    flagged = [
        {"id": f.id, "title": f.title, "severity": f.severity, "score": f.score}
        for f in findings
        if f.status == "flagged"
    ]
    base["has_outputs"] = True
    if activity != "running":
        return ClipResult(
            **base,
            status="failed",
            error=f"No runner: the person is {activity or 'not moving'}, so the "
            "running form was not judged (outputs written).",
            error_kind="input",
            metrics=metrics,
        )
    return ClipResult(**base, status="ok", metrics=metrics, findings=flagged)


def _failed(job: ClipJob, key: str, sha: str, error: str, kind: str) -> ClipResult:
    return ClipResult(
        job=job, key=key, content_sha256=sha, status="failed", error=error,
        error_kind=kind,
    )  # fmt: skip


def write_done(out_dir: Path, result: ClipResult) -> None:
    """Write ``batch.json`` atomically: the mark that this clip is finished."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_open(out_dir / DONE_FILE, "w", encoding="utf-8") as fh:
        json.dump(result.to_json(), fh, indent=1, ensure_ascii=False)


def read_done(out_dir: Path) -> ClipResult | None:
    """The clip's finished result, or None (not done, or unreadable)."""
    try:
        data = json.loads((out_dir / DONE_FILE).read_text(encoding="utf-8"))
        return ClipResult.from_json(data)
    except (OSError, ValueError, TypeError, KeyError):
        return None


# --------------------------------------------------------------------------- the batch


@dataclass(frozen=True)
class Planned:
    """A clip with its key, and its earlier result if that can be reused.

    ``failed`` is set for a clip that cannot be analysed at all (not a regular file,
    unreadable): its result, reported without starting a worker.
    """

    job: ClipJob
    key: str
    sha: str
    done: ClipResult | None
    failed: ClipResult | None = None


#: What a non-regular file is, for the error message.
_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _not_readable(job: ClipJob) -> str | None:
    """Why the clip cannot be read as a video file, or None if it can be (its stat
    does not open it, so a FIFO does not block here)."""
    try:
        mode = os.stat(job.path).st_mode
    except OSError as exc:
        return f"Cannot read the clip: {exc.strerror or exc}."
    if stat.S_ISREG(mode):
        return None
    kind = next((k for test, k in _FILE_KINDS if test(mode)), "not a regular file")
    return f"Not a video file: the path is {kind}; give a regular file."


def _dated(job: ClipJob) -> ClipJob:
    """The job, dated by its file's modification date if it has no date."""
    if job.date:
        return job
    mtime = os.stat(job.path).st_mtime
    return replace(job, date=date.fromtimestamp(mtime).isoformat())


def _unreadable(job: ClipJob, settings: BatchSettings, why: str) -> Planned:
    # No content hash: the key comes from the path, so two such clips stay apart.
    text = f"unreadable:{job.path}:{settings.digest()}:{job.view}"
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    result = _failed(job, key, "", why, "input")
    return Planned(job, key, "", None, failed=result)


def plan(
    jobs: Iterable[ClipJob], settings: BatchSettings, out_root: Path, force: bool
) -> list[Planned]:
    """Hash every clip and find those finished by an earlier run (unless ``force``).

    A job without a date gets its file's modification date (for the history). A
    clip that is not a regular file, or cannot be read, is planned as failed
    (:attr:`Planned.failed`) without being read.
    """
    planned = []
    for job in jobs:
        why = _not_readable(job)
        try:
            job = _dated(job)
            if why is None:
                sha = file_sha256(job.path)
        except OSError as exc:
            why = why or f"Cannot read the clip: {exc.strerror or exc}."
        if why is not None:
            planned.append(_unreadable(job, settings, why))
            continue
        key = clip_key(sha, settings, job)
        done = None if force else read_done(out_root / job.out_rel)
        if done is not None and (done.key != key or done.error_kind == "crash"):
            done = None
        planned.append(Planned(job, key, sha, done))
    return planned


ResultFn = Callable[[ClipResult, bool], None]


def run_batch(
    planned: list[Planned],
    settings: BatchSettings,
    out_root: Path,
    *,
    workers: int = 1,
    dask_scheduler: str | None = None,
    on_result: ResultFn | None = None,
) -> list[ClipResult]:
    """Analyse every planned clip not already done; results in ``planned`` order.

    Args:
        planned: from :func:`plan`.
        settings: the batch settings.
        out_root: the batch folder.
        workers: local worker processes (ignored with ``dask_scheduler``).
        dask_scheduler: address of a Dask distributed scheduler to run on instead
            (checked with :func:`check_scheduler_address` first).
        on_result: called in this process as ``on_result(result, reused)`` for each
            clip as it finishes (``reused``: done by an earlier run).

    Raises:
        FormcheckError: ``dask_scheduler`` is not a scheduler address, or cannot be
            reached.
        KeyboardInterrupt: after stopping the workers; finished clips are kept.
    """
    if dask_scheduler:
        check_scheduler_address(dask_scheduler)
    results: dict[int, ClipResult] = {}
    todo = []
    for i, p in enumerate(planned):
        if p.done is not None:
            results[i] = p.done
            if on_result:
                on_result(p.done, True)
        elif p.failed is not None:
            results[i] = p.failed
            if on_result:
                on_result(p.failed, False)
        else:
            todo.append(i)
    tasks = [
        (i, (planned[i].job, settings, str(out_root), planned[i].key, planned[i].sha))
        for i in todo
    ]
    if not tasks:
        return [results[i] for i in range(len(planned))]
    run = _run_dask(tasks, dask_scheduler) if dask_scheduler else None
    for i, result in run or _run_local(tasks, workers):
        results[i] = result
        if on_result:
            on_result(result, False)
    return [results[i] for i in range(len(planned))]


def _crashed(args: tuple, why: str) -> ClipResult:
    job, _, _, key, sha = args
    return _failed(job, key, sha, why, "crash")


def _run_local(tasks: list, workers: int) -> Iterator[tuple[int, ClipResult]]:
    """Run tasks on a process pool, at most ``workers`` in flight; a worker that dies
    fails only the clips in flight, and a fresh pool carries on."""
    pending = list(reversed(tasks))
    while pending:
        pool = cf.ProcessPoolExecutor(
            max_workers=max(1, workers),
            mp_context=_mp_context(),
            initializer=_init_worker,
            initargs=(workers > 1,),
        )
        running: dict[cf.Future, tuple] = {}
        broken = False
        try:
            while pending or running:
                while pending and len(running) < max(1, workers) and not broken:
                    i, args = pending.pop()
                    running[pool.submit(analyze_clip, *args)] = (i, args)
                if not running:
                    break
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    i, args = running.pop(fut)
                    try:
                        yield i, fut.result()
                    except cf.process.BrokenProcessPool:
                        broken = True
                        yield i, _crashed(args, "the worker process died")
                if broken and not running:
                    break
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def _init_worker(single_threaded: bool) -> None:
    """Worker start: with several workers (one per core), decode and encode video on
    one thread each, so codec threads do not compete with the other workers."""
    if single_threaded:
        import cv2  # drawing the annotated video

        from formcheck.video import SINGLE_THREAD_ENV

        os.environ[SINGLE_THREAD_ENV] = "1"
        cv2.setNumThreads(1)


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop at once: cancel what has not started, terminate what runs."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public API
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


def _mp_context():
    """The pipeline's worker context (forkserver on Linux, else spawn)."""
    from formcheck.pipeline import worker_context

    return worker_context()


def _run_dask(tasks: list, address: str) -> Iterator[tuple[int, ClipResult]]:
    """Run tasks on an existing Dask distributed cluster."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise FormcheckError(
            "--dask-scheduler needs Dask distributed: pip install 'formcheck[cluster]'"
        ) from None
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise FormcheckError(
            f"Cannot reach the Dask scheduler at {address}: {exc}"
        ) from None
    with client:
        futures = {}
        for i, args in tasks:
            fut = client.submit(analyze_clip, *args, pure=False)
            futures[fut] = (i, args)
        try:
            for fut in as_completed(futures):
                i, args = futures[fut]
                try:
                    yield i, fut.result()
                except Exception as exc:  # noqa: BLE001  (e.g. KilledWorker)
                    yield i, _crashed(args, f"the Dask task failed: {exc}")
        except BaseException:
            client.cancel(list(futures))
            raise
