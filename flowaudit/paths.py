"""Checks of the paths the CLI reads and writes, made before any work, so that a bad path is an
error naming the path and the reason (exit 2), never a traceback or an empty answer.

>>> check_output("/nonexistent-folder/report.html", "-o")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
InputError: /nonexistent-folder/report.html: -o: the folder /nonexistent-folder does not exist
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from flowaudit.loaders.errors import InputError

URI_SCHEMES = ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc")


def is_uri(location: str) -> bool:
    """True for a Neo4j URI (``bolt://…``, ``neo4j+s://…``)."""
    return location.split("://", 1)[0] in URI_SCHEMES and "://" in location


def check_store_to_read(location: str) -> None:
    """A store file that a read command opens must exist and be a file."""
    if is_uri(location):
        return
    p = Path(location)
    if not p.exists():
        _not_a_folder_above(p, "--store")
        raise InputError(location, f"no store at {location}; load sources first with "
                                   f"`flowaudit load SOURCES --store {location}`")
    if p.is_dir():
        raise InputError(location, "--store: this is a folder; give a store file (for example store.json)")
    if not os.access(p, os.R_OK):
        raise InputError(location, "--store: cannot read it: permission denied")


def check_store_to_write(location: str) -> None:
    """A store file that ``load`` writes: its folder must be creatable and writable."""
    if not is_uri(location):
        check_output(location, "--store", create_folders=True)


def check_output(path: str | Path, option: str, create_folders: bool = False) -> None:
    """``path`` can be written: not a folder, in a folder that exists (or, with ``create_folders``,
    can be made) and lets a file be created there. Probed for real: a file is created and removed."""
    p = Path(path)
    if p.is_dir():
        raise InputError(str(path), f"{option}: this is a folder; give a file name")
    folder = p.parent
    if not folder.exists():
        _not_a_folder_above(p, option)
        if not create_folders:
            raise InputError(str(path), f"{option}: the folder {folder} does not exist")
        while not folder.exists():
            folder = folder.parent
    elif not folder.is_dir():
        raise InputError(str(path), f"{option}: {folder} is a file, not a folder")
    try:
        if p.exists():
            with open(p, "r+b"):
                pass
        else:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".flowaudit-probe-"):
                pass
    except OSError as exc:
        raise InputError(str(path), f"{option}: cannot write here: {reason(exc)}") from None


def _not_a_folder_above(p: Path, option: str) -> None:
    """A path under a regular file ("store.json/x.json") is reported as such."""
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(str(p), f"{option}: {parent} is a file, not a folder")
            return


def reason(exc: OSError) -> str:
    """An OSError's reason in words ("permission denied"), without the Python class name."""
    text = exc.strerror or (errno.errorcode.get(exc.errno or 0, "") if exc.errno else "") or str(exc)
    return text[:1].lower() + text[1:]
