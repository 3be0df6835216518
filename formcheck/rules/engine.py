"""Turn measurements into coaching findings, as declared in ``default_rules.toml``.

Pure: an :class:`~formcheck.analysis.Analysis` (its summary, steps and per-frame
series) and a list of :class:`RuleDef` in, a ranked list of
:class:`~formcheck.rules.types.Finding` out.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from formcheck.config import is_real_number, read_toml_file, short_repr
from formcheck.errors import FormcheckError
from formcheck.metrics.registry import ANY, METRICS
from formcheck.rules.types import Evidence, Finding

LEVELS = ("mild", "moderate", "marked")
SEVERITY_WEIGHT = {"mild": 1.0, "moderate": 2.0, "marked": 3.0}
#: Per-frame series behind clip-level metrics, for fractions and time ranges.
SERIES_FOR = {"head_pitch_deg": "head_pitch_deg", "neck_length_tl": "neck_length_tl"}
HEALTH_NOTE = (
    "Pain that persists or gets worse needs a health professional, not a form "
    "fix. formcheck describes running form; it does not diagnose injuries."
)
#: Which number of a metric a rule or condition reads (see default_rules.toml).
FIELDS = ("value", "asymmetry_pct")
#: Names a message template may use besides every metric name (that metric's median).
TEMPLATE_VALUES = ("value", "threshold", "unit", "fraction", "left", "right")
_RULE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: ``require`` conditions nested deeper than this (through ``any``) are refused; the
#: shipped rules need 2.
_MAX_CONDITION_DEPTH = 4


# --- message templates -----------------------------------------------------------
#
# Rules files are shared between coaches, so a message template is hostile input.
# ``str.format`` would let ``{value.__init__.__globals__[os].environ}`` read the
# process environment and ``{value:>99999999}`` write a 100 MB report. Templates are
# therefore parsed with ``string.Formatter().parse`` and accepted only if every field
# is a known plain name with at most a bounded numeric format spec; rendering never
# goes through ``str.format`` and looks names up in the supplied values only.

#: Longest width and precision a format spec may ask for.
MAX_WIDTH = 20
MAX_PRECISION = 6
#: Longest text one field renders to; a longer number (|x| > ~1e24 with ``f``) is
#: written with 6 significant digits instead.
MAX_FIELD_CHARS = 32
#: ``[align][sign][0][width][grouping][.precision][type]``, Python's standard format
#: spec without fill characters, nested fields or the integer-only types.
_SPEC = re.compile(
    r"[<>=^]?[+\- ]?0?(?P<width>\d+)?[,_]?(?:\.(?P<precision>\d+))?[eEfFgGn%ds]?"
)
_NAMES_HINT = (
    "a field is a plain name: value, threshold, unit, fraction, left, right or a "
    "metric name such as overstride_ll, e.g. {value}"
)
_SPEC_HINT = (
    "a format spec is [align][sign][0][width][,][.precision][type] with width <= "
    f"{MAX_WIDTH}, precision <= {MAX_PRECISION} and type one of e E f F g G n % d s, "
    "e.g. {value:.2f}"
)


def _field_text(name: str, conversion: str | None, spec: str) -> str:
    conv = f"!{conversion}" if conversion else ""
    return short_repr("{" + name + conv + (f":{spec}" if spec else "") + "}", 48)


def _spec_ok(spec: str) -> bool:
    m = _SPEC.fullmatch(spec)
    if m is None:
        return False
    # Length first: int() refuses digit strings over 4300 characters.
    return all(
        m[group] is None or (len(m[group]) <= 3 and int(m[group]) <= bound)
        for group, bound in (("width", MAX_WIDTH), ("precision", MAX_PRECISION))
    )


def check_template(template: str) -> list[tuple[str, str | None, str]]:
    """Split a message template into ``(literal text, field name or None, spec)``.

    Raises:
        FormcheckError: a brace is unbalanced, or a field is positional, uses
            attribute or index access or a conversion (``!r``), names an unknown
            value, or has a format spec outside :data:`_SPEC` or the width and
            precision bounds. The message says what is allowed.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise FormcheckError(
            f"has an unbalanced brace ({exc}); write {{{{ or }}}} for a literal brace"
        ) from None
    known = set(TEMPLATE_VALUES) | set(METRICS)
    out: list[tuple[str, str | None, str]] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            out.append((literal, None, ""))
            continue
        shown = _field_text(name, conversion, spec or "")
        if name == "" or name.isdigit():
            problem = f"is positional; {_NAMES_HINT}"
        elif any(c in name for c in ".["):
            problem = f"uses attribute or index access; {_NAMES_HINT}"
        elif conversion is not None:
            problem = (
                f"uses a conversion (!r, !s, !a), which is not allowed; {_NAMES_HINT}"
            )
        elif name not in known:
            problem = f"names an unknown value; {_NAMES_HINT}"
        elif not _spec_ok(spec or ""):
            problem = f"has a format spec that is not allowed; {_SPEC_HINT}"
        else:
            out.append((literal, name, spec or ""))
            continue
        raise FormcheckError(f"field {shown} {problem}")
    return out


