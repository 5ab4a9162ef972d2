"""The HAR loader: browser and proxy captures (HAR 1.1 and 1.2) as observed flows to organisations.

The file is streamed: ``ijson`` reads the ``log`` header up to ``entries`` (version, creator, pages), then
:mod:`.har_entries` decodes the entries in runs into structs of the parts read here (header and cookie
lists kept as raw JSON, searched for the few names read before anything is decoded); a file that reader
does not expect is read again entry by entry by ``ijson`` (the C backend when it is installed), which names
the problem. Exports from Chrome, Firefox, WebPageTest and mitmproxy are read alike; ``_``-prefixed custom
fields are optional.

Per entry, what can matter is decided first: a request to the site itself without a query, body or cookie
adds nothing once the capture is known to carry cookies. What the parts of an entry give is worked out once
per distinct part (the registry's answer per registrable domain; the findings of a query string, body,
cookie list or Referer value; the cookies of a Set-Cookie header) and remembered in bounded memos; entries
whose findings are the same (the same organisation, parts and beacon test) are read in full only until
their flows can take no more citations, then counted, and the counts are added to the flows at the end; a
cookie a response sets again is likewise only counted once it and its flows hold their citations.

The site is the registrable domain of the first page (``pages[0].title`` when it is a URL, as Chrome
writes it), else of the first entry's URL. Hosts with the site's owner (sister domains included) are
first party; every other host is a third party, resolved to an organisation through the registry.

What an entry says:

- every third-party request discloses the IP address and user agent, and the page (``Referer`` or a page
  URL parameter) to the organisation behind its host: observed ``SHARES_WITH`` flows from the first
  party, one per field, citing ``entry i`` (the index in ``log.entries``);
- personal data in query strings, form and JSON bodies and cookies (e-mail addresses, phone numbers,
  names, hashed e-mails, card numbers, postal codes, user ids...; ``lexicon/observed.yaml``), and an
  e-mail address (plain, encoded or its redacted shape) as a segment of the URL path, adds a flow
  of that field with the parameter it travelled in; data sent to the site itself is collected by the first
  party (``COLLECTS`` from the user);
- tiny images, 204 responses, pings and known pixel endpoints are clear GIFs, one node per organisation,
  tracking the user (``TRACKS_WITH``); hosts of session-replay organisations get a session-recorder node;
- ``Set-Cookie`` (the response's ``cookies`` and headers) gives cookie nodes (see :mod:`.cookies`).

A capture written by ``flowaudit scan`` names the consent state it was taken in (``log._consent_state``:
none, accepted, rejected); its flows carry it, and those of other captures are ``unknown``.

Values are tested and dropped: the records keep field kinds, parameter names and URLs without values.
A capture with no cookie evidence at all (a sanitised export) gets the warning "cookie evidence missing".
Bad input raises :class:`InputError` naming the file and the place (entry index, byte offset); the load
is all or nothing.
"""

from __future__ import annotations

import base64
import re
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from http.cookiejar import http2time
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import SplitResult

import ijson
import msgspec
from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.bulk import collector_paused
from flowaudit.inventory.records import CONSENT_STATES, Evidence, Node, Records, node_id, slug

from . import har_entries
from .cookies import Cookie, CookieRecords, iter_set_cookie, same_site
from .errors import InputError
from .observed import (
    Finding,
    Observations,
    body_pairs,
    detect,
    identifier_like,
    lexicon,
    page_field,
    pixel_endpoint,
    query_pairs,
    split_url,
    subject_node,
)
from .redact import email_in_path, redact_name, redact_url

if TYPE_CHECKING:
    from tqdm import tqdm

VERSIONS = ("1.1", "1.2")
BUFFER_BYTES = 1 << 20
PROGRESS_MIN_BYTES = 32 << 20
MAX_NAMES_SHOWN = 20
MAX_ENDPOINTS = 10
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}
BOM = b"\xef\xbb\xbf"
ALWAYS_SENT = (Finding("ip_address", ""), Finding("user_agent", "User-Agent"))
REQUEST_HEADERS = frozenset({"referer", "cookie"})
RESPONSE_HEADERS = frozenset({"set-cookie"})
_HEADER_INITIALS = frozenset("rRcCsS")
USER = node_id("data_subject", "user")
PAGE_IN_REFERER = Finding("pages_visited", "Referer")
#: Each memo of a capture (query strings, bodies, cookies, Referer values) is emptied when it reaches this size.
MEMO_ITEMS = 50_000
# A plain absolute URL, split as ``urlsplit`` splits it: scheme, netloc, path, query, fragment (possessive: one
# pass, no backtracking). Anything else goes to ``split_url``.
_PLAIN_URL = re.compile(r"([A-Za-z]++)://([^/?#\[\]\\ \t\r\n]++)(/[^?#\\ \t\r\n]*+)?+(?:\?([^#\\ \t\r\n]*+))?+"
                        r"(?:#([^\\ \t\r\n]*+))?+\Z")
