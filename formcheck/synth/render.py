"""Render a synthetic runner to video, with its ground truth as JSON.

The picture is a simple side-view humanoid (skin-coloured head with eye, nose and ear,
coloured clothes and limbs) that MediaPipe's pose model detects reliably when the
runner is at least ~40 % of the frame height. Ground truth is projected from
:mod:`formcheck.synth.kinematics` with the same camera that draws the picture, so the
JSON's pixel positions are exactly where the joints are drawn.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from formcheck import __version__
from formcheck.atomic import atomic_open
from formcheck.pose.landmarks import LANDMARK_NAMES, Landmark
from formcheck.synth.kinematics import J, Motion, RunnerParams, simulate
from formcheck.video_sink import VideoSink

# Colours (RGB).
SKIN = (224, 172, 135)
SKIN_FAR = (186, 136, 104)
HAIR = (60, 40, 30)
SHIRT = (40, 110, 200)
SHIRT_FAR = (30, 80, 150)
SHORTS = (40, 40, 50)
SHORTS_FAR = (28, 28, 34)
SHOE = (230, 230, 230)
SHOE_FAR = (170, 170, 170)
WALL_TOP = (214, 220, 226)
WALL_BOTTOM = (190, 196, 204)
FLOOR = (150, 140, 128)
BELT = (55, 55, 60)

# Limb widths as fractions of body height.
W_THIGH, W_SHANK, W_UPPER_ARM, W_FOREARM, W_NECK = 0.068, 0.05, 0.042, 0.036, 0.05
W_TRUNK_HIP, W_TRUNK_CHEST = 0.115, 0.13

#: Which synthetic joint stands for each MediaPipe landmark. In a pure side view both
#: eyes, both ears and both hips project to the same point.
_LANDMARK_SOURCE: dict[Landmark, str] = {
    Landmark.NOSE: "nose",
    Landmark.LEFT_EYE_INNER: "eye",
    Landmark.LEFT_EYE: "eye",
    Landmark.LEFT_EYE_OUTER: "eye",
    Landmark.RIGHT_EYE_INNER: "eye",
    Landmark.RIGHT_EYE: "eye",
    Landmark.RIGHT_EYE_OUTER: "eye",
    Landmark.LEFT_EAR: "ear",
    Landmark.RIGHT_EAR: "ear",
    Landmark.MOUTH_LEFT: "mouth",
    Landmark.MOUTH_RIGHT: "mouth",
    Landmark.LEFT_SHOULDER: "shoulder_left",
    Landmark.RIGHT_SHOULDER: "shoulder_right",
    Landmark.LEFT_ELBOW: "elbow_left",
    Landmark.RIGHT_ELBOW: "elbow_right",
    Landmark.LEFT_WRIST: "wrist_left",
    Landmark.RIGHT_WRIST: "wrist_right",
    Landmark.LEFT_PINKY: "wrist_left",
    Landmark.RIGHT_PINKY: "wrist_right",
    Landmark.LEFT_INDEX: "wrist_left",
    Landmark.RIGHT_INDEX: "wrist_right",
    Landmark.LEFT_THUMB: "wrist_left",
    Landmark.RIGHT_THUMB: "wrist_right",
    Landmark.LEFT_HIP: "hip",
    Landmark.RIGHT_HIP: "hip",
    Landmark.LEFT_KNEE: "knee_left",
    Landmark.RIGHT_KNEE: "knee_right",
    Landmark.LEFT_ANKLE: "ankle_left",
    Landmark.RIGHT_ANKLE: "ankle_right",
    Landmark.LEFT_HEEL: "heel_left",
    Landmark.RIGHT_HEEL: "heel_right",
    Landmark.LEFT_FOOT_INDEX: "toe_left",
    Landmark.RIGHT_FOOT_INDEX: "toe_right",
}

#: Landmarks whose synthetic position is exact (the rest are stand-ins, e.g. fingers
#: at the wrist); validation only scores these.
EXACT_LANDMARKS: tuple[Landmark, ...] = (
    Landmark.NOSE,
    Landmark.LEFT_EAR,
    Landmark.RIGHT_EAR,
    Landmark.LEFT_SHOULDER,
    Landmark.RIGHT_SHOULDER,
    Landmark.LEFT_ELBOW,
    Landmark.RIGHT_ELBOW,
    Landmark.LEFT_WRIST,
    Landmark.RIGHT_WRIST,
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE,
    Landmark.RIGHT_ANKLE,
    Landmark.LEFT_HEEL,
    Landmark.RIGHT_HEEL,
    Landmark.LEFT_FOOT_INDEX,
    Landmark.RIGHT_FOOT_INDEX,
)


@dataclass(frozen=True)
class SceneParams:
    """The camera and picture: everything about the clip that is not the motion."""

    width: int = 640
    height: int = 480
    fps: float = 30.0
    duration_s: float = 4.0
    facing: str = "right"  # direction the runner faces on screen: "right" | "left"
    treadmill: bool = True  # False: the runner moves over the ground
    pan: bool = True  # overground only: the camera follows the runner
    runner_height_frac: float = 0.72  # standing height / frame height (camera distance)
    noise_sigma: float = 0.0  # Gaussian pixel noise (0..255 scale)
    shake_px: float = 0.0  # random camera shake, pixels
    seed: int = 0

    def __post_init__(self) -> None:
        if self.facing not in ("left", "right"):
            raise ValueError("facing must be 'left' or 'right'")
        if self.width % 2 or self.height % 2:
            raise ValueError("width and height must be even (H.264)")
        if not 1 <= self.fps <= 480:
            raise ValueError("fps must be within 1..480")
        if self.duration_s <= 0:
            raise ValueError("duration_s must be positive")
        if not 0.05 <= self.runner_height_frac <= 1.2:
            raise ValueError("runner_height_frac must be within 0.05..1.2")

    @property
    def n_frames(self) -> int:
        return max(1, round(self.duration_s * self.fps))


class _Camera:
    """Orthographic side-view camera: metres (x forward, y up) -> pixels."""

    def __init__(self, runner: RunnerParams, scene: SceneParams) -> None:
        self.scale = scene.runner_height_frac * scene.height / runner.body_height_m
        self.ground_y = scene.height * 0.92
        self.mirror = -1.0 if scene.facing == "left" else 1.0
        self.scene, self.runner = scene, runner
        span_m = scene.width / self.scale
        if scene.treadmill or scene.pan:
            self.start_x = 0.0
        else:  # enter from the edge behind the runner and cross the frame
            self.start_x = -0.5 * span_m + 0.15 * span_m

    def hip_screen_x(self, t: float) -> float:
        """Screen x of the hip at time ``t``."""
        s = self.scene
        travelled = 0.0 if (s.treadmill or s.pan) else self.runner.speed_mps * t
        return s.width / 2 + self.mirror * (self.start_x + travelled) * self.scale

    def world_offset_px(self, t: float) -> float:
        """How far the ground texture has moved under a static or panning camera."""
        s = self.scene
        if s.treadmill or s.pan:
            return -self.runner.speed_mps * t * self.scale * self.mirror
        return 0.0

    def project(self, pts: np.ndarray, t: float) -> np.ndarray:
        """``(..., 2)`` metres (hip-relative x, height y) -> pixels."""
        x = self.hip_screen_x(t) + self.mirror * pts[..., 0] * self.scale
        y = self.ground_y - pts[..., 1] * self.scale
        return np.stack([x, y], -1)


def _background(scene: SceneParams, cam: _Camera, t: float) -> np.ndarray:
    h, w = scene.height, scene.width
    gy = int(round(cam.ground_y))
    img = np.empty((h, w, 3), np.uint8)
    ramp = np.linspace(0, 1, gy)[:, None]
    img[:gy] = (np.array(WALL_TOP) * (1 - ramp) + np.array(WALL_BOTTOM) * ramp)[
        :, None, :
    ]
    img[gy:] = FLOOR
    offset = cam.world_offset_px(t)
    if scene.treadmill:
        # Treadmill: a belt whose stripes move back at the running speed.
        belt_top = gy - max(2, int(0.012 * h))
        x0, x1 = int(0.12 * w), int(0.88 * w)
        cv2.rectangle(img, (x0, belt_top), (x1, gy + int(0.03 * h)), BELT, -1)
        spacing = 0.5 * cam.scale
        for k in range(-2, int(w / spacing) + 3):
            x = int(round((k * spacing + offset) % (w + spacing)))
            if x0 < x < x1:
                cv2.line(
                    img, (x, belt_top + 1), (x, gy + int(0.03 * h) - 1), (80, 80, 86), 1
                )
        # The console post stands in front of the runner.
        post_x = x1 if cam.mirror > 0 else x0 - int(0.02 * w)
        cv2.rectangle(
            img, (post_x, int(0.55 * h)), (post_x + int(0.02 * w), gy), (90, 90, 96), -1
        )
    else:
        # Overground: posts and ground marks every metre, moving past a panning camera.
        spacing = 1.0 * cam.scale
        for k in range(-2, int(w / spacing) + 3):
            x = int(round((k * spacing + offset) % (w + spacing) - spacing / 2))
            cv2.line(img, (x, gy), (x, gy + int(0.05 * h)), (120, 110, 100), 2)
            if k % 3 == 0:
                cv2.line(
                    img, (x, int(0.35 * h)), (x, gy), (170, 170, 176), max(2, w // 160)
                )
    cv2.line(img, (0, gy), (w, gy), (110, 104, 96), 2)
    return img


def _limb(img: np.ndarray, a: np.ndarray, b: np.ndarray, width: float, colour) -> None:
    cv2.line(img, _pt(a), _pt(b), colour, max(1, int(round(width))), cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _draw_leg(img, px, side: str, size: float, near: bool) -> None:
    hip, knee, ankle = px[J["hip"]], px[J[f"knee_{side}"]], px[J[f"ankle_{side}"]]
    heel, toe = px[J[f"heel_{side}"]], px[J[f"toe_{side}"]]
    skin = SKIN if near else SKIN_FAR
    _limb(img, hip, knee, W_THIGH * size, skin)
    # Shorts cover the upper half of the thigh.
    _limb(
        img,
        hip,
        hip + 0.55 * (knee - hip),
        W_THIGH * size * 1.12,
        SHORTS if near else SHORTS_FAR,
    )
    _limb(img, knee, ankle, W_SHANK * size, skin)
    # Shoe: a quadrilateral under the ankle from heel to toe.
    sole = toe - heel
    up = np.array([sole[1], -sole[0]]) / max(np.linalg.norm(sole), 1e-6)
    if up[1] > 0:
        up = -up
    depth = 0.035 * size
    shoe = np.array(
        [heel, toe, toe + 0.5 * depth * up, ankle + 0.3 * depth * up, heel + depth * up]
    )
    cv2.fillPoly(
        img, [np.round(shoe).astype(np.int32)], SHOE if near else SHOE_FAR, cv2.LINE_AA
    )


def _draw_arm(img, px, side: str, size: float, near: bool) -> None:
    sh, el, wr = (
        px[J[f"shoulder_{side}"]],
        px[J[f"elbow_{side}"]],
        px[J[f"wrist_{side}"]],
    )
    skin = SKIN if near else SKIN_FAR
    _limb(img, sh, el, W_UPPER_ARM * size, skin)
    _limb(
        img,
        sh,
        sh + 0.45 * (el - sh),
        W_UPPER_ARM * size * 1.25,
        SHIRT if near else SHIRT_FAR,
    )
    _limb(img, el, wr, W_FOREARM * size, skin)
    hand = wr + 0.35 * (wr - el)
    cv2.circle(img, _pt(hand), max(2, int(0.026 * size)), skin, -1, cv2.LINE_AA)


def _draw_body(img, px, size: float, mirror: float) -> None:
    hip, shoulder = px[J["hip"]], px[J["shoulder_left"]]
    neck_top, head = px[J["neck_top"]], px[J["head_center"]]
    axis = shoulder - hip
    n = np.array([-axis[1], axis[0]]) / max(np.linalg.norm(axis), 1e-6)
    chest_top = hip + 1.06 * axis
    torso = np.array(
        [
            hip + n * W_TRUNK_HIP * size / 2,
            chest_top + n * W_TRUNK_CHEST * size / 2,
            chest_top - n * W_TRUNK_CHEST * size / 2,
            hip - n * W_TRUNK_HIP * size / 2,
        ]
    )
    _limb(img, shoulder + 0.05 * axis, neck_top, W_NECK * size, SKIN)
    cv2.fillPoly(img, [np.round(torso).astype(np.int32)], SHIRT, cv2.LINE_AA)
    cv2.circle(img, _pt(hip), int(W_TRUNK_HIP * size * 0.58), SHORTS, -1, cv2.LINE_AA)
    r = 0.058 * size
    # Head: skin disc, hair on the back and top, ear, eye, nose, mouth.
    cv2.circle(img, _pt(head), int(round(r)), SKIN, -1, cv2.LINE_AA)
    fwd = px[J["nose"]] - head
    fwd = fwd / max(np.linalg.norm(fwd), 1e-6)
    back_angle = math.degrees(math.atan2(-fwd[1], -fwd[0]))
    cv2.ellipse(
        img,
        _pt(head),
        (int(r * 1.02), int(r * 1.02)),
        0,
        back_angle - 110,
        back_angle + 80,
        HAIR,
        -1,
        cv2.LINE_AA,
    )
    cv2.circle(img, _pt(px[J["ear"]]), max(2, int(r * 0.22)), SKIN_FAR, -1, cv2.LINE_AA)
    eye = px[J["eye"]]
    cv2.circle(img, _pt(eye), max(2, int(r * 0.16)), (250, 250, 250), -1, cv2.LINE_AA)
    cv2.circle(
        img,
        _pt(eye + fwd * r * 0.05),
        max(1, int(r * 0.09)),
        (30, 30, 30),
        -1,
        cv2.LINE_AA,
    )
    nose = px[J["nose"]]
    side = np.array([-fwd[1], fwd[0]])
    base = head + fwd * r * 0.85
    tri = np.array([base + side * r * 0.18, nose, base - side * r * 0.22])
    cv2.fillPoly(img, [np.round(tri).astype(np.int32)], SKIN, cv2.LINE_AA)
    mouth = px[J["mouth"]]
    _limb(
        img,
        mouth - fwd * r * 0.2,
        mouth + fwd * r * 0.05,
        max(1, r * 0.06),
        (150, 70, 70),
    )


def render_frame(
    motion: Motion, i: int, cam: _Camera, rng: np.random.Generator
) -> np.ndarray:
    """Draw frame ``i`` of ``motion``."""
    scene = cam.scene
    t = float(motion.time_s[i])
    img = _background(scene, cam, t)
    px = cam.project(motion.points[i], t)
    size = cam.scale * cam.runner.body_height_m
    # The side facing the camera: a runner facing screen-right shows the camera their
    # right side (the camera looks at the runner's right flank).
    near, far = ("right", "left") if scene.facing == "right" else ("left", "right")
    _draw_arm(img, px, far, size, near=False)
    _draw_leg(img, px, far, size, near=False)
    _draw_body(img, px, size, cam.mirror)
    _draw_leg(img, px, near, size, near=True)
    _draw_arm(img, px, near, size, near=True)
    if scene.shake_px > 0:
        dx, dy = rng.normal(0, scene.shake_px, 2)
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        img = cv2.warpAffine(
            img, m, (scene.width, scene.height), borderMode=cv2.BORDER_REPLICATE
        )
    if scene.noise_sigma > 0:
        noise = rng.normal(0, scene.noise_sigma, img.shape)
        img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return img


def landmarks_px(motion: Motion, cam: _Camera) -> np.ndarray:
    """``(n, 33, 2)`` pixel positions of every MediaPipe landmark (see ``EXACT_LANDMARKS``)."""
    out = np.empty((len(motion.time_s), len(LANDMARK_NAMES), 2))
    for i, t in enumerate(motion.time_s):
        px = cam.project(motion.points[i], float(t))
        for lm, src in _LANDMARK_SOURCE.items():
            out[i, lm] = px[J[src]]
    return out


@dataclass(frozen=True)
class SynthClip:
    """A rendered clip and its ground truth."""

    video_path: Path
    truth_path: Path
    truth: dict


def frame_times(scene: SceneParams) -> np.ndarray:
    return np.arange(scene.n_frames) / scene.fps


def iter_frames(runner: RunnerParams, scene: SceneParams) -> Iterator[np.ndarray]:
    """Yield the clip's RGB frames in order (for tests that skip the video file)."""
    motion = simulate(runner, frame_times(scene))
    cam = _Camera(runner, scene)
    rng = np.random.default_rng(scene.seed)
    for i in range(len(motion.time_s)):
        yield render_frame(motion, i, cam, rng)


