"""The squad summary of a batch: one row per clip, as ``summary.csv`` and ``summary.html``.

The HTML page is self-contained like the per-clip report (inline CSS and a few lines
of inline JS to sort the table, no requests to other servers) and sits in the batch
folder: each clip links to its ``<out_rel>/report.html`` by a relative URL, so the
folder can be zipped, moved or opened from a share. All user text is escaped.

In the CSV, a text cell that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, tab or CR: an athlete named ``=HYPERLINK(...)``, or the
report link that starts with that name) gets a leading ``'``, as OWASP recommends
(:func:`~formcheck.textsafe.csv_cell`); numbers, negative ones included, stay numbers.
Line breaks in notes are kept: quoted in the CSV, shown as breaks on the page.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from formcheck.atomic import atomic_open
from formcheck.batch.records import KEY_METRICS, ClipResult
from formcheck.metrics.registry import METRICS
from formcheck.report import write_csv
from formcheck.textsafe import csv_cell

#: Decimal places kept per unit (others: 3). The CSV is for further analysis, so one
#: more place than the per-clip report shows for cadence.
_DIGITS = {"steps/min": 1, "deg": 1, "s": 3, "cm": 1}
_DURATION_DIGITS = 2
_TOP_FINDINGS = 3
UNKNOWN_ATHLETE = "unknown"


@dataclass(frozen=True)
class _Column:
    """One summary column: its CSV name, its page header, whether it holds numbers."""

    name: str
    label: str
    numeric: bool = False
    unit: str = ""
    tip: str = ""


def _metric_column(name: str) -> _Column:
    mdef = METRICS.get(name)
    unit = mdef.unit if mdef else ""
    return _Column(name, "", True, unit, mdef.description if mdef else "")


_COLUMNS: tuple[_Column, ...] = (
    _Column("athlete", "Athlete"),
    _Column("date", "Date"),
    _Column("clip", "Clip"),
    _Column("view", "View"),
    _Column("status", "Status"),
    _Column("error", "Error"),
    _Column("activity", "Activity"),
    _Column("duration_s", "Duration", True, "s"),
    *(_metric_column(name) for name in KEY_METRICS),
    _Column("top_findings", "Top findings"),
    _Column("n_findings", "Findings", True),
    _Column("report", "Report"),
    _Column("notes", "Notes"),
    _Column("content_sha256", "Content SHA-256"),
)


def _round(value: float | None, digits: int) -> float | None:
    """``value`` rounded, or None when missing, NaN or infinite."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _athlete(result: ClipResult) -> str:
    return result.job.athlete or UNKNOWN_ATHLETE


def _sorted(results: Sequence[ClipResult]) -> list[ClipResult]:
    """By athlete (case-insensitively), date, clip path."""
    return sorted(
        results,
        key=lambda r: (
            _athlete(r).casefold(),
            _athlete(r),
            r.job.date,
            r.job.path,
        ),
    )


def _report_rel(result: ClipResult) -> str:
    """``<out_rel>/report.html`` for a clip with outputs, else ""."""
    if not (result.status == "ok" or result.has_outputs) or not result.job.out_rel:
        return ""
    return f"{result.job.out_rel.strip('/')}/report.html"


def _row(result: ClipResult) -> list:
    job = result.job
    view = result.view or (job.view if job.view != "auto" else "")
    metrics = [
        _round(
            result.metrics.get(name),
            _DIGITS.get(METRICS[name].unit if name in METRICS else "", 3),
        )
        for name in KEY_METRICS
    ]
    titles = [str(f.get("title") or f.get("id", "")) for f in result.findings]
    return [
        _athlete(result),
        job.date,
        Path(job.path).name,
        view,
        result.status,
        result.error or "",
        result.activity,
        _round(result.duration_s, _DURATION_DIGITS),
        *metrics,
        "; ".join(titles[:_TOP_FINDINGS]),
        len(result.findings),
        _report_rel(result),
        job.notes,
        result.content_sha256,
    ]


