"""User text made safe for where it goes: the terminal, file names, plot titles, CSV.

Athlete names, notes and file names come from manifests and folders that formcheck
does not control. Each destination has one helper here, and every writer uses it:

* :func:`terminal_text` — no control characters or escape sequences (a name must not
  retitle the terminal or clear the screen), one line; :func:`markup_text` also
  escapes rich markup, for text put inside a rich markup string.
* :func:`safe_component` — one path component: no separators, ``..``, control
  characters or leading dots, bounded length (a hash suffix keeps long names apart).
* :func:`plot_text` — matplotlib title text: ``$`` escaped (no mathtext), one line,
  bounded length.
* :func:`csv_cell` — a spreadsheet cell that cannot start a formula (OWASP "CSV
  injection"): text starting with ``= + - @``, tab or CR gets a leading ``'``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: Longest path component written, in UTF-8 bytes (most file systems allow 255; this
#: leaves room for prefixes, suffixes and the atomic writers' temporary names).
MAX_COMPONENT = 80
#: Longest athlete name shown in a plot title or a terminal heading, in characters.
MAX_DISPLAY = 100

# ANSI escape sequences, removed whole so no parameter text is left behind: CSI
# (ESC [ or 0x9b ... final byte), OSC/DCS/PM/APC/SOS strings (ESC ] P ^ _ X or their
# C1 forms, up to BEL or ST, or to the end), and two-byte ESC sequences.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
# Line breaks and tabs become spaces (one line); other C0/C1 controls, DEL and the
# bidirectional overrides (which reorder what the terminal shows) are dropped.
_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
_INVISIBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

# In a file name every control or invisible character (and a lone surrogate, from
# undecodable bytes) becomes "_", like the separators and the characters Windows bans.
_UNSAFE_IN_NAME = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
    r'\ud800-\udfff\\/:*?"<>|]+'
)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)

_FORMULA_START = frozenset("=+-@\t\r\n")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _clean(text: str) -> str:
    """Escape sequences, control characters, bidi overrides and lone surrogates out;
    line breaks and tabs as spaces."""
    text = _ESCAPES.sub("", text)
    text = _BREAKS.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    # Undecodable file-name bytes arrive as lone surrogates; they cannot be encoded.
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def _shorten(text: str, max_chars: int | None) -> str:
    if max_chars is not None and len(text) > max_chars:
        return text[: max(0, max_chars - 1)].rstrip() + "…"
    return text


def terminal_text(text: str, max_chars: int | None = None) -> str:
    """``text`` as one line that is safe to print on a terminal.

    Escape sequences (CSI, OSC ...) are removed whole, other C0/C1 control characters
    and bidirectional overrides are dropped, line breaks and tabs become spaces. With
    ``max_chars`` longer text is cut and ends in ``…``.

    >>> terminal_text("Ann\\x1b]0;pwned\\x07\\x1b[2J Lee")
    'Ann Lee'
    """
    return _shorten(_clean(str(text)), max_chars)


def markup_text(text: str, max_chars: int | None = None) -> str:
    """:func:`terminal_text`, with rich markup escaped: for user text inside a rich
    markup string (``[bold]`` in a name is printed as is)."""
    from rich.markup import escape

    return escape(terminal_text(text, max_chars))


def plot_text(text: str, max_chars: int = MAX_DISPLAY) -> str:
    """``text`` for a matplotlib title or label: one line, bounded, and with every
    ``$`` escaped, so a name such as ``$\\frac{1}{$`` is drawn literally instead of
    being parsed as mathtext.

    >>> plot_text("Ann $5")
    'Ann \\\\$5'
    """
    return terminal_text(text, max_chars).replace("$", r"\$")


def safe_component(
    name: str, fallback: str = "clip", max_bytes: int = MAX_COMPONENT
) -> str:
    """``name`` as one safe path component, the same every time for the same name.

    No separators, ``..``, terminal escape sequences (removed whole), other control
    characters, leading dots or Windows device names;
    Unicode letters are kept (NFC). At most ``max_bytes`` UTF-8 bytes: a longer name
    is cut and ends in ``-`` and 8 hex digits of its hash, so two long names that
    share a beginning stay apart. An empty result is ``fallback``.

    >>> safe_component("../../etc/passwd")
    'etc_passwd'
    >>> safe_component("Zoë Smith")
    'Zoë Smith'
    """
    text = _ESCAPES.sub("", unicodedata.normalize("NFC", name))
    text = _UNSAFE_IN_NAME.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)  # no ".." anywhere
    text = re.sub(r"_+", "_", text.strip(" ._"))
    if _WINDOWS_RESERVED.match(text):
        text = f"_{text}"
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:
        digest = hashlib.sha256(encoded).hexdigest()[:8]
        head = encoded[: max_bytes - len(digest) - 1].decode("utf-8", errors="ignore")
        text = f"{head.rstrip(' ._')}-{digest}"
    return text or fallback


def is_number_text(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (``-5``, ``+1.5e3``)."""
    return _NUMBER.fullmatch(text) is not None


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula.

    Text whose first character (or first after leading spaces) is ``=``, ``+``,
    ``-``, ``@``, tab, CR or LF gets a leading ``'`` (OWASP); numbers, and text that
    is a plain number such as ``-5``, are returned unchanged.

    >>> csv_cell("=HYPERLINK(0)"), csv_cell(-3.5), csv_cell("-3.5")
    ("'=HYPERLINK(0)", -3.5, '-3.5')
    """
    if not isinstance(value, str) or not value or is_number_text(value):
        return value
    # Undecodable file-name bytes arrive as lone surrogates, which UTF-8 cannot encode.
    value = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    if value[0] in _FORMULA_START or value.lstrip(" ")[:1] in _FORMULA_START:
        return "'" + value
    return value
