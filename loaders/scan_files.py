"""The storage and beacon files ``flowaudit scan`` writes beside its HAR, read back as evidence.

- ``STATE.storage.json``: ``{"site", "consent_state", "origins": [{"origin", "localStorage": [{"name",
  "value"}], "sessionStorage": [...]}]}``; each origin's storage is a tracker (see :mod:`.storage`).
- ``STATE.beacons.json``: ``{"site", "consent_state", "beacons": [{"url", "type", "party",
  "organization"}]}``; each beacon is read as a HAR entry by :class:`~.har.Capture`, so it gives the
  same flows as the HAR (merged with them) and a clear GIF of its organisation.

Both carry the consent state they were captured in. Bad input raises :class:`InputError` naming the
file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.records import CONSENT_STATES, Records

from .errors import InputError, read_json
from .har import Capture
from .storage import origin_host, storage_records


def scan_file_kind(path: str | Path) -> str | None:
    """``scan-storage`` or ``scan-beacons`` for the files ``flowaudit scan`` writes, else None."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    if not head.lstrip().startswith("{") or '"consent_state"' not in head or '"cookies"' in head:
        return None  # the scan's cookie file is a cookie export
    if '"origins"' in head:
        return "scan-storage"
    return "scan-beacons" if '"beacons"' in head else None


def _read(path: str | Path, key: str) -> tuple[dict[str, Any], list[Any], str]:
    """The document, its list under ``key`` and the site host, checked."""
    source = str(path)
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise InputError(source, "the top level is not an object", "top level")
    if doc.get("consent_state") not in CONSENT_STATES:
        raise InputError(source, f"consent_state must be one of {', '.join(CONSENT_STATES)}", "consent_state")
    items = doc.get(key)
    if not isinstance(items, list):
        raise InputError(source, f"{key} is not a list", key)
    site = doc.get("site")
    if not isinstance(site, str) or not orgs.registrable_domain(site):
        raise InputError(source, "site is not a domain", "site")
    return doc, items, site


def extract_scan_storage(path: str | Path, registry: orgs.Registry | None = None) -> Records:
    """Read a scan's ``STATE.storage.json``."""
    source = str(path)
    doc, items, site = _read(path, "origins")
    origins: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        place = f"origins[{i}]"
        if not isinstance(item, dict) or not origin_host(item.get("origin")):
            raise InputError(source, "an origin must be an object with an origin URL", place)
        keys = origins.setdefault(item["origin"], {})
        for kind in ("localStorage", "sessionStorage"):
            entries = item.get(kind, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("name"), str)
                                                        for e in entries):
                raise InputError(source, f"{kind} must be a list of objects with a name", f"{place}.{kind}")
            keys.update({e["name"]: e.get("value") for e in entries})
    return storage_records(source, origins, site, registry, doc["consent_state"], "web storage")


def extract_scan_beacons(path: str | Path, registry: orgs.Registry | None = None) -> Records:
    """Read a scan's ``STATE.beacons.json``."""
    source = str(path)
    doc, items, site = _read(path, "beacons")
    cap = Capture(source, registry or orgs.load(), site)
    cap.obs.consent_state = doc["consent_state"]
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not origin_host(item.get("url")):
            raise InputError(source, "a beacon must be an object with an absolute url", f"beacons[{i}]")
        cap.entry(i, {"request": {"method": "GET", "url": item["url"]}, "response": {}, "_resourceType": "beacon"})
    return cap.finish(len(items))
