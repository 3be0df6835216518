"""Turn measurements into coaching findings, as declared in ``default_rules.toml``.

Pure: an :class:`~formcheck.analysis.Analysis` (its summary, steps and per-frame
series) and a list of :class:`RuleDef` in, a ranked list of
:class:`~formcheck.rules.types.Finding` out.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.metrics.registry import METRICS
from formcheck.rules.types import Evidence, Finding

LEVELS = ("mild", "moderate", "marked")
SEVERITY_WEIGHT = {"mild": 1.0, "moderate": 2.0, "marked": 3.0}
#: Per-frame series behind clip-level metrics, for fractions and time ranges.
SERIES_FOR = {"head_pitch_deg": "head_pitch_deg", "neck_length_tl": "neck_length_tl"}
HEALTH_NOTE = (
    "Pain that persists or gets worse needs a health professional, not a form "
    "fix. formcheck describes running form; it does not diagnose injuries."
)


@dataclass(frozen=True)
class RuleDef:
    """One rule, as declared in the rules TOML (see the file's header for each key)."""

    id: str
    title: str
    views: tuple[str, ...]
    metric: str
    direction: str
    levels: dict[str, float]
    message: str
    why: str
    cue: str
    drills: tuple[str, ...]
    source: str
    field: str = "value"
    min_fraction: float = 0.5
    min_n: int = 1
    require: tuple[dict, ...] = dataclasses.field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.direction not in ("above", "below"):
            raise FormcheckError(
                f"rule {self.id}: direction must be 'above' or 'below'"
            )
        if self.metric not in METRICS:
            raise FormcheckError(f"rule {self.id}: unknown metric '{self.metric}'")
        missing = [lv for lv in LEVELS if lv not in self.levels]
        if missing:
            raise FormcheckError(f"rule {self.id}: levels need {', '.join(missing)}")
        ordered = [self.levels[lv] for lv in LEVELS]
        rising = self.direction == "above"
        if ordered != sorted(ordered, reverse=not rising):
            raise FormcheckError(
                f"rule {self.id}: levels must get stricter from mild to marked"
            )

    def past(self, value: float, level: str = "mild") -> bool:
        t = self.levels[level]
        return value > t if self.direction == "above" else value < t


def _rule_from_dict(d: dict[str, Any]) -> RuleDef:
    try:
        return RuleDef(
            id=d["id"],
            title=d["title"],
            views=tuple(d["views"]),
            metric=d["metric"],
            direction=d["direction"],
            levels=dict(d["levels"]),
            message=d["message"],
            why=d.get("why", ""),
            cue=d.get("cue", ""),
            drills=tuple(d.get("drills", ())),
            source=d.get("source", ""),
            field=d.get("field", "value"),
            min_fraction=float(d.get("min_fraction", 0.5)),
            min_n=int(d.get("min_n", 1)),
            require=tuple(d.get("require", ())),
        )
    except KeyError as exc:
        raise FormcheckError(
            f"rule {d.get('id', '?')} is missing the key {exc}"
        ) from exc


def load_rules(user_file: str | os.PathLike[str] | None = None) -> list[RuleDef]:
    """The shipped rules, with a user file's rules merged in by id."""
    text = (
        resources.files("formcheck.rules")
        .joinpath("default_rules.toml")
        .read_text("utf-8")
    )
    rules = {r["id"]: r for r in tomllib.loads(text)["rule"]}
    if user_file is not None:
        try:
            with open(user_file, "rb") as fh:
                user = tomllib.load(fh).get("rule", [])
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise FormcheckError(f"cannot read rules file {user_file}: {exc}") from exc
        for r in user:
            if "id" not in r:
                raise FormcheckError(f"a rule in {user_file} has no id")
            rules[r["id"]] = {**rules.get(r["id"], {}), **r}
    return [_rule_from_dict(r) for r in rules.values()]


def threshold_bands(
    rules: list[RuleDef],
) -> dict[str, list[tuple[float, float, str, str]]]:
    """Per metric, the flagged ranges ``(low, high, label, colour)`` for plots."""
    colours = {"mild": "#f6d365", "moderate": "#f59e0b", "marked": "#dc2626"}
    bands: dict[str, list[tuple[float, float, str, str]]] = {}
    for r in rules:
        if r.field != "value":
            continue
        edges = [r.levels[lv] for lv in LEVELS]
        for k, lv in enumerate(LEVELS):
            if r.direction == "above":
                lo, hi = edges[k], edges[k + 1] if k + 1 < 3 else math.inf
            else:
                hi, lo = edges[k], edges[k + 1] if k + 1 < 3 else -math.inf
            bands.setdefault(r.metric, []).append(
                (lo, hi, f"{r.title}: {lv}", colours[lv])
            )
    return bands


# --- evaluation ------------------------------------------------------------------


def _metric_value(summary: dict, name: str, fld: str = "value") -> float | None:
    entry = summary["metrics"].get(name, {})
    v = entry.get(fld)
    if v is None:
        return None
    return abs(v) if fld == "asymmetry_pct" else float(v)


def _condition_holds(cond: dict, summary: dict) -> bool | None:
    """True/False, or None when a metric it needs is not measured."""
    if "any" in cond:
        results = [_condition_holds(c, summary) for c in cond["any"]]
        if any(r is True for r in results):
            return True
        return None if all(r is None for r in results) else False
    v = _metric_value(summary, cond["metric"], cond.get("field", "value"))
    if v is None:
        return None
    if "above" in cond:
        return v > cond["above"]
    if "below" in cond:
        return v < cond["below"]
    raise FormcheckError(f"condition {cond} needs 'above' or 'below'")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True)
    )


