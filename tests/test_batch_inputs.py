"""Batch inputs: files, folders, globs, manifests, and safe unique output folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.batch.inputs import (
    MAX_COMPONENT,
    BatchInputError,
    expand_inputs,
    safe_component,
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
    assert set(out) == {"ü"}


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
    ],
)
def test_bad_manifests_are_clear_errors(tmp_path, text, message):
    touch(tmp_path / "ok.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(BatchInputError, match=message):
        expand_inputs([str(manifest)])


def test_inputs_that_match_nothing_are_clear_errors(tmp_path):
    with pytest.raises(BatchInputError, match="No such file or folder"):
        expand_inputs([str(tmp_path / "nope.mp4")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchInputError, match="No video files found"):
        expand_inputs([str(tmp_path / "empty")])
    with pytest.raises(BatchInputError, match="matches no video files"):
        expand_inputs([str(tmp_path / "*.mp4")])
