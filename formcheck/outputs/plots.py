"""Plots of one analysis as PNG files (matplotlib, Agg backend: no display needed).

* :func:`plot_time_series`: the key per-frame metrics of the view over time, one panel
  each, with initial contact (solid) and toe-off (dotted) marked by foot, and
  threshold bands.
* :func:`plot_steps`: per-step values, left foot vs right foot, as dots with the
  median, and threshold bands.

``bands`` maps a metric name to ``[(low, high, label, colour), ...]`` shaded
horizontal bands (``low``/``high`` may be None for open-ended; ``colour`` any
matplotlib colour). Keys are registry metric names (``trunk_lean_deg``,
``overstride_ll``, ...) or per-frame series names (``knee_flexion_left_deg``); the
knee and foot panels also accept ``knee_flexion_deg`` / ``foot_angle_deg``.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: never try to open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from formcheck.analysis import Analysis  # noqa: E402
from formcheck.atomic import atomic_path  # noqa: E402
from formcheck.metrics.registry import METRICS  # noqa: E402
from formcheck.outputs.annotate import LEFT, RIGHT  # noqa: E402

Band = tuple[float | None, float | None, str, str]
_DIGITS = {"deg": 1, "s": 3, "steps/min": 0, "cm": 1}
Bands = dict[str, list[Band]]

FOOT_COLOUR = {
    "left": tuple(c / 255 for c in LEFT),
    "right": tuple(c / 255 for c in RIGHT),
}
CENTRE_COLOUR = "#333333"


@dataclass(frozen=True)
class Panel:
    """One time-series panel: a title, the series it draws, unit and convention."""

    key: str
    title: str
    series: tuple[tuple[str, str | None], ...]  # (series name, foot or None)
    unit: str
    convention: str


SIDE_PANELS = (
    Panel(
        "trunk_lean_deg",
        "Trunk lean",
        (("trunk_lean_deg", None),),
        "deg",
        "hip→shoulder from vertical, + = leaning forward",
    ),
    Panel(
        "head_pitch_deg",
        "Head pitch",
        (("head_pitch_deg", None),),
        "deg",
        "ear→eye below horizontal, + = looking down",
    ),
    Panel(
        "knee_flexion_deg",
        "Knee flexion",
        (("knee_flexion_left_deg", "left"), ("knee_flexion_right_deg", "right")),
        "deg",
        "180 − hip-knee-ankle angle, 0 = straight",
    ),
    Panel(
        "foot_angle_deg",
        "Foot angle",
        (("foot_angle_left_deg", "left"), ("foot_angle_right_deg", "right")),
        "deg",
        "heel→toe above horizontal, + = toes up (heel first)",
    ),
)
REAR_PANELS = (
    Panel(
        "pelvis_tilt_deg",
        "Pelvis tilt",
        (("pelvis_tilt_deg", None),),
        "deg",
        "hip line from horizontal, + = runner's left hip higher",
    ),
    Panel(
        "lateral_trunk_lean_deg",
        "Sideways trunk lean",
        (("lateral_trunk_lean_deg", None),),
        "deg",
        "hip→shoulder from vertical in the picture, + = toward image right",
    ),
)

#: Per-step metrics plotted left vs right, by view.
SIDE_STEP_METRICS = (
    "overstride_ll",
    "foot_angle_ic_deg",
    "knee_flexion_ic_deg",
    "shank_angle_ic_deg",
    "contact_time_s",
    "step_time_s",
)
REAR_STEP_METRICS = (
    "pelvic_drop_deg",
    "step_width_hw",
    "arm_crossing_hw",
    "step_time_s",
)

_TITLES = {
    "overstride_ll": "Overstride at contact",
    "foot_angle_ic_deg": "Foot angle at contact",
    "knee_flexion_ic_deg": "Knee flexion at contact",
    "shank_angle_ic_deg": "Shank angle at contact",
    "contact_time_s": "Ground contact time",
    "step_time_s": "Step time",
    "pelvic_drop_deg": "Pelvic drop",
    "step_width_hw": "Step width",
    "arm_crossing_hw": "Arm crossing",
    "vertical_oscillation_ll": "Vertical oscillation",
    "vertical_oscillation_cm": "Vertical oscillation (cm)",
}


_UNIT_SUFFIXES = ("deg", "s", "ll", "tl", "hw", "spm", "cm")


def metric_title(name: str) -> str:
    """Readable name of a registry metric (``"trunk_lean_deg"`` -> "Trunk lean")."""
    if name in _TITLES:
        return _TITLES[name]
    base, _, suffix = name.rpartition("_")
    if not base or suffix not in _UNIT_SUFFIXES:
        base = name
    return base.replace("_", " ").capitalize()


def _panels(analysis: Analysis) -> Sequence[Panel]:
    kind = analysis.view.kind
    panels = (
        SIDE_PANELS
        if kind == "side"
        else REAR_PANELS
        if kind in ("rear", "front")
        else ()
    )
    return [
        p
        for p in panels
        if any(
            np.isfinite(analysis.series.get(s, np.array([np.nan]))).any()
            for s, _ in p.series
        )
    ]


def _bands_for(bands: Bands | None, *keys: str) -> list[Band]:
    if not bands:
        return []
    for k in keys:
        if k in bands:
            return list(bands[k])
    return []


def _draw_bands(ax, bands: list[Band], *, short: bool = False) -> None:
    """Shade and name threshold bands; ``short`` keeps only the text after the last
    ": " (the level, e.g. "mild") for narrow panels."""
    lo_lim, hi_lim = ax.get_ylim()
    for low, high, label, colour in bands:
        lo = lo_lim if low is None or not math.isfinite(low) else low
        hi = hi_lim if high is None or not math.isfinite(high) else high
        ax.axhspan(lo, hi, color=colour, alpha=0.15, lw=0, label=label, zorder=0)
        # Name the band on the plot: a legend alone makes the reader hunt.
        y = (max(lo, lo_lim) + min(hi, hi_lim)) / 2
        if short:
            label = label.rsplit(": ", 1)[-1]
        if lo_lim <= y <= hi_lim and label:
            ax.text(
                0.995,
                y,
                label,
                transform=ax.get_yaxis_transform(),
                fontsize=8.5,
                color=tuple(0.6 * c for c in to_rgb(colour)),  # readable on white
                va="center",
                ha="right",
                zorder=1.5,  # under the data
                bbox={"facecolor": "white", "alpha": 0.75, "lw": 0, "pad": 1.5},
            )
    ax.set_ylim(lo_lim, hi_lim)


def _save(fig: Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path


def plot_time_series(
    analysis: Analysis, path: str | os.PathLike[str], *, bands: Bands | None = None
) -> Path | None:
    """Key per-frame metrics over time with IC/TO marks; None if nothing to plot."""
    panels = _panels(analysis)
    if not panels:
        return None
    t = analysis.clean.time_s
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(10, 2.3 * len(panels) + 0.8),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        for name, foot in panel.series:
            s = analysis.series.get(name)
            if s is None:
                continue
            colour = FOOT_COLOUR.get(foot, CENTRE_COLOUR)
            ax.plot(t, s, color=colour, lw=1.8, label=f"{foot}" if foot else None)
        for e in analysis.events:
            ax.axvline(
                e.time_s,
                color=FOOT_COLOUR[e.foot],
                ls="-" if e.type == "initial_contact" else ":",
                lw=1.0 if e.type == "initial_contact" else 0.9,
                alpha=0.55 if e.type == "initial_contact" else 0.45,
                zorder=1,
            )
        ax.margins(y=0.15)
        _draw_bands(ax, _bands_for(bands, panel.key, *(s for s, _ in panel.series)))
        ax.set_title(f"{panel.title}  —  {panel.convention}", loc="left", fontsize=11)
        ax.set_ylabel(panel.unit)
        ax.grid(alpha=0.25)
    axes[-1, 0].set_xlabel("time (s)")
    handles = []
    if analysis.events or any(foot for p in panels for _, foot in p.series):
        handles = [
            Line2D([], [], color=FOOT_COLOUR["left"], lw=2, label="left"),
            Line2D([], [], color=FOOT_COLOUR["right"], lw=2, label="right"),
        ]
    if analysis.events:
        handles += [
            Line2D([], [], color="grey", lw=1, label="initial contact (IC)"),
            Line2D([], [], color="grey", lw=1, ls=":", label="toe-off (TO)"),
        ]
    if handles:
        fig.legend(
            handles=handles,
            loc="outside upper right",
            ncols=len(handles),
            fontsize=9,
            frameon=False,
        )
    fig.suptitle(
        "Over time" + ("" if analysis.events else "  (no steps detected)"),
        x=0.01,
        ha="left",
        fontsize=13,
        fontweight="bold",
    )
    return _save(fig, Path(path))


def plot_steps(
    analysis: Analysis, path: str | os.PathLike[str], *, bands: Bands | None = None
) -> Path | None:
    """Per-step values, left vs right; None if there are no steps."""
    names = SIDE_STEP_METRICS if analysis.view.kind == "side" else REAR_STEP_METRICS
    values = {
        n: {
            foot: np.array(
                [st.values.get(n, np.nan) for st in analysis.steps if st.foot == foot],
                float,
            )
            for foot in ("left", "right")
        }
        for n in names
    }
    names = [n for n in names if any(np.isfinite(v).any() for v in values[n].values())]
    if not names:
        return None
    ncols = 3 if len(names) > 4 else 2
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(3.6 * ncols, 3.3 * nrows + 0.6),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        mdef = METRICS.get(name)
        for x, foot in enumerate(("left", "right")):
            v = values[name][foot]
            v = v[np.isfinite(v)]
            if not v.size:
                continue
            jitter = np.linspace(-0.12, 0.12, v.size) if v.size > 1 else np.zeros(1)
            ax.scatter(
                x + jitter,
                v,
                s=36,
                color=FOOT_COLOUR[foot],
                alpha=0.8,
                edgecolor="white",
                lw=0.5,
                zorder=3,
            )
            med = float(np.median(v))
            ax.hlines(med, x - 0.28, x + 0.28, color="black", lw=2.2, zorder=4)
            ax.text(
                x + 0.3,
                med,
                f"{med:.{_DIGITS.get(mdef.unit if mdef else '', 2)}f}",
                va="center",
                fontsize=9,
                zorder=5,
            )
        ax.set_xlim(-0.6, 1.75)
        ax.set_xticks([0, 1], ["left", "right"])
        ax.margins(y=0.2)
        _draw_bands(ax, _bands_for(bands, name), short=True)
        ax.set_title(
            metric_title(name),
            loc="left",
            fontsize=11,
            fontweight="bold",
            pad=16 if mdef is not None else 6,
        )
        if mdef is not None:
            ax.set_ylabel(mdef.unit)
            ax.text(
                0,
                1.015,
                textwrap.shorten(mdef.description, 62, placeholder="…"),
                transform=ax.transAxes,
                fontsize=7.5,
                color="#555555",
                va="bottom",
            )
        ax.grid(axis="y", alpha=0.25)
    fig.suptitle(
        "Step by step: left vs right (bar = median)",
        x=0.01,
        ha="left",
        fontsize=13,
        fontweight="bold",
    )
    return _save(fig, Path(path))


def write_plots(
    analysis: Analysis, out_dir: str | os.PathLike[str], *, bands: Bands | None = None
) -> list[Path]:
    """Write every plot that has data into ``out_dir``; returns the paths written."""
    out = Path(out_dir)
    written = [
        plot_time_series(analysis, out / "metrics_over_time.png", bands=bands),
        plot_steps(analysis, out / "steps_left_right.png", bands=bands),
    ]
    return [p for p in written if p is not None]
