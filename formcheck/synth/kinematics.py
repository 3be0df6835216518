"""Kinematics of a synthetic side-view runner, with every quantity known exactly.

The model is a planar stick figure in metres. Body frame: ``x`` points in the running
direction, ``y`` up, origin on the ground below the hip joint. Treadmill and overground
running share the same hip-relative motion; overground only adds ``speed * t`` to
every x when rendering.

How the gait is built (one stride, then both feet half a stride apart):

* **Stance** lasts ``duty_factor * stride_time``. The foot touches down with its ankle
  ``overstride_ll * leg_length`` ahead of the hip, at foot angle ``foot_angle_ic_deg``
  (toes up positive: heel strike). The ground under the foot moves back at ``speed``
  (the treadmill belt, or the runner moving over the ground). The foot pivots on the
  heel until it is flat (first 25 % of stance), stays flat, then rises onto the ball
  (from 55 % of stance) to ``foot_angle_to_deg`` at toe-off.
* **Swing** is a clamped cubic spline through heel-recovery, knee-drive and
  foot-reach key points, matching the stance velocity at both ends.
* **Hips** bob with ``vertical_oscillation_m`` peak-to-peak, lowest at mid-stance; the
  mean hip height is the highest that keeps every stance leg within reach.
* **Knees** come from two-link inverse kinematics (knee in front of the hip-ankle line).
* **Trunk**: the hip-to-shoulder line leans ``lean_deg + hip_bend_deg`` forward of
  vertical. ``lean_deg`` is a lean of the whole body from the ankles: the feet are moved
  back so the mid-stance ankle sits ``hip_height * tan(lean)`` behind the hip and the
  stance leg lines up with the trunk. ``hip_bend_deg`` flexes the trunk at the hips only.
* **Head**: ``head_pitch_deg`` tilts the head down (0 = eyes level, looking ahead).
* **Shoulders**: ``shoulder_elevation_ll`` lifts the shoulder joints toward the ears
  (hunching) while the neck and head stay; arms swing opposite to the legs.

Ground truth is whatever this module computes; the renderer only projects it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

# Segment lengths as fractions of body height (Winter's anthropometric table, rounded).
THIGH = 0.245
SHANK = 0.246
TRUNK = 0.288  # hip joint to shoulder joint
NECK = 0.052  # shoulder joint to base of the skull
HEAD_RADIUS = 0.058
UPPER_ARM = 0.186
FOREARM = 0.146  # elbow to wrist
# Foot geometry relative to the ankle, in the foot's own frame (x along the sole).
HEEL_BACK = 0.035
BALL_FWD = TOE_FWD = 0.115  # rigid foot: it rolls over the toe tip at push-off
ANKLE_HEIGHT = 0.039  # ankle joint above the sole


@dataclass(frozen=True)
class RunnerParams:
    """Everything that defines a synthetic runner's motion (not the picture).

    Distances ending in ``_ll`` are in leg lengths (hip joint to ankle joint, standing).
    Angles are in degrees; "forward" means the running direction.
    """

    cadence_spm: float = 170.0
    speed_mps: float = 3.0
    duty_factor: float = 0.36  # stance time / stride time, per foot
    body_height_m: float = 1.75
    lean_deg: float = 5.0  # whole-body lean from the ankles
    hip_bend_deg: float = 0.0  # extra trunk flexion at the hips
    head_pitch_deg: float = 0.0  # head tilted down from eyes-level
    shoulder_elevation_ll: float = 0.0  # shoulders lifted toward the ears
    overstride_ll: float = 0.22  # ankle ahead of hip at initial contact
    foot_angle_ic_deg: float = 4.0  # toes up (+) at initial contact
    foot_angle_to_deg: float = -40.0  # toes down (-) at toe-off
    vertical_oscillation_m: float = 0.075  # hip bob, peak to peak
    elbow_angle_deg: float = 90.0  # interior angle at the elbow
    arm_swing_deg: float = 30.0  # upper-arm swing amplitude either side
    first_contact_s: float = 0.1  # time of the left foot's first initial contact
    seed: int = 0  # small natural variability between strides

    def __post_init__(self) -> None:
        if not 60 <= self.cadence_spm <= 260:
            raise ValueError("cadence_spm must be within 60..260")
        if not 0.15 <= self.duty_factor <= 0.49:
            raise ValueError(
                "duty_factor must be within 0.15..0.49 (running has flight)"
            )
        if self.speed_mps <= 0:
            raise ValueError("speed_mps must be positive")

    @property
    def step_time_s(self) -> float:
        return 60.0 / self.cadence_spm

    @property
    def stride_time_s(self) -> float:
        return 2 * self.step_time_s

    @property
    def contact_time_s(self) -> float:
        return self.duty_factor * self.stride_time_s

    @property
    def leg_length_m(self) -> float:
        return (THIGH + SHANK) * self.body_height_m

    def to_dict(self) -> dict:
        return asdict(self)


#: Names of the joints the model produces, in the order of :attr:`Pose.points`.
JOINTS: tuple[str, ...] = (
    "hip",
    "shoulder_left",
    "shoulder_right",
    "neck_top",
    "head_center",
    "nose",
    "eye",
    "ear",
    "mouth",
    "elbow_left",
    "elbow_right",
    "wrist_left",
    "wrist_right",
    "knee_left",
    "knee_right",
    "ankle_left",
    "ankle_right",
    "heel_left",
    "heel_right",
    "toe_left",
    "toe_right",
)
J = {name: i for i, name in enumerate(JOINTS)}


@dataclass(frozen=True)
class Motion:
    """The runner's motion sampled at ``time_s``.

    Attributes:
        time_s: ``(n,)`` sample times.
        points: ``(n, len(JOINTS), 2)`` joint positions in metres, hip-relative x
            (forward positive) and height above ground y.
        events: list of ``(time_s, "initial_contact" | "toe_off", "left" | "right")``
            within the sampled span, sorted by time.
        truth: per-sample ground-truth angles, ``name -> (n,)`` array.
    """

    time_s: np.ndarray
    points: np.ndarray
    events: list[tuple[float, str, str]]
    truth: dict[str, np.ndarray] = field(default_factory=dict)


def _rot(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate ``(..., 2)`` vectors counter-clockwise by ``angle`` radians."""
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1]], -1)


