"""View / activity / runner-selection validation table for docs/validation.md.

Runs the real pipeline (MediaPipe, several people per frame, runner selection, the
camera's measured motion, :func:`formcheck.analysis.analyze_run`) on rendered runners
whose set-up is known exactly and on every labelled clip in ``../shared/clips``
(skipped when absent), and compares with the expected view, facing, treadmill and
activity.

    python scripts/validate_view.py            # prints the markdown table
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from formcheck.pipeline import track_poses
from formcheck.synth import PRESETS, SceneParams, write_clip

CLIPS = Path(__file__).resolve().parent.parent.parent / "shared" / "clips"

#: Rendered cases: name -> (scene, expected). A panning camera keeps the runner in
#: place on screen; the textured street lets the camera's motion be measured.
SYNTH_CASES = {
    "synth treadmill, faces right": (
        SceneParams(facing="right", treadmill=True),
        {"view": "side", "facing": "right", "treadmill": True, "activity": "running"},
    ),
    "synth treadmill, faces left": (
        SceneParams(facing="left", treadmill=True),
        {"view": "side", "facing": "left", "treadmill": True, "activity": "running"},
    ),
    "synth overground, static camera, right": (
        SceneParams(facing="right", treadmill=False, pan=False),
        {"view": "side", "facing": "right", "treadmill": False, "activity": "running"},
    ),
    "synth overground, static camera, left": (
        SceneParams(facing="left", treadmill=False, pan=False),
        {"view": "side", "facing": "left", "treadmill": False, "activity": "running"},
    ),
    "synth overground, panning camera (textured street)": (
        SceneParams(
            facing="right", treadmill=False, camera="follow", background="textured"
        ),
        {"view": "side", "facing": "right", "treadmill": False, "activity": "running"},
    ),
    "synth overground, panning camera, blank wall": (
        SceneParams(facing="right", treadmill=False, pan=True),
        # The pan cannot be measured: read as in place, and the report says so.
        {"view": "side", "facing": "right", "treadmill": True, "activity": "running"},
    ),
}

#: Corrections to LABELS.json, checked by eye (frame 0 shows the subject's bare back,
#: spine markers and the back of his cap): the T-pose clip is a rear-oblique view.
LABEL_FIXES = {"standing_tpose.mp4": {"view": "rear"}}


def _expected_from_label(label: dict) -> dict:
    """What a label says formcheck should find; ``None`` where it says nothing
    formcheck decides (an oblique view, activity segments that differ, a runner
    facing the camera).

    Labels come in two forms: short strings (``"side"``, ``"running"``), and
    descriptions (``"side; overground ..."``, a list of activity segments)."""
    exp = {}
    act = label.get("activity")
    text = str(act)
    if isinstance(act, list):
        text = " ".join(seg["activity"] for seg in act)
        kinds = {
            seg["activity"].split()[0].strip("(),;").split("/")[0].lower()
            for seg in act
        }
        act = kinds.pop() if len(kinds) == 1 else "mixed"
    exp["activity"] = act
    view = label.get("view")
    if isinstance(view, str):
        head = view.split(";")[0].split("(")[0].strip().lower()
        exp["view"] = head if head in ("side", "rear", "front") else None
    facing = label.get("facing")
    exp["facing"] = facing if facing in ("left", "right") else None
    if "treadmill" in label:
        exp["treadmill"] = label["treadmill"]
    else:
        text = f"{label.get('view', '')} {label.get('camera', '')} {text}".lower()
        # A camera tracking or following a runner films them overground.
        moving = any(w in text for w in ("overground", "tracking", "following"))
        exp["treadmill"] = True if "treadmill" in text else False if moving else None
    return exp


def _row(name: str, path: Path, expected: dict) -> dict:
    from formcheck.analysis import analyze_run

    run = track_poses(path)
    view = analyze_run(run).view  # with the camera's measured motion
    got = {
        "view": view.kind,
        "facing": view.facing,
        "treadmill": view.treadmill,
        "activity": view.activity,
    }
    checks = {k: got[k] == v for k, v in expected.items() if v not in (None, "mixed")}
    sel = run.selection
    return {
        "clip": name,
        "expected": expected,
        "got": got,
        "confidence": view.confidence,
        "ok": all(checks.values()),
        "checks": checks,
        "people_tracks": len(sel.tracks) if sel else None,
        "selection": " / ".join(sel.reasons) if sel else "",
        "reasons": list(view.reasons),
    }


def validation_rows(include_synth: bool = True) -> list[dict]:
    """One dict per clip: expected vs classified view, facing, treadmill, activity."""
    rows = []
    if include_synth:
        with tempfile.TemporaryDirectory() as tmp:
            for name, (scene, expected) in SYNTH_CASES.items():
                path = Path(tmp) / (name.replace(" ", "_").replace(",", "") + ".mp4")
                write_clip(path, PRESETS["good_form"], scene)
                rows.append(_row(name, path, expected))
    labels_file = CLIPS / "LABELS.json"
    if labels_file.exists():
        labels = json.loads(labels_file.read_text())
        for clip, label in labels.items():
            if clip.startswith("_"):
                continue
            expected = _expected_from_label(label) | LABEL_FIXES.get(clip, {})
            rows.append(_row(clip, CLIPS / clip, expected))
    return rows


def _fmt(value) -> str:
    return "-" if value is None else str(value).lower()


def render_view_markdown(rows: list[dict]) -> str:
    """The rows as a markdown table (expected -> got per field)."""
    lines = [
        "| clip | view | facing | treadmill | activity | confidence | ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = []
        for key in ("view", "facing", "treadmill", "activity"):
            exp, got = r["expected"].get(key), r["got"][key]
            mark = "" if r["checks"].get(key, True) else " **✗**"
            cells.append(f"{_fmt(exp)} → {_fmt(got)}{mark}")
        lines.append(
            f"| {r['clip']} | "
            + " | ".join(cells)
            + f" | {r['confidence']:.2f} | {'yes' if r['ok'] else 'NO'} |"
        )
    lines.append("")
    lines.append(
        "Expected → classified (the whole analysis: camera motion measured on the "
        "background, slow motion detected). '-' = not labelled / not applicable "
        "(oblique views, runners facing the camera, clips whose activity segments "
        "differ are not scored on that column)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    result = validation_rows(include_synth="--no-synth" not in sys.argv)
    print(render_view_markdown(result))
    if "--json" in sys.argv:
        print(json.dumps(result, indent=1, default=str))
