"""Which loader reads a file: by ``--kind``, else by extension and content."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

from flowaudit.inventory.records import Records

from .cookies import is_netscape_jar, looks_like_cookies
from .crawls import looks_like_openwpm, looks_like_tracker_radar
from .email import looks_like_email
from .errors import InputError
from .har import looks_like_har
from .scan_files import scan_file_kind
from .wec import wec_kind
from .yamlmap import top_level_keys

Loader = Callable[[str | Path], Records]

#: The loader of each kind, as its module and function. A module is imported when a source of its kind is
#: first read, so reading a manifest does not import the policy reader's spaCy pipeline, nor fideslang.
LOADERS: dict[str, tuple[str, str]] = {
    "policy": ("policy_source", "read_policy_source"),
    "email": ("email", "extract_email"),
    "manifest": ("manifest", "extract_manifest"),
    "fides": ("fides", "extract_fides"),
    "har": ("har", "extract_har"),
    "cookies": ("cookies", "extract_cookies"),
    "openwpm": ("crawls", "extract_openwpm"),
    "tracker-radar": ("crawls", "extract_tracker_radar"),
    "wec-beacons": ("wec", "extract_wec_beacons"),
    "wec-storage": ("wec", "extract_wec_storage"),
    "scan-storage": ("scan_files", "extract_scan_storage"),
    "scan-beacons": ("scan_files", "extract_scan_beacons"),
}
SQLITE_SUFFIXES = {".sqlite", ".sqlite3", ".db"}
POLICY_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ""}
EMAIL_SUFFIXES = {".eml", ".mbox"}
YAML_SUFFIXES = {".yaml", ".yml"}


def detect_kind(path: str | Path) -> str:
    """The source kind of ``path``, from its extension and, for e-mail and YAML, its content; a folder is a
    Fides project."""
    p = Path(path)
    if p.is_dir():  # a folder is a Fides project (manifests of systems, datasets, the organization...)
        return "fides"
    suffix = p.suffix.lower()
    if suffix in EMAIL_SUFFIXES or (suffix in ("", ".txt") and looks_like_email(p)):
        return "email"
    if suffix == ".har" or (suffix == ".json" and looks_like_har(p)):
        return "har"
    if suffix in SQLITE_SUFFIXES or (suffix == "" and looks_like_openwpm(p)):
        return "openwpm"
    if suffix == ".json" and looks_like_tracker_radar(p):
        return "tracker-radar"
    if suffix == ".json" and (scan := scan_file_kind(p)) is not None:
        return scan
    if suffix == ".csv" or (suffix == ".json" and looks_like_cookies(p)) or (
            suffix in ("", ".txt") and is_netscape_jar(p)):
        return "cookies"
    if suffix in YAML_SUFFIXES:
        wec = wec_kind(p)
        if wec is not None:
            return wec
        keys = top_level_keys(p)
        if not keys or keys & {"flowaudit", "systems"}:
            return "manifest"
        if keys & {"system", "dataset"}:
            return "fides"
        raise InputError(str(path), "YAML that is neither a flowaudit manifest (top-level flowaudit: or systems:) "
                                    "nor a Fides manifest (top-level system: or dataset:)", "line 1")
    if suffix in POLICY_SUFFIXES:
        return "policy"
    raise InputError(str(path), f"cannot tell what kind of source this is (known kinds: {', '.join(LOADERS)})")


def extract(paths: list[str | Path], kind: str | None = None, force: bool = False) -> Records:
    """Read every source into one record set; the first bad file raises :class:`InputError`. With
    ``force``, a policy in a language flowaudit does not read is read all the same."""
    if kind is not None and kind not in LOADERS:
        raise InputError(str(paths[0]) if paths else "-", f"unknown kind {kind!r} (known: {', '.join(LOADERS)})")
    records = Records()
    for path in paths:
        records.update(loader(kind or detect_kind(path), force)(path))
    return records


def loader(kind: str, force: bool = False) -> Loader:
    """The loader of ``kind`` (a key of :data:`LOADERS`), its module imported now if it was not yet. With
    ``force``, the policy loader reads a policy in a language flowaudit does not read."""
    module, name = LOADERS[kind]
    read = getattr(importlib.import_module(f".{module}", __package__), name)
    return partial(read, force=True) if kind == "policy" and force else read