def _per_unit(
    rule: RuleDef, analysis
) -> tuple[list[float], list[tuple[float, float]], list[int], list[float]]:
    """Values per step (or per frame for clip-level metrics) with their time spans,
    representative frames and each unit's value, for fractions and time ranges."""
    time_s = analysis.clean.time_s
    series_name = SERIES_FOR.get(rule.metric)
    if series_name and series_name in analysis.series:
        s = analysis.series[series_name]
        ok = np.isfinite(s)
        vals = s[ok].tolist()
        past = np.zeros(len(s), bool)
        past[ok] = [rule.past(v) for v in s[ok]]
        spans = []
        frames = []
        for a, b in _runs(past):
            if time_s[b] - time_s[a] >= 0.2:
                spans.append((float(time_s[a]), float(time_s[b])))
                seg = s[a : b + 1]
                worst = (
                    np.nanargmax(seg)
                    if rule.direction == "above"
                    else np.nanargmin(seg)
                )
                frames.append(a + int(worst))
        return vals, spans, frames, vals
    if rule.field != "value" or rule.metric == "cadence_spm":
        return [], [], [], []
    vals, spans, frames = [], [], []
    for st in analysis.steps:
        v = st.values.get(rule.metric, math.nan)
        if not np.isfinite(v):
            continue
        vals.append(v)
        if rule.past(v):
            end = st.next_ic_frame if st.next_ic_frame is not None else st.ic_frame
            spans.append((float(time_s[st.ic_frame]), float(time_s[end])))
            frames.append(st.ic_frame)
    return vals, spans, frames, vals


def _merge_spans(spans: list[tuple[float, float]], gap: float = 0.5):
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((round(a, 3), round(b, 3)) for a, b in out)


class _Value:
    """A template value that formats as "?" when it is missing or not a number."""

    def __init__(self, v) -> None:
        self.v = v

    def __format__(self, spec: str) -> str:
        if self.v is None or (isinstance(self.v, float) and not math.isfinite(self.v)):
            return "?"
        try:
            return format(self.v, spec)
        except (TypeError, ValueError):
            return str(self.v)


class _Fmt(dict):
    def __missing__(self, key: str) -> _Value:
        return _Value(None)


def _fill(template: str, values: dict) -> str:
    """``template.format`` that never fails on a missing or unmeasured value."""
    return template.format_map(_Fmt({k: _Value(v) for k, v in values.items()}))


def evaluate(analysis, rules: list[RuleDef]) -> list[Finding]:
    """Every rule's finding for ``analysis``: flagged first (ranked), then ok, then
    not judged."""
    summary = analysis.summary
    view = analysis.view
    out = []
    for rule in rules:
        out.append(_evaluate_one(rule, analysis, summary, view))
    status_order = {"flagged": 0, "ok": 1, "not_judged": 2}
    return sorted(out, key=lambda f: (status_order[f.status], -f.score))


def _side_difference_p(analysis, metric: str) -> float | None:
    """Welch's t-test p-value for left vs right per-step values (None: too few).

    An asymmetry is only reported when it exceeds the step-to-step variation: with
    frame-quantised events (33 ms at 30 fps) a few steps can differ by 10 % by chance.
    """
    from scipy.stats import ttest_ind

    sides = {
        foot: [
            st.values.get(metric, math.nan) for st in analysis.steps if st.foot == foot
        ]
        for foot in ("left", "right")
    }
    left, right = ([v for v in sides[f] if np.isfinite(v)] for f in ("left", "right"))
    if len(left) < 4 or len(right) < 4:
        return None
    result = ttest_ind(left, right, equal_var=False)
    return float(result.pvalue) if np.isfinite(result.pvalue) else None


