"""The rules engine on hand-built measurements (no video, no MediaPipe)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.gait.types import View
from formcheck.metrics.steps import StepRecord
from formcheck.rules import evaluate, headline, load_rules, threshold_bands

SIDE = View("side", "right", True, "running", 0.9)


def fake_analysis(
    metrics: dict[str, float],
    *,
    view: View = SIDE,
    n_steps: int = 12,
    per_step: dict[str, list[float]] | None = None,
    series=None,
):
    """An object with what the engine reads: summary, steps, series, view, clean."""
    per_step = per_step or {}
    steps = []
    for k in range(n_steps):
        values = {
            name: per_step.get(name, [v] * n_steps)[k] for name, v in metrics.items()
        }
        steps.append(
            StepRecord(
                k,
                "left" if k % 2 == 0 else "right",
                10 * k,
                k / 3,
                10 * k + 4,
                10 * k + 10,
                values,
            )
        )
    summary = {
        "metrics": {
            name: {"value": v, "n": n_steps, "confidence": 0.9}
            for name, v in metrics.items()
        }
    }
    n_frames = 10 * n_steps + 11
    clean = SimpleNamespace(time_s=np.arange(n_frames) / 30.0)
    return SimpleNamespace(
        summary=summary, steps=steps, series=series or {}, view=view, clean=clean
    )


def by_id(findings):
    return {f.id: f for f in findings}


def test_default_rules_load_and_cover_the_required_faults():
    ids = {r.id for r in load_rules()}
    assert {
        "hip_bend",
        "leaning_back",
        "looking_down",
        "hunched_shoulders",
        "overstriding",
        "heel_strike_overstride",
        "low_cadence",
        "bouncing",
        "asymmetry",
        "hip_drop",
        "crossover",
        "arms_crossing",
    } <= ids


@pytest.mark.parametrize(
    ("value", "severity"),
    [(0.30, None), (0.35, "mild"), (0.45, "moderate"), (0.60, "marked")],
)
def test_severity_follows_the_levels(value, severity):
    f = by_id(
        evaluate(
            fake_analysis({"overstride_ll": value, "shank_angle_ic_deg": 5.0}),
            load_rules(),
        )
    )["overstriding"]
    assert f.status == ("flagged" if severity else "ok")
    assert f.severity == severity
    if severity:
        assert f"{value:.2f}" in f.message
        assert f.evidence.steps_affected == 12 and f.evidence.fraction == 1.0
        assert f.cue and f.drills


def test_a_fault_in_few_steps_is_not_flagged():
    per_step = {"overstride_ll": [0.6] * 3 + [0.2] * 9}
    f = by_id(
        evaluate(fake_analysis({"overstride_ll": 0.6}, per_step=per_step), load_rules())
    )["overstriding"]
    assert f.status == "ok"
    assert f.evidence.steps_affected == 3


def test_required_condition_separates_hip_bend_from_leaning_at_the_ankles():
    rules = load_rules()
    bent = by_id(
        evaluate(fake_analysis({"trunk_lean_deg": 18.0, "hip_bend_deg": 3.0}), rules)
    )["hip_bend"]
    leaning = by_id(
        evaluate(fake_analysis({"trunk_lean_deg": 18.0, "hip_bend_deg": -10.0}), rules)
    )["hip_bend"]
    assert bent.status == "flagged" and bent.severity == "moderate"
    assert leaning.status == "ok"


def test_rules_that_need_another_view_are_not_judged_with_a_reason():
    rear = View("rear", None, False, "running", 0.8)
    findings = by_id(
        evaluate(fake_analysis({"pelvic_drop_deg": 12.0}, view=rear), load_rules())
    )
    assert findings["hip_drop"].status == "flagged"
    assert findings["overstriding"].status == "not_judged"
    assert "side view" in findings["overstriding"].message


def test_walking_is_not_judged_as_running():
    walking = View("side", "left", False, "walking", 0.8)
    findings = evaluate(
        fake_analysis({"overstride_ll": 0.7}, view=walking), load_rules()
    )
    assert all(f.status == "not_judged" for f in findings)
    assert "walking" in findings[0].message


def test_missing_metric_is_not_judged():
    f = by_id(evaluate(fake_analysis({}), load_rules()))["overstriding"]
    assert f.status == "not_judged"


def test_findings_are_ranked_and_headline_takes_the_top_three():
    metrics = {
        "overstride_ll": 0.6,
        "shank_angle_ic_deg": 10.0,
        "foot_angle_ic_deg": 15.0,
        "cadence_spm": 150.0,
        "trunk_lean_deg": 13.0,
        "hip_bend_deg": 0.0,
        "vertical_oscillation_ll": 0.16,
    }
    findings = evaluate(fake_analysis(metrics), load_rules())
    flagged = [f for f in findings if f.status == "flagged"]
    assert len(flagged) >= 4
    assert [f.score for f in flagged] == sorted(
        (f.score for f in flagged), reverse=True
    )
    assert headline(findings) == flagged[:3]
    assert flagged[0].severity == "marked"


def test_asymmetry_needs_a_significant_left_right_difference():
    rules = load_rules()
    rear = View("rear", None, False, "running", 0.9)
    noisy = {
        "step_time_s": [
            0.40,
            0.32,
            0.34,
            0.40,
            0.40,
            0.34,
            0.32,
            0.36,
            0.40,
            0.32,
            0.36,
            0.38,
        ]
    }
    a = fake_analysis({"step_time_s": 0.36}, per_step=noisy, view=rear)
    a.summary["metrics"]["step_time_s"]["asymmetry_pct"] = 12.0
    assert by_id(evaluate(a, rules))["asymmetry"].status == "ok"
    steady = {"step_time_s": [0.40, 0.34, 0.41, 0.33, 0.39, 0.35] * 2}
    b = fake_analysis({"step_time_s": 0.37}, per_step=steady, view=rear)
    b.summary["metrics"]["step_time_s"].update(
        asymmetry_pct=16.0, left=0.40, right=0.34
    )
    f = by_id(evaluate(b, rules))["asymmetry"]
    assert f.status == "flagged" and "16%" in f.message


def test_asymmetry_is_not_judged_from_a_side_view():
    a = fake_analysis({"step_time_s": 0.37})
    a.summary["metrics"]["step_time_s"]["asymmetry_pct"] = 30.0
    f = by_id(evaluate(a, load_rules()))["asymmetry"]
    assert f.status == "not_judged" and "side view" in f.message


def test_time_ranges_point_at_the_affected_steps():
    per_step = {"overstride_ll": [0.2] * 6 + [0.6] * 6}
    f = by_id(
        evaluate(fake_analysis({"overstride_ll": 0.6}, per_step=per_step), load_rules())
    )["overstriding"]
    assert f.status == "flagged"
    ((start, end),) = f.evidence.time_ranges  # consecutive steps merge into one range
    assert start == pytest.approx(60 / 30) and end == pytest.approx(120 / 30)
    assert f.evidence.frames[0] == 60


def test_user_rules_override_by_id(tmp_path):
    user = tmp_path / "my_rules.toml"
    user.write_text(
        '[[rule]]\nid = "low_cadence"\nlevels = { mild = 175.0, moderate = 165.0, '
        "marked = 150.0 }\n"
    )
    rules = {r.id: r for r in load_rules(user)}
    assert rules["low_cadence"].levels["mild"] == 175.0
    assert rules["low_cadence"].cue  # the rest is kept


def _override(key_values: str, rule_id: str = "low_cadence") -> str:
    """A rules file overriding one shipped rule with some TOML ``key = value`` lines."""
    return f'[[rule]]\nid = "{rule_id}"\n{key_values}\n'


NEW_RULE = (
    '[[rule]]\nid = "x"\ntitle = "X"\nviews = ["side"]\nmetric = "overstride_ll"\n'
    'direction = "above"\nlevels = { mild = 1.0, moderate = 2.0, marked = 3.0 }\n'
    'message = "m"\n'
)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        # the file itself
        ("not toml [", ["cannot read rules file"]),
        (b"message = '\xff'", ["cannot read rules file", "UTF-8"]),
        ("x = " + "[" * 3000 + "]" * 3000, ["cannot read rules file", "nested"]),
        ('[rule]\nid = "low_cadence"\n', ["[[rule]]"]),
        ('[[rules]]\nid = "low_cadence"\n', ["top-level key 'rules'"]),
        (_override("") + _override(""), ["'low_cadence' is defined twice"]),
        ('[[rule]]\ntitle = "no id"\n', ["rule number 1 has no id"]),
        ("[[rule]]\nid = 5\n", ["rule id 5", "letters, digits"]),
        ('[[rule]]\nid = "a b\\nc"\n', ["rule id 'a b\\nc'", "letters, digits"]),
        # keys and their types
        ('[[rule]]\nid = "y"\n', ["rule 'y' is missing the keys", "metric"]),
        (_override('mesage = "typo"'), ["low_cadence", "unknown key 'mesage'"]),
        (_override("title = 5"), ["low_cadence", "title = 5", "a string"]),
        (_override('views = "side"'), ["views = 'side'", "an array of strings"]),
        (_override("drills = [1, 2]"), ["drills = [1, 2]", "an array of strings"]),
        (_override('levels = "high"'), ["levels = 'high'", "a table of numbers"]),
        (_override('min_fraction = "half"'), ["min_fraction = 'half'", "a number"]),
        (_override("min_n = 2.5"), ["min_n = 2.5", "an integer"]),
        (_override("min_n = true"), ["min_n = true", "an integer"]),
        (_override("message = 5"), ["message = 5", "a string"]),
        (_override('require = "yes"'), ["require = 'yes'", "an array of tables"]),
        # values
        (NEW_RULE.replace("overstride_ll", "nope"), ["rule 'x'", "unknown metric"]),
        (_override('views = ["top"]'), ["views = ['top']", "side, rear, front"]),
        (_override("views = []"), ["views = []", "side, rear, front"]),
        (_override('direction = "up"'), ["direction = 'up'", "'above' or 'below'"]),
        (_override('field = "left"'), ["field = 'left'", "'asymmetry_pct'"]),
        (_override('field = "asymmetry_pct"'), ["per side", "cadence_spm"]),
        (_override("min_fraction = 1.5"), ["min_fraction = 1.5", "[0, 1]"]),
        (_override("min_fraction = nan"), ["min_fraction = nan", "[0, 1]"]),
        (_override("min_n = -1"), ["min_n = -1", ">= 0"]),
        # levels: finite, complete, stricter from mild to marked
        (
            _override("levels = { mild = inf, moderate = inf, marked = inf }"),
            ["low_cadence", "levels.mild = inf", "finite"],
        ),
        (
            _override("levels = { mild = 160.0, moderate = nan, marked = 140.0 }"),
            ["levels.moderate = nan", "finite"],
        ),
        (
            _override("levels = { mild = 160.0, moderate = 150.0 }"),
            ["levels must set exactly mild, moderate, marked (missing marked)"],
        ),
        (
            _override(
                "levels = { mild = 160.0, moderate = 150.0, marked = 140.0, "
                "severe = 130.0 }"
            ),
            ["exactly mild, moderate, marked (unknown 'severe')"],
        ),
        (
            _override("levels = { mild = 140.0, moderate = 150.0, marked = 160.0 }"),
            ["low_cadence", "stricter", "must fall"],
        ),
        (_override('direction = "above"'), ["stricter", "must rise"]),
        # require conditions
        (
            _override('require = [{ metric = "trunk_lean_deg" }]'),
            ["require[0] = ", "above = ..."],
        ),
        (
            _override('require = [{ metric = "trunk_lean_deg", above = nan }]'),
            ["require[0].above = nan", "finite"],
        ),
        (
            _override('require = [{ metric = "nope", above = 1.0 }]'),
            ["require[0].metric = 'nope'", "unknown metric"],
        ),
        (
            _override('require = [{ metric = "trunk_lean_deg", above = "1" }]'),
            ["require[0].above = '1'", "finite number"],
        ),
        (
            _override("require = [{ any = [] }]"),
            ["require[0] = {'any': []}", "any = [conditions]"],
        ),
        (
            _override("require = [" + "{ any = [" * 6 + "]}" * 6 + "]"),
            ["require[0].any[0].any[0].any[0]", "conditions deeper than 4"],
        ),
        # message templates
        (
            _override('message = "{value.__init__.__globals__[os].environ}"'),
            ["low_cadence", "message field", "attribute or index access"],
        ),
        (
            _override('message = "{value:>99999999}"'),
            ["message field '{value:>99999999}'", "width <= 20"],
        ),
        (_override('message = "{value:.99f}"'), ["precision <= 6"]),
        (_override('message = "{}"'), ["message field '{}' is positional"]),
        (_override('message = "{0}"'), ["message field '{0}' is positional"]),
        (_override('message = "{value!r}"'), ["'{value!r}'", "conversion"]),
        (_override('message = "{cadense_spm}"'), ["'{cadense_spm}'", "unknown value"]),
        (_override('message = "{value"'), ["message has an unbalanced brace"]),
        (_override('message = "100% }"'), ["message has an unbalanced brace"]),
        (
            _override(
                "levels = { mild = 1" + "0" * 400 + ", moderate = 2, marked = 3 }"
            ),
            ["levels", "table of numbers"],
        ),
    ],
)
def test_bad_user_rules_are_clear_errors(tmp_path, text, needles):
    user = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        user.write_bytes(text)
    else:
        user.write_text(text)
    with pytest.raises(FormcheckError) as exc:
        load_rules(user)
    message = str(exc.value)
    assert "\n" not in message
    assert f"rules file {user}" in message
    for needle in needles:
        assert needle in message


def test_a_valid_new_rule_and_ints_for_floats_are_accepted(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text(
        NEW_RULE.replace("1.0", "1").replace('"m"', '"{value:.2f} {unit} {{ok}}"')
    )
    rule = {r.id: r for r in load_rules(user)}["x"]
    assert rule.levels == {"mild": 1.0, "moderate": 2.0, "marked": 3.0}
    assert isinstance(rule.levels["mild"], float)
    assert rule.min_n == 1 and rule.why == ""


def test_infinite_levels_no_longer_flag_a_normal_cadence(tmp_path):
    """Regression: ``inf`` levels flagged a 173 spm runner as "marked" low cadence."""
    user = tmp_path / "inf.toml"
    user.write_text(_override("levels = { mild = inf, moderate = inf, marked = inf }"))
    with pytest.raises(FormcheckError, match="levels.mild = inf"):
        load_rules(user)


def test_flagged_message_shows_supplied_values_only(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMCHECK_TEST_SECRET", "s3cr3t-value")
    user = tmp_path / "msg.toml"
    user.write_text(
        _override(
            'message = "cadence {value:.1f} {unit} < {threshold:>6.0f}; '
            'lean {trunk_lean_deg:+.1f}, {left}/{right}, {{literal}}"'
        )
    )
    f = by_id(
        evaluate(
            fake_analysis({"cadence_spm": 131.25, "trunk_lean_deg": 4.0}),
            load_rules(user),
        )
    )["low_cadence"]
    assert f.status == "flagged" and f.severity == "marked"
    assert f.message == "cadence 131.2 steps/min <    140; lean +4.0, ?/?, {literal}"


def test_threshold_bands_for_plots():
    bands = threshold_bands(load_rules())
    lows = [b[0] for b in bands["overstride_ll"]]
    assert lows == [0.32, 0.42, 0.52]
