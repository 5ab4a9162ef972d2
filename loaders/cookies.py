"""The cookie loader: browser cookie exports and cookie scans, each cookie a node with its party and purpose.

Reads a JSON list of cookies (Chrome/EditThisCookie/Cookie-Editor, Puppeteer/Playwright/Selenium),
Playwright storage state and tough-cookie jars (``{"cookies": [...]}``), CSV exports (columns name, domain,
path, expires, httpOnly, secure, sameSite), Netscape ``cookies.txt`` jars, the EDPS Website Evidence
Collector's ``inspection.json`` and Blacklight's ``inspection.json`` / ``browser-cookies.json``.

The site, against which a cookie is first or third party, is the ``site`` argument, else the file's own
``site`` or ``uri_ins`` field, else the registrable domain most cookies belong to (the first one seen wins
a tie). A cookie is first party when its domain has the same owner as the site (sister domains included).

Lifetime: ``session`` without an expiry; ``persistent`` with one; ``no expiry`` when it outlives ten years
from the capture time, or, when the file gives no capture time, when it expires on or after 2037-12-31
(the conventional "never"). The purpose is the Open Cookie Database category of the cookie's name (exact
name, else the longest wildcard prefix), and ``unclassified`` when it has none or its rows disagree.
Cookie values are looked at (for personal data and identifier shape) and never kept.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.cookiejar import http2time
from importlib import resources
from pathlib import Path
from typing import Any

from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.compiled import cached
from flowaudit.inventory.records import CONSENT_STATES, Evidence, Node, Records
from publicsuffixlist import PSLFILE

from .errors import InputError, read_source
from .observed import Finding, Observations, detect, identifier_like, subject_node

NO_EXPIRY_SECONDS = 10 * 365 * 86400
FAR_FUTURE = datetime(2037, 12, 31, tzinfo=UTC).timestamp()
UNCLASSIFIED = "unclassified"
SAME_SITE = {"lax": "Lax", "strict": "Strict", "none": "None", "no_restriction": "None"}
_DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_TRUE = {"true", "1", "yes", "y", "✓", "x"}
_FALSE = {"false", "0", "no", "n", ""}


# --------------------------------------------------------------------- the cookie


@dataclass(frozen=True)
class Cookie:
    """A cookie as observed: attributes only, the value reduced to what it revealed."""

    name: str
    domain: str
    path: str = "/"
    host_only: bool = False
    expires: float | None = None
    max_age: float | None = None
    reference: float | None = None
    http_only: bool | None = None
    secure: bool | None = None
    same_site: str | None = None
    identifier: bool = False
    findings: tuple[Finding, ...] = ()

    @classmethod
    def observe(cls, name: str, value: Any, domain: str, **attrs: Any) -> Cookie:
        """A cookie from its name and value: the value is tested for personal data and dropped."""
        text = "" if value is None else str(value)
        findings = tuple(detect(name, text)) if text else ()
        return cls(name=name, domain=domain.strip().lstrip(".").lower(), identifier=identifier_like(text),
                   findings=findings, **attrs)

    @property
    def id(self) -> str:
        """``cookie:<domain>/<name>``."""
        return f"cookie:{self.domain}/{self.name}"

    def lifetime(self) -> tuple[str, int | None]:
        """(``session``/``persistent``/``no expiry``/``expired``, lifetime in seconds when known)."""
        if self.max_age is not None:
            secs = self.max_age
        elif self.expires is None:
            return "session", None
        elif self.reference is not None:
            secs = self.expires - self.reference
        else:
            return ("no expiry" if self.expires >= FAR_FUTURE else "persistent"), None
        if secs <= 0:
            return "expired", int(secs)
        return ("no expiry" if secs > NO_EXPIRY_SECONDS else "persistent"), int(secs)

    def expires_at(self) -> float | None:
        """The expiry time (epoch seconds), from Max-Age when the capture time is known."""
        if self.max_age is not None and self.reference is not None:
            return self.reference + self.max_age
        return self.expires

    def describe(self) -> str:
        """A one-line description without the value."""
        expiry, secs = self.lifetime()
        at = self.expires_at()
        when = f"expires {_iso(at)[:10]}, " if at is not None else ""
        span = f" ({_span(secs)})" if secs is not None and expiry != "session" else ""
        flags = [f for f, on in (("HttpOnly", self.http_only), ("Secure", self.secure)) if on]
        if self.same_site:
            flags.append(f"SameSite={self.same_site}")
        tail = f"; {', '.join(flags)}" if flags else ""
        return f"cookie {self.name} for {self.domain}{self.path}: {when}{expiry}{span}{tail}"


def _iso(ts: float) -> str:
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return "9999-12-31T23:59:59Z"


def _span(secs: int) -> str:
    days = secs / 86400
    if days >= 365:
        return f"{days / 365:.1f} years"
    if days >= 1:
        return f"{days:.0f} days"
    return f"{secs // 60} minutes" if secs >= 60 else f"{secs} seconds"


# --------------------------------------------------------------------- Open Cookie Database


@dataclass(frozen=True)
class CookieRow:
    """One Open Cookie Database row (the fields used here)."""

    id: str
    platform: str
    category: str
    name: str
    domain: str | None
    wildcard: bool


@dataclass(frozen=True)
class CookieDatabase:
    """Open Cookie Database rows by exact name and by wildcard prefix (longest first)."""

    exact: dict[str, list[CookieRow]]
    prefixes: list[tuple[str, list[CookieRow]]]
    matched: dict[str, list[CookieRow] | None] = field(default_factory=dict, compare=False, repr=False)

    def rows(self, name: str) -> list[CookieRow] | None:
        """The rows of cookie ``name``: its exact rows, else those of the longest wildcard prefix it starts
        with (looked up once per name: a capture sets the same names on many hosts)."""
        try:
            return self.matched[name]
        except KeyError:
            pass
        rows = self.exact.get(name) or next((r for prefix, r in self.prefixes if name.startswith(prefix)), None)
        if len(self.matched) >= 65536:
            self.matched.clear()
        self.matched[name] = rows
        return rows

    def purpose(self, name: str, domain: str) -> dict[str, Any]:
        """``purpose`` (lower-case category or ``unclassified``), with ``platform`` and ``ocd_id`` when matched."""
        rows = self.rows(name)
        if not rows:
            return {"purpose": UNCLASSIFIED}
        if len({r.category for r in rows}) > 1:
            mine = orgs.registrable_domain(domain)
            rows = [r for r in rows if r.domain == mine] or rows
        categories = sorted({r.category for r in rows})
        if len(categories) > 1:
            return {"purpose": UNCLASSIFIED, "purpose_candidates": [c.lower() for c in categories]}
        return {"purpose": rows[0].category.lower(), "platform": rows[0].platform, "ocd_id": rows[0].id}


def _cookie_rows(path: Path) -> list[tuple[str, str, str, str, str | None, bool]]:
    """The named rows of the Open Cookie Database CSV at ``path``, with registrable domains."""
    rows = []
    for rec in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
        m = _DOMAIN.search((rec["Domain"] or "").lower())
        if rec["Cookie / Data Key name"]:
            rows.append((rec["ID"], rec["Platform"], rec["Category"], rec["Cookie / Data Key name"],
                         orgs.registrable_domain(m.group(0)) if m else None, rec["Wildcard match"].strip() == "1"))
    return rows


@cache
def cookie_database() -> CookieDatabase:
    """The pinned Open Cookie Database (``inventory/data/open-cookie-database.csv``), read once (its rows
    compiled on first use, keyed by the CSV and the public suffix list that gives their domains)."""
    path = Path(str(resources.files("flowaudit.inventory") / "data" / "open-cookie-database.csv"))
    rows = cached("open-cookie-database", [path, Path(PSLFILE)], lambda: _cookie_rows(path),
                  list[tuple[str, str, str, str, str | None, bool]])
    exact: dict[str, list[CookieRow]] = {}
    prefixes: dict[str, list[CookieRow]] = {}
    for fields in rows:
        row = CookieRow(*fields)
        (prefixes if row.wildcard else exact).setdefault(row.name, []).append(row)
    ordered = sorted(prefixes.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    return CookieDatabase(exact, ordered)


# --------------------------------------------------------------------- records


class CookieRecords:
    """Turns observed cookies into cookie nodes, their setters and the flows they hold."""

    def __init__(self, records: Records, registry: orgs.Registry, site: str, observations: Observations,
                 max_evidence: int = 5):
        self.records = records
        self.registry = registry
        self.site = site
        self.first_party = orgs.first_party_id(site)
        self.observations = observations
        self.max_evidence = max_evidence
        self._counts: Counter[str] = Counter()
        self._setters: dict[str, tuple[str, str]] = {}
        self._purposes: dict[tuple[str, str], dict[str, Any]] = {}

    def setter(self, domain: str, evidence: Evidence | None) -> tuple[str, str]:
        """(``first``/``third``, node id of who sets cookies for ``domain``), worked out once per domain."""
        known = self._setters.get(domain)
        if known is None:
            if self.registry.same_owner(domain, self.site):
                orgs.add_first_party(self.records, self.registry, self.site)
                known = ("first", self.first_party)
            else:
                known = ("third", orgs.add_host_organization(self.records, self.registry, domain, evidence).id)
            self._setters[domain] = known
        return known

    def purpose(self, name: str, domain: str) -> dict[str, Any]:
        """The Open Cookie Database purpose of cookie ``name`` on ``domain``, looked up once."""
        key = (name, domain)
        found = self._purposes.get(key)
        if found is None:
            found = self._purposes[key] = cookie_database().purpose(name, domain)
        return found

    def add(self, cookie: Cookie, cite: Callable[[], Evidence]) -> Node | None:
        """Add ``cookie``; None for one already expired (a deletion, which stores nothing).

        ``cite()`` makes the evidence; it is called only while the cookie still takes citations.
        """
        expiry, secs = cookie.lifetime()
        if expiry == "expired":
            return None
        self._counts[cookie.id] += 1
        fresh = self._counts[cookie.id] <= self.max_evidence or cookie.domain not in self._setters
        evidence = cite() if fresh else None
        party, setter = self.setter(cookie.domain, evidence)
        node = self.records.nodes.get(cookie.id)
        if node is None:
            at = cookie.expires_at()
            props: dict[str, Any] = {
                "tracker_kind": "cookie", "name": cookie.name, "domain": cookie.domain, "path": cookie.path,
                "host_only": cookie.host_only, "expiry": expiry, "lifetime_seconds": secs,
                "expires": _iso(at) if at is not None else None, "http_only": cookie.http_only,
                "secure": cookie.secure, "same_site": cookie.same_site, "party": party, "set_by": [setter],
                **self.purpose(cookie.name, cookie.domain),
            }
            node = self.records.add_node(Node(cookie.id, "cookie", f"{cookie.name} ({cookie.domain})", [],
                                              {k: v for k, v in props.items() if v is not None}))
        if evidence is not None and self._counts[cookie.id] <= self.max_evidence:
            node.cite(evidence)
        if setter not in node.properties["set_by"]:
            node.properties["set_by"].append(setter)
        held: list[tuple[str, str | None, str]] = [(f.field, f.hashed, f.parameter) for f in cookie.findings]
        if cookie.identifier:
            held.append(("cookie_id", None, cookie.name))
        user = subject_node(self.records).id

        def cite_as(param: str | None) -> Evidence:
            ev = evidence or cite()
            return Evidence(ev.source, ev.locator, ev.text, url=ev.url, parameter=param)

        for fid, hashed, param in held:
            self.observations.add("STORES", "store", user, node.id, fid, cite_as, param, hashed)
            self.observations.add("COLLECTS", "collect", node.id, setter, fid, cite_as, param, hashed)
        return node

    def settled(self, cookie: Cookie) -> list[Any] | None:
        """The gathered flows a further observation of ``cookie`` (set by the same response, at another time)
        would only count, when nothing else about it can change (the cookie holds its citations, its setter
        is known and each of its flows is :meth:`.Observations.settled`); else None. See :meth:`count`."""
        if self._counts[cookie.id] < self.max_evidence or cookie.domain not in self._setters:
            return None
        setter = self._setters[cookie.domain][1]
        user = subject_node(self.records).id
        held = list(cookie.findings) + ([Finding("cookie_id", cookie.name)] if cookie.identifier else [])
        flows = []
        for f in held:
            for relation, source, target in (("STORES", user, cookie.id), ("COLLECTS", cookie.id, setter)):
                g = self.observations.settled(relation, source, target, f)
                if g is None:
                    return None
                flows.append(g)
        return flows

    def count(self, cookie_id: str, flows: list[Any]) -> None:
        """One more observation of a cookie whose flows :meth:`settled` gave: the counts are all it changes."""
        self._counts[cookie_id] += 1
        for g in flows:
            g.count += 1

    def finish(self) -> None:
        """Note how often each cookie was seen."""
        for cid, n in self._counts.items():
            self.records.nodes[cid].properties["observations"] = n


# --------------------------------------------------------------------- reading exports


@dataclass
class CookieFile:
    """What a cookie file holds: cookies with their locators, the site it names (if any) and its format."""

    cookies: list[tuple[Cookie, str]]
    site: str | None = None
    format: str = "cookie export"
    consent_state: str | None = None


def _epoch(value: Any, path: str, place: str) -> float | None:
    """An expiry as epoch seconds; None for a session cookie."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value <= 0:
            return None
        return float(value) / 1000 if value > 1e11 else float(value)
    text = str(value).strip()
    if not text or text.lower() in {"session", "infinity", "-1", "0", "none", "n/a"}:
        return None
    try:
        return _epoch(float(text), path, place)
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    except ValueError:
        pass
    ts = http2time(text)
    if ts is None:
        raise InputError(path, "expiry is not a date or a number of seconds", place)
    return float(ts)


