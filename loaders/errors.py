"""The error every loader raises for bad input: it names the file and the place."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: ``path`` and ``place`` (line, entry, key...) say where, ``message`` what."""

    def __init__(self, path: str, message: str, place: str | None = None):
        self.path = str(path)
        self.place = place
        self.message = message
        where = f"{self.path}:{place}" if place else self.path
        super().__init__(f"{where}: {message}")
