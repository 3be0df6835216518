"""The restricted message-template formatter of the rules engine.

Templates come from rules files shared between coaches, so they are hostile input:
``str.format`` would let ``{value.__init__.__globals__[os].environ}`` print the
process environment and ``{value:>99999999}`` write a 100 MB report.
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from formcheck.errors import FormcheckError
from formcheck.metrics.registry import METRICS
from formcheck.rules.engine import (
    MAX_FIELD_CHARS,
    TEMPLATE_VALUES,
    check_template,
    render_template,
)

SECRET = "formcheck-test-secret-7f3a9c"
NAMES = sorted(TEMPLATE_VALUES) + sorted(METRICS)


@pytest.fixture(autouse=True, scope="module")
def secret_in_environment():
    """A secret the formatter must never be able to reach."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORMCHECK_TEST_SECRET", SECRET)
        yield


# --- strategies ---------------------------------------------------------------------

#: Names, valid or not, including the ways ``str.format`` reaches beyond its arguments.
field_names = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "value.__class__",
            "value.real",
            "value[0]",
            "unit[0]",
            "value.__init__.__globals__[os].environ",
            "__class__",
            " value",
        ]
    ),
    st.text(max_size=12),
)
conversions = st.sampled_from(["", "", "", "!r", "!s", "!a", "!x", "!"])
specs = st.one_of(
    st.just(""),
    st.from_regex(
        r"([^{}]?[<>=^])?[+\- ]?z?#?0?\d{0,12}[,_]?(\.\d{0,12})?[a-zA-Z%]?",
        fullmatch=True,
    ),
    st.text(max_size=10),
)
fields = st.builds(
    lambda name, conv, spec: "{" + name + conv + (f":{spec}" if spec else "") + "}",
    field_names,
    conversions,
    specs,
)
#: Fields close to what a coach writes, most of them valid.
plain_fields = st.builds(
    lambda name, spec: "{" + name + (f":{spec}" if spec else "") + "}",
    st.sampled_from(NAMES),
    st.one_of(
        st.just(""),
        st.from_regex(
            r"[<>=^]?[+\- ]?0?\d{0,2}[,_]?(\.\d)?[eEfFgGn%ds]?", fullmatch=True
        ),
    ),
)
templates = st.lists(
    st.one_of(
        st.text(max_size=12),
        plain_fields,
        fields,
        st.sampled_from(["{", "}", "{{", "}}"]),
    ),
    max_size=8,
).map("".join)

#: What the engine supplies: numbers (any float, unmeasured None), units (text).
values = st.dictionaries(
    st.sampled_from(NAMES),
    st.one_of(
        st.none(),
        st.floats(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.sampled_from(["deg", "s", "steps/min", "ll"]),
    ),
)


# --- properties ---------------------------------------------------------------------


@settings(max_examples=400)
@given(template=templates, supplied=values)
@example(template="{value.__init__.__globals__[os].environ}", supplied={"value": 1.0})
@example(template="{value:>99999999}", supplied={"value": 1.0})
@example(template="{value:.6f}{value:20.6%}", supplied={"value": 1e308})
@example(template="{value:>" + "9" * 5000 + "}", supplied={})
def test_any_template_is_refused_or_rendered_bounded_and_from_supplied_values_only(
    template, supplied
):
    assume(SECRET not in template)
    try:
        parts = check_template(template)
    except FormcheckError as exc:
        assert "\n" not in str(exc)  # one line, for the CLI's "error: ..."
        with pytest.raises(FormcheckError):
            render_template(template, supplied)
        return
    out = render_template(template, supplied)
    n_fields = sum(name is not None for _, name, _ in parts)
    assert len(out) <= len(template) + n_fields * MAX_FIELD_CHARS
    assert SECRET not in out
    for _, name, spec in parts:
        if name is not None:
            assert name in NAMES
            assert "{" not in spec and len(spec) <= 8


@given(
    template=templates,
    supplied=st.fixed_dictionaries(
        {name: st.floats(min_value=-1e6, max_value=1e6) for name in NAMES}
    ),
)
def test_accepted_templates_render_as_str_format_would(template, supplied):
    """On ordinary finite numbers the restricted formatter is ``str.format``."""
    try:
        check_template(template)
        expected = template.format(**supplied)
    except (FormcheckError, ValueError):  # refused, or a spec for integers/text
        assume(False)
    assert render_template(template, supplied) == expected


@given(name=st.sampled_from(NAMES), spec=specs, value=st.floats())
def test_a_field_never_renders_longer_than_the_bound(name, spec, value):
    template = "{" + name + (f":{spec}" if spec else "") + "}"
    try:
        check_template(template)
    except FormcheckError:
        assume(False)
    out = render_template(template, {name: value})
    assert len(out) <= MAX_FIELD_CHARS
    if not math.isfinite(value):
        assert out == "?"


# --- examples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("{value.__init__.__globals__[os].environ}", "attribute or index access"),
        ("{value.__class__}", "attribute or index access"),
        ("{value[0]}", "attribute or index access"),
        ("{}", "is positional"),
        ("{0}", "is positional"),
        ("{value!r}", "conversion"),
        ("{value!s:>5}", "conversion"),
        ("{environ}", "unknown value"),
        ("{value:>99999999}", "width <= 20"),
        ("{value:21}", "width <= 20"),
        ("{value:.7f}", "precision <= 6"),
        ("{value:x}", "format spec"),
        ("{value:*>10}", "format spec"),
        ("{value:{threshold}}", "format spec"),
        ("{value", "unbalanced brace"),
        ("50% }", "unbalanced brace"),
        ("{value!}", "unbalanced brace"),
    ],
)
def test_hostile_templates_are_refused_with_what_is_allowed(template, needle):
    with pytest.raises(FormcheckError) as exc:
        check_template(template)
    assert needle in str(exc.value)


@pytest.mark.parametrize(
    ("template", "supplied", "expected"),
    [
        (
            "{value:.1f} {unit}",
            {"value": 171.25, "unit": "steps/min"},
            "171.2 steps/min",
        ),
        ("{fraction:.0%} of steps", {"fraction": 0.756}, "76% of steps"),
        (
            "{value:+.1f}|{value:>8.2f}|{value:<6}|",
            {"value": 2.5},
            "+2.5|    2.50|2.5   |",
        ),
        ("{left:.3f}/{right:.3f}", {"left": 0.31, "right": None}, "0.310/?"),
        ("{value:.0f}", {"value": math.nan}, "?"),
        ("{overstride_ll:.2f}", {}, "?"),  # a metric that was not measured
        ("{{value}} {value}", {"value": 1.0}, "{value} 1.0"),
        ("{value:d}", {"value": 172.0}, "172.0"),  # integer spec on a float: as is
        ("{unit:.2f}", {"unit": "deg"}, "deg"),  # numeric spec on a text: as is
        ("{value:.6f}", {"value": 1e300}, "1e+300"),  # too long: 6 significant digits
    ],
)
def test_rendering(template, supplied, expected):
    assert render_template(template, supplied) == expected


def test_the_secret_is_in_the_environment_the_tests_run_in():
    assert os.environ["FORMCHECK_TEST_SECRET"] == SECRET
