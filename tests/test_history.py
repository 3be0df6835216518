"""Athlete history: recording batch results, sessions, changes, the CLI and the plot.

Everything is built from fabricated ClipResults: no video, no MediaPipe.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import sqlite3
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from formcheck.batch.records import KEY_METRICS, ClipJob, ClipResult
from formcheck.cli import main
from formcheck.cli._app import app
from formcheck.cli.history import plot_name
from formcheck.config import DEFAULT, HistoryThresholds, load_thresholds
from formcheck.errors import HistoryError
from formcheck.history import (
    Change,
    HistoryDB,
    Session,
    changes,
    plot_history,
)
from formcheck.textsafe import terminal_text

OVERSTRIDE = {"id": "overstride", "title": "Overstriding", "severity": "mild"}
LOOKING_DOWN = {"id": "head_down", "title": "Looking down", "severity": "mild"}


def result(
    key: str,
    athlete: str = "Ana",
    date: str = "2026-03-01",
    status: str = "ok",
    findings: tuple[dict, ...] = (),
    sha: str | None = None,
    **metrics: float,
) -> ClipResult:
    """A ClipResult as the batch would make it; metrics by keyword."""
    return ClipResult(
        job=ClipJob(
            path=f"/clips/{key}.mp4", athlete=athlete, date=date, out_rel=f"a/{key}"
        ),
        key=key,
        content_sha256=sha or hashlib.sha256(key.encode()).hexdigest(),
        status=status,  # type: ignore[arg-type]
        error=None if status == "ok" else "no person in the video",
        error_kind=None if status == "ok" else "input",
        activity="running" if status == "ok" else "none",
        view="side" if status == "ok" else "",
        duration_s=8.0,
        metrics=dict(metrics),
        findings=[{**f, "score": 1.0} for f in findings],
    )


def session(date: str, findings: tuple[str, ...] = (), **metrics: float) -> Session:
    return Session(
        date=date,
        clips=1,
        ok_clips=1,
        metrics=dict(metrics),
        findings=findings,
        finding_titles={f: f.replace("_", " ").title() for f in findings},
    )


@pytest.fixture
def db(tmp_path: Path):
    with HistoryDB(tmp_path / "formcheck.db") as h:
        yield h


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


# --- recording ---------------------------------------------------------------------


def test_new_file_has_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "h.db"
    HistoryDB(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    HistoryDB(path).close()  # reopening does not add a second version row
    assert _count(path, "schema_version") == 1


def test_same_key_twice_replaces(db: HistoryDB) -> None:
    db.record(
        result("k1", findings=(OVERSTRIDE,), cadence_spm=170.0, trunk_lean_deg=6.0)
    )
    db.record(result("k1", cadence_spm=174.0))  # rerun: new values, no findings
    assert _count(db.path, "clips") == 1
    assert _count(db.path, "metrics") == 1
    assert _count(db.path, "findings") == 0
    (s,) = db.sessions("Ana")
    assert s.clips == 1
    assert s.metrics == {"cadence_spm": 174.0}
    assert s.findings == ()


def test_the_same_video_analysed_again_with_new_settings_replaces(
    db: HistoryDB,
) -> None:
    db.record(result("old-settings", sha="f" * 64, cadence_spm=170.0))
    db.record(result("new-settings", sha="f" * 64, cadence_spm=174.0))
    db.record(result("other-clip", cadence_spm=180.0))
    (session,) = db.sessions("Ana")
    assert session.clips == 2
    assert session.metrics["cadence_spm"] == 177.0  # median of 174 and 180


def test_record_stores_every_field(db: HistoryDB) -> None:
    db.record(result("k1", findings=(OVERSTRIDE, LOOKING_DOWN), overstride_ll=0.21))
    with sqlite3.connect(db.path) as conn:
        conn.row_factory = sqlite3.Row
        row = dict(conn.execute("SELECT * FROM clips").fetchone())
        found = conn.execute(
            "SELECT rank, finding_id, title, severity, score FROM findings ORDER BY rank"
        ).fetchall()
    assert row["athlete"] == "Ana" and row["athlete_key"] == "ana"
    assert row["date"] == "2026-03-01"
    assert row["clip_path"] == "/clips/k1.mp4" and row["out_rel"] == "a/k1"
    assert (row["status"], row["activity"], row["view"]) == ("ok", "running", "side")
    assert row["duration_s"] == 8.0
    assert [tuple(f) for f in found] == [
        (1, "overstride", "Overstriding", "mild", 1.0),
        (2, "head_down", "Looking down", "mild", 1.0),
    ]


def test_failed_record_after_ok_keeps_no_stale_rows(db: HistoryDB) -> None:
    db.record(result("k1", findings=(OVERSTRIDE,), cadence_spm=170.0))
    db.record(result("k1", status="failed"))
    assert (_count(db.path, "metrics"), _count(db.path, "findings")) == (0, 0)
    (s,) = db.sessions("ana")
    assert (s.clips, s.ok_clips, s.metrics) == (1, 0, {})


def test_non_finite_metrics_are_not_stored(db: HistoryDB) -> None:
    db.record(result("k1", cadence_spm=float("nan"), trunk_lean_deg=4.0))
    assert db.sessions("Ana")[0].metrics == {"trunk_lean_deg": 4.0}


def test_bad_date_is_a_user_error(db: HistoryDB) -> None:
    with pytest.raises(HistoryError, match="not YYYY-MM-DD"):
        db.record(result("k1", date="01/03/2026"))
    assert _count(db.path, "clips") == 0


def test_missing_date_uses_file_date(db: HistoryDB, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    stamp = 1767268800  # 2026-01-01 12:00 UTC
    os.utime(clip, (stamp, stamp))
    db.record(dataclasses.replace(result("k1"), job=ClipJob(str(clip), "Ana")))
    expected = dt.date.fromtimestamp(stamp).isoformat()  # local date, as the batch
    assert db.sessions("Ana")[0].date == expected


def test_failed_record_keeps_the_previous_one(db: HistoryDB) -> None:
    db.record(result("k1", findings=(OVERSTRIDE,), cadence_spm=170.0))
    # sqlite cannot store a dict: the record fails inside its transaction, after
    # the old rows were deleted and the new clip row inserted.
    bad = result("k1", cadence_spm=180.0)
    bad = dataclasses.replace(bad, findings=[{"id": "x", "severity": {"no": 1}}])
    with pytest.raises(sqlite3.Error):
        db.record(bad)
    (s,) = db.sessions("Ana")
    assert (s.metrics, s.findings) == ({"cadence_spm": 170.0}, ("overstride",))
    assert _count(db.path, "clips") == 1
    db.record(result("k2"))  # the connection is usable afterwards


def test_not_a_history_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello, not sqlite\n" * 100)
    with pytest.raises(HistoryError, match="not a formcheck history"):
        HistoryDB(junk)
    with pytest.raises(HistoryError, match="no history database"):
        HistoryDB(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


# --- sessions ----------------------------------------------------------------------


def test_median_per_date_and_failed_clips(db: HistoryDB) -> None:
    for key, cadence in (("a", 170.0), ("b", 180.0), ("c", 172.0)):
        db.record(result(key, date="2026-03-01", cadence_spm=cadence))
    db.record(result("d", date="2026-03-01", status="failed", cadence_spm=100.0))
    db.record(result("e", date="2026-02-01", cadence_spm=160.0, trunk_lean_deg=3.0))
    db.record(result("f", date="2026-02-01", cadence_spm=164.0, trunk_lean_deg=5.0))
    feb, mar = db.sessions("Ana")
    assert (feb.date, feb.clips, feb.ok_clips) == ("2026-02-01", 2, 2)
    assert feb.metrics == {"cadence_spm": 162.0, "trunk_lean_deg": 4.0}
    # The failed clip counts as a clip but its value stays out of the median.
    assert (mar.date, mar.clips, mar.ok_clips) == ("2026-03-01", 4, 3)
    assert mar.metrics == {"cadence_spm": 172.0}


def test_finding_belongs_to_session_if_half_the_clips_flag_it(db: HistoryDB) -> None:
    db.record(result("a", findings=(OVERSTRIDE, LOOKING_DOWN)))
    db.record(result("b", findings=(LOOKING_DOWN,)))
    db.record(result("c", findings=(LOOKING_DOWN,)))
    (s,) = db.sessions("Ana")
    assert s.findings == ("head_down",)  # overstride in 1 of 3 clips only
    assert s.finding_titles == {"head_down": "Looking down"}


@pytest.mark.parametrize("query", ["Ana Lee", "ana lee", "  ANA   LEE ", "aNa lEe\t"])
def test_athlete_names_match_loosely(db: HistoryDB, query: str) -> None:
    db.record(result("a", athlete="Ana Lee", cadence_spm=170.0))
    db.record(result("b", athlete=" ana  lee", cadence_spm=174.0))
    db.record(result("c", athlete="Bo", cadence_spm=150.0))
    (s,) = db.sessions(query)
    assert (s.clips, s.metrics["cadence_spm"]) == (2, 172.0)
    assert db.athletes() == ["ana lee", "Bo"]  # as last written, one per person


def test_unknown_athlete_lists_known(db: HistoryDB) -> None:
    db.record(result("a", athlete="Ana"))
    db.record(result("b", athlete=""))
    with pytest.raises(HistoryError, match=r"no athlete 'Zed'.*known: Ana, unknown"):
        db.sessions("Zed")


# --- changes -----------------------------------------------------------------------


def test_history_thresholds_cover_key_metrics() -> None:
    names = [f.name for f in dataclasses.fields(HistoryThresholds)]
    assert names == list(KEY_METRICS)
    assert DEFAULT.history.cadence_spm == 3.0
    assert DEFAULT.history.contact_time_s == 0.015


def test_history_thresholds_user_override(tmp_path: Path) -> None:
    user = tmp_path / "th.toml"
    user.write_text("[history]\ncadence_spm = 5.0\n")
    th = load_thresholds(user)
    assert th.history.cadence_spm == 5.0
    assert th.history.trunk_lean_deg == DEFAULT.history.trunk_lean_deg
    user.write_text("[history]\ncadense_spm = 5.0\n")
    with pytest.raises(Exception, match="unknown threshold 'history.cadense_spm'"):
        load_thresholds(user)


def test_changes_meaningful_and_not() -> None:
    before = session("2026-02-01", cadence_spm=170.0, trunk_lean_deg=5.0)
    after = session(
        "2026-03-01", cadence_spm=172.0, trunk_lean_deg=9.0, overstride_ll=0.1
    )
    found = changes([before, after])
    assert [c.name for c in found] == ["trunk_lean_deg", "cadence_spm"]
    lean, cadence = found
    assert lean == Change(
        "metric",
        "trunk_lean_deg",
        "2026-02-01",
        "2026-03-01",
        before=5.0,
        after=9.0,
        delta=4.0,
        unit="deg",
        smallest=2.0,
        meaningful=True,
    )
    assert (cadence.delta, cadence.smallest, cadence.meaningful) == (2.0, 3.0, False)


@pytest.mark.parametrize(
    ("name", "before", "after", "meaningful"),
    [
        ("cadence_spm", 170.0, 173.0, True),  # exactly the smallest change counts
        ("cadence_spm", 173.0, 170.0, True),  # either direction
        ("cadence_spm", 170.0, 172.9, False),
        ("overstride_ll", 0.10, 0.13, True),  # 0.13 - 0.10 is 0.0299999...
        ("overstride_ll", 0.10, 0.12, False),
        ("contact_time_s", 0.250, 0.234, True),
        ("contact_time_s", 0.250, 0.240, False),
        ("pelvic_drop_deg", 6.0, 4.0, True),
    ],
)
def test_smallest_meaningful_change(
    name: str, before: float, after: float, meaningful: bool
) -> None:
    (c,) = changes(
        [
            session("2026-01-01", **{name: before}),
            session("2026-01-08", **{name: after}),
        ]
    )
    assert c.meaningful is meaningful
    assert c.delta == pytest.approx(after - before)


def test_changes_use_given_thresholds() -> None:
    loose = dataclasses.replace(DEFAULT.history, cadence_spm=10.0)
    pair = [
        session("2026-01-01", cadence_spm=170.0),
        session("2026-01-08", cadence_spm=176.0),
    ]
    assert changes(pair)[0].meaningful
    assert not changes(pair, loose)[0].meaningful


def test_findings_appear_and_disappear() -> None:
    before = session("2026-02-01", ("overstride", "head_down"), cadence_spm=170.0)
    after = session("2026-03-01", ("head_down", "crossover"), cadence_spm=170.0)
    found = changes([before, after])
    assert [(c.kind, c.name) for c in found] == [
        ("metric", "cadence_spm"),
        ("appeared", "crossover"),
        ("disappeared", "overstride"),
    ]
    assert found[1].title == "Crossover" and found[2].title == "Overstride"


def test_changes_compare_last_two_analysed_sessions() -> None:
    failed_only = Session("2026-04-01", clips=2, ok_clips=0)
    old = session("2026-01-01", cadence_spm=150.0)
    mid = session("2026-02-01", cadence_spm=160.0)
    new = session("2026-03-01", cadence_spm=170.0)
    (c,) = changes([old, mid, new, failed_only])
    assert (c.before_date, c.after_date, c.before, c.after) == (
        "2026-02-01",
        "2026-03-01",
        160.0,
        170.0,
    )
    assert changes([new]) == [] and changes([new, failed_only]) == []


# --- plot --------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_history_writes_png(tmp_path: Path) -> None:
    sessions = [
        session("2026-01-01", cadence_spm=160.0, trunk_lean_deg=4.0),
        session("2026-02-01", cadence_spm=166.0, overstride_ll=0.2),
        session("2026-03-01", cadence_spm=171.0, overstride_ll=0.15),
    ]
    out = plot_history(sessions, tmp_path / "plots" / "h.png", athlete="Ana")
    assert out == tmp_path / "plots" / "h.png"
    width, height = _png_size(out)
    assert out.stat().st_size > 10_000
    assert width > 2 * height  # three panels side by side, one row
    assert [p.name for p in out.parent.iterdir()] == ["h.png"]  # no temp file left


def test_plot_history_without_metrics(tmp_path: Path) -> None:
    out = plot_history([Session("2026-01-01", 1, 0)], tmp_path / "h.png")
    _png_size(out)


# --- CLI ---------------------------------------------------------------------------


@pytest.fixture
def squad_db(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "formcheck.db"
    with HistoryDB(path) as h:
        h.record(
            result(
                "a1",
                "Ana Lee",
                "2026-02-01",
                findings=(OVERSTRIDE,),
                cadence_spm=168.0,
                overstride_ll=0.25,
                trunk_lean_deg=5.0,
            )
        )
        h.record(
            result(
                "a2",
                "Ana Lee",
                "2026-02-01",
                findings=(OVERSTRIDE,),
                cadence_spm=170.0,
                overstride_ll=0.21,
                trunk_lean_deg=5.4,
            )
        )
        h.record(result("a3", "Ana Lee", "2026-02-01", status="failed"))
        h.record(
            result(
                "a4",
                "Ana Lee",
                "2026-03-01",
                findings=(LOOKING_DOWN,),
                cadence_spm=176.0,
                overstride_ll=0.12,
                trunk_lean_deg=6.0,
            )
        )
        h.record(result("b1", "Bo", "2026-03-01", cadence_spm=150.0))
    return path


def _run(*args: str):
    # Wide terminal: the table must not be squeezed for the assertions to read it.
    runner = CliRunner()
    return runner.invoke(app, ["history", *args], env={"COLUMNS": "200"})


def test_cli_table_and_changes(squad_db: Path) -> None:
    res = _run("ana lee", "--db", str(squad_db))
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Ana Lee: sessions" in out
    # One column per date, one row per metric.
    header = next(ln for ln in out.splitlines() if "2026-02-01" in ln)
    assert header.index("2026-02-01") < header.index("2026-03-01")
    rows = {
        cells[0]: cells[1:]
        for ln in out.splitlines()
        if ln.startswith("│")
        and (cells := [c.strip() for c in ln.strip().strip("│").split("│")])[0]
    }
    assert rows["clips"] == ["", "3 (1 failed)", "1"]
    assert rows["Cadence"] == ["steps/min", "169", "176"]
    assert rows["Trunk lean"] == ["deg", "5.2", "6.0"]
    assert rows["Overstride at contact"] == ["leg lengths", "0.23", "0.12"]
    assert rows["flagged"][1].startswith("Overstriding")
    assert "What changed since 2026-02-01" in out
    lines = out.splitlines()
    changed = [ln for ln in lines if "meaningful from" in ln]
    # Largest change relative to its threshold first: overstride 0.11 (3.7x) > cadence 7 (2.3x).
    assert changed[0].startswith(
        "Overstride at contact: 0.23 → 0.12 leg lengths (-0.11"
    )
    assert changed[1].startswith("Cadence: 169 → 176 steps/min (+7")
    assert len(changed) == 2
    assert "Within noise: trunk lean +0.8 deg" in out
    assert "+ New finding: Looking down" in out
    assert "- No longer flagged: Overstriding" in out
    # Default plot: beside the database, named after the athlete.
    png = squad_db.parent / "history_ana_lee.png"
    assert f"Plot  {png}" in out.replace("\n", "")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_cli_one_session_and_explicit_plot(squad_db: Path, tmp_path: Path) -> None:
    res = _run("BO", "--db", str(squad_db), "--plot", str(tmp_path / "bo.png"))
    assert res.exit_code == 0, res.output
    assert "Only one session (2026-03-01): nothing to compare yet" in res.output
    assert "What changed" not in res.output
    assert (tmp_path / "bo.png").stat().st_size > 5_000
    assert not (squad_db.parent / "history_bo.png").exists()


def test_cli_thresholds_file(squad_db: Path, tmp_path: Path) -> None:
    user = tmp_path / "th.toml"
    user.write_text("[history]\ncadence_spm = 10.0\noverstride_ll = 0.2\n")
    res = _run("Ana Lee", "--db", str(squad_db), "--thresholds", str(user), "--no-plot")
    assert res.exit_code == 0, res.output
    assert "No meaningful change in the key metrics." in res.output
    assert "meaningful from" not in res.output
    assert "Within noise: cadence +7 steps/min" in res.output


def test_cli_no_plot(squad_db: Path) -> None:
    res = _run("Bo", "--db", str(squad_db), "--no-plot")
    assert res.exit_code == 0, res.output
    assert "Plot" not in res.output
    assert not list(squad_db.parent.glob("*.png"))


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["Zed"], ["no athlete 'Zed'", "known: Ana Lee, Bo"]),
        (["Ana", "--db", "{tmp}/missing.db"], ["no history database", "--db"]),
    ],
)
def test_cli_errors_are_one_line(
    squad_db: Path, tmp_path: Path, capsys, args: list[str], needles: list[str]
) -> None:
    argv = ["history", *(a.format(tmp=tmp_path) for a in args)]
    if "--db" not in argv:
        argv += ["--db", str(squad_db)]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error:")
    for needle in needles:
        assert needle in lines[0]
    assert not (tmp_path / "missing.db").exists()  # reading never creates a database


# --- hostile athlete names ----------------------------------------------------------

HOSTILE_NAMES = [
    "\x1b]0;pwned\x07Ann",
    "\x1b[2JBob",
    "[bold]B[/bold]",
    "[/]x",
    "a/b[1]",
    "$\\frac{1}{$",
    "Ω" * 3000,
    "tab\tand\nnewline",
]


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "formcheck.db"
    with HistoryDB(path) as h:
        for i, name in enumerate(HOSTILE_NAMES):
            for day, cadence in (("2026-02-01", 160.0), ("2026-03-01", 170.0)):
                h.record(
                    result(
                        f"k{i}{day}",
                        name,
                        day,
                        findings=({**OVERSTRIDE, "title": f"[red]{name}"},),
                        cadence_spm=cadence,
                    )
                )
    return path


def _main(capsys, *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_cli_prints_hostile_names_literally_and_plots_them(
    hostile_db: Path, capsys, name: str
) -> None:
    code, out, err = _main(capsys, "history", name, "--db", str(hostile_db))
    assert code == 0, err
    for char in "\x1b\x07\x9b":
        assert char not in out + err
    shown = terminal_text(name, 100)
    assert shown[:30] in out.replace("\n", "")  # the title, literally
    assert "[red]" + shown[:20] in out.replace("\n", "")  # a finding title
    pngs = list(hostile_db.parent.glob("history_*.png"))
    assert len(pngs) == 1
    assert pngs[0].name == plot_name(name)
    assert len(pngs[0].name.encode()) < 120
    assert pngs[0].read_bytes()[:4] == b"\x89PNG"


def test_cli_unknown_name_after_hostile_names_is_one_line(
    hostile_db: Path, capsys
) -> None:
    for who in ("Zed", "[/]", "\x1b[2J"):
        code, out, err = _main(capsys, "history", who, "--db", str(hostile_db))
        assert code == 2
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), err
        assert "no athlete" in lines[0] and "[/]x" in lines[0]
        assert "\x1b" not in err and "\x07" not in err


@pytest.mark.parametrize("name", ["a/b", "..", "[x]", "\x1b[2J", "C" * 3000, ""])
def test_plot_name_is_one_safe_bounded_file_name(name: str) -> None:
    file = plot_name(name)
    assert file.startswith("history_") and file.endswith(".png")
    assert "/" not in file and "\x1b" not in file
    assert len(file.encode()) <= 100
    assert plot_name(name) == file
    assert plot_name(name.upper()) == plot_name(name.lower())  # matched loosely


def test_plot_names_of_long_names_stay_apart() -> None:
    assert plot_name("x" * 3000) != plot_name("x" * 2999 + "y")


@pytest.mark.parametrize("name", ["$\\frac{1}{$", "$x$", "50$", "\\", "$" * 7])
def test_plot_history_draws_mathtext_names_literally(tmp_path: Path, name) -> None:
    out = plot_history([session("2026-01-01", cadence_spm=170.0)], tmp_path / "h.png")
    titled = plot_history(
        [session("2026-01-01", cadence_spm=170.0)], tmp_path / "t.png", athlete=name
    )
    assert titled.read_bytes()[:4] == out.read_bytes()[:4] == b"\x89PNG"


def test_cli_unwritable_plot_is_one_line(
    squad_db: Path, tmp_path: Path, capsys
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = _main(
        capsys, "history", "Bo", "--db", str(squad_db), "--plot", str(blocker / "p.png")
    )
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "cannot write the plot" in lines[0]


def test_clips_without_content_hash_do_not_replace_each_other(db: HistoryDB) -> None:
    for key in ("fifo", "zero"):
        db.record(dataclasses.replace(result(key, status="failed"), content_sha256=""))
    (s,) = db.sessions("Ana")
    assert s.clips == 2
    # The FIFO became a real clip at the same path: its record replaces the failure.
    db.record(dataclasses.replace(result("real", cadence_spm=170.0)))
    assert db.sessions("Ana")[0].clips == 3
    fifo_path = result("fifo").job.path
    real = result("real2", cadence_spm=170.0)
    db.record(
        dataclasses.replace(real, job=dataclasses.replace(real.job, path=fifo_path))
    )
    (s,) = db.sessions("Ana")
    assert (s.clips, s.ok_clips) == (3, 2)
