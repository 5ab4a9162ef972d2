"""Tables for the terminal, drawn by rich: they fit the terminal's width (``COLUMNS`` when set),
wrap long cells instead of long lines, and are plain text when the output is not a terminal.

>>> print(render([{"field": "e-mail address", "recipients": 3}], width=40))  # doctest: +NORMALIZE_WHITESPACE
 field            recipients
 ─────────────────────────────
 e-mail address            3
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

DEFAULT_WIDTH = 100  # when neither COLUMNS nor a terminal says
_GAP = 3  # characters between two columns (padding, rule, padding)


def width() -> int:
    """The width to draw for: ``COLUMNS``, else the terminal's, else :data:`DEFAULT_WIDTH`."""
    if os.environ.get("COLUMNS", "").isdigit():
        return max(int(os.environ["COLUMNS"]), 20)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


def render(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, title: str | None = None,
           width: int | None = None, numeric: Sequence[str] = (), narrow: Sequence[str] = (),
           widths: dict[str, int] | None = None, one_line: bool = False) -> str:
    """``rows`` as a table whose lines are at most ``width`` characters; long cells wrap, or, with
    ``one_line``, are cut with an ellipsis so that each row is one line.

    ``numeric`` columns are right-aligned; ``narrow`` columns are never wrapped (short names, counts);
    ``widths`` caps some columns' widths.
    """
    cols = list(columns or (rows[0].keys() if rows else []))
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", show_edge=False, pad_edge=False,
                  header_style="bold", expand=False)
    caps = widths or {}
    cells = [["" if r.get(c) is None else str(r.get(c)) for c in cols] for r in rows]
    floors: list[int | None] = [None] * len(cols)
    if one_line and cols:
        # every column but the last as wide as its longest cell (up to its cap); the last one takes
        # what is left and its cells are cut to it
        for i, c in enumerate(cols[:-1]):
            longest = max([len(c), *(len(row[i]) for row in cells)])
            floors[i] = min(longest, caps.get(c) or longest)
        left = (width or globals()["width"]()) - sum(f or 0 for f in floors) - _GAP * (len(cols) - 1)
        cells = [[*row[:-1], shorten(row[-1], max(left, 8))] for row in cells]
    for c, floor in zip(cols, floors, strict=True):
        table.add_column(c, justify="right" if c in numeric else "left", overflow="ellipsis" if one_line else "fold",
                         no_wrap=one_line or c in narrow, max_width=caps.get(c) or None, min_width=floor)
    for row in cells:
        table.add_row(*row)
    return _draw(table, width)


def _draw(renderable: Any, width_: int | None) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width_ or width(), color_system=None, force_terminal=False,
                      legacy_windows=False, highlight=False, emoji=False, markup=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines())


def paragraph(text: str, width_: int | None = None) -> str:
    """``text`` wrapped to the width."""
    return "\n".join(textwrap.wrap(text, width_ or width(), break_on_hyphens=False))


def shorten(text: str, limit: int = 90) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
