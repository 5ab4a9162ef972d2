"""The EDPS Website Evidence Collector's ``beacons.yml`` and ``local-storage.yml``.

- ``beacons.yml``: a list of requests the collector matched with a filter list (``url`` with its query,
  ``listName``, ``filter``, ``log.stack`` naming the page that sent it, ``occurrences``); each is read
  as a HAR entry of resource type beacon by the HAR loader's :class:`~.har.Capture`, so it gives a clear
  GIF of its organisation and the personal data its query carries. The site is the host of the first
  page named in a ``log.stack``; evidence cites ``entry N`` (the item's index).
- ``local-storage.yml``: origin → key → ``{value, firstPartyStorage, log}``. Each origin's storage is a
  ``local_storage`` tracker node kept by whoever owns the origin; a key whose name and value hold
  personal data (an e-mail address, a user id...) is stored there (``STORES``) and collected by the
  owner (``COLLECTS``). The site is the origin marked ``firstPartyStorage``.

Values are tested and dropped, as in every loader. Bad input raises :class:`InputError` naming the file
and the item or key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.records import Records

from .errors import InputError, read_text
from .har import Capture
from .redact import redact_host, redact_name
from .storage import origin_host, storage_records


def _load(path: str | Path) -> Any:
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "top level"
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputError(str(path), f"not valid YAML ({problem})", where) from None


def wec_kind(path: str | Path) -> str | None:
    """``wec-beacons`` or ``wec-storage`` when the YAML file at ``path`` is one of the collector's, else None."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return None
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("- ") and "url:" in head and ("listName:" in head or "filter:" in head):
        return "wec-beacons"
    first = stripped.split("\n", 1)[0]
    if first.startswith(("http://", "https://", "'http", '"http')) and first.rstrip().endswith(":"):
        return "wec-storage"
    return None


def extract_wec_beacons(path: str | Path, registry: orgs.Registry | None = None) -> Records:
    """Read a WEC ``beacons.yml`` into observed records."""
    source = str(path)
    doc = _load(path)
    if not isinstance(doc, list):
        raise InputError(source, "not a beacons.yml: the top level is not a list", "top level")
    pages: list[str | None] = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not origin_host(item["url"]):
            raise InputError(source, "a beacon must be a mapping with an absolute url", f"item {i}")
        stack = (item.get("log") or {}).get("stack") if isinstance(item.get("log"), dict) else None
        frames = stack if isinstance(stack, list) else []
        named = (f["fileName"] for f in frames if isinstance(f, dict) and origin_host(f.get("fileName")))
        pages.append(next(named, None))
    site_page = next((p for p in pages if p), None)
    cap = Capture(source, registry or orgs.load(), origin_host(site_page) if site_page else None)
    for i, (item, page) in enumerate(zip(doc, pages, strict=True)):
        headers = [{"name": "Referer", "value": page}] if page else []
        cap.entry(i, {"request": {"method": "GET", "url": item["url"], "headers": headers}, "response": {},
                      "_resourceType": "beacon"})
    return cap.finish(len(doc))


def extract_wec_storage(path: str | Path, registry: orgs.Registry | None = None) -> Records:
    """Read a WEC ``local-storage.yml`` into observed records."""
    source = str(path)
    doc = _load(path)
    if not isinstance(doc, dict):
        raise InputError(source, "not a local-storage.yml: the top level is not a mapping of origins", "top level")
    hosts: dict[str, str] = {}
    for origin, keys in doc.items():
        host = origin_host(origin)
        if not host:
            raise InputError(source, f"{redact_name(str(origin))!r} is not an origin URL", "top level")
        if not isinstance(keys, dict):
            raise InputError(source, "an origin must map keys to entries", f"origin {redact_host(host)}")
        hosts[str(origin)] = host
    values: dict[str, dict[str, Any]] = {}
    for origin, keys in doc.items():
        for key, entry in keys.items():
            if not isinstance(entry, dict):
                raise InputError(source, "a storage entry must be a mapping with a value",
                                 f"origin {redact_host(hosts[origin])} / key {redact_name(str(key))}")
        values[str(origin)] = {str(k): e.get("value") for k, e in keys.items()}
    first = next((o for o, keys in doc.items() for e in keys.values() if e.get("firstPartyStorage") is True),
                 next(iter(doc), None))
    if first is None:
        return Records(warnings=[f"{source}: no local storage"])
    return storage_records(source, values, hosts[str(first)], registry)
