"""The synthetic clip's camera: a 2-D similarity per frame, world metres -> pixels.

The world is flat and seen side-on through an orthographic camera: metres with x
forward along the running direction, y up, the ground at y = 0. Each frame's camera
is a 2-D similarity (:class:`CameraTrack`: where it looks, its zoom and its roll), and
the renderer draws *everything* - background, treadmill, runner, limb widths -
through it, so a moving, zooming, rolling or shaking camera has exact truth. Because
the projection is orthographic, the whole background moves by one similarity between
frames: no parallax, which is what a tracker fitting one similarity assumes.

:func:`camera_track` builds the whole clip's camera at once from the scene: where it
aims (still, locked on the hip, or an operator following with lag and overshoot), a
compounded zoom, and smooth random shake, roll and tilt. Every random effect draws
from its own seeded stream (:func:`random_stream`), so turning one on leaves the
others - and the scenery - unchanged. The paths are closed-form functions of real
time, so a clip's camera does not depend on its frame rate.

:class:`FrameView` is one frame's camera, what the drawing code projects through; the
first frame's view is the "scene frame" the truth's ``landmarks_scene`` are in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from formcheck.synth.kinematics import RunnerParams

if TYPE_CHECKING:
    # Only for annotations: render imports this module, so a runtime import would
    # be circular.
    from formcheck.synth.render import SceneParams

#: The ground line's row in a frame of the unmoved camera, as a share of its height.
GROUND_ROW = 0.92
#: The "follow" operator: damping ratio of the pan (under-damped: it overshoots),
#: where the runner starts (behind the centre, share of the frame width) and how far
#: the operator's aim wanders ahead of and behind the runner (peak, frame widths).
FOLLOW_DAMPING = 0.6
FOLLOW_START = 0.1
FOLLOW_WANDER = 0.06
#: Handheld shake is 1-8 Hz; slow roll and tilt drift 0.08-0.3 Hz; the follow
#: operator's aim wanders at 0.15-0.5 Hz.
SHAKE_HZ, DRIFT_HZ, WANDER_HZ = (1.0, 8.0), (0.08, 0.3), (0.15, 0.5)
#: Polygons are drawn with this many bits of sub-pixel precision (cv2 ``shift``), so a
#: slowly moving background moves smoothly instead of in whole-pixel jumps.
SHIFT = 4
#: Independent random streams per clip seed, so turning one effect on does not change
#: another. The scenery's stream is here too, so that all of them stay distinct.
STREAM_SHAKE, STREAM_ROLL, STREAM_TILT, STREAM_WANDER, STREAM_SCENERY = range(1, 6)

#: :class:`CameraTrack`'s formula, as the ground truth states it.
CAMERA_MODEL = (
    "a = mirror*(x - x_m), b = -(y - y_m), r = radians(roll_deg); "
    "u = centre_px[0] + scale_px_per_m*(cos(r)*a + sin(r)*b), "
    "v = centre_px[1] + scale_px_per_m*(-sin(r)*a + cos(r)*b)"
)


def frame_times(scene: SceneParams) -> np.ndarray:
    """``(n,)`` real time of each frame, s (frame ``i`` plays at ``i / fps``)."""
    return np.arange(scene.n_frames) / scene.capture_fps


def base_scale(runner: RunnerParams, scene: SceneParams) -> float:
    """Pixels per metre in the first frame, before any zoom."""
    return scene.runner_height_frac * scene.height / runner.body_height_m


def random_stream(seed: int, which: int, *more: int) -> np.random.Generator:
    """The random stream ``which`` (a ``STREAM_*``) of the clip seed ``seed``."""
    return np.random.default_rng([seed % 2**32, which, *(k % 2**32 for k in more)])


@dataclass(frozen=True)
class CameraTrack:
    """The clip's camera, frame by frame: a 2-D similarity, world metres -> pixels.

    A world point ``(x, y)`` (x forward along the run, y up, ground at 0) is drawn
    in frame ``i`` at::

        a = mirror * (x - x_m[i]),  b = -(y - y_m[i]),  r = radians(roll_deg[i])
        u = W / 2 + scale[i] * ( cos r * a + sin r * b)
        v = H / 2 + scale[i] * (-sin r * a + cos r * b)

    so ``(x_m, y_m)`` is the world point at the frame centre, ``scale`` the zoom in
    px per metre and ``roll_deg`` turns the picture counter-clockwise as seen.
    ``mirror`` is -1 for a runner facing screen-left.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    scale: np.ndarray
    roll_deg: np.ndarray
    mirror: float
    centre_px: tuple[float, float]

    def matrices(self) -> np.ndarray:
        """``(n, 3, 3)`` homogeneous world -> pixel matrices."""
        r = np.radians(self.roll_deg)
        c, s, k, m = np.cos(r), np.sin(r), self.scale, self.mirror
        cu, cv = self.centre_px
        out = np.zeros((len(k), 3, 3))
        out[:, 0, 0], out[:, 0, 1] = k * c * m, -k * s
        out[:, 1, 0], out[:, 1, 1] = -k * s * m, -k * c
        out[:, :2, 2] = np.stack([cu, cv]) - np.einsum(
            "nij,nj->ni", out[:, :2, :2], np.stack([self.x_m, self.y_m], -1)
        )
        out[:, 2, 2] = 1.0
        return out

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(n, k, 2)`` world metres, one row of points per frame -> pixels."""
        m = self.matrices()
        return np.einsum("nij,nkj->nki", m[:, :2, :2], points) + m[:, None, :2, 2]

    def motion(self) -> dict[str, np.ndarray]:
        """How the background moved in the picture since the previous frame.

        The convention of :class:`formcheck.camera.CameraMotion`: ``dx_px, dy_px``
        the shift of the frame centre's content (a camera panning right moves the
        background left, ``dx < 0``), ``scale`` its size change (> 1 zooming in),
        plus ``rotation_deg`` (counter-clockwise as seen). NaN in the first frame.
        """
        m = self.matrices()
        step = m[1:] @ np.linalg.inv(m[:-1])
        centre = np.array([*self.centre_px, 1.0])
        moved = step @ centre
        nan = np.array([np.nan])
        return {
            "dx_px": np.concatenate([nan, moved[:, 0] - centre[0]]),
            "dy_px": np.concatenate([nan, moved[:, 1] - centre[1]]),
            "scale": np.concatenate([nan, self.scale[1:] / self.scale[:-1]]),
            "rotation_deg": np.concatenate([nan, np.diff(self.roll_deg)]),
        }


@dataclass(frozen=True)
class FrameView:
    """One frame's camera (a row of :class:`CameraTrack`): projects world points into
    that frame; the first frame's view projects into the clip's scene frame."""

    matrix: np.ndarray  # (3, 3) world -> pixels
    scale: float  # px per metre
    centre_px: tuple[float, float]

    def project(self, pts: np.ndarray) -> np.ndarray:
        return pts @ self.matrix[:2, :2].T + self.matrix[:2, 2]

    def fixed(self, pts: np.ndarray) -> np.ndarray:
        """Pixels as cv2's fixed-point ints (``SHIFT`` fractional bits)."""
        return np.round(self.project(pts) * (1 << SHIFT)).astype(np.int32)

    def world_box(self, margin_m: float = 0.5) -> tuple[float, float, float, float]:
        """``(x0, x1, y0, y1)``: a world box holding everything in the frame."""
        w, h = 2 * self.centre_px[0], 2 * self.centre_px[1]
        corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], float)
        world = corners @ np.linalg.inv(self.matrix).T
        lo, hi = world[:, :2].min(0) - margin_m, world[:, :2].max(0) + margin_m
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


