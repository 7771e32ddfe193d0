"""Text columns for terminal tables, measured in display columns: a Chinese (East Asian wide)
character takes two columns, so padding by ``len`` misaligns a column of Chinese names.

Every table the command line prints pads its text cells with :func:`pad` (widths by wcwidth, the
library terminals' own width rules come from); ``matcher --help`` wraps its texts with :func:`wrap`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from wcwidth import wcswidth, wcwidth


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide characters 2, combining marks 0)."""
    shown = wcswidth(text)
    return shown if shown >= 0 else sum(max(wcwidth(ch), 0) for ch in text)  # control characters count 0


def pad(value: object, columns: int, align: str = "<") -> str:
    """``value`` as text filled with spaces to ``columns`` display columns: left-aligned (``<``) or
    right-aligned (``>``); text already wider is left whole."""
    text = str(value)
    fill = " " * max(0, columns - width(text))
    return fill + text if align == ">" else text + fill


def clip(text: str, columns: int) -> str:
    """The longest start of ``text`` that fits in ``columns`` display columns."""
    used = 0
    for i, ch in enumerate(text):
        used += max(wcwidth(ch), 0)
        if used > columns:
            return text[:i]
    return text


#: The pieces a line is made of: a run of spaces, a word of narrow characters, or one wide (CJK)
#: character; opening brackets keep to the piece after them, closing punctuation to the one before.
_PIECE = re.compile(r"\s+|[（《「『]*(?:[^\s\u2e80-\uffef]+|[\u2e80-\uffef])[、，。；：！？）》」』]*")


def wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` display columns, broken at spaces and between Chinese
    characters (a piece wider than a line stands alone on its line)."""
    lines: list[str] = []
    line = ""
    for piece in _PIECE.findall(text):
        if piece.isspace():
            line += " " if line else ""
        elif line and width(line) + width(piece) > columns:
            lines.append(line.rstrip())
            line = piece
        else:
            line += piece
    return [*lines, line.rstrip()] if line.strip() else lines


def table(header: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "") -> str:
    """Rows under a header, each column as wide as its widest cell; the first column left-aligned,
    the others right-aligned (figures)."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    widths = [max(width(row[k]) for row in cells) for k in range(len(header))]
    return "\n".join(
        indent + "  ".join(pad(cell, widths[k], "<" if k == 0 else ">") for k, cell in enumerate(row)).rstrip()
        for row in cells
    )