# The names of the headers the loader reads, as JSON strings in a raw header list; where each is the name of a
# plain header object ({"name": ..., "value": "..."}: the key before it, the value after it), the value is read
# from the match after it, else the list is decoded.
# the header names the loader reads, quoted as JSON strings, found in a lower-cased copy of a raw header list
_REQUEST_HEADER = (b'"referer"', b'"cookie"')
_SET_COOKIE = (b'"set-cookie"',)
_HEADER_NAME_KEY = re.compile(rb'\{\s*+"name"\s*+:\s*+\Z')
_HEADER_VALUE = re.compile(rb'\s*+,\s*+"value"\s*+:\s*+"((?:[^"\\]++|\\.)*+)"\s*+\}')
_LIST = re.compile(rb"\[")
_OPEN_LIST = ord("[")
_NUMBER = (int, float)
_GIF = re.compile(rb'"R0lGOD')
_NO_HEADERS: dict[str, list[str]] = {}
_NO_COOKIES: tuple[bytes, list[Any]] = (b"", [])
#: A query string's pairs and the findings they give to the first party and to a third party.
_Query = tuple[list[tuple[str, str]], tuple[Finding, ...], tuple[Finding, ...]]
_NO_QUERY: _Query = ([], (), ())
#: A request body's kind (form or json), its (name, parent word, value) triples and the findings they give.
_Body = tuple[str, list[tuple[str, str | None, Any]], tuple[Finding, ...]]
_NO_BODY: _Body = ("form", [], ())
# A path with a segment that may be an e-mail address: one with @ (plain or encoded), a redacted e-mail's shape,
# or one long enough to be an encoded one (see ``email_in_path``).
_MAYBE_EMAIL_IN_PATH = re.compile(r"@|%40|\[email|[^/]{16}")
#: The cookies a request sends, the findings they give to a third party and whether its cookie list names any.
_Sent = tuple[list[tuple[str, str]], tuple[Finding, ...], bool]
_NO_SENT: _Sent = ([], (), False)
_UNREAD = object()


# --------------------------------------------------------------------- streaming


class _Reader:
    """A binary stream that skips a UTF-8 byte-order mark, counts bytes and drives a progress bar."""

    def __init__(self, fh: BinaryIO, bar: tqdm | None = None):
        self.fh = fh
        self.bar = bar
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        start = self.pos == 0 and data.startswith(BOM)
        self.pos += len(data)
        if self.bar is not None:
            self.bar.update(len(data))
        return data[len(BOM):] if start else data


@dataclass
class _Header:
    """What the ``log`` object says before its entries."""

    version: str | None = None
    first_title: str | None = None
    has_entries: bool = False
    consent_state: str | None = None


def _error_offset(path: Path) -> int:
    """The byte offset at which the JSON of ``path`` first goes wrong (only called on the error path).

    A first run feeds the parser 64 KiB at a time to find the failing chunk; a second run feeds that
    chunk (and any after it) one byte at a time.
    """
    chunk = 1 << 16

    def run(fine_from: int | None) -> int:
        events = ijson.sendable_list()
        parser = ijson.basic_parse_coro(events)
        pos = 0
        with path.open("rb") as fh:
            data = fh.read(chunk)
            if data.startswith(BOM):
                data, pos = data[len(BOM):], len(BOM)
            while data:
                step = 1 if fine_from is not None and pos + len(data) > fine_from else len(data)
                for k in range(0, len(data), step):
                    try:
                        parser.send(data[k:k + step])
                    except ijson.JSONError:
                        return pos + k
                    events.clear()
                pos += len(data)
                data = fh.read(chunk)
        return pos

    return run(run(None))


def _json_error(path: Path, exc: Exception, where: str) -> InputError:
    """An :class:`InputError` for a parse failure; the parser's message is reduced to its fixed first clause."""
    raw = str(exc)
    if raw.startswith(("b'", 'b"')):
        raw = raw[2:]
    first = raw.replace("\\n", "\n").split("\n", 1)[0].strip()
    size = path.stat().st_size
    if "premature EOF" in first:
        return InputError(str(path), "truncated JSON: the file ends inside the document", f"byte {size}{where}")
    known = first.startswith(("lexical error:", "parse error:", "client error:")) and len(first) < 120
    detail = first.rstrip(".") if known else "invalid JSON"
    return InputError(str(path), f"not valid JSON ({detail})", f"byte {_error_offset(path)}{where}")


def _read_header(path: Path) -> _Header:
    """Parse the ``log`` object up to its ``entries`` array."""
    head = _Header()
    seen_log = False
    with path.open("rb") as fh:
        events = ijson.parse(_Reader(fh), buf_size=1 << 16)
        try:
            first = next(events, None)
            if first is None:
                raise InputError(str(path), "empty file", "byte 0")
            if first[1] != "start_map":
                raise InputError(str(path), f"not a HAR file: the top level is a JSON {_kind(first[1])}, "
                                            "not an object with \"log\"", "top level")
            for prefix, event, value in events:
                if prefix == "log" and not seen_log:
                    if event != "start_map":
                        raise InputError(str(path), "not a HAR file: \"log\" is not an object", "log")
                    seen_log = True
                elif prefix == "log.version" and event in ("string", "number"):
                    head.version = str(value)
                elif prefix == "log.pages.item.title" and event == "string" and head.first_title is None:
                    head.first_title = value
                elif prefix == "log._consent_state" and event == "string":
                    head.consent_state = value
                elif prefix == "log.entries":
                    if event != "start_array":
                        raise InputError(str(path), "log.entries is not a list", "log.entries")
                    head.has_entries = True
                    break
                elif prefix == "log" and event == "end_map":
                    break
        except ijson.JSONError as exc:
            fh.seek(0)
            if not fh.read(4096).strip(b" \t\r\n" + BOM):
                raise InputError(str(path), "empty file", "byte 0") from exc
            raise _json_error(path, exc, "") from exc
    if not seen_log:
        raise InputError(str(path), "not a HAR file: no \"log\" object", "top level")
    return head


