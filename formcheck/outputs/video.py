"""The annotated video: the input re-decoded, the analysis drawn on every frame.

:class:`FrameOverlay` decides *what* to draw on a frame (from the analysis and the
findings) and calls the annotators of :mod:`formcheck.outputs.annotate`;
:func:`write_annotated_video` is the thin streaming shell around it: ``VideoReader``
-> overlay -> ``VideoSink``, one frame in memory at a time.

Timing: the output has the same frames as the analysed span of the input, in the same
order, encoded at the source's average frame rate. For constant-frame-rate input that
is the same length and duration. Variable-frame-rate input (phones) keeps every frame
and the total duration, but the frames are evenly spaced in the output (VideoSink
writes a constant rate), so the local timing of a VFR clip is not reproduced.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.analysis import Analysis
from formcheck.gait.types import GaitEvent
from formcheck.outputs import annotate as A
from formcheck.pose.landmarks import Landmark as L
from formcheck.rules.types import Finding
from formcheck.video import VideoReader
from formcheck.video_sink import VideoSink

ProgressFn = Callable[[int, int], None]

#: How long an IC/TO marker stays on screen, seconds (visible at playback speed).
EVENT_HOLD_S = 0.3
_SEVERITY_RANK = {"marked": 3, "moderate": 2, "mild": 1}


@dataclass(frozen=True)
class _Marker:
    event: GaitEvent
    point: np.ndarray  # foot position at the event frame, full-size pixels


def near_side(analysis: Analysis) -> str | None:
    """The runner's side nearer the camera in a side view, from MediaPipe's depth.

    Shoulders are used (not hips or legs) because the left/right repair of the legs
    does not touch them. None for other views or when it cannot tell.
    """
    if analysis.view.kind != "side":
        return None
    track = analysis.run.track
    if not len(track) or not track.detected.any():
        return None
    z = track.z[track.detected]
    dz = z[:, L.LEFT_SHOULDER] - z[:, L.RIGHT_SHOULDER]
    dz = dz[np.isfinite(dz)]
    if not dz.size:
        return None
    med = float(np.median(dz))
    return None if med == 0 else "left" if med < 0 else "right"


def _foot_point(xy: np.ndarray, foot: str) -> np.ndarray:
    heel = L.LEFT_HEEL if foot == "left" else L.RIGHT_HEEL
    toe = L.LEFT_FOOT_INDEX if foot == "left" else L.RIGHT_FOOT_INDEX
    ankle = L.LEFT_ANKLE if foot == "left" else L.RIGHT_ANKLE
    p = (xy[heel] + xy[toe]) / 2
    return p if np.isfinite(p).all() else xy[ankle]


def flagged_at(findings: Sequence[Finding], time_s: float) -> list[Finding]:
    """Flagged findings whose evidence time ranges contain ``time_s``, worst first."""
    hits = [
        f
        for f in findings
        if f.status == "flagged"
        and f.evidence is not None
        and any(a <= time_s <= b for a, b in f.evidence.time_ranges)
    ]
    return sorted(
        hits, key=lambda f: (-_SEVERITY_RANK.get(f.severity or "", 0), -f.score)
    )


def counted_units(f: Finding, n_steps: int) -> str:
    """What ``evidence.steps_total`` counts: "steps", or "frames" for per-frame
    metrics (the rules count frames there; more than the clip's steps gives it away).
    """
    ev = f.evidence
    return "frames" if ev is not None and ev.steps_total > n_steps else "steps"


def finding_detail(f: Finding, n_steps: int | None = None) -> str:
    """``"moderate, 7 of 12 steps"`` for a banner or caption."""
    parts = [f.severity] if f.severity else []
    ev = f.evidence
    if ev is not None and ev.steps_total:
        if n_steps is not None and counted_units(f, n_steps) == "frames":
            parts.append(f"in {100 * ev.fraction:.0f}% of frames")
        else:
            parts.append(f"{ev.steps_affected} of {ev.steps_total} steps")
    return ", ".join(parts)


class FrameOverlay:
    """Draws the analysis of one clip on its frames.

    Args:
        analysis: the measured clip.
        findings: the rules' verdicts; flagged ones with time ranges get a banner.
        hold_s: how long IC/TO markers stay visible.
        text_scale: enlarge labels and lines (stills shown small in a web page).

    Example:
        >>> overlay = FrameOverlay(analysis, findings)  # doctest: +SKIP
        >>> out = overlay.draw(frame.image.copy(), k, time_s=frame.time_s)
    """

    def __init__(
        self,
        analysis: Analysis,
        findings: Sequence[Finding] = (),
        *,
        hold_s: float = EVENT_HOLD_S,
        text_scale: float = 1.0,
    ) -> None:
        self.text_scale = text_scale
        self.analysis = analysis
        self.findings = list(findings)
        clean = analysis.clean
        fps = (
            clean.fps
            if clean.fps and math.isfinite(clean.fps)
            else (analysis.run.video.fps or 30.0)
        )
        self.hold_frames = max(3, int(round(hold_s * fps)))
        self.near = near_side(analysis)
        self.markers: list[_Marker] = [
            _Marker(e, _foot_point(clean.xy[e.frame], e.foot))
            for e in analysis.events
            if 0 <= e.frame < len(clean)
        ]
        # Each frame shows at most the latest IC and the latest TO still held: at
        # 30 fps steps are ~10 frames apart, and stacked rings are unreadable.
        self._by_frame: dict[int, dict[str, _Marker]] = {}
        for m in sorted(self.markers, key=lambda m: m.event.frame):
            for k in range(m.event.frame, m.event.frame + self.hold_frames):
                self._by_frame.setdefault(k, {})[m.event.type] = m
        self.forward = 1.0 if analysis.view.facing != "left" else -1.0
        cadence = analysis.summary.get("cadence_spm")
        self.cadence = (
            cadence
            if isinstance(cadence, int | float) and math.isfinite(cadence)
            else None
        )

    def _series(self, name: str, k: int) -> float:
        s = self.analysis.series.get(name)
        return float(s[k]) if s is not None and 0 <= k < len(s) else math.nan

    def draw(
        self,
        frame: np.ndarray,
        k: int | None,
        *,
        time_s: float,
        frame_number: int | None = None,
        focus: Finding | None = None,
        transform: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Annotate ``frame`` (in place) for track index ``k`` at ``time_s``.

        The frame may be smaller than the analysed size: landmarks are scaled to it.
        ``k`` None draws no pose (a frame outside the analysed frames). ``focus``
        forces that finding's banner (for key-frame pictures). ``transform`` =
        ``(scale, offset)`` maps analysed pixels ``p`` to ``p * scale - offset`` in
        ``frame`` (for a crop); default: scale to the frame size.
        """
        style = A.Style.for_frame(frame, self.text_scale)
        clean = self.analysis.clean
        if transform is None:
            transform = (
                np.array([frame.shape[1] / clean.width, frame.shape[0] / clean.height]),
                np.zeros(2),
            )
        scale, offset = transform
        view = self.analysis.view
        xy = clean.xy[k] * scale - offset if k is not None else None
        markers = list(self._by_frame.get(k, {}).values()) if k is not None else []
        if xy is not None and np.isfinite(xy).any():
            if view.kind == "side":
                self._side_angles(frame, xy, k, markers, transform, style)
            elif view.kind in ("rear", "front"):
                self._rear_angles(frame, xy, k, style)
            A.draw_skeleton(frame, xy, clean.visibility[k], near=self.near, style=style)
        for m in markers:
            age = k - m.event.frame
            contact = m.event.type == "initial_contact"
            label = ("IC " if contact else "TO ") + m.event.foot[0].upper()
            A.draw_event_marker(
                frame,
                m.point * scale - offset,
                label,
                colour=A.side_colour(m.event.foot),
                strength=1.0 - age / self.hold_frames,
                contact=contact,
                label_side=-self.forward,
                style=style,
            )
        shown = [focus] if focus is not None else flagged_at(self.findings, time_s)
        if shown:
            more = f"  (+{len(shown) - 1} more)" if len(shown) > 1 else ""
            A.draw_banner(
                frame,
                shown[0].title + more,
                shown[0].severity,
                detail=finding_detail(shown[0], len(self.analysis.steps)),
                style=style,
            )
        real = (
            " real time (est.)"
            if self.analysis.slowmo_estimated
            else " real time"
            if self.analysis.slowmo != 1.0
            else ""
        )
        header = [
            f"{time_s:6.2f} s{real}"
            + (f"   frame {frame_number}" if frame_number is not None else "")
        ]
        if self.cadence is not None:
            header.append(f"cadence {self.cadence:.0f} spm")
        if k is None or not np.isfinite(clean.xy[k]).any():
            header.append("runner not found")
        A.draw_header(
            frame,
            header,
            top=A.banner_height(frame.shape, self.text_scale),
            style=style,
        )
        A.draw_legend(frame, style=style)
        return frame

    def _side_angles(self, frame, xy, k, markers, transform, style) -> None:
        hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
        sh = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
        A.draw_segment_from_vertical(
            frame,
            hip,
            sh,
            self._series("trunk_lean_deg", k),
            "trunk",
            style=style,
            label_side=-self.forward,
        )
        ear = (xy[L.LEFT_EAR] + xy[L.RIGHT_EAR]) / 2
        eye = (xy[L.LEFT_EYE] + xy[L.RIGHT_EYE]) / 2
        pitch = self._series("head_pitch_deg", k)
        # The head line is drawn only when looking down was flagged: the raw ear-eye
        # angle differs between heads by 20 degrees at rest (docs/metrics.md), so a
        # bare "head 25 deg up" on a level head would only confuse.
        looking_down = any(
            f.id == "looking_down" and f.status == "flagged" for f in self.findings
        )
        if looking_down and math.isfinite(pitch):
            A.draw_segment_from_horizontal(
                frame,
                ear,
                eye,
                pitch,
                "head",
                style=style,
                label_at_end=True,
                text=f"head line {pitch:+.0f}°",
            )
        landing = [m for m in markers if m.event.type == "initial_contact"]
        leg = landing[0].event.foot if landing else (self.near or "left")
        P = _leg(leg)
        A.draw_joint_flexion(
            frame,
            xy[P["hip"]],
            xy[P["knee"]],
            xy[P["ankle"]],
            self._series(f"knee_flexion_{leg}_deg", k),
            "knee",
            style=style,
            colour=A.side_colour(leg),
            label_side=self.forward,
        )
        for m in landing:
            # Foot angle at IC: the foot as it landed, with the value at the IC frame.
            ic = m.event.frame
            at_ic = self.analysis.clean.xy[ic] * transform[0] - transform[1]
            Q = _leg(m.event.foot)
            A.draw_segment_from_horizontal(
                frame,
                at_ic[Q["heel"]],
                at_ic[Q["toe"]],
                self._series(f"foot_angle_{m.event.foot}_deg", ic),
                "foot",
                style=style,
                colour=A.side_colour(m.event.foot),
            )

    def _rear_angles(self, frame, xy, k, style) -> None:
        A.draw_pelvis_line(frame, xy, self._series("pelvis_tilt_deg", k), style=style)
        hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
        sh = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
        A.draw_segment_from_vertical(
            frame,
            hip,
            sh,
            abs(self._series("lateral_trunk_lean_deg", k)),
            "trunk sideways",
            style=style,
            label_side=1.0,
            label_x=float(np.nanmax(xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER], 0])),
        )


