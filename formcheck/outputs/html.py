"""The HTML report: one self-contained file a runner or coach opens on any device.

Everything is inline (CSS in a ``<style>`` block, images as base64 ``data:`` URIs):
no scripts, fonts or requests to other servers, so it works offline, attached to an
e-mail or from a phone's downloads. All text from the analysis is escaped.
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from formcheck.analysis import Analysis
from formcheck.metrics.registry import METRICS
from formcheck.outputs.plots import metric_title
from formcheck.outputs.video import counted_units
from formcheck.report import step_rows
from formcheck.rules.types import Finding

HEALTH_NOTE = (
    "Pain that persists or gets worse needs a health professional, not a form fix."
)
_SEVERITY_RANK = {"marked": 3, "moderate": 2, "mild": 1}
_SEVERITY_COLOUR = {"mild": "#b88a00", "moderate": "#d35f00", "marked": "#c62828"}
_DIGITS = {"deg": 1, "s": 3, "steps/min": 0, "cm": 1}

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,
 "Helvetica Neue",Arial,sans-serif;color:#1d1d1f;background:#f4f5f7}
main{max-width:920px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:2px solid #e1e3e8;padding-bottom:.2em}
h3{margin:0 0 .3em;font-size:1.1em}
.facts{color:#555;font-size:.95em}
.facts span{display:inline-block;margin-right:1em}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:12px 0;
 box-shadow:0 1px 3px rgba(0,0,0,.08)}
.headline li{margin:.3em 0}
.sev{display:inline-block;color:#fff;border-radius:4px;padding:0 .5em;font-size:.8em;
 font-weight:600;text-transform:uppercase;letter-spacing:.03em;vertical-align:middle}
.card.flag{border-left:6px solid #999}
.num{font-variant-numeric:tabular-nums}
.cue{background:#eef6ee;border-radius:6px;padding:8px 10px;margin:8px 0;font-weight:600}
.why{color:#444}
.meta{color:#555;font-size:.9em}
.bar{display:inline-block;width:80px;height:8px;background:#e1e3e8;border-radius:4px;
 vertical-align:middle;overflow:hidden}
.bar i{display:block;height:100%;background:#4a8fe7}
figure{margin:10px 0}
img{max-width:100%;height:auto;border-radius:6px;display:block}
figcaption{font-size:.85em;color:#555}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border-radius:8px;
 box-shadow:0 1px 3px rgba(0,0,0,.08)}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{padding:6px 8px;border-bottom:1px solid #eceef2;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#fafbfc;position:sticky;top:0}
tr.omitted td{color:#888}
td.reason{text-align:left;white-space:normal;min-width:12em}
.ok li,.nj li{margin:.35em 0}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:10px 12px;border-radius:6px}
.health{background:#fdecea;border-left:4px solid #c62828;padding:10px 12px;
 border-radius:6px;font-weight:600}
footer{color:#888;font-size:.8em;margin:2em 0 1em}
@media (max-width:600px){body{font-size:15px}main{padding:10px}
 h1{font-size:1.35em}.card{padding:12px}}
"""


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def fmt_value(value: float | None, unit: str = "") -> str:
    """A number with as many digits as its unit deserves; "–" for none."""
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    return f"{value:.{_DIGITS.get(unit, 2)}f}"


def rank_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Flagged findings, most important first (score, then severity)."""
    flagged = [f for f in findings if f.status == "flagged"]
    return sorted(
        flagged, key=lambda f: (-f.score, -_SEVERITY_RANK.get(f.severity or "", 0))
    )


def _sev(f: Finding) -> str:
    if not f.severity:
        return ""
    colour = _SEVERITY_COLOUR.get(f.severity, "#666")
    return f'<span class="sev" style="background:{colour}">{_e(f.severity)}</span>'


def _evidence_lines(f: Finding, n_steps: int) -> list[str]:
    ev = f.evidence
    if ev is None:
        return []
    out = []
    if ev.value is not None and math.isfinite(ev.value):
        word = "above" if ev.comparison == ">" else "below"
        thr = (
            f" — flagged {word} {fmt_value(ev.threshold, ev.unit)}"
            if ev.threshold is not None
            else ""
        )
        name = metric_title(ev.metric) if ev.metric in METRICS else ev.metric
        out.append(
            f"{_e(name)}: <b class=num>{_e(fmt_value(ev.value, ev.unit))}</b> "
            f"{_e(ev.unit)}{_e(thr)}"
        )
    if ev.steps_total:
        out.append(
            f"Seen in <b>{ev.steps_affected} of {ev.steps_total}</b> "
            f"{counted_units(f, n_steps)} "
            f"({100 * ev.fraction:.0f}%)"
        )
    if ev.time_ranges:
        spans = ", ".join(f"{a:.1f}–{b:.1f} s" for a, b in ev.time_ranges[:6])
        more = " …" if len(ev.time_ranges) > 6 else ""
        out.append(f"Where: {_e(spans)}{more}")
    pct = max(0.0, min(1.0, ev.confidence)) * 100
    out.append(
        f'Confidence: <span class=bar><i style="width:{pct:.0f}%"></i></span> '
        f"{pct:.0f}%"
    )
    return out


def _message(f: Finding) -> str:
    """The finding's message without a leading repeat of its title."""
    m = f.message
    if f.title and m.lower().startswith(f.title.lower()):
        m = m[len(f.title) :].lstrip(" :—-")
        m = m[:1].upper() + m[1:]
    return m or f.message


