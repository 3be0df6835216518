"""The ``formcheck`` command line.

Each subcommand lives in its own module and registers itself on
:data:`formcheck.cli._app.app`. :func:`main` is the console-script entry point: it
turns every :class:`~formcheck.errors.FormcheckError` into one line on stderr and exit
code 2, so users never see a traceback for bad input.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import typer
from rich.text import Text

from formcheck import native_logs
from formcheck.cli import analyze, batch, history, models, synth  # noqa: F401  (registers commands)
from formcheck.cli._app import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USER_ERROR,
    app,
    err_console,
)
from formcheck.errors import FormcheckError
from formcheck.textsafe import terminal_text

__all__ = ["app", "console_main", "main"]


def _global_options(args: list[str]) -> list[str]:
    """The options before the subcommand (``formcheck --verbose analyze ...``)."""
    head = []
    for arg in args:
        if not arg.startswith("-"):
            break
        head.append(arg)
    return head


def _click_class(name: str) -> type[Exception]:
    """A click exception class as Typer raises it: recent Typer releases vendor their
    own copy of click, older ones use the ``click`` package."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


_ClickException = _click_class("ClickException")
_UsageError = _click_class("UsageError")


class Terminated(SystemExit):
    """SIGTERM arrived: unwind like Ctrl-C, so staging folders and workers are
    cleaned up by the ``finally`` blocks on the way out."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated(EXIT_TERMINATED)


def _error(message: str) -> None:
    """One line on stderr: ``error: ...``, the message printed literally."""
    err_console.print(
        Text.assemble(("error:", "bold red"), " ", terminal_text(message)),
        soft_wrap=True,
    )


def main(argv: list[str] | None = None) -> None:
    """Run the ``formcheck`` command line with ``argv`` (default ``sys.argv[1:]``).

    Every way a run can end maps to one exit code and at most one line on stderr:
    ``0`` done, ``1`` batch finished with failed clips, ``2`` the input or an option is
    wrong (``error: ...``, never a traceback), ``130`` interrupted (Ctrl-C), ``143``
    terminated (SIGTERM).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = app(args=args, prog_name="formcheck", standalone_mode=False)
    except FormcheckError as exc:
        _error(str(exc))
        sys.exit(EXIT_USER_ERROR)
    except _UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``formcheck``: the help
            if exc.ctx is not None:
                err_console.print(exc.ctx.get_help())
            sys.exit(EXIT_USER_ERROR)
        where = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
        _error(exc.format_message() + where)
        sys.exit(EXIT_USER_ERROR)
    except _ClickException as exc:
        _error(exc.format_message())
        sys.exit(exc.exit_code)
    except typer.Abort:
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except Terminated:
        err_console.print(Text("terminated", "yellow"))
        sys.exit(EXIT_TERMINATED)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if code == EXIT_INTERRUPTED:
        # Typer turns Ctrl-C into a silent exit code 130.
        err_console.print(Text("interrupted", "yellow"))
    if code:
        sys.exit(code)


def console_main() -> None:
    """The ``formcheck`` command (and ``python -m formcheck``): :func:`main` in a
    process of its own, whose native log lines are kept off the terminal.

    Silencing fd 2 is process-wide, so it is done here and not in :func:`main`, which
    tests and scripts call in their own process.
    """
    if "--verbose" in _global_options(sys.argv[1:]):
        os.environ[native_logs.ENV_SHOW] = "1"  # worker processes inherit it
    else:
        native_logs.process_silenced()
    main()
