"""Crawler outputs read as captures: OpenWPM's SQLite database and DuckDuckGo Tracker Radar Collector JSON.

Both are turned into HAR-shaped entries and read by the HAR loader's :class:`~.har.Capture`, so a request
means the same whichever tool recorded it (third parties resolved through the registry, personal data in
query strings and bodies, beacons, Set-Cookie).

- **OpenWPM** (``openwpm/storage/schema.sql``): one capture per row of ``site_visits`` (the first party is
  the visited site); ``http_requests`` (URL, method, referrer, headers as a JSON list of pairs, resource
  type, POST body) joined to ``http_responses`` (status, headers) by visit and request id; cookies from
  ``javascript_cookies`` (deletions skipped). Evidence cites ``http_requests`` row ids as ``entry N``.
- **Tracker Radar Collector** (one JSON file per site: ``initialUrl``, ``finalUrl``, ``data.requests``
  with ``url``, ``method``, ``type``, ``status``, ``size``, ``responseHeaders``; ``data.cookies`` with
  ``name``, ``domain``, ``path``, ``expires``, ``session``, ``httpOnly``, ``secure``, ``sameSite``).
  Evidence cites ``entry N`` of ``data.requests``.

Bad input raises :class:`InputError` naming the file and the table row or JSON key; nothing is
written to the database (it is opened read-only).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.records import Evidence, Records

from .cookies import Cookie, same_site
from .errors import InputError, read_json, read_source
from .har import Capture

SQLITE_MAGIC = b"SQLite format 3\x00"
OPENWPM_TABLES = ("site_visits", "http_requests")


# --------------------------------------------------------------------- OpenWPM


def looks_like_openwpm(path: str | Path) -> bool:
    """True if ``path`` is an SQLite database with OpenWPM's ``site_visits`` and ``http_requests`` tables."""
    try:
        with Path(path).open("rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                return False
        with _connect(path) as db:
            return set(OPENWPM_TABLES) <= _tables(db)
    except (OSError, sqlite3.Error):
        return False


def _connect(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}  # table names come from OPENWPM_TABLES


def _header_list(raw: Any, source: str, place: str) -> list[dict[str, str]]:
    """OpenWPM's headers column (a JSON list of [name, value] pairs) as HAR name/value objects."""
    if raw in (None, ""):
        return []
    try:
        pairs = json.loads(raw)
    except (TypeError, ValueError):
        raise InputError(source, "headers is not JSON", place) from None
    if not isinstance(pairs, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs):
        raise InputError(source, "headers is not a list of [name, value] pairs", place)
    return [{"name": str(n), "value": str(v)} for n, v in pairs]


def _time(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def extract_openwpm(path: str | Path, registry: orgs.Registry | None = None) -> Records:
    """Read an OpenWPM crawl database into observed records, one capture per site visit."""
    source = str(path)
    head = read_source(path)[:16]
    if head != SQLITE_MAGIC:
        raise InputError(source, "not an SQLite database (OpenWPM writes crawl-data.sqlite)", "byte 0")
    reg = registry or orgs.load()
    try:
        with _connect(path) as db:
            db.row_factory = sqlite3.Row
            missing = [t for t in OPENWPM_TABLES if t not in _tables(db)]
            if missing:
                raise InputError(source, f"not an OpenWPM crawl database: no table {', '.join(missing)}", "schema")
            need = {"visit_id", "url", "method", "headers", "resource_type"}
            lacking = need - _columns(db, "http_requests")
            if lacking:
                raise InputError(source, f"http_requests lacks column {', '.join(sorted(lacking))}", "schema")
            visits = {r["visit_id"]: r["site_url"] for r in db.execute("SELECT visit_id, site_url FROM site_visits")}
            responses = _openwpm_responses(db, source)
            requests = db.execute("SELECT * FROM http_requests ORDER BY id").fetchall()
            cookies = (db.execute("SELECT * FROM javascript_cookies ORDER BY id").fetchall()
                       if "javascript_cookies" in _tables(db) else [])
    except sqlite3.DatabaseError as exc:
        raise InputError(source, f"unreadable SQLite database ({exc})", "schema") from None
    captures: dict[int, Capture] = {}
    counts: dict[int, int] = {}

    def capture(visit: Any, place: str) -> Capture:
        if visit not in visits:
            raise InputError(source, f"visit_id {visit} is not in site_visits", place)
        if visit not in captures:
            site = orgs.registrable_domain(_host(visits[visit]) or "")
            if not site:
                raise InputError(source, "site_url is not a URL", f"site_visits visit_id {visit}")
            captures[visit] = Capture(source, reg, site)
        return captures[visit]

    for row in requests:
        place = f"http_requests row {row['id']}"
        keys = row.keys()
        headers = _header_list(row["headers"], source, place)
        if "referrer" in keys and row["referrer"] and not any(h["name"].lower() == "referer" for h in headers):
            headers.append({"name": "Referer", "value": str(row["referrer"])})
        entry: dict[str, Any] = {"request": {"method": row["method"], "url": row["url"], "headers": headers},
                                 "_resourceType": str(row["resource_type"] or "").lower()}
        body = row["post_body"] if "post_body" in keys else None
        if body:
            ctype = next((h["value"] for h in headers if h["name"].lower() == "content-type"), "")
            entry["request"]["postData"] = {"mimeType": ctype, "text": str(body)}
        key = (row["visit_id"], row["request_id"] if "request_id" in keys else None)
        entry["response"] = responses.get(key, {})
        cap = capture(row["visit_id"], place)
        cap.entry(row["id"], entry)
        counts[row["visit_id"]] = counts.get(row["visit_id"], 0) + 1
    for row in cookies:
        if str(row["record_type"] or "").startswith("deleted") or not row["name"] or not row["host"]:
            continue
        cap = capture(row["visit_id"], f"javascript_cookies row {row['id']}")
        if cap.cookies is None:  # a capture made with its site always has them
            continue
        cookie = Cookie.observe(
            row["name"], row["value"], row["host"], path=row["path"] or "/", host_only=bool(row["is_host_only"]),
            expires=None if row["is_session"] else _time(row["expiry"]), reference=_time(row["time_stamp"]),
            http_only=bool(row["is_http_only"]), secure=bool(row["is_secure"]), same_site=same_site(row["same_site"]))
        cap.cookie_evidence = True
        cap.cookies.add(cookie, lambda c=cookie, i=row["id"]: Evidence(
            source=source, locator=f"javascript_cookies row {i}", text=f"OpenWPM cookie record: {c.describe()}"))
    records = Records()
    for visit, cap in sorted(captures.items()):
        records.update(cap.finish(counts.get(visit, 0)))
    if not captures:
        records.warnings.append(f"{source}: the crawl has no requests")
    return records


def _openwpm_responses(db: sqlite3.Connection, source: str) -> dict[tuple[Any, Any], dict[str, Any]]:
    if "http_responses" not in _tables(db):
        return {}
    out = {}
    for row in db.execute("SELECT * FROM http_responses ORDER BY id"):
        place = f"http_responses row {row['id']}"
        headers = _header_list(row["headers"], source, place)
        ctype = next((h["value"] for h in headers if h["name"].lower() == "content-type"), "")
        length = next((h["value"] for h in headers if h["name"].lower() == "content-length"), "")
        content: dict[str, Any] = {"mimeType": ctype}
        if length.isdigit():
            content["size"] = int(length)
        out[(row["visit_id"], row["request_id"])] = {"status": row["response_status"], "headers": headers,
                                                     "content": content}
    return out


def _host(url: str) -> str | None:
    rest = url.split("://", 1)[1] if "://" in url else url
    host = rest.split("/", 1)[0].split("@")[-1].rsplit(":", 1)[0]
    return host.lower() or None


# --------------------------------------------------------------------- Tracker Radar Collector


def looks_like_tracker_radar(path: str | Path) -> bool:
    """True if the JSON file at ``path`` opens like a Tracker Radar Collector result (``initialUrl`` and ``data``)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(65536).decode("utf-8", "replace")
    except OSError:
        return False
    return head.lstrip("\ufeff \t\r\n").startswith("{") and '"initialUrl"' in head and '"data"' in head


def extract_tracker_radar(path: str | Path, registry: orgs.Registry | None = None) -> Records:
    """Read one Tracker Radar Collector site file into observed records."""
    source = str(path)
    doc = read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("initialUrl"), str):
        raise InputError(source, "not a Tracker Radar Collector result: no initialUrl", "top level")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise InputError(source, "data is not an object", "data")
    requests = data.get("requests", [])
    cookies = data.get("cookies", [])
    if not isinstance(requests, list):
        raise InputError(source, "data.requests is not a list", "data.requests")
    if not isinstance(cookies, list):
        raise InputError(source, "data.cookies is not a list", "data.cookies")
    site_url = doc.get("finalUrl") if isinstance(doc.get("finalUrl"), str) else doc["initialUrl"]
    site = orgs.registrable_domain(_host(site_url) or "")
    if not site:
        raise InputError(source, "initialUrl is not a URL", "initialUrl")
    cap = Capture(source, registry or orgs.load(), site)
    if cap.cookies is None:  # a capture made with its site always has them
        raise InputError(source, "no site", "initialUrl")
    for i, r in enumerate(requests):
        place = f"data.requests[{i}]"
        if not isinstance(r, dict) or not isinstance(r.get("url"), str):
            raise InputError(source, "a request must be an object with a url", place)
        headers = r.get("responseHeaders") or {}
        if not isinstance(headers, dict):
            raise InputError(source, "responseHeaders is not an object", place)
        response: dict[str, Any] = {"status": r.get("status") or 0,
                                    "headers": [{"name": str(k), "value": str(v)} for k, v in headers.items()],
                                    "content": {"size": r["size"]} if isinstance(r.get("size"), int) else {}}
        cap.entry(i, {"request": {"method": r.get("method") or "GET", "url": r["url"]}, "response": response,
                      "_resourceType": str(r.get("type") or "").lower()})
    started = doc["testStarted"] / 1000 if isinstance(doc.get("testStarted"), int | float) else None
    cookie_records = cap.cookies
    for i, c in enumerate(cookies):
        place = f"data.cookies[{i}]"
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not isinstance(c.get("domain"), str):
            raise InputError(source, "a cookie must be an object with a name and a domain", place)
        expires = c.get("expires")
        if c.get("session") or not isinstance(expires, int | float) or expires <= 0:
            expires = None
        flags = {k: c[k] if isinstance(c.get(k), bool) else None for k in ("httpOnly", "secure")}
        cookie = Cookie.observe(
            c["name"], c.get("value"), c["domain"], path=str(c.get("path") or "/"),
            host_only=not c["domain"].startswith("."), expires=expires, reference=started,
            http_only=flags["httpOnly"], secure=flags["secure"], same_site=same_site(c.get("sameSite")))
        cap.cookie_evidence = True
        cookie_records.add(cookie, lambda c=cookie, at=place: Evidence(
            source=source, locator=at, text=f"Tracker Radar Collector cookie: {c.describe()}"))
    return cap.finish(len(requests))
