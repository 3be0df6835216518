"""Athlete history: every batch result in one SQLite file, read back as sessions.

The batch parent process records each :class:`~formcheck.batch.records.ClipResult`
with :meth:`HistoryDB.record`; ``formcheck history ATHLETE`` reads them back:

* a **session** is one athlete's clips on one date; its value of a metric is the
  median over that date's clips that were analysed ("ok"), so one odd clip does not
  decide, and a finding belongs to it if at least half of those clips flagged it;
* :func:`changes` compares the last two sessions: each key metric's delta against its
  smallest meaningful change (``[history]`` in ``thresholds.toml``), and the findings
  that appeared or disappeared — what a coach reads as "before/after a form change".

Schema (version :data:`SCHEMA_VERSION`)::

    schema_version(version)
    clips(key PK, athlete, athlete_key, date, clip_path, out_rel, content_sha256,
          status, error, error_kind, activity, view, duration_s, recorded_at)
    metrics(clip_key -> clips.key, name, value)            -- one row per metric
    findings(clip_key -> clips.key, rank, finding_id, title, severity, score)

``athlete_key`` is the name trimmed, inner whitespace collapsed and case-folded: what
lookups match. Each record is one transaction, so a killed writer leaves the clip
either fully recorded or not at all. One writer process at a time (WAL mode: readers
do not block it).

Example::

    with HistoryDB("formcheck.db") as db:
        db.record(result)
        sessions = db.sessions("Ana")
    for change in changes(sessions):
        print(change.name, change.delta, change.meaningful)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import sqlite3
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from formcheck.atomic import atomic_path
from formcheck.batch.records import KEY_METRICS, ClipResult
from formcheck.config import DEFAULT, HistoryThresholds
from formcheck.errors import HistoryError
from formcheck.metrics.registry import METRICS
from formcheck.textsafe import MAX_DISPLAY, plot_text, terminal_text

SCHEMA_VERSION = 1

#: Athlete name used for clips whose job names nobody.
UNKNOWN_ATHLETE = "unknown"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS clips (
    key TEXT PRIMARY KEY,            -- ClipResult.key: content hash + settings hash
    athlete TEXT NOT NULL,           -- as written in the latest record
    athlete_key TEXT NOT NULL,       -- trimmed, case-folded: what lookups match
    date TEXT NOT NULL,              -- session date, ISO YYYY-MM-DD
    clip_path TEXT NOT NULL,
    out_rel TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error TEXT,
    error_kind TEXT,
    activity TEXT NOT NULL,
    view TEXT NOT NULL,
    duration_s REAL,
    recorded_at TEXT NOT NULL        -- UTC, ISO 8601
);
CREATE INDEX IF NOT EXISTS clips_by_athlete ON clips (athlete_key, date);
CREATE TABLE IF NOT EXISTS metrics (
    clip_key TEXT NOT NULL REFERENCES clips (key) ON DELETE CASCADE,
    name TEXT NOT NULL,              -- formcheck.metrics.registry name
    value REAL NOT NULL,             -- in the registry unit
    PRIMARY KEY (clip_key, name)
);
CREATE TABLE IF NOT EXISTS findings (
    clip_key TEXT NOT NULL REFERENCES clips (key) ON DELETE CASCADE,
    rank INTEGER NOT NULL,           -- 1 = most important
    finding_id TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT,
    score REAL,
    PRIMARY KEY (clip_key, rank)
);
"""


def athlete_key(name: str) -> str:
    """How athlete names are matched: trimmed, inner spaces collapsed, case-folded."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Session:
    """One athlete's clips on one date.

    Attributes:
        date: ISO ``YYYY-MM-DD``.
        clips: clips recorded on that date, failed ones included.
        ok_clips: of which analysed (the ones the values come from).
        metrics: median of each metric over the ok clips that measured it, in the
            registry unit.
        findings: ids of the findings flagged in at least half of the ok clips,
            most important first.
        finding_titles: id -> title, for ``findings``.
    """

    date: str
    clips: int
    ok_clips: int
    metrics: dict[str, float] = field(default_factory=dict)
    findings: tuple[str, ...] = ()
    finding_titles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One difference between the last two sessions.

    Attributes:
        kind: "metric" (a key metric measured in both), "appeared" (a finding
            flagged after, not before) or "disappeared" (flagged before, not after).
        name: metric name or finding id.
        title: readable finding title ("" for metrics).
        before_date: date of the earlier session.
        after_date: date of the later session.
        before: metric value before (``None`` for findings).
        after: metric value after.
        delta: ``after - before``.
        unit: metric unit.
        smallest: the metric's smallest meaningful change.
        meaningful: ``|delta| >= smallest`` (always True for findings).
    """

    kind: Literal["metric", "appeared", "disappeared"]
    name: str
    before_date: str
    after_date: str
    title: str = ""
    before: float | None = None
    after: float | None = None
    delta: float | None = None
    unit: str = ""
    smallest: float | None = None
    meaningful: bool = True


