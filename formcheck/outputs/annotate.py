"""Annotators: each draws one concern on an RGB frame with OpenCV.

Every annotator has the shape ``annotate(frame, data..., style=...) -> frame``: it draws
on ``frame`` **in place** and returns it (copy the frame first if you need the
original), like supervision's annotators. They take plain numbers and ``(33, 2)``
landmark arrays in the frame's pixel coordinates (NaN = unknown, which is skipped), so
they know nothing of videos, tracks or rules and can be tested on a blank image.

Sizes scale with the frame (:meth:`Style.for_frame`) so text stays readable on a phone
whether the video is 480p or 1080p, landscape or portrait. Colours are RGB:

* runner's **left** side blue, **right** side orange (a colour-blind-safe pair); the
  far-side limbs of a side view are thinner and dimmer;
* angle arcs and numbers yellow, reference lines (vertical / horizontal) dashed grey;
* finding banners amber / orange / red for mild / moderate / marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.pose.landmarks import SKELETON_EDGES
from formcheck.pose.landmarks import Landmark as L

Colour = tuple[int, int, int]

LEFT: Colour = (70, 160, 255)
RIGHT: Colour = (255, 140, 30)
CENTRE: Colour = (235, 235, 235)
ANGLE: Colour = (255, 225, 40)
REFERENCE: Colour = (200, 200, 200)
TEXT: Colour = (255, 255, 255)
LABEL_BG: Colour = (15, 15, 15)
SEVERITY: dict[str, Colour] = {
    "mild": (240, 180, 0),
    "moderate": (245, 110, 0),
    "marked": (215, 35, 35),
}

#: Landmarks below this visibility are drawn faded.
FADE_VISIBILITY = 0.5

_LEFT_IDS = {int(lm) for lm in L if lm.name.startswith("LEFT_")}
_RIGHT_IDS = {int(lm) for lm in L if lm.name.startswith("RIGHT_")}
_BODY_IDS = sorted({int(i) for edge in SKELETON_EDGES for i in edge} | {int(L.NOSE)})


def side_colour(side: str | None) -> Colour:
    """Colour of the runner's ``"left"`` / ``"right"`` side (else the centre colour)."""
    return LEFT if side == "left" else RIGHT if side == "right" else CENTRE


@dataclass(frozen=True)
class Style:
    """Sizes in pixels, derived from the frame size.

    Attributes:
        unit: pixels per "design pixel" (1.0 for a 720-pixel short side).
        font_scale: OpenCV font scale of labels.
        text_thickness: stroke of label text.
        line: bone and angle line thickness.
        point: landmark dot radius.
        pad: padding around label text.
    """

    unit: float
    font_scale: float
    text_thickness: int
    line: int
    point: int
    pad: int

    @classmethod
    def for_frame(cls, frame: np.ndarray, scale: float = 1.0) -> Style:
        """Style for a frame: about 3 % of the short side for a line of text.

        ``scale`` enlarges everything, e.g. for stills shown small in a web page.
        """
        h, w = frame.shape[:2]
        u = max(min(h, w), 120) / 720 * scale
        return cls(
            unit=u,
            font_scale=0.8 * u,
            text_thickness=max(1, round(2 * u)),
            line=max(2, round(4 * u)),
            point=max(2, round(5 * u)),
            pad=max(2, round(7 * u)),
        )


_FONT = cv2.FONT_HERSHEY_DUPLEX


def _ok(*points: np.ndarray) -> bool:
    return all(p is not None and np.isfinite(p).all() for p in points)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _blend_rect(
    frame: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour: Colour, alpha: float
) -> None:
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = frame[y0:y1, x0:x1]
    roi[:] = (roi * (1 - alpha) + np.asarray(colour, float) * alpha).astype(np.uint8)


