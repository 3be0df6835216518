"""Options shared by several commands, declared once (same flag, same help)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formcheck import models

RulesFile = Annotated[
    Path | None,
    typer.Option("--rules", help="TOML file overriding coaching rules."),
]
ThresholdsFile = Annotated[
    Path | None,
    typer.Option("--thresholds", help="TOML file overriding thresholds."),
]
HeightCm = Annotated[
    float | None,
    typer.Option(min=80, max=250, help="Runner's height, for cm values."),
]
ModelVariant = Annotated[
    str,
    typer.Option("--model-variant", "-m", help="Pose model: lite, full or heavy."),
]
ModelPath = Annotated[
    Path | None,
    typer.Option("--model", help="Pose model file (checked by SHA-256)."),
]
MaxPeople = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=10,
        help="People to look for (1 is fastest; more lets formcheck pick the runner "
        "out of a crowd). Default: 3.",
    ),
]


def check_variant(variant: str) -> str:
    """``variant`` if it names a pose model, else a usage error on --model-variant."""
    if variant not in models.MODELS:
        raise typer.BadParameter(
            f"must be one of {', '.join(models.MODELS)}", param_hint="--model-variant"
        )
    return variant
