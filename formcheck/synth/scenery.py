"""The synthetic clip's backgrounds, drawn in world metres through the frame's camera.

Everything behind the runner is a polygon in world metres (x forward, y up, ground
at 0) projected through the frame's :class:`~formcheck.synth.camera.FrameView`, so
it moves, zooms and rolls exactly as the camera says. Two backgrounds:

- "plain": a wall and a floor, a mark every metre and a post every 3 m overground -
  few features, as a plain gym or corridor gives a camera tracker;
- "textured": a street (houses with cladding and windows, trees, garden walls,
  clouds, a path with stones and a kerb) with corners at several scales. It is made
  lazily in cells of ``CELL_M`` along x, each from its own seeded random stream
  (:func:`_scenery_cell`): endless, the same wherever and whenever it is drawn, and
  only the cells in view are built.

A treadmill (its belt moving back under the runner) sits on either background.
Sizes of the plain background and the treadmill are given in pixels of the first
frame (``s0`` px per metre), as the renderer has always drawn them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from formcheck.synth.camera import (
    GROUND_ROW,
    SHIFT,
    STREAM_SCENERY,
    FrameView,
    random_stream,
)

if TYPE_CHECKING:
    # Only for annotations: render imports this module, so a runtime import would
    # be circular.
    from formcheck.synth.render import SceneParams

# Colours (RGB).
WALL_TOP = (214, 220, 226)
WALL_BOTTOM = (190, 196, 204)
FLOOR = (150, 140, 128)
BELT = (55, 55, 60)
GROUND_LINE = (110, 104, 96)
# The textured street: muted greys, greens and beiges, nothing skin-coloured, so the
# runner stands out and no background shape reads as a limb.
SKY_LOW = (214, 222, 230)
SKY_HIGH = (176, 194, 216)
PATH = (146, 138, 124)
KERB = (178, 174, 166)
KERB_JOINT = (122, 118, 110)

#: The textured street is made in cells this long (m) along x, each from its own
#: seeded random stream: endless, and the same wherever and whenever it is drawn.
CELL_M = 3.0
Colour = tuple[int, int, int]


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def _fill(
    img: np.ndarray, view: FrameView, polys: list[np.ndarray], colour, aa: bool = True
) -> None:
    if polys:
        line = cv2.LINE_AA if aa else cv2.LINE_8
        pts = [view.fixed(p) for p in polys]
        cv2.fillPoly(img, pts, tuple(int(c) for c in colour), line, shift=SHIFT)


def _bands(
    img: np.ndarray,
    view: FrameView,
    y_range: tuple[float, float],
    colours: tuple[Colour, Colour],
    n: int = 24,
) -> None:
    """A vertical gradient between ``y_range`` (m) as ``n`` flat bands; the top band
    goes on up to the top of the frame (bands, not a per-pixel ramp: a rolled camera
    turns them like everything else, and the old ramp had 1-level steps anyway)."""
    x0, x1, y0, y1 = view.world_box()
    edges = np.linspace(*y_range, n + 1)
    edges[-1] = max(edges[-1], y1)
    lo, hi = np.array(colours[0], float), np.array(colours[1], float)
    for k in range(n):
        if edges[k + 1] < y0 or edges[k] > y1:
            continue
        colour = np.round(lo + (hi - lo) * (k + 0.5) / n)
        _fill(img, view, [_rect(x0, edges[k], x1, edges[k + 1])], colour, aa=False)


def _draw_plain(
    img: np.ndarray, view: FrameView, scene: SceneParams, s0: float
) -> None:
    """A wall and a floor; overground, a mark every metre and a post every 3 m (few
    features, sized in pixels of the first frame as the renderer always drew them)."""
    px = 1 / s0
    h = scene.height
    _bands(img, view, (0.0, GROUND_ROW * h * px), (WALL_BOTTOM, WALL_TOP))
    if scene.treadmill:
        return
    x0, x1, _, _ = view.world_box()
    metres = range(math.ceil(x0), math.floor(x1) + 1)
    ticks = [_rect(k - px, -0.05 * h * px, k + px, 0.0) for k in metres]
    _fill(img, view, ticks, (120, 110, 100))
    half = max(2, scene.width // 160) * px / 2
    top = (GROUND_ROW - 0.35) * h * px
    posts = [_rect(k - half, 0.0, k + half, top) for k in metres if k % 3 == 0]
    _fill(img, view, posts, (170, 170, 176))


def _draw_ground_line(img: np.ndarray, view: FrameView, s0: float) -> None:
    x0, x1, _, _ = view.world_box()
    _fill(img, view, [_rect(x0, -1 / s0, x1, 1 / s0)], GROUND_LINE)


def _draw_treadmill(
    img: np.ndarray, view: FrameView, scene: SceneParams, s0: float, belt_m: float
) -> None:
    """The belt (its stripes ``belt_m`` moved back) and the console post in front."""
    px = 1 / s0
    w, h = scene.width, scene.height
    half = 0.38 * w * px
    top, bottom = max(2, int(0.012 * h)) * px, -int(0.03 * h) * px
    _fill(img, view, [_rect(-half, bottom, half, top)], BELT)
    xs = np.arange(-half + (half - belt_m) % 0.5, half, 0.5)
    stripes = [_rect(x - px / 2, bottom + px, x + px / 2, top - px) for x in xs]
    _fill(img, view, stripes, (80, 80, 86))
    post = _rect(half, 0.0, half + 0.02 * w * px, (GROUND_ROW - 0.55) * h * px)
    _fill(img, view, [post], (90, 90, 96))


@dataclass(frozen=True)
class _Cell:
    """One cell of the textured street: polygons in world metres, drawn by layer.

    ``verts`` holds every polygon's vertices; each group is ``(layer, colour,
    spans)`` with a ``(start, stop)`` row span of ``verts`` per polygon. The polygons
    of one layer and colour never overlap (one cv2 call fills overlaps as holes), so
    a group is one call.
    """

    verts: np.ndarray
    groups: tuple[tuple[int, Colour, tuple[tuple[int, int], ...]], ...]


class _CellBuilder:
    def __init__(self) -> None:
        self.verts: list[np.ndarray] = []
        self.n = 0
        self.groups: list[tuple[int, Colour, tuple[tuple[int, int], ...]]] = []

    def add(self, layer: int, colour, polys: list[np.ndarray]) -> None:
        spans = []
        for p in polys:
            spans.append((self.n, self.n + len(p)))
            self.verts.append(p)
            self.n += len(p)
        if spans:
            rgb = tuple(int(np.clip(round(c), 0, 255)) for c in colour)
            self.groups.append((layer, rgb, tuple(spans)))

    def build(self) -> _Cell:
        verts = np.concatenate(self.verts) if self.verts else np.zeros((0, 2))
        return _Cell(verts, tuple(self.groups))


def _muted(rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    """A grey between ``lo`` and ``hi`` with a faint warm, cool or no tint."""
    g = rng.uniform(lo, hi)
    tint = ((8, 4, -2), (-2, 2, 8), (0, 0, 0))[rng.integers(3)]
    return g + np.array(tint, float)


def _blob(
    rng: np.random.Generator, cx: float, cy: float, rx: float, ry: float, n: int
) -> np.ndarray:
    """An irregular convex-ish polygon (star-shaped, so always simple)."""
    ang = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = rng.uniform(0.7, 1.0, n)
    return np.stack([cx + rx * rad * np.cos(ang), cy + ry * rad * np.sin(ang)], -1)


# Draw order of the street's shapes, back to front.
(
    _CLOUD,
    _FACE,
    _CLADDING,
    _FRAME,
    _PANE,
    _NEAR,
    _NEAR_DETAIL,
    _PATCH,
    _STONE,
    _KERB,
    _JOINT,
) = range(11)


def _bond(
    rng: np.random.Generator,
    box: tuple[float, float, float, float],
    unit: tuple[float, float],
    gap: float,
    n_shades: int,
) -> list[list[np.ndarray]]:
    """Blocks in running bond filling ``box`` (x0, y0, x1, y1), ``gap`` apart, each
    given one of ``n_shades`` shades at random: corners every block or so."""
    x0, y0, x1, y1 = box
    bw, bh = unit
    shades: list[list[np.ndarray]] = [[] for _ in range(n_shades)]
    courses = max(1, round((y1 - y0) / bh))
    bh = (y1 - y0) / courses
    for c in range(courses):
        x = x0 - (c % 2) * bw / 2
        while x < x1:
            a, z = max(x, x0) + gap, min(x + bw, x1) - gap
            if z - a > 2 * gap:
                block = _rect(a, y0 + c * bh + gap, z, y0 + (c + 1) * bh - gap)
                shades[int(rng.integers(n_shades))].append(block)
            x += bw
    return shades


def _window(
    rng: np.random.Generator, box: tuple[float, float, float, float], bar: float
) -> list[np.ndarray]:
    """The panes of a window (1-3 across, 2-3 high) inside its frame ``box``."""
    x0, y0, x1, y1 = box
    nx, ny = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    pw, ph = (x1 - x0 - bar) / nx, (y1 - y0 - bar) / ny
    return [
        _rect(
            x0 + bar + i * pw, y0 + bar + j * ph, x0 + (i + 1) * pw, y0 + (j + 1) * ph
        )
        for i in range(nx)
        for j in range(ny)
    ]


def _building(b: _CellBuilder, rng: np.random.Generator, x0: float) -> None:
    """A house front, 2.4-6 m tall: cladding panels in running bond (0.3-0.9 m), a
    roof trim, and a grid of framed windows of 2-9 panes (glass or blinds, some
    missing): corners at every scale from a pane to the skyline."""
    left, right = x0 + rng.uniform(0, 0.6), x0 + CELL_M - rng.uniform(0, 0.6)
    top = rng.uniform(2.4, 6.0)
    face = _muted(rng, 150, 200)
    b.add(_FACE, face - 20, [_rect(left, 0, right, top)])
    unit = (rng.uniform(0.4, 0.9), rng.uniform(0.2, 0.45))
    for k, panels in enumerate(_bond(rng, (left, 0, right, top), unit, 0.012, 3)):
        b.add(_CLADDING, face + 7 * (k - 1), panels)
    b.add(_FRAME, face - 30, [_rect(left, top - 0.18, right, top)])
    ww, wh = rng.uniform(0.3, 0.6), rng.uniform(0.45, 0.85)
    gx, gy = rng.uniform(0.3, 0.7), rng.uniform(0.35, 0.6)
    cols = max(1, int((right - left - 0.3 + gx) // (ww + gx)))
    first = left + (right - left - cols * ww - (cols - 1) * gx) / 2
    frames, glass, blinds = [], [], []
    y = rng.uniform(0.5, 1.1)
    while y + wh < top - 0.35:
        for c in range(cols):
            box = (first + c * (ww + gx), y, first + c * (ww + gx) + ww, y + wh)
            pick = rng.random()
            if pick >= 0.1:
                frames.append(_rect(*box))
                panes = _window(rng, box, 0.04)
                (blinds if pick < 0.3 else glass).extend(panes)
        y += wh + gy
    b.add(_FRAME, face - 38, frames)
    b.add(_PANE, face - rng.uniform(10, 25) + np.array([-4, 0, 8]), glass)
    b.add(_PANE, face + 10, blinds)


def _cloud(b: _CellBuilder, rng: np.random.Generator, x0: float) -> None:
    """Clouds high up (3.5-9 m), one per half cell at most: a sky with features for
    a camera zoomed out or tilted up."""
    for half in (0.0, CELL_M / 2):
        if rng.random() < 0.6:
            rx, ry = rng.uniform(0.3, 0.7), rng.uniform(0.12, 0.3)
            cx = x0 + half + CELL_M / 4 + rng.uniform(-1, 1) * (CELL_M / 4 - rx)
            shade = np.array([234, 238, 242]) - rng.uniform(0, 12)
            b.add(_CLOUD, shade, [_blob(rng, cx, rng.uniform(3.5, 9.0), rx, ry, 10)])


def _tree(b: _CellBuilder, rng: np.random.Generator, x0: float) -> None:
    cx = x0 + CELL_M / 2 + rng.uniform(-0.4, 0.4)
    tw, th = rng.uniform(0.15, 0.3), rng.uniform(1.0, 1.8)
    bark = _muted(rng, 95, 115) + (10, 2, -8)
    b.add(_NEAR, bark, [_rect(cx - tw / 2, 0, cx + tw / 2, th)])
    rx, ry = rng.uniform(0.5, 1.0), rng.uniform(0.5, 0.9)
    canopy = _blob(rng, cx, th + 0.6 * ry, rx, ry, 11)
    green = np.array([104, 128, 96]) + rng.uniform(-12, 12, 3)
    b.add(_NEAR_DETAIL, green, [canopy])


def _low_wall(b: _CellBuilder, rng: np.random.Generator, x0: float) -> None:
    """A garden wall of blocks in running bond, 0.35-0.6 m tall (muted, so the
    shins in front of it stay clear)."""
    left, right = x0 + rng.uniform(0, 0.5), x0 + CELL_M - rng.uniform(0, 0.5)
    top = rng.uniform(0.35, 0.6)
    mortar = _muted(rng, 150, 175)
    b.add(_NEAR, mortar, [_rect(left, 0, right, top)])
    unit = (rng.uniform(0.25, 0.45), top / int(rng.integers(2, 4)))
    for k, blocks in enumerate(_bond(rng, (left, 0, right, top), unit, 0.012, 3)):
        b.add(_NEAR_DETAIL, mortar + 6 + 6 * k, blocks)


def _ground(b: _CellBuilder, rng: np.random.Generator, x0: float) -> None:
    """The path in front: worn patches (0.3-0.9 m), gravel (3-8 cm) along the kerb,
    stones (4-14 cm) further out, and a kerb with a joint every 0.6 m. Each patch
    and stone keeps to its own slot of a grid, so none overlap."""
    patches: list[list[np.ndarray]] = [[], []]
    for sx in np.arange(x0, x0 + CELL_M - 1e-9, 1.0):
        for sy in np.arange(-0.2, -1.3, -0.4):
            if rng.random() < 0.5:
                rx, ry = rng.uniform(0.15, 0.45), rng.uniform(0.06, 0.18)
                cx = sx + 0.5 + rng.uniform(-1, 1) * (0.5 - rx)
                cy = sy - 0.2 + rng.uniform(-1, 1) * (0.2 - ry)
                patches[int(rng.integers(2))].append(_blob(rng, cx, cy, rx, ry, 8))
    b.add(_PATCH, np.array(PATH) - 13, patches[0])
    b.add(_PATCH, np.array(PATH) + 11, patches[1])
    stones: list[list[np.ndarray]] = [[] for _ in range(6)]
    for (top, bottom), (sw, sh), r_max in (
        ((-0.065, -0.2), (0.1, 0.045), 0.02),
        ((-0.2, -1.0), (0.22, 0.16), 0.07),
    ):
        for sx in np.arange(x0, x0 + CELL_M - sw + 1e-9, sw):
            for sy in np.arange(top, bottom + 1e-9, -sh):
                if rng.random() < 0.65:
                    r = rng.uniform(0.3, 1.0) * r_max
                    cx = sx + sw / 2 + rng.uniform(-1, 1) * (sw / 2 - r)
                    cy = sy - sh / 2 + rng.uniform(-1, 1) * (sh / 2 - r)
                    poly = _blob(rng, cx, cy, r, r * rng.uniform(0.5, 1.0), 6)
                    stones[int(rng.integers(6))].append(poly)
    for k, polys in enumerate(stones):
        b.add(_STONE, np.array([106, 102, 96]) + 17 * k, polys)
    b.add(_KERB, KERB, [_rect(x0, -0.06, x0 + CELL_M, 0.0)])
    joints = x0 + 0.3 + 0.6 * np.arange(5)
    b.add(_JOINT, KERB_JOINT, [_rect(x - 0.01, -0.06, x + 0.01, 0.0) for x in joints])


@functools.lru_cache(maxsize=256)
def _scenery_cell(seed: int, k: int) -> _Cell:
    """Cell ``k`` (world x from ``k * CELL_M``) of the street of ``seed``."""
    rng = random_stream(seed, STREAM_SCENERY, k)
    x0 = k * CELL_M
    b = _CellBuilder()
    _cloud(b, rng, x0)
    if rng.random() < 0.85:
        _building(b, rng, x0)
    if rng.random() < 0.5:
        _tree(b, rng, x0)
    elif rng.random() < 0.6:
        _low_wall(b, rng, x0)
    _ground(b, rng, x0)
    return b.build()


def _draw_textured(img: np.ndarray, view: FrameView, seed: int) -> None:
    """Sky, then every visible cell's shapes layer by layer."""
    x0, x1, _, _ = view.world_box()
    _bands(img, view, (0.0, 7.0), (SKY_LOW, SKY_HIGH))
    calls: dict[tuple[int, Colour], list[np.ndarray]] = {}
    # A cell's shapes stay within it, so the cells overlapping the frame are enough.
    for k in range(math.floor(x0 / CELL_M), math.floor(x1 / CELL_M) + 1):
        cell = _scenery_cell(seed, k)
        px = view.fixed(cell.verts)
        for layer, colour, spans in cell.groups:
            calls.setdefault((layer, colour), []).extend(px[a:z] for a, z in spans)
    for (_, colour), polys in sorted(calls.items(), key=lambda kv: kv[0][0]):
        cv2.fillPoly(img, polys, colour, cv2.LINE_AA, shift=SHIFT)


def draw_background(
    img: np.ndarray, view: FrameView, scene: SceneParams, s0: float, belt_m: float
) -> None:
    """Everything behind the runner: the background, and the treadmill with its belt
    moved ``belt_m`` back (ignored overground)."""
    textured = scene.background == "textured"
    # Below the ground everywhere first; the backgrounds draw from the ground up.
    # (cv2 fills a frame ~50x faster than numpy broadcasts a colour into it.)
    ground = PATH if textured else FLOOR
    cv2.rectangle(img, (0, 0), (scene.width, scene.height), ground, -1)
    if textured:
        _draw_textured(img, view, scene.seed)
    else:
        _draw_plain(img, view, scene, s0)
    if scene.treadmill:
        _draw_treadmill(img, view, scene, s0, belt_m)
    if not textured:
        _draw_ground_line(img, view, s0)