def _leg(side: str) -> dict[str, int]:
    s = "LEFT_" if side == "left" else "RIGHT_"
    return {
        k: int(L[s + n])
        for k, n in (
            ("hip", "HIP"),
            ("knee", "KNEE"),
            ("ankle", "ANKLE"),
            ("heel", "HEEL"),
            ("toe", "FOOT_INDEX"),
        )
    }


def output_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Even (width, height) no larger than ``max_side``, keeping the aspect ratio."""
    s = min(1.0, max_side / max(width, height)) if max_side else 1.0
    w = max(2, int(round(width * s)) // 2 * 2)
    h = max(2, int(round(height * s)) // 2 * 2)
    return w, h


def write_annotated_video(
    analysis: Analysis,
    findings: Sequence[Finding],
    path: str | os.PathLike[str],
    *,
    max_side: int | None = 1280,
    progress: ProgressFn | None = None,
    capture: Iterable[int] = (),
) -> dict[int, np.ndarray]:
    """Write the analysed span of the input with the analysis drawn on it (H.264).

    Re-decodes the input with :class:`~formcheck.video.VideoReader` (upright, so the
    output plays the way the user sees the clip), draws with :class:`FrameOverlay`
    and encodes with :class:`~formcheck.video_sink.VideoSink` at the source frame
    rate. The file appears only when complete.

    Args:
        analysis: the measured clip; its video must still be readable.
        findings: rules' verdicts (flagged ones with time ranges get a banner).
        path: the ``.mp4`` to write.
        max_side: downscale so the longer side is at most this (None: native size).
        progress: called as ``progress(frames_done, frames_expected)``.
        capture: track indices whose *unannotated* frames to return (key frames).

    Returns:
        ``{track index: RGB frame}`` for the requested ``capture`` indices found.

    Raises:
        ValueError: the analysis has no analysed frames.
    """
    clean = analysis.clean
    if len(clean) == 0:
        raise ValueError("the analysis has no frames to draw on")
    video = analysis.run.video
    width, height = output_size(clean.width, clean.height, max_side)
    # The analysis is in real time; the file is read in its own (slowed) time.
    video_t = analysis.video_time_s(clean.time_s)
    t0, t1 = float(video_t[0]), float(video_t[-1])
    index_of = {int(f): k for k, f in enumerate(clean.frame_index)}
    wanted = set(int(c) for c in capture)
    captured: dict[int, np.ndarray] = {}
    overlay = FrameOverlay(analysis, findings)
    expected = max(1, int(round((t1 - t0) * video.fps)) + 1)
    done = 0
    with (
        VideoReader(
            video.path, start_s=t0 if t0 > 0 else None, max_side=max_side
        ) as rd,
        VideoSink(path, width=width, height=height, fps=video.fps) as sink,
    ):
        for fr in rd:
            if fr.time_s > t1 + 1e-6:
                break
            image = fr.image
            if image.shape[:2] != (height, width):
                image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            else:
                image = image.copy()
            k = index_of.get(fr.index)
            if k is None:  # a frame skipped by the analysis' stride: nearest pose
                k = _nearest(video_t, fr.time_s)
            if k in wanted and k not in captured and index_of.get(fr.index) == k:
                captured[k] = image.copy()
            real_t = fr.time_s / analysis.slowmo
            overlay.draw(image, k, time_s=real_t, frame_number=fr.index)
            sink.write(image)
            done += 1
            if progress is not None:
                progress(done, max(expected, done))
    return captured


def _nearest(time_s: np.ndarray, t: float) -> int | None:
    """Index of the analysed frame nearest ``t`` if within ~one frame interval."""
    j = int(np.searchsorted(time_s, t))
    cands = [i for i in (j - 1, j) if 0 <= i < len(time_s)]
    if not cands:
        return None
    i = min(cands, key=lambda i: abs(time_s[i] - t))
    gap = float(np.median(np.diff(time_s))) if len(time_s) > 1 else 0.0
    return i if abs(time_s[i] - t) <= max(gap, 1e-3) else None


def render_key_frame(
    analysis: Analysis,
    findings: Sequence[Finding],
    image: np.ndarray,
    k: int,
    *,
    focus: Finding | None = None,
    text_scale: float = 1.3,
    crop: bool = True,
) -> np.ndarray:
    """One annotated still for track index ``k``, with ``focus``'s banner.

    A still is usually shown in a narrow column of a page or on a phone, so labels are
    larger than in the video (``text_scale``) and, with ``crop``, the picture is cut
    to the runner (with room around them) when they fill only part of the frame, and
    enlarged to at least 720 pixels high.
    """
    clean = analysis.clean
    scale = np.array([image.shape[1] / clean.width, image.shape[0] / clean.height])
    box = runner_box(clean.xy[k] * scale, image.shape) if crop else None
    offset = np.zeros(2)
    if box is not None:
        x0, y0, x1, y1 = box
        image = image[y0:y1, x0:x1]
        offset = np.array([x0, y0], float)
    zoom = max(1.0, 720 / image.shape[0])
    out = (
        cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
        if zoom > 1
        else image.copy()
    )
    FrameOverlay(analysis, findings, text_scale=text_scale).draw(
        out,
        k,
        time_s=float(clean.time_s[k]),
        frame_number=int(clean.frame_index[k]),
        focus=focus,
        transform=(scale * zoom, offset * zoom),
    )
    return out


def runner_box(
    xy: np.ndarray, shape: Sequence[int], *, min_aspect: float = 0.8
) -> tuple[int, int, int, int] | None:
    """Crop box ``(x0, y0, x1, y1)`` around a pose, or None if no crop helps.

    The box leaves room around the body (a third of its height above for the banner
    and header, 0.4 of it at the sides for labels, a tenth below), is at least
    ``min_aspect`` as wide as high, stays inside the frame, and is None when the pose
    is unknown or the crop would remove less than a fifth of the frame.
    """
    pts = xy[np.isfinite(xy).all(axis=1)]
    if len(pts) < 4:
        return None
    h, w = shape[:2]
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    body = max(y1 - y0, x1 - x0, 1.0)
    x0, x1 = x0 - 0.4 * body, x1 + 0.4 * body
    y0, y1 = y0 - 0.35 * body, y1 + 0.1 * body
    bw, bh = x1 - x0, y1 - y0
    if bw < min_aspect * bh:
        cx = (x0 + x1) / 2
        x0, x1 = cx - min_aspect * bh / 2, cx + min_aspect * bh / 2
    # Shift (not shrink) into the frame, then clip.
    dx = -x0 if x0 < 0 else (w - x1 if x1 > w else 0)
    dy = -y0 if y0 < 0 else (h - y1 if y1 > h else 0)
    x0, x1, y0, y1 = x0 + dx, x1 + dx, y0 + dy, y1 + dy
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    if (x1 - x0) * (y1 - y0) > 0.8 * w * h:
        return None
    return x0, y0, x1, y1


def png_bytes(image_rgb: np.ndarray) -> bytes:
    """Encode an RGB image as PNG bytes."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()
