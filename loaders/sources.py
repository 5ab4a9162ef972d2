"""Which loader reads a file: by ``--kind``, else by extension and content."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowaudit.inventory.records import Records

from .errors import InputError
from .policy import extract_policy

Loader = Callable[[str | Path], Records]

LOADERS: dict[str, Loader] = {
    "policy": extract_policy,
}
POLICY_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ""}


def detect_kind(path: str | Path) -> str:
    """The source kind of ``path``, from its extension."""
    p = Path(path)
    if p.suffix.lower() in POLICY_SUFFIXES:
        return "policy"
    raise InputError(str(path), f"cannot tell what kind of source this is (known kinds: {', '.join(LOADERS)})")


def extract(paths: list[str | Path], kind: str | None = None) -> Records:
    """Read every source into one record set; the first bad file raises :class:`InputError`."""
    if kind is not None and kind not in LOADERS:
        raise InputError(str(paths[0]) if paths else "-", f"unknown kind {kind!r} (known: {', '.join(LOADERS)})")
    records = Records()
    for path in paths:
        records.update(LOADERS[kind or detect_kind(path)](path))
    return records
