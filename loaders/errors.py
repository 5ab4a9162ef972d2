"""The error every loader raises for bad input, naming the file and the place, and the one way
loaders read a source file so that a missing or unreadable file is reported alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class InputError(Exception):
    """Bad input: ``path`` and ``place`` (line, entry, key...) say where, ``message`` what."""

    def __init__(self, path: str, message: str, place: str | None = None):
        self.path = str(path)
        self.place = place
        self.message = message
        where = f"{self.path}:{place}" if place else self.path
        super().__init__(f"{where}: {message}")


def read_source(path: str | Path) -> bytes:
    """The bytes of ``path``; a missing or unreadable file raises :class:`InputError`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None


def read_text(path: str | Path) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark dropped); an empty or non-UTF-8 file raises
    :class:`InputError` naming the byte."""
    raw = read_source(path)
    if not raw.strip():
        raise InputError(str(path), "empty file", "byte 0")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "not UTF-8 text (binary data?)", f"byte {exc.start}") from None


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path``; an empty, non-UTF-8 or malformed file raises :class:`InputError`
    naming the byte, or the line and column."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}") from None