def _format_value(value: object, spec: str) -> str:
    """One field: a finite number formatted with ``spec``, a text as is, else "?"."""
    if isinstance(value, str):
        try:
            text = format(value, spec)
        except ValueError:  # a numeric spec on a text, e.g. {unit:.2f}
            text = value
        return text[:MAX_FIELD_CHARS]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return "?"
    try:
        v = float(value)
    except (OverflowError, ValueError):
        return "?"
    if not math.isfinite(v):
        return "?"
    try:
        text = format(v, spec)
    except ValueError:  # e.g. {value:d} on a float
        text = repr(v)
    return text if len(text) <= MAX_FIELD_CHARS else format(v, ".6g")


def render_template(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each field replaced by its value from ``values``.

    A missing, unmeasured (None) or non-finite value renders as "?". The template is
    checked first (:func:`check_template`); names are only ever looked up in
    ``values``, never as attributes, so nothing else can reach the output, and each
    field renders to at most :data:`MAX_FIELD_CHARS` characters.
    """
    parts = []
    for literal, name, spec in check_template(template):
        parts.append(literal)
        if name is not None:
            parts.append(_format_value(values.get(name), spec))
    return "".join(parts)


# --- rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDef:
    """One rule, as declared in the rules TOML (see the file's header for each key).

    Construction checks every value, so the shipped rules and a user's overrides
    pass through the same checks; a broken rule is a :class:`FormcheckError` naming
    the rule, the key and what is allowed.
    """

    id: str
    title: str
    views: tuple[str, ...]
    metric: str
    direction: str
    levels: dict[str, float]
    message: str
    why: str = ""
    cue: str = ""
    drills: tuple[str, ...] = ()
    source: str = ""
    field: str = "value"
    min_fraction: float = 0.5
    min_n: int = 1
    require: tuple[dict, ...] = dataclasses.field(default_factory=tuple)

    def _fail(self, key: str, problem: str) -> FormcheckError:
        return FormcheckError(f"rule '{self.id}': {key} {problem}")

    def __post_init__(self) -> None:
        _check_id(self.id)
        if not self.views or not set(self.views) <= set(ANY):
            raise self._fail(
                "views", f"= {short_repr(list(self.views))} must name {', '.join(ANY)}"
            )
        _check_metric_field(self.metric, self.field, "", self._fail)
        if self.direction not in ("above", "below"):
            raise self._fail(
                "direction",
                f"= {short_repr(self.direction)} must be 'above' or 'below'",
            )
        self._check_levels()
        if not (_is_number(self.min_fraction) and 0.0 <= self.min_fraction <= 1.0):
            raise self._fail(
                "min_fraction", f"= {short_repr(self.min_fraction)} must be in [0, 1]"
            )
        if not (_is_integer(self.min_n) and self.min_n >= 0):
            raise self._fail(
                "min_n", f"= {short_repr(self.min_n)} must be an integer >= 0"
            )
        try:
            check_template(self.message)
        except FormcheckError as exc:
            raise self._fail("message", str(exc)) from None
        for k, cond in enumerate(self.require):
            _check_condition(cond, f"require[{k}]", 1, self._fail)

    def _check_levels(self) -> None:
        names = ", ".join(LEVELS)
        missing = [lv for lv in LEVELS if lv not in self.levels]
        unknown = [short_repr(lv) for lv in self.levels if lv not in LEVELS]
        if missing or unknown:
            wrong = [f"missing {', '.join(missing)}"] if missing else []
            wrong += [f"unknown {', '.join(unknown)}"] if unknown else []
            raise self._fail("levels", f"must set exactly {names} ({'; '.join(wrong)})")
        for lv in LEVELS:
            if not (_is_number(self.levels[lv]) and math.isfinite(self.levels[lv])):
                raise self._fail(
                    f"levels.{lv}",
                    f"= {short_repr(self.levels[lv])} must be a finite number",
                )
        ordered = [self.levels[lv] for lv in LEVELS]
        rising = self.direction == "above"
        if ordered != sorted(ordered, reverse=not rising):
            order = "rise" if rising else "fall"
            raise self._fail(
                "levels",
                f"must get stricter from mild to marked: with direction = "
                f"'{self.direction}' they must {order} ({names})",
            )

    def past(self, value: float, level: str = "mild") -> bool:
        t = self.levels[level]
        return value > t if self.direction == "above" else value < t


def _is_number(v: object) -> bool:
    return is_real_number(v)


def _is_integer(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_id(rule_id: object) -> None:
    if not (isinstance(rule_id, str) and _RULE_ID.fullmatch(rule_id)):
        raise FormcheckError(
            f"rule id {short_repr(rule_id)} must be 1-64 letters, digits, '_' or '-'"
        )


def _check_metric_field(metric: object, fld: object, where: str, fail) -> None:
    if not (isinstance(metric, str) and metric in METRICS):
        raise fail(
            f"{where}metric",
            f"= {short_repr(metric)} is an unknown metric "
            "(see formcheck/metrics/registry.py)",
        )
    if fld not in FIELDS:
        raise fail(
            f"{where}field",
            f"= {short_repr(fld)} must be one of {', '.join(map(repr, FIELDS))}",
        )
    if fld == "asymmetry_pct" and not METRICS[metric].sided:
        raise fail(
            f"{where}field",
            f"= 'asymmetry_pct' needs a metric measured per side; {metric} is not",
        )


def _check_condition(cond: object, where: str, depth: int, fail) -> None:
    """A ``require`` condition: ``{ metric, field?, above | below }`` or
    ``{ any = [conditions] }``."""
    shape = (
        "must be a table { metric = ..., above = ... } (or below), "
        "or { any = [conditions] }"
    )
    if not isinstance(cond, dict):
        raise fail(where, f"= {short_repr(cond)} {shape}")
    if "any" in cond:
        items = cond["any"]
        if set(cond) != {"any"} or not isinstance(items, list) or not items:
            raise fail(where, f"= {short_repr(cond)} {shape}")
        if depth >= _MAX_CONDITION_DEPTH:
            raise fail(
                where, f"nests conditions deeper than {_MAX_CONDITION_DEPTH} levels"
            )
        for k, c in enumerate(items):
            _check_condition(c, f"{where}.any[{k}]", depth + 1, fail)
        return
    bounds = [k for k in ("above", "below") if k in cond]
    unknown = set(cond) - {"metric", "field", "above", "below"}
    if unknown or "metric" not in cond or len(bounds) != 1:
        raise fail(where, f"= {short_repr(cond)} {shape}")
    _check_metric_field(cond["metric"], cond.get("field", "value"), f"{where}.", fail)
    limit = cond[bounds[0]]
    if not (_is_number(limit) and math.isfinite(limit)):
        raise fail(
            f"{where}.{bounds[0]}", f"= {short_repr(limit)} must be a finite number"
        )


#: The TOML type of every key a ``[[rule]]`` may have (checked before
#: :class:`RuleDef` checks the values); keys without a default in RuleDef are required.
_KEY_TYPES: dict[str, str] = {
    "id": "string",
    "title": "string",
    "views": "strings",
    "metric": "string",
    "direction": "string",
    "levels": "numbers",
    "message": "string",
    "why": "string",
    "cue": "string",
    "drills": "strings",
    "source": "string",
    "field": "string",
    "min_fraction": "number",
    "min_n": "integer",
    "require": "tables",
}
_TYPES = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "strings": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "an array of strings",
    ),
    "number": (_is_number, "a number"),
    "integer": (_is_integer, "an integer"),
    "numbers": (
        lambda v: isinstance(v, dict) and all(_is_number(x) for x in v.values()),
        "a table of numbers, e.g. { mild = 1.0, moderate = 2.0, marked = 3.0 }",
    ),
    "tables": (
        lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
        "an array of tables",
    ),
}
_REQUIRED = tuple(
    f.name
    for f in dataclasses.fields(RuleDef)
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)


def _rule_from_dict(d: dict[str, Any]) -> RuleDef:
    rule_id = d.get("id", "?")
    for key, value in d.items():
        if key not in _KEY_TYPES:
            raise FormcheckError(
                f"rule '{rule_id}': unknown key {short_repr(key)} (keys are "
                f"{', '.join(_KEY_TYPES)})"
            )
        ok, wanted = _TYPES[_KEY_TYPES[key]]
        if not ok(value):
            raise FormcheckError(
                f"rule '{rule_id}': {key} = {short_repr(value)} must be {wanted}"
            )
    missing = [k for k in _REQUIRED if k not in d]
    if missing:
        raise FormcheckError(
            f"rule '{rule_id}' is missing the key{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}"
        )
    convert = {  # TOML arrays to tuples (RuleDef is frozen), TOML ``5`` to 5.0
        "strings": tuple,
        "tables": tuple,
        "number": float,
        "numbers": lambda v: {k: float(x) for k, x in v.items()},
    }
    return RuleDef(
        **{k: convert.get(_KEY_TYPES[k], lambda v: v)(v) for k, v in d.items()}
    )


def _rule_tables(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``[[rule]]`` tables of one rules file, by id."""
    unknown = [k for k in data if k != "rule"]
    if unknown:
        raise FormcheckError(
            f"unknown top-level key {short_repr(unknown[0])}: a rules file holds "
            "[[rule]] tables only"
        )
    tables = data.get("rule", [])
    if not (isinstance(tables, list) and all(isinstance(t, dict) for t in tables)):
        raise FormcheckError("'rule' must be an array of tables: write [[rule]]")
    out: dict[str, dict[str, Any]] = {}
    for k, table in enumerate(tables, start=1):
        if "id" not in table:
            raise FormcheckError(f"rule number {k} has no id")
        _check_id(table["id"])
        if table["id"] in out:
            raise FormcheckError(f"rule '{table['id']}' is defined twice")
        out[table["id"]] = table
    return out


def load_rules(user_file: str | os.PathLike[str] | None = None) -> list[RuleDef]:
    """The shipped rules, with a user file's rules merged in by id.

    A user rule with a shipped rule's id replaces the keys it names; other ids add
    rules. Shipped and merged rules are checked the same way.

    Raises:
        FormcheckError: the file cannot be read or a rule is invalid (one line naming
            the file, the rule id, the key and what is allowed).
    """
    shipped = "default rules (formcheck/rules/default_rules.toml)"
    text = (
        resources.files("formcheck.rules")
        .joinpath("default_rules.toml")
        .read_text("utf-8")
    )
    try:
        rules = _rule_tables(tomllib.loads(text))
    except FormcheckError as exc:
        raise FormcheckError(f"{shipped}: {exc}") from None
    user: dict[str, dict[str, Any]] = {}
    if user_file is not None:
        data = read_toml_file(user_file, "rules")
        try:
            user = _rule_tables(data)
        except FormcheckError as exc:
            raise FormcheckError(f"rules file {user_file}: {exc}") from None
        for rule_id, table in user.items():
            rules[rule_id] = {**rules.get(rule_id, {}), **table}
    out = []
    for rule_id, table in rules.items():
        try:
            out.append(_rule_from_dict(table))
        except FormcheckError as exc:
            where = f"rules file {user_file}" if rule_id in user else shipped
            raise FormcheckError(f"{where}: {exc}") from None
    return out


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
        message=render_template(rule.message, fill),
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