def _flag(value: Any, path: str, place: str, key: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(path, f"{key} is not true or false", place)


def same_site(value: Any) -> str | None:
    """The SameSite attribute in its standard spelling (``Lax``, ``Strict``, ``None``), or None."""
    return SAME_SITE.get(str(value).strip().lower()) if value not in (None, "") else None


def _from_json(obj: Any, path: str, place: str, reference: float | None) -> Cookie:
    if not isinstance(obj, dict):
        raise InputError(path, "a cookie must be an object", place)
    name = obj.get("name", obj.get("key"))
    domain = obj.get("domain", obj.get("host"))
    if not isinstance(name, str) or not name:
        raise InputError(path, "cookie has no name", place)
    if not isinstance(domain, str) or not domain.strip(". "):
        raise InputError(path, f"cookie {name} has no domain", place)
    if obj.get("session") is True:
        expires = None
    else:
        raw = next((obj[k] for k in ("expirationDate", "expires", "expiry") if k in obj), None)
        expires = _epoch(raw, path, place)
    max_age = obj.get("maxAge")
    log = obj.get("log") if isinstance(obj.get("log"), dict) else {}
    ref = _epoch(obj.get("creation") or log.get("timestamp"), path, place) or reference
    return Cookie.observe(
        name, obj.get("value"), domain,
        path=str(obj.get("path") or "/"),
        host_only=bool(obj.get("hostOnly", not domain.startswith("."))),
        expires=expires,
        max_age=float(max_age) if isinstance(max_age, int | float) and not isinstance(max_age, bool) else None,
        reference=ref,
        http_only=_flag(obj.get("httpOnly"), path, place, "httpOnly"),
        secure=_flag(obj.get("secure"), path, place, "secure"),
        same_site=same_site(obj.get("sameSite")),
    )


def _json_cookies(doc: Any, path: str) -> CookieFile:
    """The cookies of a parsed JSON export, whichever tool wrote it."""
    site = None
    reference = None
    fmt = "cookie export"
    items: Any
    if isinstance(doc, list):
        items = doc
    elif isinstance(doc, dict):
        site = doc.get("site") or doc.get("uri_ins") or doc.get("uri_dest")
        reference = _epoch(doc.get("start_time"), path, "start_time")
        reports = doc.get("reports")
        if isinstance(reports, dict) and "cookies" in reports:
            items, fmt = reports["cookies"], "Blacklight inspection"
        elif "cookies" in doc:
            items = doc["cookies"]
            fmt = "Website Evidence Collector inspection" if "uri_ins" in doc else "cookie export"
        elif "browser_cookies" in doc:
            items, fmt = doc["browser_cookies"], "Blacklight browser cookies"
        else:
            raise InputError(path, "not a cookie export: expected a list of cookies or an object with \"cookies\" "
                                   "(storage state, cookie jar, inspection.json)", "top level")
    else:
        raise InputError(path, "not a cookie export: expected a list or an object", "top level")
    if not isinstance(items, list):
        raise InputError(path, "\"cookies\" must be a list", "cookies")
    cookies = [(_from_json(obj, path, f"cookie {i}", reference), f"cookie {i}") for i, obj in enumerate(items)]
    state = doc.get("consent_state") if isinstance(doc, dict) else None
    if state is not None and state not in CONSENT_STATES:
        raise InputError(path, f"unknown consent state {state!r} (one of {', '.join(CONSENT_STATES)})",
                         "consent_state")
    return CookieFile(cookies, str(site) if site else None, fmt, state)


def _csv_cookies(text: str, path: str) -> CookieFile:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        raise InputError(path, "empty CSV", "line 1")
    keys = [re.sub(r"[^a-z]", "", h.lower()) for h in header]
    col = {k: i for i, k in enumerate(keys)}
    if "name" not in col or "domain" not in col:
        raise InputError(path, "a cookie CSV needs name and domain columns", "line 1")
    expiry_col = next((col[k] for k in ("expires", "expiresmaxage", "expirationdate", "expiry") if k in col), None)

    def cell(row: list[str], key: str) -> str | None:
        i = col.get(key)
        return row[i] if i is not None and i < len(row) else None

    cookies = []
    for n, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        place = f"line {n}"
        if len(row) < len(header):
            raise InputError(path, f"expected {len(header)} columns, found {len(row)}", place)
        obj = {"name": cell(row, "name"), "domain": cell(row, "domain"), "path": cell(row, "path"),
               "value": cell(row, "value"), "httpOnly": cell(row, "httponly"), "secure": cell(row, "secure"),
               "sameSite": cell(row, "samesite"),
               "expires": row[expiry_col] if expiry_col is not None else None}
        cookies.append((_from_json(obj, path, place, None), place))
    return CookieFile(cookies, None, "CSV cookie export")


def _netscape_cookies(text: str, path: str) -> CookieFile:
    cookies = []
    for n, line in enumerate(text.splitlines(), start=1):
        http_only = line.startswith("#HttpOnly_")
        if http_only:
            line = line[len("#HttpOnly_"):]
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        place = f"line {n}"
        if len(parts) != 7:
            raise InputError(path, f"expected 7 tab-separated fields, found {len(parts)}", place)
        domain, subdomains, cpath, secure, expiry, name, value = parts
        obj = {"name": name, "domain": domain, "path": cpath, "value": value, "secure": secure,
               "httpOnly": http_only, "expires": expiry, "hostOnly": subdomains.upper() != "TRUE"}
        cookies.append((_from_json(obj, path, place, None), place))
    return CookieFile(cookies, None, "Netscape cookie jar")


def _head(path: str | Path, size: int = 1 << 16) -> str:
    """The first ``size`` bytes of a file as text ("" when it cannot be read)."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(size).decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return ""


def _is_jar(text: str) -> bool:
    return text.startswith(("# Netscape HTTP Cookie File", "# HTTP Cookie File"))


def is_netscape_jar(path: str | Path) -> bool:
    """True if the file at ``path`` is a Netscape/curl ``cookies.txt`` jar."""
    return _is_jar(_head(path, 64))


def looks_like_cookies(path: str | Path) -> bool:
    """True if the JSON file at ``path`` looks like a cookie export or a cookie scan (from its first 64 KiB)."""
    h = _head(path).lstrip()
    if h.startswith("["):
        return '"name"' in h and '"domain"' in h
    return h.startswith("{") and any(k in h for k in ('"cookies"', '"browser_cookies"', '"uri_ins"'))


def read_cookie_file(path: str | Path) -> CookieFile:
    """Parse a cookie file of any supported format; bad input raises :class:`InputError`."""
    p = Path(path)
    raw = read_source(p)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(p), "not UTF-8 text (binary data?)", f"byte {exc.start}") from exc
    if not text.strip():
        raise InputError(str(p), "empty file", "byte 0")
    if "\x00" in text:
        raise InputError(str(p), "not a text file (binary data)", f"byte {text.index(chr(0))}")
    if _is_jar(text):
        return _netscape_cookies(text, str(p))
    stripped = text.lstrip()
    if stripped[:1] in ("[", "{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(str(p), f"not valid JSON: {exc.msg}", f"line {exc.lineno}, column {exc.colno}") from exc
        return _json_cookies(doc, str(p))
    if p.suffix.lower() == ".csv" or "," in stripped.split("\n", 1)[0]:
        return _csv_cookies(text, str(p))
    raise InputError(str(p), "not a cookie export (JSON, CSV or cookies.txt)", "line 1")


def _majority_site(cookies: list[tuple[Cookie, str]]) -> str | None:
    counts = Counter(orgs.registrable_domain(c.domain) for c, _ in cookies)
    return counts.most_common(1)[0][0] if counts else None


def extract_cookies(path: str | Path, site: str | None = None,
                    registry: orgs.Registry | None = None) -> Records:
    """Read a cookie export into records: one cookie node each, its setter, and what it holds."""
    source = str(path)
    parsed = read_cookie_file(path)
    records = Records()
    if site:
        site_host, why = _site_host(site), "given to the loader"
    elif parsed.site:
        site_host, why = _site_host(parsed.site), "named by the file"
    else:
        site_host, why = _majority_site(parsed.cookies), "the domain most cookies belong to"
    if site_host is None:
        records.warnings.append(f"{source}: no cookies")
        return records
    reg = registry or orgs.load()
    cite_site = Evidence(source=source, locator="site", text=f"site {site_host} ({why})")
    orgs.add_first_party(records, reg, site_host, cite_site)
    observations = Observations(consent_state=parsed.consent_state)
    builder = CookieRecords(records, reg, site_host, observations)
    for cookie, locator in parsed.cookies:
        builder.add(cookie, lambda c=cookie, at=locator: Evidence(source=source, locator=at,
                                                                    text=f"{parsed.format}: {c.describe()}"))
    builder.finish()
    observations.emit(records)
    return records


def _site_host(site: str | None) -> str | None:
    """The host of ``site`` (a URL or a bare domain)."""
    if not site:
        return None
    host = site.split("://", 1)[-1].split("/", 1)[0]
    return orgs.registrable_domain(host) or None


def iter_set_cookie(header: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(name, value, attributes) of each cookie in a Set-Cookie header value (lines for several)."""
    for line in header.split("\n"):
        parts = [p.strip() for p in line.split(";")]
        if not parts or "=" not in parts[0]:
            continue
        name, value = parts[0].split("=", 1)
        attrs: dict[str, str] = {}
        for part in parts[1:]:
            key, _, val = part.partition("=")
            attrs[key.strip().lower()] = val.strip()
        if name.strip():
            yield name.strip(), value, attrs