def _kind(event: str) -> str:
    return {"start_array": "array", "string": "string", "number": "number", "boolean": "boolean",
            "null": "null"}.get(event, event)


# --------------------------------------------------------------------- one capture


@dataclass
class _Host:
    """What the registry says of one host, computed once per capture."""

    first: bool
    node: str | None = None
    key: str = ""
    label: str = ""
    domain: str = ""
    session_replay: bool = False


@dataclass
class _Tracker:
    """A clear GIF or session recorder gathered over the capture."""

    kind: str
    label: str
    props: dict[str, Any]
    evidence: list[Evidence] = field(default_factory=list)
    endpoints: dict[str, None] = field(default_factory=dict)
    count: int = 0


class Capture:
    """Turns the entries of one HAR file into records."""

    def __init__(self, source: str, registry: orgs.Registry, site: str | None = None, max_evidence: int = 5):
        self.source = source
        self.registry = registry
        self.max_evidence = max_evidence
        self.records = Records()
        self.obs = Observations(max_evidence)
        self.site = ""
        self.first_party = ""
        self.cookies: CookieRecords | None = None
        self.cookie_evidence = False
        self.hosts: dict[str, _Host] = {}
        self.domains: dict[str, _Host] = {}
        self.trackers: dict[str, _Tracker] = {}
        beacon = lexicon().beacon
        self.beacon = dict(beacon, statuses=frozenset(beacon["statuses"]),
                           resource_types=frozenset(beacon["resource_types"]),
                           image_resource_types=frozenset(beacon["image_resource_types"]))
        self.keys = tuple(self.beacon["resource_type_keys"])
        getter = attrgetter(*(f"x{k}" for k in range(len(self.keys)))) if self.keys else None
        # the values of the resource-type keys of an entry struct, as a tuple
        self.resource_type = getter if len(self.keys) > 1 else (lambda e: (getter(e),) if getter else ())
        self.pixel_domains = frozenset(d for d, _ in lexicon().pixel_endpoints)
        # memos: what an entry's parts give is worked out once per distinct part
        self.hostnames: dict[str, str] = {}
        self.queries: dict[str, _Query] = {}
        self.bodies: dict[bytes, _Body] = {}
        self.referers: dict[str, tuple[Finding, ...]] = {}
        self.sent_cookies: dict[tuple[bytes, tuple[str, ...]], _Sent] = {}
        self.signatures: dict[tuple[Any, ...], list[Any]] = {}
        self.tracker_ids: dict[tuple[str, str], str] = {}
        self.set_cookie_specs: dict[tuple[bytes, tuple[str, ...], str], list[_SetCookie]] = {}
        if site:
            self.start(site, "site", f"site {orgs.registrable_domain(site)} (given to the loader)")

    def start(self, host: str, locator: str, why: str) -> None:
        """Fix the site (the first party) at the registrable domain of ``host``; ``why`` cites where it comes from."""
        self.site = orgs.registrable_domain(host)
        ev = Evidence(source=self.source, locator=locator, text=why)
        self.first_party = orgs.add_first_party(self.records, self.registry, self.site, ev).id
        subject_node(self.records)
        self.cookies = CookieRecords(self.records, self.registry, self.site, self.obs, self.max_evidence)

    # ------------------------------------------------------------- hosts

    def host(self, name: str, r: _Request) -> _Host:
        """The registry's answer for host ``name`` (cached); third parties get their organisation node.

        The answer depends only on the host's registrable domain: a new host of a domain already seen only
        adds the citation of its first request to the organisation, as adding the organisation again would."""
        h = self.hosts.get(name)
        if h is not None:
            return h
        domain = orgs.registrable_domain(name)
        h = self.domains.get(domain)
        if h is None:
            if self.registry.same_owner(name, self.site):
                h = _Host(first=True)
            else:
                org = self.registry.resolve(name)
                node = orgs.add_host_organization(self.records, self.registry, name, r.evidence())
                h = _Host(first=False, node=node.id, key=org.id if org else slug(domain), label=node.label,
                          domain=domain, session_replay=bool(org and org.category == "session_replay"))
            self.domains[domain] = h
        elif h.node is not None:
            self.records.nodes[h.node].cite(r.evidence())
        self.hosts[name] = h
        return h

    # ------------------------------------------------------------- entries

    def entry(self, i: int, e: Any) -> None:
        """Read entry ``i`` of ``log.entries``, parsed into dicts (by the general parser or another loader)."""
        place = f"entry {i}"
        if not isinstance(e, dict):
            raise InputError(self.source, "an entry must be an object", place)
        if not isinstance(e.get("request"), dict):
            raise InputError(self.source, "entry has no request object", place)
        resp = e.get("response") or None
        if resp is not None and not isinstance(resp, dict):
            raise InputError(self.source, "response is not an object", place)
        try:
            struct = har_entries.from_dict(dict(e, response=resp), self.keys)
        except (TypeError, msgspec.EncodeError) as exc:
            raise InputError(self.source, f"entry holds a value that is not JSON ({exc})", place) from exc
        self.read(i, struct)

    def read(self, i: int, e: Any) -> None:
        """Read entry ``i``, a struct of :func:`.har_entries.entry_type` (see the module docstring).

        Whether the entry can matter is decided first, from its host and whether it carries a query, a body
        or a cookie; only then is anything decoded or parsed further.
        """
        req = e.request
        if req is None:
            raise InputError(self.source, "entry has no request object", f"entry {i}")
        url = req.url
        if url.__class__ is not str or not url:
            raise InputError(self.source, "request has no url", f"entry {i}")
        m = _PLAIN_URL.match(url)
        if m is not None:
            scheme = m[1].lower()
            if scheme not in NETWORK_SCHEMES:
                return
            parts = SplitResult(scheme, m[2], m[3] or "", m[4] or "", m[5] or "")
        else:
            if url.split(":", 1)[0].lower() not in NETWORK_SCHEMES:
                return
            try:
                parts = split_url(url)
            except ValueError as exc:
                raise InputError(self.source, "request url is not a valid absolute URL", f"entry {i}") from exc
        host = self.hostnames.get(parts.netloc)
        if host is None:
            try:
                host = self.hostnames[parts.netloc] = parts.hostname or ""
            except ValueError as exc:
                raise InputError(self.source, "request url is not a valid absolute URL", f"entry {i}") from exc
        if not host:
            raise InputError(self.source, "request url has no host", f"entry {i}")
        if not self.site:
            self.start(host, f"entry {i}", f"site {orgs.registrable_domain(host)} (host of the first request)")
        resp = e.response
        set_headers: list[str] = []
        set_list = _NO_COOKIES
        if resp is not None:
            raw = resp.headers
            text = bytes(raw)
            if text and (_SET_COOKIE[0] in text.lower() or text[0] != _OPEN_LIST):
                set_headers = self._raw_headers(raw, _SET_COOKIE, RESPONSE_HEADERS, i, "response.headers"
                                                ).get("set-cookie", [])
            if len(resp.cookies) > 2:
                set_list = self._raw_cookies(resp.cookies, i)
        query = (self.queries.get(parts.query) or self.query(parts.query)) if parts.query else _NO_QUERY
        post = req.postData
        body = self.body(post) if isinstance(post, dict) else _NO_BODY
        known = self.hosts.get(host)
        quiet = known is not None and known.first and not (query[0] or body[1] or set_list[1] or set_headers)
        if quiet and self.cookie_evidence:   # nothing left to learn from this entry
            self._check_list(req.headers, i, "request.headers")
            self._check_list(req.cookies, i, "request.cookies")
            return
        headers = self._raw_headers(req.headers, _REQUEST_HEADER, REQUEST_HEADERS, i, "request.headers")
        cookie_header = headers.get("cookie", [])
        raw = req.cookies
        sent = (_NO_SENT if not cookie_header and (not raw or (len(raw) <= 2 and _LIST.match(raw) is not None))
                else self.sent(raw, cookie_header, i))
        if sent[2] or set_list[1] or cookie_header or set_headers:
            self.cookie_evidence = True
        if quiet:
            return
        r = _Request(self.source, i, str(req.method or "GET").upper(), parts, query[0], body[0], body[1], sent[0])
        h = known or self.host(host, r)
        path = parts.path
        in_path = _MAYBE_EMAIL_IN_PATH.search(path) is not None and email_in_path(path)
        if h.first:
            seen = self.signature(("", id(query), id(body), in_path), (query, body))
            if seen[0] <= self.max_evidence:
                found = self.findings(h.first, in_path, query, body, sent)
                seen[2] = (tuple(found.values()), (("COLLECTS", USER, self.first_party),))
                self.obs.add_all("COLLECTS", "collect", USER, self.first_party, found.values(), r.evidence)
        else:
            self.third_party(r, e, resp, h, in_path, query, body, sent, headers)
        if set_list[1] or set_headers:
            self.set_cookies(r, e, host, set_list, set_headers)

    def _check_list(self, raw: msgspec.Raw, i: int, what: str) -> None:
        """Raise the loader's error if the raw JSON ``raw`` is neither absent, null nor a list."""
        if raw and _LIST.match(raw) is None and msgspec.json.decode(raw) is not None:
            raise InputError(self.source, f"{what} is not a list", f"entry {i}")

    def _raw_headers(self, raw: msgspec.Raw, names: tuple[bytes, ...], wanted: frozenset[str], i: int,
                     what: str) -> dict[str, list[str]]:
        """The ``wanted`` headers (lower-case names) of a raw header list, where their ``names`` (quoted,
        lower-case) occur in any case."""
        if not raw:
            return _NO_HEADERS
        text = bytes(raw)
        if text[0] != _OPEN_LIST:
            return _headers(msgspec.json.decode(raw), wanted, self.source, f"entry {i}", what)
        out = _NO_HEADERS
        low = text.lower()   # the same length: offsets in it are offsets in raw
        for name in names:
            start = low.find(name)
            while start >= 0:
                m = _HEADER_VALUE.match(raw, start + len(name))
                if m is None or _HEADER_NAME_KEY.search(raw, max(start - 64, 0), start) is None:
                    return _headers(msgspec.json.decode(raw), wanted, self.source, f"entry {i}", what)
                if out is _NO_HEADERS:
                    out = {}
                value = m[1]
                text = msgspec.json.decode(b'"' + value + b'"') if b"\\" in value else value.decode()
                out.setdefault(name[1:-1].decode(), []).append(text)
                start = low.find(name, m.end())
        return out

    def _raw_cookies(self, raw: msgspec.Raw, i: int) -> tuple[bytes, list[Any]]:
        """A raw ``response.cookies`` list (as the key it is remembered by) and its items."""
        key = bytes(raw)
        listed = msgspec.json.decode(raw) or []
        if not isinstance(listed, list):
            raise InputError(self.source, "response.cookies is not a list", f"entry {i}")
        return key, listed

    def query(self, query: str) -> _Query:
        """The pairs of a query string and the findings they give to the first party and to a third party,
        worked out once per distinct query string (a capture repeats them)."""
        known = self.queries.get(query)
        if known is None:
            pairs = query_pairs(query)
            first: list[Finding] = []
            third: list[Finding] = []
            for name, value in pairs:
                hits = detect(name, value)
                first += hits
                third += hits
                page = page_field(name, value)
                if page is not None:
                    third.append(Finding(page, redact_name(name)))
            known = (pairs, tuple(first), tuple(third))
            _remember(self.queries, query, known)
        return known

    def sent(self, raw: msgspec.Raw, header: list[str], i: int) -> _Sent:
        """The cookies a request sends (its raw ``cookies`` list, else its Cookie headers), the findings they
        give to a third party and whether the list names any, worked out once per distinct list and header."""
        empty = len(raw) <= 2 and (not raw or _LIST.match(raw) is not None)
        key = (b"" if empty else bytes(raw), tuple(header))
        known = self.sent_cookies.get(key)
        if known is None:
            listed = [] if empty else _pairs(msgspec.json.decode(raw), self.source, f"entry {i}", "request.cookies")
            sent = listed or [(n.strip(), v) for h in header for n, _, v in (p.partition("=") for p in h.split(";"))
                              if n.strip()]
            found: list[Finding] = []
            for name, value in sent:
                found += detect(name, value)
                if identifier_like(value):
                    found.append(Finding("cookie_id", redact_name(name)))
            known = (sent, tuple(found), bool(listed))
            _remember(self.sent_cookies, key, known)
        return known

    def body(self, post: dict[str, Any]) -> _Body:
        """The kind, (name, parent word, value) triples and findings of a request body (``postData``), worked out
        once per distinct body."""
        key = msgspec.json.encode(post)
        known = self.bodies.get(key)
        if known is None:
            kind, pairs = body_pairs(post)
            found: list[Finding] = []
            for name, parent, value in pairs:
                if kind == "json":
                    found += detect(name.rsplit(".", 1)[-1].replace("[]", ""), value, parent, shown=name)
                else:
                    found += detect(name, value)
            known = (kind, pairs, tuple(found))
            _remember(self.bodies, key, known)
        return known

    def signature(self, key: tuple[Any, ...], refs: Any) -> list[Any]:
        """``[entries, refs, flows]`` of the entries whose findings are the same, ``key`` naming them (by the
        identity of the remembered parts they came from, which ``refs`` keeps alive): the first
        ``max_evidence`` entries of a signature are read in full, the rest only counted (an entry past them
        cannot be among the first few citations of any of its flows); ``flows`` is (findings, (relation,
        source, target)...) for the count."""
        seen = self.signatures.get(key)
        if seen is None:
            if len(self.signatures) >= MEMO_ITEMS:
                self.count_signatures()
            seen = self.signatures[key] = [0, refs, None]
        seen[0] += 1
        return seen

    def count_signatures(self) -> None:
        """Add the entries that were only counted to their flows, and forget the signatures."""
        for n, _, flows in self.signatures.values():
            if n > self.max_evidence:
                found, ends = flows
                for relation, source, target in ends:
                    self.obs.add_count(relation, source, target, found, n - self.max_evidence)
        self.signatures.clear()

    def findings(self, first: bool, in_path: bool, query: _Query, body: _Body, sent: _Sent) -> dict[str, Finding]:
        """The fields a request carries, each with the first parameter it was seen under."""
        found: dict[str, Finding] = {}
        if in_path:
            found["email_address"] = Finding("email_address", "URL path")
        for f in query[1] if first else query[2]:
            if f.field not in found:
                found[f.field] = f
        for f in body[2]:
            if f.field not in found:
                found[f.field] = f
        if not first:
            for f in sent[1]:
                if f.field not in found:
                    found[f.field] = f
        return found

    def referer(self, value: str) -> tuple[Finding, ...]:
        """The findings of a Referer header value, worked out once per value."""
        known = self.referers.get(value)
        if known is None:
            known = tuple(detect("Referer", value))
            _remember(self.referers, value, known)
        return known

    def third_party(self, r: _Request, e: Any, resp: Any, h: _Host, in_path: bool, query: _Query, body: _Body,
                    sent: _Sent, headers: dict[str, list[str]]) -> None:
        """The flows of one request to a third party, and its clear GIF or session recorder."""
        target = h.node or ""
        referers = headers.get("referer", [])
        known = self.referers
        refs = []
        for v in referers:
            ref = known.get(v)   # (often no findings: an empty tuple)
            refs.append(self.referer(v) if ref is None else ref)
        beacon = self.is_beacon(e, resp, r.parts, h.domain)
        trackers = []
        if beacon:
            trackers.append(self.tracker("clear_gif", h, r))
        if h.session_replay:
            trackers.append(self.tracker("tracker", h, r))
        key = (target, id(query), id(body), id(sent), in_path, beacon, *map(id, refs))
        seen = self.signature(key, (query, body, sent, refs))
        if seen[0] > self.max_evidence:
            return
        found = self.findings(False, in_path, query, body, sent)
        carried = list(ALWAYS_SENT)
        if "pages_visited" not in found and referers:
            carried.append(PAGE_IN_REFERER)
        carried += found.values()
        for ref in refs:
            carried += [f for f in ref if f.field not in found]
        ends = [("SHARES_WITH", self.first_party, target)]
        self.obs.add_all("SHARES_WITH", "share", self.first_party, target, carried, r.evidence)
        for tid in trackers:
            ends += [("TRACKS_WITH", USER, tid), ("TRACKS_WITH", tid, target)]
            self.obs.add_all("TRACKS_WITH", "track", USER, tid, carried, r.evidence)
            self.obs.add_all("TRACKS_WITH", "track", tid, target, carried, r.evidence)
        seen[2] = (tuple(carried), tuple(ends))

    def is_beacon(self, e: Any, resp: Any, parts: SplitResult, domain: str) -> bool:
        """A clear GIF: tiny image, 204, ping/beacon request, or a known pixel endpoint."""
        b = self.beacon
        if resp is not None and isinstance(resp.status, _NUMBER) and resp.status in b["statuses"]:
            return True
        rtype = ""
        for v in self.resource_type(e):
            if v.__class__ is str:
                rtype = v.lower()
                break
        if rtype in b["resource_types"]:
            return True
        content = resp.content if resp is not None else None
        mime = str(content.mimeType or "").lower() if content is not None else ""
        if mime.startswith("image/") or rtype in b["image_resource_types"]:
            size = content.size if content is not None else None
            if not isinstance(size, _NUMBER) or size < 0:
                size = resp.bodySize if resp is not None else None
            if isinstance(size, _NUMBER) and 0 <= size <= b["max_body_bytes"]:
                return True
            if content is not None and _one_pixel_gif(content):
                return True
        return domain in self.pixel_domains and pixel_endpoint(domain, parts.path or "/")

    def tracker(self, kind: str, h: _Host, r: _Request) -> str:
        """The clear GIF (``kind`` clear_gif) or session recorder (``tracker``) node id of organisation ``h``."""
        tid = self.tracker_ids.get((kind, h.key))
        if tid is None:
            tid = self.tracker_ids[(kind, h.key)] = node_id(kind, h.key if kind == "clear_gif"
                                                             else f"{h.key}_session_replay")
        t = self.trackers.get(tid)
        if t is None:
            if kind == "clear_gif":
                label, tkind = f"{h.label} clear GIF", "clear_gif"
            else:
                label, tkind = f"{h.label} session replay", "session_recorder"
            t = self.trackers[tid] = _Tracker(kind, label, {"tracker_kind": tkind, "context": "page",
                                                            "operator": h.node, "party": "third",
                                                            "set_by": [h.node]})
        t.count += 1
        if len(t.evidence) < self.max_evidence:
            t.evidence.append(r.evidence())
        if len(t.endpoints) < MAX_ENDPOINTS:
            t.endpoints[r.base()] = None
        return tid

    def set_cookies(self, r: _Request, e: Any, host: str, listed: tuple[bytes, list[Any]], headers: list[str]
                    ) -> None:
        """Cookie nodes for the cookies a response sets (its ``cookies`` list and Set-Cookie headers); a cookie set
        again by the same response once nothing about it but its counts can change is only counted."""
        key = (listed[0], tuple(headers), host)
        specs = self.set_cookie_specs.get(key)
        if specs is None:
            specs = [_SetCookie(spec) for spec in self._cookie_specs(r, host, listed[1], headers)]
            _remember(self.set_cookie_specs, key, specs)
        cookies = self.cookies
        if cookies is None:
            return
        started: Any = _UNREAD
        for sc in specs:
            spec = sc.spec
            if sc.settled is not None:   # only counted; an expiry before the capture time is a deletion
                if sc.timed:
                    if started is _UNREAD:
                        started = _timestamp(e.startedDateTime)
                    if started is not None and spec["expires"] <= started:
                        continue
                cookies.count(sc.id, sc.settled)
                continue
            if started is _UNREAD:
                started = _timestamp(e.startedDateTime)
            cookie = Cookie(**spec, reference=started)
            node = cookies.add(cookie, lambda c=cookie: Evidence(
                source=self.source, locator=f"entry {r.index}",
                text=f"Set-Cookie in the response to {r.base()}: {c.describe()}", url=r.base()))
            if node is not None:   # (not a deletion: one by Max-Age is one whenever it is seen)
                sc.settled = cookies.settled(cookie)

    def _cookie_specs(self, r: _Request, host: str, listed: list[Any], headers: list[str]) -> list[dict[str, Any]]:
        """The cookies a response sets, as the arguments of :class:`.cookies.Cookie` but the capture time (their
        values tested and dropped), one per (name, domain, path), the last one set winning."""
        seen: dict[tuple[str, str, str], Cookie] = {}
        for c in listed:
            if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"]:
                raise InputError(self.source, "response.cookies item without a name", f"entry {r.index}")
            domain = c["domain"] if isinstance(c.get("domain"), str) and c["domain"] else None
            cookie = Cookie.observe(
                c["name"], c.get("value"), domain or host, path=str(c.get("path") or "/"), host_only=domain is None,
                expires=_cookie_expiry(c.get("expires")), http_only=_bool(c.get("httpOnly")),
                secure=_bool(c.get("secure")), same_site=same_site(c.get("sameSite")))
            seen[(cookie.name, cookie.domain, cookie.path)] = cookie
        for header in headers:
            for name, value, attrs in iter_set_cookie(header):
                domain = attrs.get("domain") or None
                max_age = attrs.get("max-age")
                cookie = Cookie.observe(
                    name, value, domain or host, path=attrs.get("path") or "/", host_only=domain is None,
                    expires=_http_time(attrs.get("expires")),
                    max_age=float(max_age) if max_age and max_age.lstrip("-").isdigit() else None,
                    http_only="httponly" in attrs, secure="secure" in attrs, same_site=same_site(attrs.get("samesite")))
                seen[(cookie.name, cookie.domain, cookie.path)] = cookie
        return [{k: v for k, v in vars(c).items() if k != "reference"} for c in seen.values()]

    # ------------------------------------------------------------- the end

    def finish(self, entries: int) -> Records:
        """The records of the whole capture."""
        if self.cookies is None:
            self.records.warnings.append(f"{self.source}: the capture has no requests")
            return self.records
        self.cookies.finish()
        self.count_signatures()
        for tid, t in self.trackers.items():
            props = dict(t.props, endpoints=list(t.endpoints), observations=t.count)
            self.records.add_node(Node(tid, t.kind, t.label, [], props, t.evidence))
        self.obs.emit(self.records)
        if not self.cookie_evidence and entries:
            self.records.warnings.append(
                f"{self.source}: cookie evidence missing — no request or response in the capture carries "
                "cookies or Cookie/Set-Cookie headers (a sanitised export?); cookies cannot be audited from it")
        return self.records


