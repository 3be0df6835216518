"""Named runners: good form and one common fault each (used for ``sample_videos/``).

Each fault preset changes one thing from ``good_form`` (plus what naturally comes
with it, e.g. a heel strike with an overstride), so the rule for that fault is the
only one that should fire on it.
"""

from dataclasses import replace

from formcheck.synth.kinematics import RunnerParams

GOOD_FORM = RunnerParams(
    cadence_spm=172,
    lean_deg=5.0,
    hip_bend_deg=0.0,
    head_pitch_deg=0.0,
    shoulder_elevation_ll=0.0,
    overstride_ll=0.22,
    foot_angle_ic_deg=3.0,
)

PRESETS: dict[str, RunnerParams] = {
    "good_form": GOOD_FORM,
    # Trunk flexed at the hips, hips left behind: the trunk leans ~17 degrees while the
    # legs stay upright.
    "hip_bend": replace(GOOD_FORM, lean_deg=1.0, hip_bend_deg=16.0),
    # Head tilted down to watch the feet.
    "looking_down": replace(GOOD_FORM, head_pitch_deg=35.0),
    # Shoulders lifted toward the ears, arms held tight and high.
    "hunched": replace(
        GOOD_FORM, shoulder_elevation_ll=0.10, elbow_angle_deg=60.0, arm_swing_deg=18.0
    ),
    # Foot lands far ahead of the hips, heel first, at a lower cadence.
    "overstride_heel_strike": replace(
        GOOD_FORM,
        cadence_spm=156,
        lean_deg=2.0,
        overstride_ll=0.48,
        foot_angle_ic_deg=20.0,
        duty_factor=0.38,
    ),
}