def ground_truth(runner: RunnerParams, scene: SceneParams) -> dict:
    """The ground-truth record of a clip (what ``write_clip`` saves as JSON)."""
    times = frame_times(scene)
    motion = simulate(runner, times)
    cam = _Camera(runner, scene)
    lms = landmarks_px(motion, cam)
    events = [
        {
            "type": kind,
            "foot": foot,
            "time_s": round(t, 6),
            "frame": int(round(t * scene.fps)),
        }
        for t, kind, foot in motion.events
    ]
    ic_idx = [e["frame"] for e in events if e["type"] == "initial_contact"]
    ic_feet = [e["foot"] for e in events if e["type"] == "initial_contact"]

    def at_ic(name: str) -> list[float]:
        return [
            float(motion.truth[name.format(side=f)][i])
            for i, f in zip(ic_idx, ic_feet, strict=True)
        ]

    ic_times = [e["time_s"] for e in events if e["type"] == "initial_contact"]
    exact_ic = simulate(runner, np.array(ic_times)) if ic_times else None
    exact = {}
    if exact_ic is not None:
        exact = {
            "overstride_ll": [
                float(exact_ic.truth[f"ankle_ahead_of_hip_{f}_ll"][k])
                for k, f in enumerate(ic_feet)
            ],
            "foot_angle_deg": [
                float(exact_ic.truth[f"foot_angle_{f}_deg"][k])
                for k, f in enumerate(ic_feet)
            ],
        }
    foot_ic = runner.foot_angle_ic_deg
    pattern = "rearfoot" if foot_ic >= 8 else "forefoot" if foot_ic <= -5 else "midfoot"
    return {
        "formcheck_version": __version__,
        "kind": "formcheck-synthetic-runner",
        "runner": runner.to_dict(),
        "scene": asdict(scene),
        "video": {
            "width": scene.width,
            "height": scene.height,
            "fps": scene.fps,
            "n_frames": scene.n_frames,
            "duration_s": scene.n_frames / scene.fps,
        },
        "px_per_m": cam.scale,
        "leg_length_px": runner.leg_length_m * cam.scale,
        "landmark_names": list(LANDMARK_NAMES),
        "exact_landmarks": [lm.name.lower() for lm in EXACT_LANDMARKS],
        "frames": {
            "time_s": times.round(6).tolist(),
            "landmarks": lms.round(2).tolist(),
            **{k: v.round(3).tolist() for k, v in motion.truth.items()},
        },
        "events": events,
        "at_initial_contact": {
            "frame": ic_idx,
            "foot": ic_feet,
            **exact,
            "hip_angle_deg": at_ic("hip_angle_{side}_deg") if ic_idx else [],
        },
        "summary": {
            "cadence_spm": runner.cadence_spm,
            "step_time_s": runner.step_time_s,
            "contact_time_s": runner.contact_time_s,
            "flight_time_s": runner.step_time_s - runner.contact_time_s,
            "duty_factor": runner.duty_factor,
            "trunk_lean_deg": float(np.mean(motion.truth["trunk_lean_deg"])),
            "lean_from_ankles_deg": runner.lean_deg,
            "hip_bend_deg": runner.hip_bend_deg,
            "head_pitch_deg": runner.head_pitch_deg,
            "shoulder_elevation_ll": runner.shoulder_elevation_ll,
            "overstride_ll": float(np.mean(exact["overstride_ll"])) if exact else None,
            "foot_angle_ic_deg": runner.foot_angle_ic_deg,
            "strike_pattern": pattern,
            "facing": scene.facing,
            "treadmill": scene.treadmill,
            "view": "side",
        },
    }


def write_clip(
    video_path: str | os.PathLike[str],
    runner: RunnerParams | None = None,
    scene: SceneParams | None = None,
    *,
    truth_path: str | os.PathLike[str] | None = None,
) -> SynthClip:
    """Render a clip to ``video_path`` (H.264 MP4) and its ground truth beside it.

    Args:
        video_path: where the MP4 goes.
        runner: the motion; defaults to a runner with good form.
        scene: camera and picture; defaults to a 640x480 30 fps treadmill clip.
        truth_path: where the JSON goes; defaults to ``<video stem>.truth.json``.

    Returns:
        The paths and the ground-truth record.
    """
    runner = runner or RunnerParams()
    scene = scene or SceneParams()
    video_path = Path(video_path)
    truth_path = (
        Path(truth_path) if truth_path else video_path.with_suffix(".truth.json")
    )
    truth = ground_truth(runner, scene)
    with VideoSink(
        video_path, width=scene.width, height=scene.height, fps=scene.fps
    ) as sink:
        for img in iter_frames(runner, scene):
            sink.write(img)
    with atomic_open(truth_path, "w", encoding="utf-8") as fh:
        json.dump(truth, fh, separators=(",", ":"))
    return SynthClip(video_path, truth_path, truth)
