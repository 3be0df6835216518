"""Keep the log lines that native libraries write to file descriptor 2 off the screen.

MediaPipe, TensorFlow Lite and their absl/glog loggers write straight to fd 2 from C++,
bypassing ``sys.stderr``: "Created TensorFlow Lite XNNPACK delegate", and since
mediapipe 1.2.3 one ``INFO: [accelerator_registry.cc:43] DestroyAccelerator`` line per
closed landmarker. They are harmless but look like errors, and they break ``--quiet``.
Which lines appear, and when, changes between MediaPipe releases, so filtering known
lines cannot keep up; two mechanisms instead:

* :func:`process_silenced` (command line, worker processes): fd 2 points at the null
  device for the whole process, while ``sys.stderr`` keeps writing to the real
  terminal through a duplicate of the original descriptor. Python's own output
  (progress, ``error:`` lines, warnings) is unchanged; native lines vanish, whenever
  they are written, including at exit. Child processes inherit the silenced fd 2.
* :func:`silenced` (library use: the Streamlit page, notebooks): fd 2 is pointed at the
  null device only around the native calls known to log (model load, first inference,
  close), so a host application's own stderr is never hidden for long.

Set ``FORMCHECK_NATIVE_LOGS=1`` (or pass ``--verbose`` to the CLI) to see every line.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import sys
from collections.abc import Iterator

#: Environment variable that turns the silencing off (any non-empty value).
ENV_SHOW = "FORMCHECK_NATIVE_LOGS"

_process_silenced = False


def shown() -> bool:
    """True when the user asked to see native log lines."""
    return bool(os.environ.get(ENV_SHOW))


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Point fd 2 at the null device for the duration of the block.

    A no-op when the whole process is already silenced, when the user asked to see
    native logs, or when there is no real fd 2 (some notebook hosts).
    """
    if _process_silenced or shown():
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def process_silenced() -> None:
    """Send everything native code writes to fd 2 to the null device, for good.

    ``sys.stderr`` is rebound to a duplicate of the original fd 2, so Python-level
    output still reaches the user. Idempotent; a no-op when the user asked to see
    native logs or when fd 2 is not a real descriptor.
    """
    global _process_silenced
    if _process_silenced or shown():
        return
    try:
        stream = sys.stderr
        stream.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        return
    os.set_inheritable(saved, False)
    replacement = io.TextIOWrapper(
        io.FileIO(saved, "w", closefd=True),
        encoding=getattr(stream, "encoding", None) or "utf-8",
        errors="backslashreplace",
        line_buffering=True,
        write_through=True,
    )
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = replacement
    # A fatal error (segfault, abort) is Python's to report on fd 2, now the null
    # device: report it on the real stderr instead, or a crash would be silent.
    faulthandler.enable(file=replacement)
    _process_silenced = True