@dataclass(slots=True)
class _SetCookie:
    """A cookie a response sets (the arguments of :class:`.cookies.Cookie` but the capture time); ``settled``
    holds its flows once a further observation is only counted (:meth:`.CookieRecords.settled`)."""

    spec: dict[str, Any]
    id: str = ""
    timed: bool = False   # its lifetime depends on the capture time (an expiry without Max-Age)
    settled: list[Any] | None = None

    def __post_init__(self) -> None:
        self.id = f"cookie:{self.spec['domain']}/{self.spec['name']}"
        self.timed = self.spec.get("max_age") is None and self.spec.get("expires") is not None


@dataclass(slots=True)
class _Request:
    """One request of the capture, reduced to what its evidence may show."""

    source: str
    index: int
    method: str
    parts: SplitResult
    query: list[tuple[str, str]]
    body_kind: str
    body: list[tuple[str, str | None, Any]]
    sent: list[tuple[str, str]]
    _text: str | None = None
    _url: str | None = None
    _base: str | None = None

    def base(self) -> str:
        """The URL without user info, query or fragment (value-like path segments masked)."""
        if self._base is None:
            self._base = redact_url(self.parts, query=False)
        return self._base

    def describe(self) -> str:
        """``GET https://host/path (query parameters: a, b; form fields: c; cookies: d)`` — names only."""
        if self._text is None:
            listed = []
            for title, items in (("query parameters", [n for n, _ in self.query]),
                                 ("JSON keys" if self.body_kind == "json" else "form fields",
                                  [n for n, _, _ in self.body]),
                                 ("cookies", [n for n, _ in self.sent])):
                shown = list(dict.fromkeys(redact_name(n) for n in items))
                if shown:
                    more = ", …" if len(shown) > MAX_NAMES_SHOWN else ""
                    listed.append(f"{title}: {', '.join(shown[:MAX_NAMES_SHOWN])}{more}")
            self._text = f"{self.method} {self.base()}" + (f" ({'; '.join(listed)})" if listed else "")
        return self._text

    def evidence(self, parameter: str | None = None) -> Evidence:
        """Evidence citing this entry; ``parameter`` names what carried the field."""
        if self._url is None:
            self._url = redact_url(self.parts)
        return Evidence(source=self.source, locator=f"entry {self.index}", text=self.describe(), url=self._url,
                        parameter=parameter)