def summary_rows(results: Sequence[ClipResult]) -> tuple[list[str], list[list]]:
    """Header and rows of the squad table: one row per clip.

    Rows are sorted by athlete, date and clip path. Numbers are rounded to what their
    unit deserves (cadence and angles 0.1, times 1 ms, ratios 0.001); a value that was
    not measured (or is not finite) is None, a blank cell in the CSV.
    ``report`` is the clip's ``<out_rel>/report.html``, relative to the batch folder,
    for ok clips and "" otherwise.

    Example:
        >>> header, rows = summary_rows([])
        >>> header[:3], rows
        (['athlete', 'date', 'clip'], [])
    """
    header = [c.name for c in _COLUMNS]
    return header, [_row(r) for r in _sorted(results)]


def write_summary_csv(
    results: Sequence[ClipResult], path: str | os.PathLike[str]
) -> None:
    """Write :func:`summary_rows` atomically as UTF-8 CSV with a header row, text
    cells neutralised against formula injection (see the module docstring)."""
    header, rows = summary_rows(results)
    write_csv(header, [[csv_cell(v) for v in row] for row in rows], path)


# --- HTML ---------------------------------------------------------------------------

# The per-clip report's look (formcheck.outputs.html), widened for a table of clips.
_CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,
 "Helvetica Neue",Arial,sans-serif;color:#1d1d1f;background:#f4f5f7}
