"""The ``formcheck`` command line.

Each subcommand lives in its own module and registers itself on
:data:`formcheck.cli._app.app`. :func:`main` is the console-script entry point: it
turns every :class:`~formcheck.errors.FormcheckError` into one line on stderr and exit
code 2, so users never see a traceback for bad input.
"""

from __future__ import annotations

import os
import sys

from formcheck import native_logs
from formcheck.cli import analyze, batch, history, models, synth  # noqa: F401  (registers commands)
from formcheck.cli._app import EXIT_INTERRUPTED, EXIT_USER_ERROR, app, err_console
from formcheck.errors import FormcheckError

__all__ = ["app", "console_main", "main"]


def _global_options(args: list[str]) -> list[str]:
    """The options before the subcommand (``formcheck --verbose analyze ...``)."""
    head = []
    for arg in args:
        if not arg.startswith("-"):
            break
        head.append(arg)
    return head


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else list(argv)
    if "--verbose" in _global_options(args):
        os.environ[native_logs.ENV_SHOW] = "1"  # worker processes inherit it
    try:
        app(args=args, prog_name="formcheck")
    except FormcheckError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(EXIT_INTERRUPTED)


def console_main() -> None:
    """The ``formcheck`` command (and ``python -m formcheck``): :func:`main` in a
    process of its own, whose native log lines are kept off the terminal.

    Silencing fd 2 is process-wide, so it is done here and not in :func:`main`, which
    tests and scripts call in their own process.
    """
    if "--verbose" not in _global_options(sys.argv[1:]):
        native_logs.process_silenced()
    main()