# --------------------------------------------------------------------- small helpers


def _remember(memo: dict[Any, Any], key: Any, value: Any) -> None:
    """``memo[key] = value``, emptying ``memo`` first when it is full (memory stays bounded)."""
    if len(memo) >= MEMO_ITEMS:
        memo.clear()
    memo[key] = value


def _pairs(items: Any, source: str, place: str, what: str) -> list[tuple[str, str]]:
    """(name, value) of a HAR name/value list; a missing list is empty."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise InputError(source, f"{what} is not a list", place)
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise InputError(source, f"{what} holds something other than name/value objects", place)
        name = item.get("name")
        if isinstance(name, str) and name:
            value = item.get("value")
            out.append((name, value if isinstance(value, str) else "" if value is None else str(value)))
    return out


def _headers(items: Any, wanted: frozenset[str], source: str, place: str, what: str) -> dict[str, list[str]]:
    """The values of the ``wanted`` headers (lower-case names) of a HAR header list."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise InputError(source, f"{what} is not a list", place)
    out: dict[str, list[str]] = {}
    for item in items:
        if not isinstance(item, dict):
            raise InputError(source, f"{what} holds something other than name/value objects", place)
        name = item.get("name")
        if isinstance(name, str) and name[:1] in _HEADER_INITIALS and name.lower() in wanted:
            value = item.get("value")
            out.setdefault(name.lower(), []).append(value if isinstance(value, str) else "")
    return out


