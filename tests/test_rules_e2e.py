"""End to end through the real pipeline: each rendered fault fires its rule, and good
form fires none of the posture rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.analysis import analyze_video
from formcheck.rules import evaluate, load_rules

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
POSTURE_RULES = {
    "hip_bend",
    "leaning_back",
    "looking_down",
    "hunched_shoulders",
    "overstriding",
    "heel_strike_overstride",
    "bouncing",
}

pytestmark = pytest.mark.slow


def _flagged(sample: str) -> dict[str, str]:
    findings = evaluate(analyze_video(SAMPLES / f"{sample}.mp4"), load_rules())
    return {f.id: f.severity for f in findings if f.status == "flagged"}


@pytest.mark.parametrize(
    ("sample", "rule"),
    [
        ("hip_bend", "hip_bend"),
        ("looking_down", "looking_down"),
        ("hunched", "hunched_shoulders"),
        ("overstride_heel_strike", "overstriding"),
        ("overstride_heel_strike", "heel_strike_overstride"),
    ],
)
def test_each_rendered_fault_fires_its_rule(sample, rule):
    flagged = _flagged(sample)
    assert rule in flagged, flagged
    # ...and no other posture rule: each sample has one fault.
    others = (set(flagged) & POSTURE_RULES) - {rule}
    if sample == "overstride_heel_strike":
        others -= {"overstriding", "heel_strike_overstride"}
    assert not others, flagged


def test_good_form_fires_no_posture_rule():
    flagged = _flagged("good_form")
    assert not set(flagged) & POSTURE_RULES, flagged
