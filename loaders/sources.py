"""Which loader reads a file: by ``--kind``, else by extension and content."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from flowaudit.inventory.records import Records

from .cookies import extract_cookies, is_netscape_jar, looks_like_cookies
from .crawls import extract_openwpm, extract_tracker_radar, looks_like_openwpm, looks_like_tracker_radar
from .email import extract_email, looks_like_email
from .errors import InputError
from .fides import extract_fides
from .har import extract_har, looks_like_har
from .manifest import extract_manifest
from .policy_source import read_policy_source
from .scan_files import extract_scan_beacons, extract_scan_storage, scan_file_kind
from .wec import extract_wec_beacons, extract_wec_storage, wec_kind
from .yamlmap import top_level_keys

Loader = Callable[[str | Path], Records]

LOADERS: dict[str, Loader] = {
    "policy": read_policy_source,
    "email": extract_email,
    "manifest": extract_manifest,
    "fides": extract_fides,
    "har": extract_har,
    "cookies": extract_cookies,
    "openwpm": extract_openwpm,
    "tracker-radar": extract_tracker_radar,
    "wec-beacons": extract_wec_beacons,
    "wec-storage": extract_wec_storage,
    "scan-storage": extract_scan_storage,
    "scan-beacons": extract_scan_beacons,
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
        which = kind or detect_kind(path)
        loader = partial(read_policy_source, force=True) if which == "policy" and force else LOADERS[which]
        records.update(loader(path))
    return records