def _timestamp(value: Any) -> float | None:
    """Epoch seconds of an ISO 8601 time (HAR's ``startedDateTime``, cookie ``expires``), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return _http_time(value)


def _cookie_expiry(value: Any) -> float | None:
    """A ``response.cookies`` expiry; Chrome writes session cookies as expiring at (or before) the epoch."""
    ts = _timestamp(value)
    return ts if ts is not None and ts > 0 else None


def _http_time(value: str | None) -> float | None:
    if not value:
        return None
    ts = http2time(value)
    return float(ts) if ts is not None else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _one_pixel_gif(content: har_entries.Content) -> bool:
    """True if the response body is a 1x1 GIF (base64 in ``content.text``, kept raw until then)."""
    if content.encoding != "base64" or _GIF.match(content.text) is None:
        return False
    text = msgspec.json.decode(content.text)
    try:
        head = base64.b64decode(text[:16])
    except ValueError:
        return False
    return len(head) >= 10 and head[6:8] == b"\x01\x00" and head[8:10] == b"\x01\x00"


# --------------------------------------------------------------------- the loader


def looks_like_har(path: str | Path) -> bool:
    """True if the JSON file at ``path`` opens like a HAR capture (a top-level ``log`` object)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    except OSError:
        return False
    return head.startswith("{") and re.match(r'\{\s*"log"\s*:\s*\{', head) is not None


