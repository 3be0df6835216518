"""The Typer application object shared by the subcommand modules."""

import typer
from rich.console import Console

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

app = typer.Typer(
    name="formcheck",
    help="Running-form analysis from video: pose, gait events, posture feedback.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Progress bars, warnings and errors go to stderr; reports go to stdout.
err_console = Console(stderr=True, highlight=False)


@app.callback()
def _global(
    verbose: bool = typer.Option(
        False,
        "--verbose",
        help="Also show the log lines MediaPipe/TensorFlow Lite print from native code.",
    ),
) -> None:
    """Running-form analysis from video: pose, gait events, posture feedback."""
    # Acted on in formcheck.cli.main, before any native library is loaded.