def text_size(text: str, style: Style, scale: float = 1.0) -> tuple[int, int, int]:
    """(width, height above baseline, baseline) of ``text``; ``°`` counts as a ring."""
    fs = style.font_scale * scale
    width = 0
    (_, th), base = cv2.getTextSize("Ag", _FONT, fs, style.text_thickness)
    for k, part in enumerate(text.split("°")):
        if part:
            width += cv2.getTextSize(part, _FONT, fs, style.text_thickness)[0][0]
        if k:
            width += int(th * 0.55)
    return width, th, base


def _put_text(
    frame: np.ndarray,
    text: str,
    org: tuple[int, int],
    style: Style,
    colour: Colour,
    scale: float = 1.0,
) -> None:
    """cv2.putText that draws ``°`` as a small ring (Hershey fonts lack it)."""
    fs = style.font_scale * scale
    x, y = org
    _, th, _ = text_size("A", style, scale)
    for k, part in enumerate(text.split("°")):
        if k:
            r = max(2, int(th * 0.17))
            cv2.circle(
                frame,
                (x + r + 1, y - th + r),
                r,
                colour,
                max(1, style.text_thickness - 1),
                cv2.LINE_AA,
            )
            x += int(th * 0.55)
        if part:
            cv2.putText(
                frame,
                part,
                (x, y),
                _FONT,
                fs,
                colour,
                style.text_thickness,
                cv2.LINE_AA,
            )
            x += cv2.getTextSize(part, _FONT, fs, style.text_thickness)[0][0]


def draw_label(
    frame: np.ndarray,
    text: str,
    anchor: tuple[float, float],
    *,
    style: Style | None = None,
    colour: Colour = TEXT,
    scale: float = 1.0,
    align: str = "left",
    bg_alpha: float = 0.6,
) -> np.ndarray:
    """Text on a dark semi-transparent box, kept inside the frame.

    Args:
        anchor: ``(x, y)`` of the box's top-left corner (``align="left"``), top-right
            (``"right"``) or top-centre (``"center"``).
    """
    style = style or Style.for_frame(frame)
    h, w = frame.shape[:2]
    tw, th, base = text_size(text, style, scale)
    bw, bh = tw + 2 * style.pad, th + base + 2 * style.pad
    x = anchor[0] - (bw if align == "right" else bw / 2 if align == "center" else 0)
    x0 = int(min(max(0, x), max(0, w - bw)))
    y0 = int(min(max(0, anchor[1]), max(0, h - bh)))
    _blend_rect(frame, x0, y0, x0 + bw, y0 + bh, LABEL_BG, bg_alpha)
    _put_text(frame, text, (x0 + style.pad, y0 + style.pad + th), style, colour, scale)
    return frame


def _dashed_line(
    frame: np.ndarray, p0, p1, colour: Colour, thickness: int, dash: float
) -> None:
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    length = float(np.linalg.norm(p1 - p0))
    if length < 1:
        return
    n = max(1, int(length / (2 * dash)))
    for k in range(n + 1):
        a = p0 + (p1 - p0) * min(1.0, (2 * k * dash) / length)
        b = p0 + (p1 - p0) * min(1.0, (2 * k * dash + dash) / length)
        cv2.line(frame, _pt(a), _pt(b), colour, thickness, cv2.LINE_AA)


def _direction_deg(v: np.ndarray) -> float:
    """Direction of an image vector in OpenCV's ellipse convention (y down)."""
    return math.degrees(math.atan2(float(v[1]), float(v[0])))


def _arc(
    frame: np.ndarray,
    centre,
    radius: float,
    from_deg: float,
    to_deg: float,
    colour: Colour,
    thickness: int,
) -> float:
    """Arc from one direction to another the short way; returns its mid direction."""
    diff = (to_deg - from_deg + 180.0) % 360.0 - 180.0
    start, end = from_deg, from_deg + diff
    r = max(1, int(round(radius)))
    cv2.ellipse(
        frame,
        _pt(centre),
        (r, r),
        0.0,
        min(start, end),
        max(start, end),
        colour,
        thickness,
        cv2.LINE_AA,
    )
    return from_deg + diff / 2