def extract_har(path: str | Path, site: str | None = None, registry: orgs.Registry | None = None) -> Records:
    """Read the HAR capture at ``path`` into observed records (see the module docstring)."""
    p = Path(path)
    source = str(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputError(source, "empty file", "byte 0")
    head = _read_header(p)
    if head.version is not None and head.version not in VERSIONS:
        raise InputError(source, f"unsupported HAR version {head.version!r} (expected 1.1 or 1.2)", "log.version")
    if not head.has_entries:
        raise InputError(source, "not a HAR file: log has no entries list", "log")
    registry = registry or orgs.load()
    if head.consent_state is not None and head.consent_state not in CONSENT_STATES:
        raise InputError(source, f"unknown consent state {head.consent_state!r} (one of "
                                 f"{', '.join(CONSENT_STATES)})", "log._consent_state")

    def new_capture() -> Capture:
        capture = Capture(source, registry, site)
        if head.consent_state is not None:
            capture.obs.consent_state = head.consent_state
        if site is None and head.first_title and head.first_title.startswith(("http://", "https://")):
            try:
                host = split_url(head.first_title).hostname
            except ValueError:
                host = None
            if host:
                capture.start(host, "log.pages[0].title",
                              f"site {orgs.registrable_domain(host)} (URL of the first page)")
        return capture

    show = sys.stderr.isatty() and size >= PROGRESS_MIN_BYTES
    capture = new_capture()
    count = 0
    # records form no cycles: the cyclic collector's passes over every live object only cost time
    if show:   # a progress bar only on a terminal (tqdm, even disabled, costs an import and a lock)
        from tqdm import tqdm
    with (tqdm(total=size, unit="B", unit_scale=True, desc=p.name, leave=False) if show else nullcontext()) as bar, \
            collector_paused():
        try:
            entries = har_entries.iter_entries(p, capture.keys, bar.update if show else None, structs=True)
            for i, entry in enumerate(entries):
                capture.read(i, entry)
                count = i + 1
        except har_entries.Unexpected:   # read it again with the general parser, which names the problem
            capture, count = new_capture(), 0
            if show:
                bar.reset()
            with p.open("rb") as fh:
                reader = _Reader(fh, bar if show else None)
                try:
                    for i, entry in enumerate(ijson.items(reader, "log.entries.item", use_float=True,
                                                          buf_size=BUFFER_BYTES)):
                        capture.entry(i, entry)
                        count = i + 1
                except ijson.JSONError as exc:
                    where = f" (after entry {count - 1})" if count else " (before the first entry)"
                    raise _json_error(p, exc, where) from exc
    if head.version is None:
        with p.open("rb") as fh:
            version = next(ijson.items(_Reader(fh), "log.version"), None)
        if version is None:
            raise InputError(source, "not a HAR file: log has no version", "log.version")
        if str(version) not in VERSIONS:
            raise InputError(source, f"unsupported HAR version {str(version)!r} (expected 1.1 or 1.2)", "log.version")
    return capture.finish(count)