def _not_judged(rule: RuleDef, why: str) -> Finding:
    return Finding(
        id=rule.id,
        status="not_judged",
        title=rule.title,
        message=why,
        why=rule.why,
        cue=rule.cue,
        drills=rule.drills,
    )


def _evaluate_one(rule: RuleDef, analysis, summary: dict, view) -> Finding:
    if view.activity != "running":
        return _not_judged(
            rule, f"Not judged: the clip shows {view.activity}, not running."
        )
    if view.kind not in rule.views:
        return _not_judged(
            rule,
            f"Not judged from a {view.kind} view; it needs a "
            f"{' or '.join(rule.views)} view.",
        )
    entry = summary["metrics"].get(rule.metric, {})
    value = _metric_value(summary, rule.metric, rule.field)
    if value is None:
        reason = entry.get("omitted", "not measured")
        return _not_judged(rule, f"Not judged: {rule.metric} {reason}.")
    n = entry.get("n", entry.get("n_frames", 0)) or 0
    if n < rule.min_n:
        return _not_judged(
            rule,
            f"Not judged: only {n} steps/frames measured "
            f"(needs {rule.min_n}); film a longer clip.",
        )
    if rule.field == "asymmetry_pct":
        p = _side_difference_p(analysis, rule.metric)
        if p is None or p >= 0.05:
            return Finding(
                id=rule.id,
                status="ok",
                title=rule.title,
                message=(
                    f"{rule.title}: left and right {rule.metric} differ by {value:.0f}%, "
                    "within the step-to-step variation (not significant)."
                    if p is not None
                    else f"{rule.title}: too few steps per side."
                ),
                why=rule.why,
                cue=rule.cue,
                drills=rule.drills,
            )
    vals, spans, frames, _ = _per_unit(rule, analysis)
    affected = sum(rule.past(v) for v in vals)
    total = len(vals)
    fraction = affected / total if total else (1.0 if rule.past(value) else 0.0)
    severity = None
    for lv in LEVELS:
        if rule.past(value, lv):
            severity = lv
    conditions = [_condition_holds(c, summary) for c in rule.require]
    conf = float(entry.get("confidence", 0.0))
    evidence = Evidence(
        metric=rule.metric,
        value=value,
        threshold=rule.levels[severity or "mild"],
        unit=METRICS[rule.metric].unit,
        comparison=">" if rule.direction == "above" else "<",
        steps_affected=affected,
        steps_total=total,
        time_ranges=_merge_spans(spans),
        frames=tuple(frames[:5]),
        confidence=round(conf * (0.5 + 0.5 * fraction), 2),
    )
    flagged = (
        severity is not None
        and fraction >= rule.min_fraction
        and all(c is True for c in conditions)
    )
    fill = {
        k: (e.get("value") if isinstance(e, dict) else None)
        for k, e in summary["metrics"].items()
    }
    fill.update(
        value=value,
        threshold=evidence.threshold,
        unit=evidence.unit,
        fraction=fraction,
        left=entry.get("left"),
        right=entry.get("right"),
    )
    if not flagged:
        if severity is not None and any(c is None for c in conditions):
            return _not_judged(
                rule, "Not judged: a measurement this rule needs is missing."
            )
        return Finding(
            id=rule.id,
            status="ok",
            title=rule.title,
            message=_ok_message(rule, value, evidence),
            why=rule.why,
            cue=rule.cue,
            drills=rule.drills,
            evidence=evidence,
        )
    score = SEVERITY_WEIGHT[severity] * (0.5 + 0.5 * fraction) * max(conf, 0.1)
    return Finding(
        id=rule.id,
        status="flagged",
        severity=severity,
        title=rule.title,
        message=_fill(rule.message, fill),
        why=rule.why,
        cue=rule.cue,
        drills=rule.drills,
        evidence=evidence,
        score=round(score, 3),
    )


def _ok_message(rule: RuleDef, value: float, ev: Evidence) -> str:
    unit = "" if ev.unit in ("deg",) else f" {ev.unit}"
    deg = "°" if ev.unit == "deg" else ""
    limit = rule.levels["mild"]
    side = "below" if rule.direction == "above" else "above"
    return (
        f"{rule.title}: not seen — {rule.metric} {value:.2f}{deg}{unit}, {side} the "
        f"{limit:g}{deg}{unit} limit."
    )


def headline(findings: list[Finding], n: int = 3) -> list[Finding]:
    """The top ``n`` flagged findings."""
    return [f for f in findings if f.status == "flagged"][:n]