@dataclass(frozen=True)
class _Wave:
    """A smooth random signal: ``sum_k amp_k * sin(2 pi freq_k t + phase_k)``."""

    amp: np.ndarray
    freq_hz: np.ndarray
    phase: np.ndarray

    @classmethod
    def random(
        cls, rng: np.random.Generator, n: int, band_hz: tuple[float, float]
    ) -> _Wave:
        """``n`` sinusoids, frequencies log-uniform in ``band_hz``, peak at most 1."""
        amp = rng.uniform(0.5, 1.0, n)
        freq = np.exp(rng.uniform(*np.log(band_hz), n))
        return cls(amp / amp.sum(), freq, rng.uniform(0, 2 * np.pi, n))

    def scaled(self, k: float) -> _Wave:
        return _Wave(self.amp * k, self.freq_hz, self.phase)

    @property
    def rms(self) -> float:
        return float(np.sqrt(np.sum(self.amp**2) / 2))

    def __call__(self, t: np.ndarray, derivative: int = 0) -> np.ndarray:
        w = 2 * np.pi * self.freq_hz
        arg = np.multiply.outer(t, w) + self.phase + derivative * np.pi / 2
        return np.sum(self.amp * w**derivative * np.sin(arg), -1)


def runner_x_m(runner: RunnerParams, scene: SceneParams) -> np.ndarray:
    """``(n,)`` world x of the hip in each frame (0 on a treadmill)."""
    t = frame_times(scene)
    if scene.treadmill:
        return np.zeros_like(t)
    span = scene.width / base_scale(runner, scene)
    # A static camera sees the runner enter behind the centre and cross the frame.
    start = {"static": -0.35, "locked": 0.0, "follow": -FOLLOW_START}
    return start[scene.camera_mode] * span + runner.speed_mps * t


