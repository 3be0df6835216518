"""Render the bundled sample videos in ``sample_videos/`` with their ground truth.

Each sample is one preset from ``formcheck.synth.presets``: good form, or one fault.
Rerun after changing the renderer or the presets::

    python scripts/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from formcheck.synth import PRESETS, SceneParams, write_clip

OUT = Path(__file__).resolve().parent.parent / "sample_videos"

#: preset -> scene changes; a mix of facing directions so both are exercised.
SAMPLES: dict[str, dict] = {
    "good_form": {},
    "hip_bend": {"facing": "left"},
    "looking_down": {},
    "hunched": {"facing": "left"},
    "overstride_heel_strike": {},
}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for seed, (name, scene_changes) in enumerate(SAMPLES.items()):
        scene = SceneParams(
            width=640, height=480, fps=30.0, duration_s=5.0, seed=seed, **scene_changes
        )
        clip = write_clip(OUT / f"{name}.mp4", PRESETS[name], scene)
        size_kb = clip.video_path.stat().st_size / 1024
        print(f"{clip.video_path.relative_to(OUT.parent)}  {size_kb:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
