"""User text made safe (formcheck.textsafe): file names, terminal lines, plot titles
and spreadsheet cells, on hand-picked hostile names and on generated ones."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formcheck.textsafe import (
    MAX_COMPONENT,
    csv_cell,
    is_number_text,
    markup_text,
    plot_text,
    safe_component,
    terminal_text,
)

HOSTILE = [
    "\x1b]0;pwned\x07Ann",
    "\x1b[2JBob",
    "\x9b31mC1",
    "[bold]B[/bold]",
    "[/]",
    "a/b\\c",
    "../..",
    "$\\frac{1}{$",
    "x" * 3000,
    "Zoë\u202eevil",
    "line\nbreak\r\ttab",
    "\x00nul",
    "bad \udcff bytes",
    "CON",
    "=HYPERLINK(0)",
    "",
    " . _ ",
]

# Any text, lone surrogates included (undecodable file-name bytes arrive as those).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=400)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def _is_one_component(name: str) -> bool:
    return (
        bool(name)
        and name not in (".", "..")
        and not any(sep in name for sep in "/\\\0")
        and ".." not in name
        and not name.startswith(".")
    )


# --- file names -----------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_safe_component_of_hostile_names(name):
    out = safe_component(name)
    assert _is_one_component(out)
    assert len(out.encode("utf-8")) <= MAX_COMPONENT
    assert not _has_control(out)
    assert safe_component(name) == out  # the same name, the same folder


def test_safe_component_keeps_long_names_apart_with_a_hash():
    a, b = safe_component("x" * 3000), safe_component("x" * 2999 + "y")
    assert a != b
    assert a.startswith("x" * 40) and len(a.encode()) <= MAX_COMPONENT


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_safe_component_is_always_one_bounded_stable_component(name):
    out = safe_component(name)
    assert _is_one_component(out)
    assert len(out.encode("utf-8")) <= MAX_COMPONENT
    assert not _has_control(out)
    assert safe_component(name) == out
    assert safe_component(out) == out  # already safe: unchanged


@settings(max_examples=100, deadline=None)
@given(ANY_TEXT)
def test_safe_component_can_be_created_as_a_file(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("names", numbered=True)
    path = folder / safe_component(name)
    path.write_bytes(b"")
    assert path.parent == folder
    assert [p.name for p in folder.iterdir()] == [path.name]


# --- terminal and plot text -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b]0;pwned\x07Ann", "Ann"),
        ("\x1b[2J\x1b[31mBob\x1b[0m", "Bob"),
        ("\x9b2JC1", "C1"),
        ("a\nb\tc", "a b c"),
        ("bell\x07", "bell"),
        ("Zoë\u202eevil", "Zoëevil"),
        ("[bold]B[/bold]", "[bold]B[/bold]"),  # markup is not the terminal's business
    ],
)
def test_terminal_text(text, expected):
    assert terminal_text(text) == expected


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.none() | st.integers(1, 50))
def test_terminal_text_never_holds_a_control_character(text, limit):
    out = terminal_text(text, limit)
    assert not _has_control(out)
    assert "\n" not in out and "\x1b" not in out
    if limit is not None:
        assert len(out) <= limit


@pytest.mark.parametrize("name", ["[bold]B[/bold]", "[/]", "x[/x]", "[red]\\"])
def test_markup_text_prints_markup_literally(name):
    from rich.console import Console

    console = Console(record=True, width=200, color_system=None)
    console.print(f"[bold]{markup_text(name)}[/]")  # a MarkupError if not escaped
    assert console.export_text().rstrip("\n") == name


@pytest.mark.parametrize(
    "name", ["$\\frac{1}{$", "$x$", "a\\$b$", "\\", "$$", "50$ and 20$", "x" * 3000]
)
def test_plot_text_is_drawn_literally(name):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasAgg(fig)
    text = fig.suptitle(plot_text(name))
    fig.canvas.draw()  # mathtext would raise ValueError on "$\frac{1}{$"
    shown, is_math = text._preprocess_math(text.get_text())
    assert not is_math
    assert shown == terminal_text(name, 100)


# --- spreadsheet cells ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "+1"),  # a number stays a number
        ("+1+1", "'+1+1"),
        ("-2", "-2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =1", "'  =1"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        ("", ""),
        (-3.5, -3.5),
        (0, 0),
        (None, None),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30))
def test_csv_cell_never_starts_a_formula_and_only_adds_a_quote(text):
    out = csv_cell(text)
    assert out in (text, "'" + text)
    if out and not is_number_text(out):
        assert out[0] not in "=+-@\t\r"
