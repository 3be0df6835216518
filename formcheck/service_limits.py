"""Limits for serving analyses to many people from one process (the Streamlit page).

Three limits keep a page server's memory and CPU bounded:

- :class:`ResultCache`: finished results kept for re-display, bounded by a total
  **byte** budget (not a count of entries), least recently used evicted first;
- a longest clip (:func:`max_clip_seconds`): longer clips are analysed over their
  first part only;
- :class:`AnalysisQueue`: one analysis at a time, first come first served; the others
  wait for their turn.

Each is configured by an environment variable read when it is first needed:

==============================  =======  ==============================================
variable                        default  meaning
==============================  =======  ==============================================
``FORMCHECK_CACHE_MB``          200      total size of the results kept (MB, 2**20
                                         bytes); 0 keeps none
``FORMCHECK_MAX_CLIP_SECONDS``  180      longest part of a clip that is analysed (s)
==============================  =======  ==============================================

Nothing here imports Streamlit; the page holds the process-wide instances
(:func:`shared_cache`, :func:`shared_queue`) here because Streamlit re-executes the
page's own module on every rerun, so state kept there would not be shared.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

log = logging.getLogger("formcheck.service")

CACHE_MB_ENV = "FORMCHECK_CACHE_MB"
DEFAULT_CACHE_MB = 200.0
MAX_CLIP_SECONDS_ENV = "FORMCHECK_MAX_CLIP_SECONDS"
DEFAULT_MAX_CLIP_SECONDS = 180.0


def _env_number(name: str, default: float, *, positive: bool) -> float:
    """``float(os.environ[name])``, or ``default`` (logged) when unset or invalid."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    valid = value > 0 if positive else value >= 0
    if not (valid and value < float("inf")):
        log.warning("%s=%r is not a usable number; using %s", name, raw, default)
        return default
    return value


def cache_budget_bytes() -> int:
    """The result cache's byte budget, from ``FORMCHECK_CACHE_MB`` (default 200 MB)."""
    return int(_env_number(CACHE_MB_ENV, DEFAULT_CACHE_MB, positive=False) * 2**20)


def max_clip_seconds() -> float:
    """Longest part of a clip analysed (s), from ``FORMCHECK_MAX_CLIP_SECONDS``."""
    return _env_number(MAX_CLIP_SECONDS_ENV, DEFAULT_MAX_CLIP_SECONDS, positive=True)


def deep_sizeof(obj: object) -> int:
    """Bytes held by ``obj`` and everything it contains (dicts, lists, tuples, sets).

    Each object is counted once, by ``sys.getsizeof``; a ``bytes`` value counts its
    length plus CPython's ~33-byte header. Shared small objects (interned strings,
    small ints) are counted once here even if other structures also hold them, so
    this is what dropping ``obj`` can free at most, give or take the allocator.
    """
    seen: set[int] = set()
    total = 0
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, list | tuple | set | frozenset):
            stack.extend(o)
    return total