def _foot_point(ankle: np.ndarray, phi: np.ndarray, local: tuple[float, float]):
    return ankle + _rot(np.broadcast_to(np.array(local), ankle.shape), phi)


class _StrideModel:
    """Ankle position and foot angle of one foot over one stride (tau from its IC)."""

    def __init__(self, p: RunnerParams) -> None:
        from scipy.interpolate import CubicSpline  # lazy: slow to import

        h = p.body_height_m
        self.p = p
        self.T = p.stride_time_s
        self.tc = p.contact_time_s
        v = p.speed_mps
        phi_ic = math.radians(p.foot_angle_ic_deg)
        phi_to = math.radians(p.foot_angle_to_deg)
        self.phi_ic, self.phi_to = phi_ic, phi_to
        heel = np.array([-HEEL_BACK * h, -ANKLE_HEIGHT * h])
        ball = np.array([BALL_FWD * h, -ANKLE_HEIGHT * h])
        self.heel, self.ball = heel, ball

        # Stance, sampled finely: the sole pivots on the heel, lies flat, then rises
        # onto the ball; the ground contact point moves back at the belt speed.
        tau = np.linspace(0.0, self.tc, 241)
        u = tau / self.tc
        phi = np.where(
            u < 0.25,
            phi_ic * 0.5 * (1 + np.cos(np.pi * np.clip(u / 0.25, 0, 1))),
            np.where(
                u < 0.55, 0.0, phi_to * 0.5 * (1 - np.cos(np.pi * (u - 0.55) / 0.45))
            ),
        )
        if phi_ic < 0:  # forefoot landing: lands on the ball, heel lowers to flat
            pivot_local = np.where((u < 0.25) | (u >= 0.55), 1, 0)
        else:
            pivot_local = np.where(u >= 0.55, 1, 0)
        # Ground point under the heel when flat moves as g(tau) = g0 - v*tau.
        rel = np.where(pivot_local[:, None] == 1, ball, heel)
        rot_rel = _rot(rel, phi)
        # Pivot ground position: heel pivot at g, ball pivot at g + (ball - heel).x.
        ground_offset = np.where(pivot_local == 1, ball[0] - heel[0], 0.0)
        g = -v * tau
        ankle = np.stack([g + ground_offset - rot_rel[:, 0], -rot_rel[:, 1]], -1)
        self.stance_tau, self.stance_ankle, self.stance_phi = tau, ankle, phi
        # Shift so the ankle at IC sits at the requested overstride (before the lean).
        self.x_shift = p.overstride_ll * p.leg_length_m - ankle[0, 0]
        ankle = ankle + np.array([self.x_shift, 0.0])
        self.stance_ankle = ankle

        # Swing: clamped spline through key points, matching stance velocity at ends.
        x_to, y_to = ankle[-1]
        x_ic, y_ic = ankle[0]
        vx_to = (ankle[-1, 0] - ankle[-2, 0]) / (tau[-1] - tau[-2])
        vy_to = (ankle[-1, 1] - ankle[-2, 1]) / (tau[-1] - tau[-2])
        vx_ic = (ankle[1, 0] - ankle[0, 0]) / (tau[1] - tau[0])
        vy_ic = (ankle[1, 1] - ankle[0, 1]) / (tau[1] - tau[0])
        ts = self.T - self.tc
        L = p.leg_length_m
        keys_t = self.tc + ts * np.array([0.0, 0.3, 0.62, 0.88, 1.0])
        keys_x = np.array(
            [x_to, x_to + 0.05 * L, 0.55 * x_ic, 1.12 * x_ic + 0.03 * L, x_ic]
        )
        keys_y = np.array([y_to, 0.42 * L, 0.30 * L, 0.12 * L, y_ic])
        self.swing_x = CubicSpline(keys_t, keys_x, bc_type=((1, vx_to), (1, vx_ic)))
        self.swing_y = CubicSpline(keys_t, keys_y, bc_type=((1, vy_to), (1, vy_ic)))
        phi_keys = np.array([phi_to, phi_to * 0.7, phi_to * 0.35, phi_ic * 0.7, phi_ic])
        self.swing_phi = CubicSpline(keys_t, phi_keys, bc_type="clamped")

    def __call__(self, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tau = np.mod(tau, self.T)
        stance = tau < self.tc
        ax = np.where(
            stance,
            np.interp(tau, self.stance_tau, self.stance_ankle[:, 0]),
            self.swing_x(tau),
        )
        ay = np.where(
            stance,
            np.interp(tau, self.stance_tau, self.stance_ankle[:, 1]),
            self.swing_y(tau),
        )
        phi = np.where(
            stance,
            np.interp(tau, self.stance_tau, self.stance_phi),
            self.swing_phi(tau),
        )
        return np.stack([ax, ay], -1), phi


def _two_link_ik(
    root: np.ndarray, end: np.ndarray, a: float, b: float, bend_forward: bool
) -> np.ndarray:
    """Middle joint of a two-link chain, bending toward +x if ``bend_forward``."""
    d_vec = end - root
    d = np.linalg.norm(d_vec, axis=-1)
    d_c = np.clip(d, abs(a - b) + 1e-6, a + b - 1e-6)
    cos_alpha = (a * a + d_c * d_c - b * b) / (2 * a * d_c)
    alpha = np.arccos(np.clip(cos_alpha, -1, 1))
    u = d_vec / np.maximum(d, 1e-9)[..., None]
    # Rotating the root->end direction counter-clockwise moves a downward-pointing
    # direction toward +x; that puts the knee in front.
    sign = 1.0 if bend_forward else -1.0
    return root + a * _rot(u, sign * alpha)


def simulate(p: RunnerParams, time_s: np.ndarray) -> Motion:
    """Sample the runner's motion at ``time_s`` (seconds, any spacing)."""
    t = np.asarray(time_s, dtype=np.float64)
    h = p.body_height_m
    L = p.leg_length_m
    stride = _StrideModel(p)
    rng = np.random.default_rng(p.seed)
    lean = math.radians(p.lean_deg)

    t_left = p.first_contact_s
    t_right = t_left + p.step_time_s
    taus = {"left": t - t_left, "right": t - t_right}
    ankles, phis = {}, {}
    for side, tau in taus.items():
        ankles[side], phis[side] = stride(tau)

    # Hip height: lowest at mid-stance of either foot, as high as the legs allow.
    step = p.step_time_s
    tc = p.contact_time_s
    osc = p.vertical_oscillation_m
    bob = lambda tt: -0.5 * osc * np.cos(2 * np.pi * (tt - tc / 2) / step)  # noqa: E731
    # Leaning from the ankles moves the feet back: the mid-stance ankle sits behind the
    # hip so that the stance leg lines up with the leaning trunk.
    tau_s = stride.stance_tau
    mid = np.argmin(np.abs(tau_s - tc / 2))
    reach = 0.985 * L
    stance_ankle = stride.stance_ankle
    hip_above_ankle = math.sqrt(max(reach**2 - stance_ankle[mid, 0] ** 2, 0.0))
    lean_shift = -hip_above_ankle * math.tan(lean)
    for side in ankles:
        ankles[side] = ankles[side] + np.array([lean_shift, 0.0])
    # The mean hip height is the highest that keeps the leg within reach over the
    # whole stride (stance and the start of swing, when the foot trails behind).
    tau_all = np.linspace(0.0, p.stride_time_s, 1201)
    sa = stride(tau_all)[0] + np.array([lean_shift, 0.0])
    dx2 = sa[:, 0] ** 2
    allowed = sa[:, 1] + np.sqrt(np.maximum(reach**2 - dx2, 0)) - bob(tau_all)
    hip_mean = float(allowed.min())
    hip_y = hip_mean + bob(t - t_left)
    hip = np.stack([np.zeros_like(t), hip_y], -1)

    pts = np.zeros((len(t), len(JOINTS), 2))
    pts[:, J["hip"]] = hip
    for side in ("left", "right"):
        ankle = ankles[side]
        phi = phis[side]
        pts[:, J[f"ankle_{side}"]] = ankle
        pts[:, J[f"knee_{side}"]] = _two_link_ik(hip, ankle, THIGH * h, SHANK * h, True)
        pts[:, J[f"heel_{side}"]] = _foot_point(
            ankle, phi, (-HEEL_BACK * h, -ANKLE_HEIGHT * h)
        )
        pts[:, J[f"toe_{side}"]] = _foot_point(
            ankle, phi, (TOE_FWD * h, -ANKLE_HEIGHT * h)
        )

    # Trunk, with a small natural sway of the lean over each step.
    trunk_angle = math.radians(p.lean_deg + p.hip_bend_deg) + math.radians(
        0.6
    ) * np.sin(2 * np.pi * (t - t_left) / step + rng.uniform(0, 2 * np.pi))
    trunk_dir = np.stack([np.sin(trunk_angle), np.cos(trunk_angle)], -1)
    shoulder_base = hip + TRUNK * h * trunk_dir
    elevation = p.shoulder_elevation_ll * L
    shoulder = shoulder_base + elevation * trunk_dir
    neck_top = shoulder_base + NECK * h * trunk_dir
    # The head stays upright (eyes level) whatever the lean, then pitches down.
    pitch = math.radians(p.head_pitch_deg)
    head_up = _rot(np.array([0.0, 1.0]), np.full(len(t), -pitch))
    head_center = neck_top + HEAD_RADIUS * h * 1.05 * head_up
    fwd = _rot(np.array([1.0, 0.0]), np.full(len(t), -pitch))
    r = HEAD_RADIUS * h
    nose = head_center + 1.18 * r * fwd - 0.05 * r * head_up
    # Eye centre ~7 deg above the ear-eye (Frankfurt-like) line, as in real heads.
    eye = head_center + 0.72 * r * fwd + 0.15 * r * head_up
    ear = head_center - 0.12 * r * fwd + 0.05 * r * head_up
    mouth = head_center + 0.80 * r * fwd - 0.48 * r * head_up
    for name, val in {
        "shoulder_left": shoulder,
        "shoulder_right": shoulder,
        "neck_top": neck_top,
        "head_center": head_center,
        "nose": nose,
        "eye": eye,
        "ear": ear,
        "mouth": mouth,
    }.items():
        pts[:, J[name]] = val

    # Arms swing opposite to the same-side leg: the left arm is forward when the right
    # foot is forward (early right stance).
    swing = math.radians(p.arm_swing_deg)
    elbow_flex = math.pi - math.radians(p.elbow_angle_deg)
    for side, other in (("left", "right"), ("right", "left")):
        t_other = t_left if other == "left" else t_right
        ph = 2 * np.pi * (t - t_other) / p.stride_time_s
        # Angle of the upper arm from hanging straight down, forward positive.
        beta = swing * np.cos(ph)
        upper_dir = np.stack([np.sin(beta), -np.cos(beta)], -1)
        elbow = shoulder + UPPER_ARM * h * upper_dir
        fore_dir = _rot(upper_dir, np.full(len(t), elbow_flex))
        wrist = elbow + FOREARM * h * fore_dir
        pts[:, J[f"elbow_{side}"]] = elbow
        pts[:, J[f"wrist_{side}"]] = wrist

    events = _events(p, t)
    truth = _truth(p, pts, trunk_angle)
    return Motion(time_s=t, points=pts, events=events, truth=truth)


def _events(p: RunnerParams, t: np.ndarray) -> list[tuple[float, str, str]]:
    if len(t) == 0:
        return []
    t0, t1 = float(t[0]), float(t[-1])
    out = []
    for side, first in (
        ("left", p.first_contact_s),
        ("right", p.first_contact_s + p.step_time_s),
    ):
        k0 = math.floor((t0 - first) / p.stride_time_s) - 1
        k = k0
        while True:
            ic = first + k * p.stride_time_s
            to = ic + p.contact_time_s
            if ic > t1 + p.stride_time_s:
                break
            if t0 <= ic <= t1:
                out.append((ic, "initial_contact", side))
            if t0 <= to <= t1:
                out.append((to, "toe_off", side))
            k += 1
    return sorted(out)


def _angle_from_vertical(vec: np.ndarray) -> np.ndarray:
    """Angle of ``(n, 2)`` vectors from straight up, forward (+x) positive, degrees."""
    return np.degrees(np.arctan2(vec[:, 0], vec[:, 1]))


def _truth(
    p: RunnerParams, pts: np.ndarray, trunk_angle: np.ndarray
) -> dict[str, np.ndarray]:
    hip = pts[:, J["hip"]]
    shoulder = pts[:, J["shoulder_left"]]
    truth = {
        "trunk_lean_deg": _angle_from_vertical(shoulder - hip),
        "head_pitch_deg": np.full(len(hip), p.head_pitch_deg),
    }
    for side in ("left", "right"):
        thigh = pts[:, J[f"knee_{side}"]] - hip
        trunk = shoulder - hip
        cosang = np.sum(thigh * trunk, -1) / (
            np.linalg.norm(thigh, axis=-1) * np.linalg.norm(trunk, axis=-1)
        )
        truth[f"hip_angle_{side}_deg"] = np.degrees(np.arccos(np.clip(cosang, -1, 1)))
        heel = pts[:, J[f"heel_{side}"]]
        toe = pts[:, J[f"toe_{side}"]]
        truth[f"foot_angle_{side}_deg"] = np.degrees(
            np.arctan2(toe[:, 1] - heel[:, 1], toe[:, 0] - heel[:, 0])
        )
        truth[f"ankle_ahead_of_hip_{side}_ll"] = (
            pts[:, J[f"ankle_{side}"], 0] - hip[:, 0]
        ) / p.leg_length_m
    return truth