def side_label(
    frame: np.ndarray,
    text: str,
    point,
    side: float,
    *,
    style: Style,
    colour: Colour,
    gap: float = 14.0,
    other=None,
) -> None:
    """Label beside ``point``: its near edge ``gap`` design pixels to the right
    (``side > 0``) or left of it, vertically centred on it. Without room on that
    side it goes on the other side of ``other`` (default ``point``)."""
    other = point if other is None else other
    tw, th, base = text_size(text, style)
    bw, bh = tw + 2 * style.pad, th + base + 2 * style.pad
    g = gap * style.unit
    x = point[0] + g if side >= 0 else point[0] - g - bw
    # No room on that side (runner at the frame edge): use the other side.
    if side >= 0 and x + bw > frame.shape[1]:
        x = other[0] - g - bw
    elif side < 0 and x < 0:
        x = other[0] + g
    draw_label(frame, text, (x, point[1] - bh / 2), style=style, colour=colour)


def fmt_deg(value: float, signed: bool = False) -> str:
    """``"12°"`` / ``"+12°"``; ``"?"`` for NaN."""
    if value is None or not math.isfinite(value):
        return "?"
    return f"{value:+.0f}°" if signed else f"{value:.0f}°"


# --- skeleton --------------------------------------------------------------------


def draw_skeleton(
    frame: np.ndarray,
    xy: np.ndarray,
    visibility: np.ndarray | None = None,
    *,
    near: str | None = None,
    style: Style | None = None,
) -> np.ndarray:
    """Bones and joints, left blue and right orange.

    Args:
        xy: ``(33, 2)`` landmark pixels of this frame (NaN = unknown, not drawn).
        visibility: ``(33,)``; landmarks below :data:`FADE_VISIBILITY` (and bones
            touching them) are drawn faded.
        near: in a side view, the side nearer the camera (``"left"``/``"right"``);
            the far side is drawn thinner and dimmer. None draws both alike.
    """
    style = style or Style.for_frame(frame)
    vis = np.ones(len(xy)) if visibility is None else np.nan_to_num(visibility)
    faded = frame.copy()  # faded layer, blended once at the end
    any_faded = False

    def side_of(i: int) -> str | None:
        return "left" if i in _LEFT_IDS else "right" if i in _RIGHT_IDS else None

    def weight(i: int) -> tuple[Colour, int]:
        side = side_of(i)
        colour = side_colour(side)
        far = near is not None and side is not None and side != near
        if far:
            colour = tuple(int(c * 0.65) for c in colour)
            return colour, max(1, style.line // 2)
        return colour, style.line

    for a, b in SKELETON_EDGES:
        a, b = int(a), int(b)
        if not _ok(xy[a], xy[b]):
            continue
        # Bones across the body (shoulder-shoulder, hip-hip) are centre-coloured.
        key = a if side_of(a) == side_of(b) else -1
        colour, thick = weight(key) if key >= 0 else (CENTRE, max(1, style.line - 1))
        low = min(vis[a], vis[b]) < FADE_VISIBILITY
        any_faded |= low
        cv2.line(
            faded if low else frame, _pt(xy[a]), _pt(xy[b]), colour, thick, cv2.LINE_AA
        )
    # Neck: shoulder midpoint to the head (nose), so the head is attached.
    sh = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
    head = xy[L.NOSE]
    if _ok(sh, head):
        cv2.line(frame, _pt(sh), _pt(head), CENTRE, max(1, style.line - 1), cv2.LINE_AA)
    for i in _BODY_IDS:
        if not _ok(xy[i]):
            continue
        colour, thick = weight(i)
        low = vis[i] < FADE_VISIBILITY
        any_faded |= low
        r = style.point if thick == style.line else max(2, style.point - 2)
        target = faded if low else frame
        cv2.circle(target, _pt(xy[i]), r, colour, -1, cv2.LINE_AA)
        cv2.circle(target, _pt(xy[i]), r, (20, 20, 20), 1, cv2.LINE_AA)
    if any_faded:
        cv2.addWeighted(faded, 0.35, frame, 0.65, 0, dst=frame)
    return frame


# --- angles ----------------------------------------------------------------------


def draw_segment_from_vertical(
    frame: np.ndarray,
    bottom: np.ndarray,
    top: np.ndarray,
    value_deg: float,
    label: str,
    *,
    style: Style | None = None,
    colour: Colour = ANGLE,
    label_side: float = -1.0,
    label_x: float | None = None,
) -> np.ndarray:
    """A segment's angle from vertical: the segment, a dashed vertical, arc, number.

    Used for trunk lean (hip midpoint -> shoulder midpoint) in side views and for the
    sideways trunk lean in rear/front views. ``value_deg`` is the reported metric
    (so the label always matches the report); the drawing shows where it is measured.
    The label goes beside the segment on ``label_side`` (+1 right, -1 left), clear of
    ``label_x`` if given (e.g. the outer shoulder in a rear view).
    """
    style = style or Style.for_frame(frame)
    if not _ok(bottom, top):
        return frame
    seg = top - bottom
    length = float(np.linalg.norm(seg))
    if length < 4:
        return frame
    _dashed_line(
        frame,
        bottom,
        bottom + np.array([0.0, -length * 1.05]),
        REFERENCE,
        max(1, style.line // 2),
        6 * style.unit,
    )
    cv2.line(frame, _pt(bottom), _pt(top), colour, style.line, cv2.LINE_AA)
    radius = 0.4 * length
    _arc(
        frame,
        bottom,
        radius,
        -90.0,
        _direction_deg(seg),
        colour,
        max(1, style.line // 2 + 1),
    )
    # Beside the segment's middle, on ``label_side`` (behind the back in a side view),
    # so the number never covers the line it measures.
    mid = bottom + seg * 0.55
    edge = max(bottom[0], top[0]) if label_side >= 0 else min(bottom[0], top[0])
    edge = edge if label_x is None else label_x
    side_label(
        frame,
        f"{label} {fmt_deg(value_deg)}",
        (edge, mid[1]),
        label_side,
        style=style,
        colour=colour,
    )
    return frame


def draw_joint_flexion(
    frame: np.ndarray,
    proximal: np.ndarray,
    joint: np.ndarray,
    distal: np.ndarray,
    value_deg: float,
    label: str,
    *,
    style: Style | None = None,
    colour: Colour = ANGLE,
    label_side: float = 1.0,
) -> np.ndarray:
    """Flexion at a joint (knee): the proximal segment continued straight past the
    joint (dashed) and the arc from it to the distal segment, so the arc *is* the
    flexion angle (0° = straight)."""
    style = style or Style.for_frame(frame)
    if not _ok(proximal, joint, distal):
        return frame
    thigh = joint - proximal
    shank = distal - joint
    lt, ls = float(np.linalg.norm(thigh)), float(np.linalg.norm(shank))
    if lt < 4 or ls < 4:
        return frame
    ext = joint + thigh / lt * ls * 0.7
    _dashed_line(frame, joint, ext, REFERENCE, max(1, style.line // 2), 5 * style.unit)
    radius = 0.45 * ls
    _arc(
        frame,
        joint,
        radius,
        _direction_deg(thigh),
        _direction_deg(shank),
        colour,
        max(1, style.line // 2 + 1),
    )
    # In front of the joint (``label_side``: +1 right), clear of the other leg.
    side_label(
        frame,
        f"{label} {fmt_deg(value_deg)}",
        joint,
        label_side,
        style=style,
        colour=colour,
        gap=18.0,
    )
    return frame


def draw_segment_from_horizontal(
    frame: np.ndarray,
    back: np.ndarray,
    front: np.ndarray,
    value_deg: float,
    label: str,
    *,
    style: Style | None = None,
    colour: Colour = ANGLE,
    label_below: bool = True,
    text: str | None = None,
    label_at_end: bool = False,
) -> np.ndarray:
    """A segment's angle from horizontal (foot: heel -> toe; head: ear -> eye).

    Draws the segment extended a little, a dashed horizontal through ``back`` pointing
    the segment's way, the arc and the number. ``text`` replaces the default label
    ``"<label> +12°"``; ``label_at_end`` puts it beyond the segment's far end (for the
    head: in front of the face) instead of below or above it.
    """
    style = style or Style.for_frame(frame)
    if not _ok(back, front):
        return frame
    seg = front - back
    length = float(np.linalg.norm(seg))
    if length < 3:
        return frame
    reach = max(length * 1.4, 40 * style.unit)
    u = seg / length
    cv2.line(frame, _pt(back), _pt(back + u * reach), colour, style.line, cv2.LINE_AA)
    horiz = np.array([math.copysign(1.0, seg[0] or 1.0), 0.0])
    _dashed_line(
        frame,
        back,
        back + horiz * reach,
        REFERENCE,
        max(1, style.line // 2),
        5 * style.unit,
    )
    radius = 0.75 * reach
    _arc(
        frame,
        back,
        radius,
        _direction_deg(horiz),
        _direction_deg(seg),
        colour,
        max(1, style.line // 2 + 1),
    )
    text = text or f"{label} {fmt_deg(value_deg, signed=True)}"
    if label_at_end:
        # No room in front: behind ``back`` rather than over the segment.
        side_label(
            frame,
            text,
            back + u * reach,
            horiz[0],
            style=style,
            colour=colour,
            gap=6.0,
            other=back - horiz * 0.8 * reach,
        )
        return frame
    tw, th, base = text_size(text, style)
    x = back[0] + horiz[0] * reach * 0.5
    # Below the ground contact ring (see draw_event_marker), or above the segment.
    y = back[1] + (
        30 * style.unit
        if label_below
        else -(th + base + 2 * style.pad + 12 * style.unit)
    )
    draw_label(frame, text, (x, y), style=style, colour=colour, align="center")
    return frame


def draw_pelvis_line(
    frame: np.ndarray,
    xy: np.ndarray,
    tilt_deg: float,
    *,
    style: Style | None = None,
) -> np.ndarray:
    """Rear/front view: the hip line extended, a dashed horizontal, and the tilt.

    ``tilt_deg`` follows ``pelvis_tilt_deg`` (positive = runner's left hip higher).
    """
    style = style or Style.for_frame(frame)
    lh, rh = xy[L.LEFT_HIP], xy[L.RIGHT_HIP]
    if not _ok(lh, rh):
        return frame
    mid = (lh + rh) / 2
    half = (rh - lh) / 2
    if float(np.linalg.norm(half)) < 3:
        return frame
    a, b = mid - half * 2.2, mid + half * 2.2
    width = abs(float(b[0] - a[0]))
    _dashed_line(
        frame,
        (mid[0] - width / 2, mid[1]),
        (mid[0] + width / 2, mid[1]),
        REFERENCE,
        max(1, style.line // 2),
        6 * style.unit,
    )
    cv2.line(frame, _pt(a), _pt(b), ANGLE, style.line, cv2.LINE_AA)
    if tilt_deg is not None and math.isfinite(tilt_deg) and abs(tilt_deg) >= 0.5:
        higher = "L" if tilt_deg > 0 else "R"
        text = f"pelvis {abs(tilt_deg):.0f}° {higher} hip up"
    else:
        text = f"pelvis {fmt_deg(tilt_deg)}" if tilt_deg is not None else "pelvis ?"
    right = a if a[0] > b[0] else b
    side_label(frame, text, right, 1.0, style=style, colour=ANGLE, gap=8.0)
    return frame


# --- events, banner, header -----------------------------------------------------


def draw_event_marker(
    frame: np.ndarray,
    point: np.ndarray,
    label: str,
    *,
    colour: Colour,
    strength: float = 1.0,
    contact: bool = True,
    label_side: float = 1.0,
    style: Style | None = None,
) -> np.ndarray:
    """A ring on the ground at a foot event with a label (``"IC L"``, ``"TO R"``).

    Args:
        point: where the foot was at the event (pixels).
        strength: 1.0 at the event frame, fading toward 0 while it is held on screen.
        contact: rings for initial contact are solid and large, toe-off dashed-thin.
    """
    style = style or Style.for_frame(frame)
    if not _ok(point) or strength <= 0:
        return frame
    layer = frame.copy()
    r = int((22 if contact else 16) * style.unit)
    thick = style.line if contact else max(1, style.line // 2)
    cv2.circle(layer, _pt(point), r, colour, thick, cv2.LINE_AA)
    if contact:
        cv2.circle(layer, _pt(point), max(2, r // 4), colour, -1, cv2.LINE_AA)
    cv2.addWeighted(layer, float(strength), frame, 1 - float(strength), 0, dst=frame)
    if strength > 0.3:
        tw, th, base = text_size(label, style)
        bw = tw + 2 * style.pad
        x = point[0] + r + 2 * style.unit if label_side >= 0 else point[0] - r - bw
        draw_label(
            frame,
            label,
            (x, point[1] - r - th - base - style.pad),
            style=style,
            colour=colour,
            bg_alpha=0.6 * strength,
        )
    return frame


def banner_height(frame_shape: Sequence[int], scale: float = 1.0) -> int:
    """Height in pixels of the finding banner at the top of a frame of this shape
    (``scale`` as in :meth:`Style.for_frame`)."""
    h, w = frame_shape[:2]
    u = max(min(h, w), 120) / 720 * scale
    return int(round(54 * u))


def draw_banner(
    frame: np.ndarray,
    title: str,
    severity: str | None,
    *,
    detail: str = "",
    style: Style | None = None,
) -> np.ndarray:
    """Full-width band across the top: the finding being shown, coloured by severity.

    The band spans rows ``0 .. banner_height(frame.shape)``; the title is shrunk to
    fit the width (portrait phone videos are narrow).
    """
    style = style or Style.for_frame(frame)
    h, w = frame.shape[:2]
    bh = int(round(54 * style.unit))
    colour = SEVERITY.get(severity or "", SEVERITY["mild"])
    _blend_rect(frame, 0, 0, w, bh, colour, 0.85)
    text = title + (f"  ·  {detail}" if detail else "")
    text = text.replace("·", "-")
    scale = 1.15
    while scale > 0.5 and text_size(text, style, scale)[0] > w - 2 * style.pad:
        scale -= 0.05
    tw, th, base = text_size(text, style, scale)
    _put_text(
        frame,
        text,
        (style.pad * 2 if tw < w - 4 * style.pad else style.pad, (bh + th) // 2),
        style,
        (255, 255, 255),
        scale,
    )
    return frame


def draw_header(
    frame: np.ndarray,
    lines: Sequence[str],
    *,
    top: int = 0,
    style: Style | None = None,
) -> np.ndarray:
    """Small facts in the top-left corner (time, frame, cadence), one per line."""
    style = style or Style.for_frame(frame)
    y = top + style.pad
    for text in lines:
        draw_label(frame, text, (style.pad, y), style=style, scale=0.75)
        y += (
            text_size(text, style, 0.75)[1]
            + text_size(text, style, 0.75)[2]
            + 2 * style.pad
            + 2
        )
    return frame


def draw_legend(
    frame: np.ndarray,
    *,
    style: Style | None = None,
) -> np.ndarray:
    """ "L" / "R" colour key in the top-right corner (below a banner, if any)."""
    style = style or Style.for_frame(frame)
    w = frame.shape[1]
    top = int(round(54 * style.unit)) + style.pad
    tw, th, base = text_size("R right", style, 0.75)
    draw_label(
        frame,
        "L left",
        (w - style.pad, top),
        style=style,
        colour=LEFT,
        scale=0.75,
        align="right",
    )
    draw_label(
        frame,
        "R right",
        (w - style.pad, top + th + base + 2 * style.pad + 2),
        style=style,
        colour=RIGHT,
        scale=0.75,
        align="right",
    )
    return frame