class ResultCache:
    """A thread-safe map of results, bounded by their total size in bytes.

    Adding a result evicts the least recently used ones (reading a result makes it
    the most recently used) until the total fits the budget. A result larger than
    the whole budget is not kept.

    Args:
        budget_bytes: the most the kept results may add up to; 0 keeps nothing.
        size_of: measures one result in bytes (default :func:`deep_sizeof`: the
            bytes of every output file plus the parsed report's objects).

    Example:
        >>> cache = ResultCache(budget_bytes=100, size_of=len)
        >>> cache.put("a", b"x" * 60), cache.put("b", b"y" * 60)
        (True, True)
        >>> cache.get("a") is None, cache.nbytes
        (True, 60)
    """

    def __init__(
        self, budget_bytes: int, size_of: Callable[[object], int] = deep_sizeof
    ) -> None:
        if budget_bytes < 0:
            raise ValueError(f"budget_bytes must be >= 0, got {budget_bytes}")
        self.budget_bytes = int(budget_bytes)
        self._size_of = size_of
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._nbytes = 0
        #: Lookups that found a result, and that did not.
        self.hits = 0
        self.misses = 0
        #: Results dropped to make room, and results too large to keep.
        self.evictions = 0
        self.rejected = 0

    def get(self, key: Hashable) -> object | None:
        """The result kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: object) -> bool:
        """Keep ``value`` under ``key``, evicting the least recently used results
        until everything fits; returns False (and keeps nothing under ``key``) when
        ``value`` alone is larger than the budget."""
        size = self._size_of(value)  # outside the lock: it walks the whole result
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._nbytes -= old[1]
            if size > self.budget_bytes:
                self.rejected += 1
                log.info(
                    "result of %d bytes is over the %d-byte cache budget; not kept",
                    size,
                    self.budget_bytes,
                )
                return False
            while self._entries and self._nbytes + size > self.budget_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._nbytes -= dropped
                self.evictions += 1
            self._entries[key] = (value, size)
            self._nbytes += size
            return True

    @property
    def nbytes(self) -> int:
        """Total size of the results kept (bytes), never above the budget."""
        with self._lock:
            return self._nbytes

    def lru_order(self) -> list[Hashable]:
        """Keys kept, least recently used first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Drop every result."""
        with self._lock:
            self._entries.clear()
            self._nbytes = 0


#: ``waiting(ahead, waited_s)``: called while a caller waits for its turn, about
#: every ``poll_s``: ``ahead`` analyses run or wait before it.
WaitFn = Callable[[int, float], None]


class AnalysisQueue:
    """Let at most ``slots`` analyses run at once; later callers wait in order.

    A caller that stops waiting because its ``waiting`` callback raised (Streamlit
    raises inside a session's thread when the session reruns or closes) leaves the
    queue; one whose analysis raises gives up its turn. Either way nobody is left
    waiting for it.

    Args:
        slots: analyses run at the same time.
        poll_s: how often ``waiting`` is called while waiting (seconds).

    Example:
        >>> queue = AnalysisQueue()
        >>> with queue.turn():
        ...     pass  # analyse here
    """

    def __init__(self, slots: int = 1, poll_s: float = 1.0) -> None:
        if slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        self.slots = slots
        self.poll_s = poll_s
        self._cond = threading.Condition()
        self._waiting: deque[object] = deque()
        self._running = 0
        #: Callers that had to wait for their turn (for tests and logs).
        self.waits = 0

    @property
    def running(self) -> int:
        """Analyses running now."""
        with self._cond:
            return self._running

    @property
    def waiting(self) -> int:
        """Callers waiting for their turn now."""
        with self._cond:
            return len(self._waiting)

    def _my_turn(self, token: object) -> bool:
        return self._waiting[0] is token and self._running < self.slots

    @contextmanager
    def turn(self, waiting: WaitFn | None = None) -> Iterator[None]:
        """Wait for a free slot (calling ``waiting`` meanwhile), then hold it."""
        token = object()
        start = time.monotonic()
        with self._cond:
            self._waiting.append(token)
        try:
            self._wait_for_turn(token, start, waiting)
        except BaseException:
            with self._cond:
                self._waiting.remove(token)
                self._cond.notify_all()
            raise
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def _wait_for_turn(
        self, token: object, start: float, waiting: WaitFn | None
    ) -> None:
        counted = False
        while True:
            with self._cond:
                if self._my_turn(token):
                    self._waiting.popleft()
                    self._running += 1
                    return
                ahead = self._running + self._waiting.index(token)
                if not counted:
                    self.waits += 1
                    counted = True
                    log.info("an analysis waits for its turn (%d ahead)", ahead)
            # Outside the lock: the callback may draw (and Streamlit may raise there).
            if waiting is not None:
                waiting(ahead, time.monotonic() - start)
            with self._cond:
                if not self._my_turn(token):
                    self._cond.wait(self.poll_s)


_shared_lock = threading.Lock()
_shared_cache: ResultCache | None = None
_shared_queue: AnalysisQueue | None = None


def shared_cache() -> ResultCache:
    """This process's result cache (budget from ``FORMCHECK_CACHE_MB`` at first use)."""
    global _shared_cache
    with _shared_lock:
        if _shared_cache is None:
            _shared_cache = ResultCache(cache_budget_bytes())
        return _shared_cache


def shared_queue() -> AnalysisQueue:
    """This process's analysis queue: one analysis at a time."""
    global _shared_queue
    with _shared_lock:
        if _shared_queue is None:
            _shared_queue = AnalysisQueue(slots=1)
        return _shared_queue
