"""Batch inputs: files, folders, globs, manifests, and safe unique output folders."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.batch.inputs import (
    MAX_COMPONENT,
    OUTPUTS_LIST,
    BatchInputError,
    assign_output_folders,
    expand_inputs,
    safe_component,
    write_batch_marker,
)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not really a video")
    return path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zoë Smith", "Zoë Smith"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", "clip"),
        (".hidden", "hidden"),
        ("a/b\\c:d", "a_b_c_d"),
        ("run..final", "run.final"),
        ("tab\there", "tab_here"),
        ("CON", "_CON"),
        ("", "clip"),
        ("日本語 ラン", "日本語 ラン"),
        ("e\u0301", "é"),  # decomposed é is stored composed (NFC)
    ],
)
def test_safe_component(name, expected):
    assert safe_component(name) == expected


def test_safe_component_bounds_utf8_length_without_splitting_a_character():
    out = safe_component("ü" * 200)
    assert len(out.encode("utf-8")) <= MAX_COMPONENT
    head, digest = out.rsplit("-", 1)
    assert set(head) == {"ü"} and len(digest) == 8  # cut, then a hash of the name
    # Long names that share their beginning stay apart.
    assert safe_component("ü" * 200 + "a") != out


def test_folders_and_globs_find_videos_recursively_and_skip_other_files(tmp_path):
    a = touch(tmp_path / "squad" / "ann" / "run 1.MP4")
    b = touch(tmp_path / "squad" / "bob" / "deep" / "run.mov")
    touch(tmp_path / "squad" / "notes.txt")
    touch(tmp_path / "squad" / ".cache" / "hidden.mp4")
    jobs = expand_inputs([str(tmp_path / "squad")])
    assert [j.path for j in jobs] == [str(a.resolve()), str(b.resolve())]
    globbed = expand_inputs([str(tmp_path / "squad" / "**" / "*.mov")])
    assert [j.path for j in globbed] == [str(b.resolve())]
    # The same clip given twice (file + folder) is analysed once.
    both = expand_inputs([str(a), str(tmp_path / "squad")])
    assert len(both) == 2


def test_same_clip_names_get_distinct_stable_folders(tmp_path):
    x = touch(tmp_path / "x" / "clip.mp4")
    y = touch(tmp_path / "y" / "clip.mp4")
    z = touch(tmp_path / "z" / "CLIP.mp4")  # equal on case-insensitive file systems
    solo = touch(tmp_path / "w" / "other.mp4")
    jobs = expand_inputs([str(x), str(y), str(z), str(solo)])
    folders = [j.out_rel for j in jobs]
    assert len({f.casefold() for f in folders}) == 4
    assert all(f.startswith("unknown/") for f in folders)
    assert folders[3] == "unknown/other"
    # A clip keeps its folder whatever else is in the batch.
    again = expand_inputs([str(z), str(y), str(x)])
    assert {j.path: j.out_rel for j in again} == {j.path: j.out_rel for j in jobs[:3]}


def test_manifest_gives_athlete_date_view_and_relative_paths(tmp_path):
    touch(tmp_path / "clips" / "a.mp4")
    touch(tmp_path / "clips" / "b.mp4")
    manifest = tmp_path / "squad.csv"
    manifest.write_text(
        "path,athlete,date,view,notes\n"
        "clips/a.mp4,Zoë ../../Müller,2026-03-01,rear,after the cue\n"
        "clips/b.mp4,,,,\n",
        encoding="utf-8",
    )
    a, b = expand_inputs([str(manifest)])
    assert a.athlete == "Zoë ../../Müller" and a.date == "2026-03-01"
    assert a.view == "rear" and a.notes == "after the cue"
    assert a.out_rel == "Zoë ._._Müller/a"
    assert b.athlete == "" and b.view == "auto" and b.out_rel == "unknown/b"
    for job in (a, b):
        assert (
            ".." not in Path(job.out_rel).parts and not Path(job.out_rel).is_absolute()
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("clip,athlete\nx.mp4,ann\n", "needs a 'path' column"),
        ("path\nmissing.mp4\n", "line 2: no such file"),
        ("path,date\nok.mp4,01/03/2026\n", "is not YYYY-MM-DD"),
        ("path,view\nok.mp4,diagonal\n", "view 'diagonal'"),
        ("path,slowmo\nok.mp4,fast\n", "slowmo 'fast' is not a number"),
        ("path,slowmo\nok.mp4,0\n", "slowmo '0' is not a number from 0.1"),
        ("path,slowmo\nok.mp4,nan\n", "slowmo 'nan'"),
    ],
)
def test_bad_manifests_are_clear_errors(tmp_path, text, message):
    touch(tmp_path / "ok.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(BatchInputError, match=message):
        expand_inputs([str(manifest)])


def test_manifest_gives_each_clips_playback_speed(tmp_path):
    touch(tmp_path / "a.mp4")
    touch(tmp_path / "b.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,slowmo\na.mp4,4\nb.mp4,\n")
    a, b = expand_inputs([str(manifest)])
    assert a.slowmo == 4.0 and b.slowmo is None


def test_inputs_that_match_nothing_are_clear_errors(tmp_path):
    with pytest.raises(BatchInputError, match="No such file or folder"):
        expand_inputs([str(tmp_path / "nope.mp4")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchInputError, match="No video files found"):
        expand_inputs([str(tmp_path / "empty")])
    with pytest.raises(BatchInputError, match="matches no video files"):
        expand_inputs([str(tmp_path / "*.mp4")])


# --- glob characters in real paths ------------------------------------------------


@pytest.mark.parametrize("folder", ["a[1]", "[ab]", "x*y", "q?", "{b}", "[/]"[:1]])
def test_existing_paths_with_glob_characters_are_taken_literally(tmp_path, folder):
    clip = touch(tmp_path / folder / "clip[1].mp4")
    decoy = touch(tmp_path / "a1" / "clip1.mp4")  # what "a[1]/clip[1].mp4" would match
    expected = [str(clip.resolve())]
    assert [j.path for j in expand_inputs([str(clip)])] == expected
    assert [j.path for j in expand_inputs([str(tmp_path / folder)])] == expected
    # In a pattern, the existing leading folder is literal; the rest is a pattern.
    found = expand_inputs([str(tmp_path / folder / "*.mp4")])
    assert [j.path for j in found] == expected
    assert str(decoy.resolve()) not in [j.path for j in found]
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path\n{folder}/clip[1].mp4\n", encoding="utf-8")
    assert [j.path for j in expand_inputs([str(manifest)])] == expected


def test_a_pattern_still_matches_when_no_literal_folder_exists(tmp_path):
    a = touch(tmp_path / "a1" / "x.mp4")
    b = touch(tmp_path / "a2" / "x.mp4")
    jobs = expand_inputs([str(tmp_path / "a[12]" / "*.mp4")])
    assert [j.path for j in jobs] == [str(a.resolve()), str(b.resolve())]


@pytest.mark.parametrize(
    "athlete", ["[/]", "a/b", "[bold]x[/bold]", "..", "\x1b[2J", "x" * 3000, "$\\x$"]
)
def test_hostile_athlete_names_give_one_safe_folder(tmp_path, athlete):
    touch(tmp_path / "c.mp4")
    manifest = tmp_path / "m.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["path", "athlete"], ["c.mp4", athlete]])
    (job,) = expand_inputs([str(manifest)])
    assert job.athlete == athlete.strip()
    first, clip = job.out_rel.split("/")
    assert clip == "c" and first not in ("", ".", "..")
    assert len(first.encode()) <= MAX_COMPONENT
    assert (tmp_path / "out" / job.out_rel).resolve().is_relative_to(tmp_path / "out")


# --- formcheck's own outputs are never inputs ---------------------------------------


def fake_outputs(folder: Path, *, listed: bool = True) -> Path:
    """A formcheck output folder as write_outputs and the batch runner leave it."""
    video = touch(folder / "annotated.mp4")
    (folder / "report.json").write_text("{}")
    (folder / "batch.json").write_text("{}")
    if listed:
        (folder / OUTPUTS_LIST).write_text(
            json.dumps({"files": ["annotated.mp4", "report.json"]})
        )
    return video


def test_the_batch_folder_inside_an_input_folder_is_skipped(tmp_path):
    clip = touch(tmp_path / "squad" / "run.mp4")
    out = tmp_path / "squad" / "out"
    fake_outputs(out / "unknown" / "run")
    touch(out / "unknown" / "killed" / "annotated.mp4")  # not listed yet
    jobs = expand_inputs([str(tmp_path / "squad")], out_dir=out)
    assert [j.path for j in jobs] == [str(clip.resolve())]
    # The same, as a pattern.
    jobs = expand_inputs([str(tmp_path / "squad" / "**" / "*.mp4")], out_dir=out)
    assert [j.path for j in jobs] == [str(clip.resolve())]


def test_other_batch_folders_and_output_folders_are_skipped(tmp_path):
    clip = touch(tmp_path / "squad" / "run.mp4")
    marked = tmp_path / "squad" / "old_batch"
    marked.mkdir(parents=True)
    write_batch_marker(marked)
    # Killed before the list of files was written: still formcheck's.
    touch(marked / "unknown" / "run" / "annotated.mp4")
    fake_outputs(tmp_path / "squad" / "analyze_out")  # formcheck analyze --out
    # An older output folder (no list of files): only annotated.mp4 is formcheck's.
    fake_outputs(tmp_path / "squad" / "mixed", listed=False)
    mine = touch(tmp_path / "squad" / "mixed" / "my clip.mp4")
    # The user's clips inside a batch folder are clips all the same.
    theirs = touch(marked / "clips" / "annotated.mp4")
    expected = sorted(str(p.resolve()) for p in (clip, mine, theirs))
    for item in (str(tmp_path / "squad"), str(tmp_path / "squad" / "**" / "*.mp4")):
        assert [j.path for j in expand_inputs([item])] == expected


def test_a_clip_named_explicitly_is_taken_even_inside_outputs(tmp_path):
    video = fake_outputs(tmp_path / "out" / "unknown" / "run")
    assert [j.path for j in expand_inputs([str(video)])] == [str(video.resolve())]


def test_a_batch_folder_given_as_input_has_no_clips_but_the_users(tmp_path):
    out = tmp_path / "out"
    fake_outputs(out / "unknown" / "run")
    fake_outputs(out / "unknown" / "walk", listed=False)
    write_batch_marker(out)
    for options in ({"out_dir": out}, {}):
        with pytest.raises(
            BatchInputError, match=r"2 formcheck output video\(s\) skip"
        ):
            expand_inputs([str(out)], **options)
    clip = touch(out / "clips" / "run.mp4")
    assert [j.path for j in expand_inputs([str(out)])] == [str(clip.resolve())]


# --- manifests: line breaks, odd rows, things that are not files ---------------------


def test_line_breaks_in_quoted_cells_are_kept_and_line_numbers_stay_right(tmp_path):
    touch(tmp_path / "a.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_bytes(
        b'path,athlete,notes\r\na.mp4,"Ann\nLee","first\r\nsecond\rthird\n"\r\n'
        b"a.mp4,Bo,\r\nmissing.mp4,,\r\n"
    )
    with pytest.raises(BatchInputError, match="line 8: no such file 'missing.mp4'"):
        expand_inputs([str(manifest)])
    manifest.write_bytes(manifest.read_bytes().replace(b"missing.mp4,,\r\n", b""))
    (job,) = expand_inputs([str(manifest)])  # the same clip twice is one job
    assert job.athlete == "Ann\nLee"
    assert job.notes == "first\r\nsecond\rthird"  # trimmed at the ends only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "path,athlete\nok.mp4,Ann,tired, slow\n",
            "line 2: 4 cells but the header has 2",
        ),
        ('path,notes\nok.mp4,"never closed\nok.mp4,x\n', "line 2: not valid CSV"),
        ('path,notes\nok.mp4,x\nok.mp4,"a" b\n', "line 3: not valid CSV"),
        (
            "path\n" + "x" * 200_000 + "\n",
            r"line 2: not valid CSV \(field larger than field limit",
        ),
        ("path\nok\x00.mp4\n", "line 2: no such file"),
        ("path\n" + "x" * 5000 + ".mp4\n", "line 2: bad path"),
    ],
)
def test_malformed_manifests_are_clear_errors(tmp_path, text, message):
    touch(tmp_path / "ok.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(BatchInputError, match=message):
        expand_inputs([str(manifest)])


def test_empty_trailing_cells_are_fine(tmp_path):
    touch(tmp_path / "ok.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,athlete\nok.mp4,Ann,,\n", encoding="utf-8")
    assert expand_inputs([str(manifest)])[0].athlete == "Ann"


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_manifest_row_that_is_not_a_regular_file_becomes_a_job(tmp_path, kind):
    touch(tmp_path / "ok.mp4")
    if kind == "fifo":
        special = tmp_path / "pipe.mp4"
        os.mkfifo(special)
    elif kind == "device":
        special = Path("/dev/zero")
    else:
        special = tmp_path / "dir.mp4"
        special.mkdir()
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path,athlete\nok.mp4,Ann\n{special},Bo\n", encoding="utf-8")
    ok, odd = expand_inputs([str(manifest)])  # nothing is read: no blocking
    assert odd.path == os.path.abspath(special) and odd.athlete == "Bo"
    # Given directly, a FIFO or device is taken too (a folder is searched instead).
    if kind != "folder":
        assert [j.path for j in expand_inputs([str(special)])] == [odd.path]


CELL_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(athlete=CELL_TEXT, notes=CELL_TEXT)
def test_manifest_cells_round_trip(tmp_path_factory, athlete, notes):
    folder = tmp_path_factory.mktemp("manifest", numbered=True)
    touch(folder / "clip.mp4")
    manifest = folder / "m.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["path", "athlete", "notes"], ["clip.mp4", athlete, notes]]
        )
    (job,) = expand_inputs([str(manifest)])
    assert job.athlete == athlete.strip()
    assert job.notes == notes.strip()
    assert _is_safe_rel(job.out_rel)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_manifest_text_gives_jobs_or_a_clear_error(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("manifest", numbered=True)
    touch(folder / "clip.mp4")
    manifest = folder / "m.csv"
    manifest.write_text("path,athlete,date,view,notes\n" + text, encoding="utf-8")
    try:
        jobs = expand_inputs([str(manifest)])
    except BatchInputError as exc:
        assert str(exc).startswith(f"Manifest '{manifest}'")
        return
    for job in jobs:
        assert Path(job.path).is_absolute() and _is_safe_rel(job.out_rel)


def _is_safe_rel(out_rel: str) -> bool:
    parts = out_rel.split("/")
    return len(parts) == 2 and all(p and not p.startswith(".") for p in parts)


def test_the_outputs_list_is_the_one_write_outputs_writes():
    from formcheck.outputs.bundle import MANIFEST

    assert OUTPUTS_LIST == MANIFEST


def test_clips_whose_undecodable_names_collide_get_separate_folders(tmp_path):
    """File names with bytes that are not UTF-8 arrive as lone surrogates; two that
    clean up to the same folder name must still be told apart, not crash."""
    clips = [
        touch(tmp_path / os.fsdecode(b"a\xff.mp4")),
        touch(tmp_path / os.fsdecode(b"a\xfe.mp4")),
    ]
    jobs = assign_output_folders(expand_inputs([str(tmp_path)]))
    folders = {job.out_rel for job in jobs}
    assert len(jobs) == len(clips) == len(folders) == 2