class HistoryDB:
    """The history file, as a context manager.

    Args:
        path: the SQLite file.
        create: make the file and schema if missing; if False a missing file is a
            :class:`~formcheck.errors.HistoryError` (for readers).
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise HistoryError(
                f"no history database at {self.path} (formcheck batch writes one)"
            )
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit; transactions are explicit (see _transaction).
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open history {self.path}: {exc}") from exc
        try:
            self._setup(create)
        except BaseException:
            self._conn.close()
            raise

    def _setup(self, create: bool) -> None:
        conn = self._conn
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            tables = {
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
            if "schema_version" not in tables:
                if not create:
                    raise HistoryError(f"{self.path} is not a formcheck history")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.executescript(
                    "BEGIN IMMEDIATE;"
                    + _SCHEMA
                    + "INSERT INTO schema_version (version) SELECT "
                    f"{SCHEMA_VERSION} WHERE NOT EXISTS (SELECT 1 FROM schema_version);"
                    "COMMIT;"
                )
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"{self.path} is not a formcheck history: {exc}"
            ) from exc
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        if row is None or row[0] is None or row[0] > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path} has history schema version {row and row[0]}; this "
                f"formcheck reads version {SCHEMA_VERSION} (update formcheck)"
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not mid-way
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if conn.in_transaction:
            conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, result: ClipResult) -> None:
        """Store one clip's result, replacing any earlier record of the same video
        for the same athlete (the same bytes analysed again, e.g. with new rules, is
        still one clip of that session, and the latest analysis counts).

        Raises:
            HistoryError: the job's date is not an ISO date.
        """
        job = result.job
        athlete = " ".join(job.athlete.split()) or UNKNOWN_ATHLETE
        row = (
            result.key,
            athlete,
            athlete_key(athlete),
            _session_date(job.date, job.path),
            job.path,
            job.out_rel,
            result.content_sha256,
            result.status,
            result.error,
            result.error_kind,
            result.activity,
            result.view,
            result.duration_s,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        metrics = [
            (result.key, name, float(value))
            for name, value in result.metrics.items()
            if value is not None and math.isfinite(value)
        ]
        findings = [
            (
                result.key,
                rank,
                str(f["id"]),
                str(f.get("title") or f["id"]),
                f.get("severity"),
                f.get("score"),
            )
            for rank, f in enumerate(result.findings, 1)
        ]
        with self._transaction() as conn:
            # The cascade drops the old metric and finding rows. A clip that could
            # not be read (a FIFO...) has no content hash: it never matches another
            # by hash, and any record of the same path replaces it.
            conn.execute(
                "DELETE FROM clips WHERE key = ? OR (athlete_key = ? AND ("
                "(content_sha256 = ? AND content_sha256 != '') OR "
                "(clip_path = ? AND content_sha256 = '')))",
                (result.key, row[2], result.content_sha256, job.path),
            )
            conn.execute(f"INSERT INTO clips VALUES ({', '.join('?' * len(row))})", row)
            conn.executemany("INSERT INTO metrics VALUES (?, ?, ?)", metrics)
            conn.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?)", findings)

    def athletes(self) -> list[str]:
        """Everyone with at least one clip, as last written, sorted by name."""
        names: dict[str, str] = {}
        for key, name in self._conn.execute(
            "SELECT athlete_key, athlete FROM clips ORDER BY recorded_at, rowid"
        ):
            names[key] = name
        return sorted(names.values(), key=str.casefold)

    def sessions(self, athlete: str) -> list[Session]:
        """The athlete's sessions, oldest first.

        Raises:
            HistoryError: nobody of that name (the message lists who is known).
        """
        key = athlete_key(athlete)
        clips = self._conn.execute(
            "SELECT key, date, status FROM clips WHERE athlete_key = ? "
            "ORDER BY date, key",
            (key,),
        ).fetchall()
        if not clips:
            # Names as one printable line each: they go into a one-line error.
            known = ", ".join(_shown(a) for a in self.athletes()) or "none yet"
            raise HistoryError(
                f"no athlete '{_shown(athlete.strip())}' in {self.path} "
                f"(known: {known})"
            )
        values: dict[str, dict[str, list[float]]] = {}  # date -> metric -> values
        for date, name, value in self._conn.execute(
            "SELECT c.date, m.name, m.value FROM metrics m JOIN clips c "
            "ON c.key = m.clip_key WHERE c.athlete_key = ? AND c.status = 'ok'",
            (key,),
        ):
            values.setdefault(date, {}).setdefault(name, []).append(value)
        flagged: dict[str, dict[str, tuple[int, int, str]]] = {}
        for date, fid, rank, title in self._conn.execute(
            "SELECT c.date, f.finding_id, f.rank, f.title FROM findings f JOIN clips c "
            "ON c.key = f.clip_key WHERE c.athlete_key = ? AND c.status = 'ok' "
            "ORDER BY c.date, c.key, f.rank",
            (key,),
        ):
            count, best, _ = flagged.setdefault(date, {}).get(fid, (0, rank, title))
            flagged[date][fid] = (count + 1, min(best, rank), title)
        out = []
        for date in dict.fromkeys(d for _, d, _ in clips):
            on_date = [status for _, d, status in clips if d == date]
            n_ok = on_date.count("ok")
            found = {
                fid: (best, title)
                for fid, (count, best, title) in flagged.get(date, {}).items()
                if 2 * count >= n_ok
            }
            ids = tuple(sorted(found, key=lambda fid: found[fid][0]))
            out.append(
                Session(
                    date=date,
                    clips=len(on_date),
                    ok_clips=n_ok,
                    metrics={
                        name: statistics.median(vs)
                        for name, vs in values.get(date, {}).items()
                    },
                    findings=ids,
                    finding_titles={fid: found[fid][1] for fid in ids},
                )
            )
        return out


def _shown(name: str) -> str:
    return terminal_text(name, MAX_DISPLAY)


def _session_date(date: str, clip_path: str) -> str:
    """The job's date, else the clip file's modification date, else today."""
    if date:
        try:
            return dt.date.fromisoformat(date.strip()).isoformat()
        except ValueError as exc:
            raise HistoryError(
                f"session date '{date}' of {clip_path} is not YYYY-MM-DD"
            ) from exc
    try:
        return dt.date.fromtimestamp(os.stat(clip_path).st_mtime).isoformat()
    except OSError:
        return dt.date.today().isoformat()


def changes(
    sessions: Sequence[Session], thresholds: HistoryThresholds | None = None
) -> list[Change]:
    """What changed between the last two sessions that have analysed clips.

    Key metrics measured in both come first — meaningful ones (``|delta|`` at least
    the metric's smallest meaningful change), largest relative to it first, then the
    rest in :data:`KEY_METRICS` order — then the findings that appeared, then those
    that disappeared. Empty with fewer than two such sessions.
    """
    th = thresholds or DEFAULT.history
    usable = [s for s in sessions if s.ok_clips > 0]
    if len(usable) < 2:
        return []
    before, after = usable[-2], usable[-1]
    dates = {"before_date": before.date, "after_date": after.date}
    metric_changes = []
    for name in KEY_METRICS:
        if name not in before.metrics or name not in after.metrics:
            continue
        delta = after.metrics[name] - before.metrics[name]
        smallest = th.smallest_change(name)
        metric_changes.append(
            Change(
                "metric",
                name,
                **dates,
                before=before.metrics[name],
                after=after.metrics[name],
                delta=delta,
                unit=METRICS[name].unit,
                smallest=smallest,
                # A hair of tolerance: 0.1 + 0.2 - 0.1 must count as a 0.2 change.
                meaningful=smallest is not None and abs(delta) >= smallest - 1e-9,
            )
        )
    meaningful = sorted(
        (c for c in metric_changes if c.meaningful),
        key=lambda c: -abs(c.delta or 0.0) / (c.smallest or 1.0),
    )
    rest = [c for c in metric_changes if not c.meaningful]
    appeared = [
        Change("appeared", fid, **dates, title=after.finding_titles.get(fid, fid))
        for fid in after.findings
        if fid not in before.findings
    ]
    disappeared = [
        Change("disappeared", fid, **dates, title=before.finding_titles.get(fid, fid))
        for fid in before.findings
        if fid not in after.findings
    ]
    return meaningful + rest + appeared + disappeared


def plot_history(
    sessions: Sequence[Session], path: str | os.PathLike[str], *, athlete: str = ""
) -> Path:
    """A PNG with one panel per key metric measured in any session, over date.

    Each point is a session's median; ``athlete`` goes in the figure title, drawn
    literally (no mathtext) and shortened if long.

    Written atomically; returns ``path``. With no measured metric at all the picture
    says so instead of being empty.
    """
    # Lazy: matplotlib costs most of a second to import, and most callers only read.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    from formcheck.outputs.plots import metric_title

    names = [n for n in KEY_METRICS if any(n in s.metrics for s in sessions)]
    ncols = min(3, max(1, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    fig = Figure(figsize=(4.2 * ncols, 2.8 * nrows + 0.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        points = [
            (dt.date.fromisoformat(s.date), s.metrics[name])
            for s in sessions
            if name in s.metrics
        ]
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, marker="o", color="#1f77b4", lw=1.5)
        ax.set_title(f"{metric_title(name)} ({METRICS[name].unit})", fontsize=10)
        locator = AutoDateLocator(minticks=2, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.grid(alpha=0.3)
        if len(xs) == 1:  # one date: give the axis some width around it
            ax.set_xlim(xs[0] - dt.timedelta(days=3), xs[0] + dt.timedelta(days=3))
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    if not names:
        axes[0].text(
            0.5, 0.5, "No metric measured yet", ha="center", va="center", fontsize=12
        )
    title = "Session medians over time"
    if athlete:
        title = f"{plot_text(athlete)}: {title.lower()}"
    fig.suptitle(title, fontsize=12)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return path
