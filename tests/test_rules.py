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


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            '[[rule]]\nid = "x"\ntitle = "X"\nviews = ["side"]\nmetric = "nope"\n'
            'direction = "above"\nlevels = { mild = 1.0, moderate = 2.0, marked = 3.0 }\n'
            'message = "m"\n',
            "unknown metric",
        ),
        (
            '[[rule]]\nid = "low_cadence"\nlevels = { mild = 140.0, moderate = 150.0, '
            "marked = 160.0 }\n",
            "stricter",
        ),
        ('[[rule]]\nid = "y"\n', "missing"),
        ("not toml [", "cannot read"),
    ],
)
def test_bad_user_rules_are_clear_errors(tmp_path, text, needle):
    user = tmp_path / "bad.toml"
    user.write_text(text)
    with pytest.raises(FormcheckError, match=needle):
        load_rules(user)


def test_threshold_bands_for_plots():
    bands = threshold_bands(load_rules())
    lows = [b[0] for b in bands["overstride_ll"]]
    assert lows == [0.32, 0.42, 0.52]
