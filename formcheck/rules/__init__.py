"""Coaching rules: declarative thresholds (TOML) -> findings with evidence."""

from formcheck.rules.engine import (
    HEALTH_NOTE,
    evaluate,
    headline,
    load_rules,
    threshold_bands,
)
from formcheck.rules.types import Evidence, Finding

__all__ = [
    "HEALTH_NOTE",
    "Evidence",
    "Finding",
    "evaluate",
    "headline",
    "load_rules",
    "threshold_bands",
]
