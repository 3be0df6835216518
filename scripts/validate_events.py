"""Validate gait events (initial contact, toe-off) and cadence against ground truth.

Renders synthetic runners (``formcheck.synth``) whose event times are known exactly,
runs the real pipeline (MediaPipe) on them, cleans the track, detects events and
scores them. Also measures cadence on the real treadmill clip in ``../shared/clips``.

    python scripts/validate_events.py           # full table (a few minutes)
    python scripts/validate_events.py --quick   # fewer, shorter clips

``scripts/validate.py`` calls :func:`event_rows` and :func:`render_events_markdown`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from formcheck.synth import PRESETS, RunnerParams, SceneParams

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT.parent / "shared" / "clips"
REAL_CLIP = "treadmill_side_male.mp4"

#: Events count as found if within this many frames of the truth.
TOLERANCE_FRAMES = 1


def event_cases(quick: bool) -> list[tuple[str, RunnerParams, SceneParams]]:
    """The synthetic clips scored: (label, runner, scene)."""
    good = PRESETS["good_form"]
    base = SceneParams(duration_s=4.0)
    cases = [
        ("30 fps, facing right, treadmill", good, base),
        ("30 fps, facing left, treadmill", good, replace(base, facing="left")),
        ("60 fps", good, replace(base, fps=60.0, duration_s=3.0)),
        ("120 fps", good, replace(base, fps=120.0, duration_s=2.5)),
        ("240 fps, facing left", good,
         replace(base, fps=240.0, duration_s=2.0, facing="left")),
        ("24 fps", good, replace(base, fps=24.0)),
        ("overground, panning", good, replace(base, treadmill=False, pan=True)),
        ("overground, static camera, 1280x480", good,
         replace(base, treadmill=False, pan=False, width=1280, duration_s=2.0,
                 fps=60.0)),
        ("cadence 150, 2.6 m/s", replace(good, cadence_spm=150, speed_mps=2.6,
                                         duty_factor=0.40), base),
        ("cadence 190, 4 m/s", replace(good, cadence_spm=190, speed_mps=4.0,
                                       duty_factor=0.32), base),
        ("heel strike 20 deg, overstride", PRESETS["overstride_heel_strike"],
         replace(base, facing="left")),
        ("forefoot strike -10 deg", replace(good, foot_angle_ic_deg=-10.0), base),
        ("runner 50% of frame", good, replace(base, runner_height_frac=0.5)),
        ("noise sigma 12 + shake 1.5 px", good,
         replace(base, noise_sigma=12.0, shake_px=1.5, seed=3)),
    ]
    if quick:
        keep = {0, 1, 3, 6, 10}
        cases = [
            (label, runner, replace(scene, duration_s=min(scene.duration_s, 2.5)))
            for k, (label, runner, scene) in enumerate(cases)
            if k in keep
        ]
    return cases
