"""Render a synthetic runner to video, with its ground truth as JSON.

The picture is a simple side-view humanoid (skin-coloured head with eye, nose and ear,
coloured clothes and limbs) that MediaPipe's pose model detects reliably when the
runner is at least ~40 % of the frame height. Ground truth is projected from
:mod:`formcheck.synth.kinematics` with the same camera that draws the picture, so the
JSON's pixel positions are exactly where the joints are drawn.

This module ties the parts together: :class:`SceneParams` describes the clip, the
camera (:mod:`formcheck.synth.camera`) says where every world point lands in every
frame, the background (:mod:`formcheck.synth.scenery`) and the runner (here) are
drawn through it, and :func:`ground_truth` reports the joints, the camera and the
events. A clip's motion and camera are computed once (``_Clip``) and shared by the
frames and the truth, so the two cannot disagree.

Times are real (the runner's) seconds. A slow-motion clip (``SceneParams.slowmo``)
is captured at ``fps * slowmo`` frames per real second and written as an ``fps``
file, as a phone's slow motion is; the truth gives both clocks.
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
from formcheck.synth.camera import (
    CAMERA_MODEL,
    CameraTrack,
    FrameView,
    camera_track,
    frame_times,
    runner_x_m,
)
from formcheck.synth.kinematics import J, Motion, RunnerParams, simulate

# KERB and _scenery_cell are re-exported: tests import them from here, where they
# were defined before the scenery had its own module.
from formcheck.synth.scenery import KERB as KERB
from formcheck.synth.scenery import _scenery_cell as _scenery_cell
from formcheck.synth.scenery import draw_background
from formcheck.video_sink import VideoSink

# Runner colours (RGB).
SKIN = (224, 172, 135)
SKIN_FAR = (186, 136, 104)
HAIR = (60, 40, 30)
SHIRT = (40, 110, 200)
SHIRT_FAR = (30, 80, 150)
SHORTS = (40, 40, 50)
SHORTS_FAR = (28, 28, 34)
SHOE = (230, 230, 230)
SHOE_FAR = (170, 170, 170)

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
_LANDMARK_JOINT = np.array([J[_LANDMARK_SOURCE[lm]] for lm in Landmark])

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

BACKGROUNDS = ("plain", "textured")
CAMERAS = ("auto", "static", "locked", "follow")


@dataclass(frozen=True)
class SceneParams:
    """The camera and picture: everything about the clip that is not the motion.

    Every time is real (the runner's) time; only ``fps`` is the file's.

    Attributes:
        width, height: frame size, px (even, for H.264).
        fps: the file's frame rate.
        duration_s: real time the clip covers, s.
        facing: the direction the runner faces on screen: "right" | "left".
        treadmill: True: in place on a moving belt; False: over the ground.
        pan: overground with ``camera="auto"``: lock the camera on the runner
            (True) or keep it still (False).
        runner_height_frac: standing height / frame height in the first frame
            (the camera's distance).
        noise_sigma: Gaussian pixel noise (0..255 scale).
        shake_px: handheld shake: the picture moves smoothly at 1-8 Hz, this many
            pixels RMS along each axis.
        seed: seeds the shake, roll, tilt, follow operator, scenery and noise.
        background: "plain" (a wall and floor, few features) | "textured" (a
            street: buildings, trees, walls, stones; corners at several scales).
        camera: "auto" (a treadmill: "static"; overground: "locked" if ``pan``
            else "static") | "static" | "locked" (the hip stays at the centre) |
            "follow" (overground only: an operator pans after the runner with lag
            and overshoot; the runner starts behind the centre, the camera still).
        follow_hz: natural frequency of the "follow" operator's pan, Hz.
        zoom_per_s: the picture grows by this share per second, compounded about
            the frame centre (0.05: 5 %/s in; negative zooms out).
        roll_deg: slow smooth roll, peak degrees (counter-clockwise as seen +).
        tilt_px: slow smooth vertical drift of the aim, peak px.
        slowmo: capture at ``fps * slowmo`` frames per real second, write the
            frames at ``fps``: the file plays ``slowmo`` times slower.
    """

    width: int = 640
    height: int = 480
    fps: float = 30.0
    duration_s: float = 4.0
    facing: str = "right"
    treadmill: bool = True
    pan: bool = True
    runner_height_frac: float = 0.72
    noise_sigma: float = 0.0
    shake_px: float = 0.0
    seed: int = 0
    background: str = "plain"
    camera: str = "auto"
    follow_hz: float = 1.5
    zoom_per_s: float = 0.0
    roll_deg: float = 0.0
    tilt_px: float = 0.0
    slowmo: float = 1.0

    def __post_init__(self) -> None:
        for check in (_check_picture, _check_timing, _check_camera):
            check(self)

    @property
    def capture_fps(self) -> float:
        """Frames per real second (``fps * slowmo``)."""
        return self.fps * self.slowmo

    @property
    def n_frames(self) -> int:
        return max(1, round(self.duration_s * self.capture_fps))

    @property
    def camera_mode(self) -> str:
        """``camera`` with "auto" resolved: "static" | "locked" | "follow"."""
        if self.camera != "auto":
            return self.camera
        return "locked" if self.pan and not self.treadmill else "static"


def _check_picture(s: SceneParams) -> None:
    if s.facing not in ("left", "right"):
        raise ValueError("facing must be 'left' or 'right'")
    if s.width < 16 or s.height < 16 or s.width % 2 or s.height % 2:
        raise ValueError("width and height must be even (H.264) and at least 16")
    if not 0.05 <= s.runner_height_frac <= 1.2:
        raise ValueError("runner_height_frac must be within 0.05..1.2")
    if s.noise_sigma < 0:
        raise ValueError("noise_sigma must not be negative")
    if s.background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {', '.join(BACKGROUNDS)}")


def _check_timing(s: SceneParams) -> None:
    if not 1 <= s.fps <= 480:
        raise ValueError("fps must be within 1..480")
    if s.duration_s <= 0:
        raise ValueError("duration_s must be positive")
    if not 1 <= s.slowmo <= 32:
        raise ValueError("slowmo must be within 1..32 (1: real time)")
    if s.capture_fps > 1000:
        raise ValueError("fps * slowmo (the capture rate) must be at most 1000")


def _check_camera(s: SceneParams) -> None:
    if s.camera not in CAMERAS:
        raise ValueError(f"camera must be one of {', '.join(CAMERAS)}")
    if s.treadmill and s.camera in ("locked", "follow"):
        raise ValueError(
            f"camera '{s.camera}' follows a runner over the ground: set treadmill=False"
        )
    if not 0.2 <= s.follow_hz <= 5:
        raise ValueError("follow_hz must be within 0.2..5")
    if s.zoom_per_s <= -1:
        raise ValueError("zoom_per_s must be above -1 (the picture would vanish)")
    if not 0.25 <= (1 + s.zoom_per_s) ** s.duration_s <= 4:
        raise ValueError(
            "zoom_per_s would change the picture's size more than 4x within the clip"
        )
    if not 0 <= s.shake_px <= 0.1 * min(s.width, s.height):
        raise ValueError("shake_px must be within 0..10 % of the smaller frame side")
    if not 0 <= s.roll_deg <= 45:
        raise ValueError("roll_deg (an amplitude) must be within 0..45")
    if not 0 <= s.tilt_px <= 0.25 * s.height:
        raise ValueError("tilt_px (an amplitude) must be within 0..25 % of the height")


# --- The runner --------------------------------------------------------------------


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


def _draw_body(img, px, size: float) -> None:
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


def _draw_runner(img: np.ndarray, px: np.ndarray, size: float, facing: str) -> None:
    """The runner from their joints in pixels; ``size`` is the body height in px."""
    # The side facing the camera: a runner facing screen-right shows the camera their
    # right side (the camera looks at the runner's right flank).
    near, far = ("right", "left") if facing == "right" else ("left", "right")
    _draw_arm(img, px, far, size, near=False)
    _draw_leg(img, px, far, size, near=False)
    _draw_body(img, px, size)
    _draw_leg(img, px, near, size, near=True)
    _draw_arm(img, px, near, size, near=True)


# --- A clip: motion, camera and picture -------------------------------------------


@dataclass(frozen=True)
class _Clip:
    """Everything a clip's frames and truth are computed from, computed once."""

    runner: RunnerParams
    scene: SceneParams
    motion: Motion
    camera: CameraTrack
    matrices: np.ndarray  # (n, 3, 3) world -> pixels, per frame
    world: np.ndarray  # (n, len(JOINTS), 2) joints in world metres

    @classmethod
    def of(cls, runner: RunnerParams, scene: SceneParams) -> _Clip:
        motion = simulate(runner, frame_times(scene))
        camera = camera_track(runner, scene)
        world = motion.points.copy()
        world[..., 0] += runner_x_m(runner, scene)[:, None]
        return cls(runner, scene, motion, camera, camera.matrices(), world)

    def view(self, i: int) -> FrameView:
        """Frame ``i``'s camera."""
        return FrameView(
            self.matrices[i], float(self.camera.scale[i]), self.camera.centre_px
        )

    @property
    def s0(self) -> float:
        """Pixels per metre in the first frame."""
        return float(self.camera.scale[0])

    def render(self, i: int, rng: np.random.Generator) -> np.ndarray:
        """Draw frame ``i``."""
        scene, s0 = self.scene, self.s0
        view = self.view(i)
        img = np.empty((scene.height, scene.width, 3), np.uint8)
        belt_m = self.runner.speed_mps * float(self.motion.time_s[i])
        draw_background(img, view, scene, s0, belt_m)
        size = view.scale * self.runner.body_height_m
        _draw_runner(img, view.project(self.world[i]), size, scene.facing)
        if scene.noise_sigma > 0:
            noise = rng.standard_normal(img.shape, dtype=np.float32)
            img = np.clip(img + noise * scene.noise_sigma, 0, 255).astype(np.uint8)
        return img


@dataclass(frozen=True)
class SynthClip:
    """A rendered clip and its ground truth."""

    video_path: Path
    truth_path: Path
    truth: dict


def iter_frames(runner: RunnerParams, scene: SceneParams) -> Iterator[np.ndarray]:
    """Yield the clip's RGB frames in order (for tests that skip the video file)."""
    clip = _Clip.of(runner, scene)
    rng = np.random.default_rng(scene.seed)
    for i in range(scene.n_frames):
        yield clip.render(i, rng)


# --- Ground truth -----------------------------------------------------------------


def _json_floats(values: np.ndarray, digits: int) -> list[float | None]:
    """Rounded floats, NaN as null (JSON has no NaN)."""
    return [None if not math.isfinite(v) else round(float(v), digits) for v in values]


def _camera_truth(clip: _Clip) -> dict:
    cam = clip.camera
    return {
        "camera": {
            "x_m": cam.x_m.round(7).tolist(),
            "y_m": cam.y_m.round(7).tolist(),
            "scale_px_per_m": cam.scale.round(6).tolist(),
            "roll_deg": cam.roll_deg.round(6).tolist(),
        },
        "camera_motion": {key: _json_floats(v, 6) for key, v in cam.motion().items()},
    }


def _landmark_truth(clip: _Clip) -> dict:
    world = clip.world[:, _LANDMARK_JOINT]
    return {
        "landmarks": clip.camera.project(world).round(2).tolist(),
        # The scene frame is the first frame's camera (what a perfect stabiliser
        # maps every frame to).
        "landmarks_scene": clip.view(0).project(world).round(3).tolist(),
        "runner_x_m": clip.world[:, J["hip"], 0].round(6).tolist(),
    }


def _event_truth(motion: Motion, scene: SceneParams) -> list[dict]:
    return [
        {
            "type": kind,
            "foot": foot,
            "time_s": round(t, 6),
            "video_time_s": round(t * scene.slowmo, 6),
            "frame": int(round(t * scene.capture_fps)),
        }
        for t, kind, foot in motion.events
    ]


def _at_initial_contact(runner: RunnerParams, motion: Motion, events: list[dict]):
    """What the metrics should read at each initial contact (exact, not sampled)."""
    ics = [e for e in events if e["type"] == "initial_contact"]
    frames, feet = [e["frame"] for e in ics], [e["foot"] for e in ics]
    out: dict = {
        "frame": frames,
        "foot": feet,
        "hip_angle_deg": [
            float(motion.truth[f"hip_angle_{f}_deg"][i])
            for i, f in zip(frames, feet, strict=True)
        ],
    }
    if ics:
        exact = simulate(runner, np.array([e["time_s"] for e in ics]))
        out["overstride_ll"] = [
            float(exact.truth[f"ankle_ahead_of_hip_{f}_ll"][k])
            for k, f in enumerate(feet)
        ]
        out["foot_angle_deg"] = [
            float(exact.truth[f"foot_angle_{f}_deg"][k]) for k, f in enumerate(feet)
        ]
    return out


def _summary(clip: _Clip, at_ic: dict) -> dict:
    runner, scene = clip.runner, clip.scene
    foot_ic = runner.foot_angle_ic_deg
    pattern = "rearfoot" if foot_ic >= 8 else "forefoot" if foot_ic <= -5 else "midfoot"
    overstride = at_ic.get("overstride_ll")
    return {
        "cadence_spm": runner.cadence_spm,
        "step_time_s": runner.step_time_s,
        "contact_time_s": runner.contact_time_s,
        "flight_time_s": runner.step_time_s - runner.contact_time_s,
        "duty_factor": runner.duty_factor,
        "trunk_lean_deg": float(np.mean(clip.motion.truth["trunk_lean_deg"])),
        "lean_from_ankles_deg": runner.lean_deg,
        "hip_bend_deg": runner.hip_bend_deg,
        "head_pitch_deg": runner.head_pitch_deg,
        "shoulder_elevation_ll": runner.shoulder_elevation_ll,
        "overstride_ll": float(np.mean(overstride)) if overstride else None,
        "foot_angle_ic_deg": runner.foot_angle_ic_deg,
        "strike_pattern": pattern,
        "facing": scene.facing,
        "treadmill": scene.treadmill,
        "camera": scene.camera_mode,
        "slowmo": scene.slowmo,
        "view": "side",
    }


def ground_truth(runner: RunnerParams, scene: SceneParams) -> dict:
    """The ground-truth record of a clip (what ``write_clip`` saves as JSON).

    ``time_s`` is real time everywhere; ``video_time_s`` and ``frame`` are the
    file's clock and frame index (they differ only in slow motion). ``landmarks``
    are pixels as drawn; ``landmarks_scene`` the same points in the first frame's
    camera (what a perfect stabiliser would give); ``camera`` holds each frame's
    camera (formula in ``camera.model``) and ``camera_motion`` the background's
    motion between frames in :class:`formcheck.camera.CameraMotion`'s convention.
    """
    clip = _Clip.of(runner, scene)
    motion = clip.motion
    events = _event_truth(motion, scene)
    at_ic = _at_initial_contact(runner, motion, events)
    n = scene.n_frames
    return {
        "formcheck_version": __version__,
        "kind": "formcheck-synthetic-runner",
        "runner": runner.to_dict(),
        "scene": asdict(scene),
        "video": {
            "width": scene.width,
            "height": scene.height,
            "fps": scene.fps,
            "n_frames": n,
            "duration_s": n / scene.fps,
            "slowmo": scene.slowmo,
            "capture_fps": scene.capture_fps,
            "real_duration_s": n / scene.capture_fps,
        },
        "px_per_m": clip.s0,
        "leg_length_m": runner.leg_length_m,
        "leg_length_px": runner.leg_length_m * clip.s0,
        "landmark_names": list(LANDMARK_NAMES),
        "exact_landmarks": [lm.name.lower() for lm in EXACT_LANDMARKS],
        "camera": {
            "mode": scene.camera_mode,
            "background": scene.background,
            "model": CAMERA_MODEL,
            "centre_px": list(clip.camera.centre_px),
            "mirror": clip.camera.mirror,
            "scene_frame": 0,
        },
        "frames": {
            "time_s": motion.time_s.round(6).tolist(),
            "video_time_s": (np.arange(n) / scene.fps).round(6).tolist(),
            **_landmark_truth(clip),
            **_camera_truth(clip),
            **{k: v.round(3).tolist() for k, v in motion.truth.items()},
        },
        "events": events,
        "at_initial_contact": at_ic,
        "summary": _summary(clip, at_ic),
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
