"""Hostile thresholds and rules files: every mistake is one clear line, never a
traceback (formcheck.config, formcheck.rules.engine and the CLI that reports them)."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.config import (
    _SECTIONS,
    DEFAULT,
    Limits,
    load_thresholds,
    replace_section,
)
from formcheck.errors import FormcheckError
from formcheck.rules import load_rules

#: Every numeric threshold (all but the on/off switches).
ALL_KEYS = [
    (name, f.name)
    for name, cls in _SECTIONS.items()
    for f in dataclasses.fields(cls)
    if not isinstance(getattr(getattr(DEFAULT, name), f.name), bool)
]


def _write(tmp_path: Path, text: str | bytes, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_the_shipped_thresholds_pass_their_own_checks():
    assert load_thresholds() == DEFAULT
    assert len(ALL_KEYS) > 50  # the generic checks below cover every number


@pytest.mark.parametrize(("section", "key"), ALL_KEYS)
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "-1"])
def test_every_threshold_must_be_finite_and_in_range(tmp_path, section, key, bad):
    """The generic rule: finite, and non-negative unless a field says otherwise
    (no threshold today has a meaningful negative value)."""
    user = _write(tmp_path, f"[{section}]\n{key} = {bad}\n")
    with pytest.raises(FormcheckError) as exc:
        load_thresholds(user)
    message = str(exc.value)
    assert message.startswith(f"thresholds file {user}: [{section}] {key} = ")
    assert "must be" in message and "\n" not in message


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("[events]\nmax_step_s = -1\n", ["[events] max_step_s = -1", "(must be > 0)"]),
        ("[events]\nmax_step_s = 0.1\n", [">= min_step_s = 0.2"]),
        ("[events]\nmin_contact_s = 0.7\n", ["max_contact_s = 0.6", "min_contact_s"]),
        (
            "[detection]\nmin_inside_fraction = 1.5\n",
            ["[detection] min_inside_fraction = 1.5", "must be in [0, 1]"],
        ),
        ("[cleaning]\nmax_cutoff_nyquist = 1.0\n", ["must be in (0, 1)"]),
        ("[cleaning]\nfilter_order = 2.5\n", ["filter_order = 2.5", "an integer"]),
        ("[cleaning]\nfilter_order = 100\n", ["filter_order = 100", "[1, 8]"]),
        ("[select]\nmax_people = 0\n", ["max_people = 0", "[1, 10]"]),
        ("[select]\nlink_max_size_ratio = 0.5\n", ["must be >= 1"]),
        ("[view]\nrun_max_knee_deg = 200\n", ["[0, 180]"]),
        ("[view]\nmin_steps = 0\n", ["min_steps = 0", "must be >= 1"]),
        ("[events]\nkink_through_filter = 1\n", ["true or false"]),
        ('[history]\ncadence_spm = "3"\n', ["cadence_spm = '3'", "a number"]),
        ("[history]\ncadence_spm = true\n", ["cadence_spm = true", "a number"]),
        ("[history]\ncadence_spm = [1]\n", ["cadence_spm = [1]", "a number"]),
        ("[events]\nmax_step_s = { a = 1 }\n", ["max_step_s = {'a': 1}", "a number"]),
        ("events = 5\n", ["threshold 'events' must be a table"]),
        ("[evnts]\nmax_step_s = 1\n", ["unknown threshold 'evnts'"]),
        ("[events]\nmax_stp_s = 1\n", ["unknown threshold 'events.max_stp_s'"]),
        ("[events\n", ["cannot read thresholds file"]),
        (b"[history]\ncadence_spm = 3 # \xff\n", ["cannot read", "UTF-8"]),
        ("x = " + "[" * 3000 + "]" * 3000, ["cannot read", "nested too deeply"]),
        # TOML integers have no size limit; too big for a float, or for Python.
        ("[events]\nmax_step_s = 1" + "0" * 400 + "\n", ["max_step_s", "a number"]),
        ("[events]\nmax_step_s = 1" + "0" * 5000 + "\n", ["cannot read", "digits"]),
        ("#" * 1_000_001, ["cannot read", "larger than"]),
    ],
)
def test_bad_thresholds_files_are_clear_errors(tmp_path, text, needles):
    user = _write(tmp_path, text)
    with pytest.raises(FormcheckError) as exc:
        load_thresholds(user)
    message = str(exc.value)
    assert str(user) in message and "\n" not in message
    for needle in needles:
        assert needle in message, message


def test_a_missing_thresholds_file_or_a_folder_is_a_clear_error(tmp_path):
    for path in (tmp_path / "missing.toml", tmp_path):
        with pytest.raises(FormcheckError, match="cannot read thresholds file"):
            load_thresholds(path)


def test_ints_are_accepted_for_floats_and_stored_as_floats(tmp_path):
    user = _write(
        tmp_path, "[history]\ncadence_spm = 5\n[cleaning]\nfilter_order = 3\n"
    )
    th = load_thresholds(user)
    assert th.history.cadence_spm == 5.0 and isinstance(th.history.cadence_spm, float)
    assert th.cleaning.filter_order == 3


def test_replace_section_is_checked_like_a_file():
    with pytest.raises(FormcheckError, match=r"\[cleaning\] cutoff_hz = 0.0 .*> 0"):
        replace_section(DEFAULT, "cleaning", cutoff_hz=0.0)
    th = replace_section(DEFAULT, "cleaning", cutoff_hz=8)
    assert th.cleaning.cutoff_hz == 8.0


@pytest.mark.parametrize(
    ("limits", "text", "inside", "outside"),
    [
        (Limits(), "must be >= 0", [0.0, 5.0], [-0.1]),
        (Limits(lo_open=True), "must be > 0", [1e-9], [0.0]),
        (Limits(0, 1), "must be in [0, 1]", [0.0, 1.0], [1.01, -0.01]),
        (Limits(0, 1, lo_open=True, hi_open=True), "must be in (0, 1)", [0.5], [0, 1]),
        (Limits(-math.inf, 3), "must be <= 3", [-1e9, 3], [3.5]),
        (Limits(-math.inf), "must be finite", [-1e9, 1e9], []),
    ],
)
def test_limits_describe_what_they_admit(limits, text, inside, outside):
    assert str(limits) == text
    assert all(limits.admits(v) for v in inside)
    assert not any(limits.admits(v) for v in outside)


# --- through the command line -------------------------------------------------------

EVIL_RULES = (
    '[[rule]]\nid = "low_cadence"\n'
    'message = "{value.__init__.__globals__[os].environ}"\n'
)


def _one_line_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error:")
    return lines[0]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("[events]\nmax_step_s = -1\n", ["[events] max_step_s = -1", "> 0"]),
        ("[history]\ncadence_spm = nan\n", ["[history] cadence_spm = nan", "finite"]),
        ('[history]\ncadence_spm = "x"\n', ["cadence_spm = 'x'", "a number"]),
        ("[history\n", ["cannot read thresholds file"]),
    ],
)
def test_cli_bad_thresholds_file_is_one_line(tmp_path, capsys, text, needles):
    user = _write(tmp_path, text)
    missing_db = tmp_path / "missing.db"
    line = _one_line_error(
        capsys, ["history", "Ana", "--db", str(missing_db), "--thresholds", str(user)]
    )
    for needle in [user.name, *needles]:
        assert needle in line, line


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (EVIL_RULES, ["low_cadence", "message", "attribute or index access"]),
        (
            '[[rule]]\nid = "low_cadence"\nmessage = "{value:>99999999}"\n',
            ["low_cadence", "message", "width <= 20"],
        ),
        (
            '[[rule]]\nid = "low_cadence"\nlevels = { mild = inf, moderate = inf, '
            "marked = inf }\n",
            ["low_cadence", "levels.mild = inf", "finite"],
        ),
        ('[[rule]]\nid = "low_cadence"\nmin_n = "8"\n', ["min_n = '8'", "integer"]),
        ('[[rule]]\nid = "low_cadence"\nmessage = "{value"\n', ["unbalanced brace"]),
        ("[[rule]\n", ["cannot read rules file"]),
    ],
)
def test_cli_bad_rules_file_is_one_line(tmp_path, capsys, text, needles):
    user = _write(tmp_path, text, "coach_rules.toml")
    # Rules are loaded before the video is opened, so a missing video is fine here.
    line = _one_line_error(
        capsys, ["analyze", str(tmp_path / "clip.mp4"), "--rules", str(user), "-q"]
    )
    for needle in ["coach_rules.toml", *needles]:
        assert needle in line, line


def test_cli_process_never_leaks_the_environment(tmp_path):
    """The real console script, in its own process, with a secret in its env."""
    user = _write(tmp_path, EVIL_RULES)
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(tmp_path / "x.mp4")]
        + ["--rules", str(user), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "FORMCHECK_TEST_SECRET": "s3cr3t-9f8e"},
    )
    assert proc.returncode == 2, proc.stderr
    assert "s3cr3t-9f8e" not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr


def test_the_shipped_rules_pass_their_own_checks():
    assert len(load_rules()) >= 12


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_pipe_or_device_as_a_thresholds_file_is_refused_without_reading(
    tmp_path, special
):
    path = special
    if special == "fifo":
        path = str(tmp_path / "t.toml")
        os.mkfifo(path)  # opening it would block: nobody writes
    with pytest.raises(FormcheckError, match="not a regular file"):
        load_thresholds(path)