def _finding_card(f: Finding, key_frame: bytes | None, n_steps: int) -> str:
    colour = _SEVERITY_COLOUR.get(f.severity or "", "#999")
    parts = [
        f'<section class="card flag" id="f-{_e(f.id)}" '
        f'style="border-left-color:{colour}">',
        f"<h3>{_e(f.title)} {_sev(f)}</h3>",
        f"<p>{_e(_message(f))}</p>",
    ]
    ev = _evidence_lines(f, n_steps)
    if ev:
        parts.append('<p class="meta">' + "<br>".join(ev) + "</p>")
    if f.why:
        parts.append(f'<p class="why"><b>Why it matters:</b> {_e(f.why)}</p>')
    if f.cue:
        parts.append(f'<div class="cue">Cue: “{_e(f.cue)}”</div>')
    if f.drills:
        parts.append(
            "<p><b>Drills:</b></p><ul>"
            + "".join(f"<li>{_e(d)}</li>" for d in f.drills)
            + "</ul>"
        )
    if key_frame:
        parts.append(
            f'<figure><img alt="{_e(f.title)} key frame" '
            f'src="{_data_uri(key_frame)}"><figcaption>A typical moment: '
            f"{_e(f.title.lower())}.</figcaption></figure>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _summary_table(metrics: Mapping[str, Mapping]) -> str:
    rows_ok, rows_omitted = [], []
    for name, entry in metrics.items():
        mdef = METRICS.get(name)
        unit = mdef.unit if mdef else ""
        title = metric_title(name)
        tip = f' title="{_e(mdef.description)}"' if mdef else ""
        if entry.get("value") is None:
            rows_omitted.append(
                f'<tr class="omitted"><td{tip}>{_e(title)}</td>'
                f'<td class="reason" colspan="6">{_e(entry.get("omitted", "not measured"))}'
                "</td></tr>"
            )
            continue
        lr = ""
        if "left" in entry or "right" in entry:
            lr = (
                f"{fmt_value(entry.get('left'), unit)} / "
                f"{fmt_value(entry.get('right'), unit)}"
            )
        n = entry.get("n", entry.get("n_frames", ""))
        n_txt = f"{n} fr" if "n_frames" in entry and "n" not in entry else str(n)
        conf = entry.get("confidence")
        rows_ok.append(
            f"<tr><td{tip}>{_e(title)}</td>"
            f'<td class="num"><b>{_e(fmt_value(entry["value"], unit))}</b></td>'
            f'<td class="num">{_e(lr)}</td><td>{_e(unit)}</td>'
            f'<td class="num">{_e(n_txt)}</td>'
            f'<td class="num">{_e(fmt_value(conf, "ratio"))}</td>'
            f'<td class="reason">{_e(mdef.description if mdef else "")}</td></tr>'
        )
    head = (
        "<tr><th>metric</th><th>value</th><th>left / right</th><th>unit</th>"
        "<th>n</th><th>confidence</th><th>definition</th></tr>"
    )
    body = "".join(rows_ok)
    if rows_omitted:
        body += (
            '<tr><th colspan="7" style="text-align:left">Not measured</th></tr>'
            + "".join(rows_omitted)
        )
    return f'<div class="scroll"><table>{head}{body}</table></div>'


def _step_table(analysis: Analysis) -> str:
    header, rows = step_rows(analysis)
    if not rows:
        return "<p>No steps were detected, so there is no per-step table.</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def _length(analysis: Analysis, span: float, n: int) -> str:
    """The analysed span on the video's clock, and in real time when it differs."""
    video = analysis.run.video
    text = f"{analysis.video_time_s(span):.1f} s analysed ({n} frames, {video.fps:.0f} fps)"
    if analysis.slowmo != 1.0:
        how = "estimated" if analysis.slowmo_estimated else "as given"
        text += f"; plays {analysis.slowmo:.1f}× slow ({how}): {span:.1f} s real time"
    return text


def _facts(analysis: Analysis, report: Mapping) -> str:
    video = analysis.run.video
    view = analysis.view
    n = len(analysis.clean)
    t = analysis.clean.time_s
    span = float(t[-1] - t[0]) if n > 1 else 0.0
    view_txt = view.kind + (f", facing {view.facing}" if view.facing else "")
    if view.treadmill is not None:
        view_txt += ", treadmill" if view.treadmill else ", overground"
    cadence = analysis.summary.get("cadence_spm")
    items = [
        ("Clip", Path(str(video.path)).name),
        ("Length", _length(analysis, span, n)),
        ("Size", f"{video.width}×{video.height}"),
        ("View", f"{view_txt} ({100 * view.confidence:.0f}% sure)"),
        ("Activity", view.activity),
        ("Steps", str(analysis.summary.get("n_steps", len(analysis.steps)))),
    ]
    if isinstance(cadence, int | float) and math.isfinite(cadence):
        items.append(("Cadence", f"{cadence:.0f} steps/min"))
    return (
        '<p class="facts">'
        + "".join(f"<span><b>{_e(k)}:</b> {_e(v)}</span>" for k, v in items)
        + "</p>"
    )


def render_html(
    analysis: Analysis,
    findings: Sequence[Finding],
    *,
    plots: Sequence[str | os.PathLike[str]] = (),
    key_frames: Mapping[str, bytes] | None = None,
    report: Mapping | None = None,
) -> str:
    """The whole report as one self-contained HTML document.

    Args:
        analysis: the measured clip.
        findings: every rule's verdict (flagged, ok, not judged).
        plots: PNG files to embed.
        key_frames: finding id -> PNG bytes of its annotated key frame.
        report: the ``report.json`` data (summary metrics are read from it when
            present, so the page and the JSON agree).

    Returns:
        The HTML text (UTF-8 when written).
    """
    key_frames = key_frames or {}
    report = report or {}
    ranked = rank_findings(findings)
    ok = [f for f in findings if f.status == "ok"]
    not_judged = [f for f in findings if f.status == "not_judged"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>formcheck report — "
        f"{_e(Path(str(analysis.run.video.path)).name)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>Running form report</h1>",
        _facts(analysis, report),
    ]

    out.append("<h2>Headline</h2>")
    if ranked:
        out.append(
            '<div class="card headline"><ol>'
            + "".join(
                f'<li><a href="#f-{_e(f.id)}"><b>{_e(f.title)}</b></a> {_sev(f)} — '
                f"{_e(f.cue or f.message)}</li>"
                for f in ranked[:3]
            )
            + "</ol></div>"
        )
    elif ok:
        out.append(
            '<div class="card">Nothing was flagged: the form looks good on '
            "everything this view can judge.</div>"
        )
    elif analysis.view.activity != "running":
        out.append(
            f'<div class="card">This clip looks like '
            f"{_e(analysis.view.activity)}, not running, so running form is not "
            "judged. Film 10–20 s of steady running.</div>"
        )
    else:
        out.append(
            '<div class="card">No form findings for this clip '
            "(see the capture notes below).</div>"
        )

    if ranked:
        out.append("<h2>What to work on</h2>")
        out += [
            _finding_card(f, key_frames.get(f.id), len(analysis.steps)) for f in ranked
        ]
    if ok:
        out.append(
            "<h2>What's good</h2><div class='card ok'><ul>"
            + "".join(f"<li><b>{_e(f.title)}</b> — {_e(_message(f))}</li>" for f in ok)
            + "</ul></div>"
        )
    if not_judged:
        out.append(
            "<h2>Not judged from this clip</h2><div class='card nj'><ul>"
            + "".join(
                f"<li><b>{_e(f.title)}</b> — {_e(_message(f))}</li>" for f in not_judged
            )
            + "</ul></div>"
        )

    metrics = (report.get("summary") or {}).get("metrics") or analysis.summary.get(
        "metrics", {}
    )
    out.append("<h2>Measurements</h2>")
    out.append(
        '<p class="meta">Medians over steps (or frames). Angle signs follow '
        "one convention: + = forward / toes up / looking down. Hover a name "
        "for its definition.</p>"
    )
    out.append(_summary_table(metrics))

    if plots:
        out.append("<h2>Plots</h2>")
        for p in plots:
            data = Path(p).read_bytes()
            out.append(
                f'<figure><img alt="{_e(Path(p).stem)}" '
                f'src="{_data_uri(data)}"></figure>'
            )

    out.append("<h2>Step by step</h2>")
    out.append(_step_table(analysis))

    out.append("<h2>About this clip</h2>")
    if analysis.notes:
        out.append(
            '<div class="note"><ul>'
            + "".join(f"<li>{_e(n)}</li>" for n in analysis.notes)
            + "</ul></div>"
        )
    else:
        out.append('<p class="meta">No capture problems found.</p>')
    out.append(f'<p class="health">{_e(HEALTH_NOTE)}</p>')
    version = report.get("formcheck_version", "")
    model = analysis.run.model.variant
    out.append(f"<footer>formcheck {_e(version)} · pose model {_e(model)}</footer>")
    out.append("</main></body></html>")
    return "\n".join(out)