main{max-width:1600px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:2px solid #e1e3e8;padding-bottom:.2em}
.counts{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.count{background:#fff;border-radius:10px;padding:10px 16px;min-width:7em;
 box-shadow:0 1px 3px rgba(0,0,0,.08)}
.count b{display:block;font-size:1.6em;line-height:1.2;font-variant-numeric:tabular-nums}
.count.bad b{color:#c62828}
.meta{color:#555;font-size:.9em}
.num{font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;background:#fff;border-radius:8px;
 box-shadow:0 1px 3px rgba(0,0,0,.08)}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{padding:6px 8px;border-bottom:1px solid #eceef2;text-align:left;white-space:nowrap}
th{background:#fafbfc;vertical-align:bottom}
td.num,th.num{text-align:right}
td.wrap{white-space:normal;min-width:12em;max-width:28em}
td.top_findings{min-width:22em}
td.notes{white-space:pre-line}
#clips th{cursor:pointer;user-select:none}
#clips th:hover{background:#eef1f5}
#clips th .arrow{display:inline-block;width:1em;color:#4a8fe7}
#clips th small{display:block;color:#777;font-weight:400}
tr.failed td{background:#fdecea}
tr.failed td.error{color:#c62828;font-weight:600}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:0 .5em;font-size:.8em;
 font-weight:600;text-transform:uppercase;letter-spacing:.03em;background:#2e7d32}
.badge.failed{background:#c62828}
.chip{display:inline-block;background:#eef1f5;border-radius:12px;padding:0 .6em;
 margin:2px 4px 2px 0;font-size:.9em}
.sha{font-family:ui-monospace,Menlo,Consolas,monospace;color:#777}
footer{color:#888;font-size:.8em;margin:2em 0 1em}
@media (max-width:600px){body{font-size:15px}main{padding:10px}h1{font-size:1.35em}}
"""

# Sort the clip table by a clicked header. Each cell's raw value is in data-v, so
# numbers sort by value (not by their rounded text); blanks go last either way. Text
# compares case-insensitively, with digit runs as numbers ("clip 2" < "clip 10").
_JS = """
(function(){
  var table = document.getElementById('clips');
  if (!table) return;
  var heads = table.tHead.rows[0].cells, body = table.tBodies[0];
  var collator = new Intl.Collator(undefined, {sensitivity: 'base', numeric: true});
  var state = {col: -1, dir: 1};
  function value(row, col){ return row.cells[col].getAttribute('data-v'); }
  function sortBy(col){
    var dir = state.col === col ? -state.dir : 1;
    var numeric = heads[col].getAttribute('data-type') === 'num';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function(a, b){
      var x = value(a, col), y = value(b, col), c;
      if (x === '' || y === '') c = (x === '') - (y === '');
      else c = dir * (numeric ? parseFloat(x) - parseFloat(y) : collator.compare(x, y));
      // Ties keep the page's order (athlete, date, clip) in both directions.
      return c || a.getAttribute('data-i') - b.getAttribute('data-i');
    });
    rows.forEach(function(r){ body.appendChild(r); });
    for (var i = 0; i < heads.length; i++) {
      heads[i].removeAttribute('aria-sort');
      heads[i].querySelector('.arrow').textContent = '';
    }
    heads[col].setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
    heads[col].querySelector('.arrow').textContent = dir > 0 ? '\\u25b2' : '\\u25bc';
    state = {col: col, dir: dir};
  }
  for (var i = 0; i < heads.length; i++) {
    heads[i].addEventListener('click', sortBy.bind(null, i));
  }
})();
"""


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _href(rel: str) -> str:
    """A relative link to ``rel``: every character that means something in a URL
    (space, ``#``, ``?``, ``%``, non-ASCII...) percent-encoded, "/" kept."""
    return quote(rel.replace(os.sep, "/"), safe="/")


def _label(col: _Column) -> str:
    if col.name in METRICS:
        # Imported here: formcheck.outputs.plots loads matplotlib, which the CSV and
        # the table rows do not need.
        from formcheck.outputs.plots import metric_title

        return metric_title(col.name)
    return col.label


def _digits(col: _Column) -> int:
    if col.name == "duration_s":
        return _DURATION_DIGITS
    if col.name == "n_findings":
        return 0
    return _DIGITS.get(col.unit, 3)


def _th(col: _Column) -> str:
    unit = f"<small>{_e(col.unit)}</small>" if col.unit else ""
    tip = f' title="{_e(col.tip)}"' if col.tip else ""
    cls = ' class="num"' if col.numeric else ""
    kind = "num" if col.numeric else "text"
    return (
        f'<th data-col="{_e(col.name)}" data-type="{kind}"{cls}{tip}>'
        f'{_e(_label(col))}<span class="arrow"></span>{unit}</th>'
    )


def _td(col: _Column, value: object, result: ClipResult) -> str:
    """One cell: the raw value in data-v (what sorting reads), readable text inside."""
    name = col.name
    if col.numeric:
        if value is None:
            return f'<td class="num" data-col="{name}" data-v="">–</td>'
        raw = value if name == "n_findings" else _raw_number(result, name)
        text = f"{value:.{_digits(col)}f}"
        return f'<td class="num" data-col="{name}" data-v="{_e(raw)}">{text}</td>'
    text = str(value)
    inner = _e(text)
    cls = ""
    if name == "clip" and _report_rel(result):
        inner = f'<a href="{_e(_href(_report_rel(result)))}">{inner}</a>'
    elif name == "report" and text:
        inner = f'<a href="{_e(_href(text))}">report</a>'
    elif name == "status":
        inner = f'<span class="badge {_e(text)}">{inner}</span>'
    elif name == "content_sha256":
        inner = f'<span class="sha" title="{_e(text)}">{_e(text[:12])}</span>'
    elif name in ("error", "notes", "top_findings"):
        cls = f' class="wrap {name}"'
    return f'<td{cls} data-col="{name}" data-v="{_e(text)}">{inner}</td>'


def _raw_number(result: ClipResult, name: str) -> float | None:
    """The unrounded value, so sorting separates values that round alike."""
    value = result.duration_s if name == "duration_s" else result.metrics.get(name)
    return None if value is None else float(value)


def _finding_counts(results: Sequence[ClipResult]) -> list[tuple[str, str, int]]:
    """(id, title, clips flagged) over ``results``, most frequent first."""
    counts: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for r in results:
        for f in r.findings:
            fid = str(f.get("id") or f.get("title", ""))
            counts[fid] += 1
            titles.setdefault(fid, str(f.get("title") or fid))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], titles[kv[0]].casefold()))
    return [(fid, titles[fid], n) for fid, n in ranked]


def _athlete_table(results: Sequence[ClipResult]) -> str:
    by_athlete: dict[str, list[ClipResult]] = {}
    for r in results:
        by_athlete.setdefault(_athlete(r), []).append(r)
    rows = []
    for athlete, clips in by_athlete.items():
        failed = sum(r.status != "ok" for r in clips)
        chips = "".join(
            f'<span class="chip" data-id="{_e(fid)}" data-n="{n}">'
            f"{_e(title)} ×{n}</span>"
            for fid, title, n in _finding_counts(clips)
        )
        rows.append(
            f'<tr data-athlete="{_e(athlete)}"><td>{_e(athlete)}</td>'
            f'<td class="num" data-col="clips">{len(clips)}</td>'
            f'<td class="num" data-col="failed">{failed}</td>'
            f'<td class="wrap findings">{chips or "–"}</td></tr>'
        )
    head = (
        "<thead><tr><th>Athlete</th><th class=num>Clips</th><th class=num>Failed</th>"
        "<th>Flagged findings (clips)</th></tr></thead>"
    )
    return (
        f'<div class="scroll"><table id="athletes">{head}<tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _clip_table(results: Sequence[ClipResult]) -> str:
    _, rows = summary_rows(results)
    ordered = _sorted(results)
    head = "<thead><tr>" + "".join(_th(c) for c in _COLUMNS) + "</tr></thead>"
    body = []
    for i, (result, row) in enumerate(zip(ordered, rows, strict=True)):
        cls = ' class="failed"' if result.status != "ok" else ""
        cells = "".join(_td(c, v, result) for c, v in zip(_COLUMNS, row, strict=True))
        body.append(f'<tr data-i="{i}"{cls}>{cells}</tr>')
    return (
        f'<div class="scroll"><table id="clips">{head}<tbody>'
        + "\n".join(body)
        + "</tbody></table></div>"
    )


def _count(label: str, n: int, bad: bool = False) -> str:
    cls = "count bad" if bad and n else "count"
    return f'<div class="{cls}" data-count="{label}"><b>{n}</b>{label}</div>'


def render_summary_html(
    results: Sequence[ClipResult], *, title: str = "formcheck squad summary"
) -> str:
    """The squad summary as one self-contained HTML document (see the module doc)."""
    results = _sorted(results)
    n_ok = sum(r.status == "ok" for r in results)
    athletes = {_athlete(r) for r in results}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        '<div class="counts">'
        + _count("clips", len(results))
        + _count("ok", n_ok)
        + _count("failed", len(results) - n_ok, bad=True)
        + _count("athletes", len(athletes))
        + "</div>",
    ]
    if not results:
        out.append('<p class="meta">No clips in this batch.</p>')
    else:
        out.append("<h2>Findings per athlete</h2>")
        out.append(
            '<p class="meta">How many of each athlete\'s clips flagged each finding, '
            "most frequent first.</p>"
        )
        out.append(_athlete_table(results))
        out.append("<h2>Clips</h2>")
        out.append(
            '<p class="meta">Click a column header to sort (again to reverse); '
            "blank values stay last. A clip's name opens its report. Hover a metric "
            "for its definition.</p>"
        )
        out.append(_clip_table(results))
        out.append(f"<script>{_JS}</script>")
    out.append("<footer>formcheck batch summary</footer>")
    out.append("</main></body></html>")
    return "\n".join(out)


def write_summary_html(
    results: Sequence[ClipResult],
    path: str | os.PathLike[str],
    *,
    title: str = "formcheck squad summary",
) -> None:
    """Write :func:`render_summary_html` atomically as UTF-8.

    ``path`` belongs in the batch folder (``DIR/summary.html``): the links to each
    clip's report are relative to it.
    """
    page = render_summary_html(results, title=title)
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(page)
