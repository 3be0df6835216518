"""The ``formcheck`` command line.

Each subcommand lives in its own module and registers itself on
:data:`formcheck.cli._app.app`. :func:`main` is the console-script entry point: it
turns every :class:`~formcheck.errors.FormcheckError` into one line on stderr and exit
code 2, so users never see a traceback for bad input.
"""

from __future__ import annotations

import sys

from formcheck.cli import analyze, batch, history, models, synth  # noqa: F401  (registers commands)
from formcheck.cli._app import EXIT_INTERRUPTED, EXIT_USER_ERROR, app, err_console
from formcheck.errors import FormcheckError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="formcheck")
    except FormcheckError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(EXIT_INTERRUPTED)