def _follow(
    t: np.ndarray, start_m: float, speed: float, wander: _Wave, hz: float
) -> np.ndarray:
    """Where an operator panning after the runner aims, exactly.

    The operator drives the aim ``c`` toward the target ``h = start + speed t +
    wander(t)`` (the runner, give or take where they think the runner should be) as
    ``c'' = w^2 (h - c) + 2 z w (h' - c')``: no lag at a steady speed, but starting
    still it overshoots (under-damped, ``z < 1``) and the wander lets the runner
    drift ahead of and behind the centre. The error ``e = h - c`` then obeys
    ``e'' + 2 z w e' + w^2 e = wander''``, solved in closed form (forced sinusoids plus
    the decaying transient), so the path does not depend on the frame rate.
    """
    w, z = 2 * np.pi * hz, FOLLOW_DAMPING
    e0, de0 = start_m + wander(np.zeros(1))[0], speed + wander(np.zeros(1), 1)[0]
    e = np.zeros_like(t)
    for amp, f, phase in zip(wander.amp, wander.freq_hz, wander.phase, strict=True):
        big = 2 * np.pi * f
        gain = -amp * big**2 / (w**2 - big**2 + 2j * z * w * big)
        e += (gain * np.exp(1j * (big * t + phase))).imag
        e0 -= (gain * np.exp(1j * phase)).imag
        de0 -= (1j * big * gain * np.exp(1j * phase)).imag
    wd = w * math.sqrt(1 - z * z)
    e += np.exp(-z * w * t) * (
        e0 * np.cos(wd * t) + (de0 + z * w * e0) / wd * np.sin(wd * t)
    )
    return start_m + speed * t + wander(t) - e


def _aim_x(runner: RunnerParams, scene: SceneParams, t: np.ndarray) -> np.ndarray:
    """World x the camera aims at, before shake."""
    mode = scene.camera_mode
    if mode == "static":
        return np.zeros_like(t)
    if mode == "locked":
        return runner_x_m(runner, scene)
    span = scene.width / base_scale(runner, scene)
    wander = _Wave.random(random_stream(scene.seed, STREAM_WANDER), 3, WANDER_HZ)
    return _follow(
        t,
        -FOLLOW_START * span,
        runner.speed_mps,
        wander.scaled(FOLLOW_WANDER * span),
        scene.follow_hz,
    )


def camera_track(runner: RunnerParams, scene: SceneParams) -> CameraTrack:
    """The clip's camera in every frame (see :class:`CameraTrack`)."""
    t = frame_times(scene)
    s0 = base_scale(runner, scene)
    w, h = scene.width, scene.height
    scale = s0 * (1 + scene.zoom_per_s) ** t
    roll_wave = _Wave.random(random_stream(scene.seed, STREAM_ROLL), 2, DRIFT_HZ)
    roll = scene.roll_deg * roll_wave(t)
    x = _aim_x(runner, scene, t)
    # The frame centre's height that puts the ground at GROUND_ROW in the first frame.
    y = np.full_like(t, (GROUND_ROW - 0.5) * h / s0)
    # Shake and tilt move the picture in pixels; the aim moves the opposite way.
    shake_x, shake_y = (
        _Wave.random(random_stream(scene.seed, STREAM_SHAKE, axis), 5, SHAKE_HZ)
        for axis in (0, 1)
    )
    du = shake_x(t) * scene.shake_px / shake_x.rms
    tilt = _Wave.random(random_stream(scene.seed, STREAM_TILT), 2, DRIFT_HZ)
    dv = shake_y(t) * scene.shake_px / shake_y.rms + scene.tilt_px * tilt(t)
    mirror = -1.0 if scene.facing == "left" else 1.0
    r = np.radians(roll)
    x = x - mirror * (np.cos(r) * du - np.sin(r) * dv) / scale
    y = y + (np.sin(r) * du + np.cos(r) * dv) / scale
    return CameraTrack(x, y, scale, roll, mirror, (w / 2, h / 2))
