"""The e-mail loader: clear gifs, click tracking and sending services seen in ``.eml`` files and mboxes.

Every HTML part is scanned for *clear gifs* (images of at most one pixel, hidden images, and the
open-tracking URLs of e-mail service providers) and for *click tracking* (the providers' redirect URLs,
links whose host is not the one their text shows, and links that carry their destination encoded in
a parameter). The headers tell which service sent the message (``DKIM-Signature`` ``d=``, the
``Return-Path`` domain, provider headers). Hosts are attributed through the organisation registry;
what the loader knows of providers' URLs and headers lives in ``lexicon/email_tracking.yaml``.

Each finding is an observed flow: the e-mail recipient → clear gif (or click tracker) ``TRACKS_WITH``,
the tracker → its operator ``COLLECTS``, and the sender (the first party, named by the ``From``
domain) → sending service ``SHARES_WITH`` the recipient's address. Evidence says where the finding is
("message 1 / part 2 (text/html) / img 3") and what it is, never a personal value: URLs are kept with
their parameter names only.
"""

from __future__ import annotations

import base64
import binascii
import email.errors
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from flowaudit.inventory import organizations
from flowaudit.inventory.records import Evidence, Node, Records, node_id, slug

from .errors import InputError, read_source
from .nodes import NodeBuilder
from .redact import redact_host, redact_url

TRACKING_FILE = Path(__file__).with_name("lexicon") / "email_tracking.yaml"
SUBJECT = "recipient_of_email"
OPEN_FIELDS = ("email_open_event", "ip_address", "email_reading_time")
CLICK_FIELDS = ("email_click", "ip_address")
MESSAGE_HEADERS = {"from", "to", "cc", "subject", "date", "message-id", "received", "return-path", "sender",
                   "reply-to", "delivered-to", "mime-version", "dkim-signature"}
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to")
FATAL_DEFECTS = (email.errors.StartBoundaryNotFoundDefect, email.errors.CloseBoundaryNotFoundDefect,
                 email.errors.MultipartInvariantViolationDefect, email.errors.NoBoundaryInMultipartDefect,
                 email.errors.MissingHeaderBodySeparatorDefect, email.errors.InvalidBase64CharactersDefect,
                 email.errors.InvalidBase64LengthDefect)
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
             "wbr"}
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"https?://[^\s<>()\"']+")
_SIZE_STYLE = re.compile(r"(?<![-\w])(?:width|height)\s*:\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*(?:;|!|$)", re.I)
_SIZE_ATTR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$", re.I)
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


# --------------------------------------------------------------------- the tracking table


@dataclass(frozen=True)
class Provider:
    """A service whose URLs or headers give it away."""

    name: str
    domain: str
    kind: str
    open: tuple[re.Pattern[str], ...]
    click: tuple[re.Pattern[str], ...]
    headers: tuple[str, ...]
    mailers: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class TrackingTable:
    """``lexicon/email_tracking.yaml`` compiled."""

    providers: tuple[Provider, ...]
    max_pixels: float
    hidden: tuple[re.Pattern[str], ...]
    destination: re.Pattern[str]
    visible_host: re.Pattern[str]

    def match(self, host_path: str, which: str) -> Provider | None:
        """The provider whose ``open`` or ``click`` pattern matches ``host/path``."""
        for p in self.providers:
            if any(rx.search(host_path) for rx in getattr(p, which)):
                return p
        return None


@cache
def tracking_table() -> TrackingTable:
    """The packaged tracking table, read once."""
    data = yaml.safe_load(TRACKING_FILE.read_text(encoding="utf-8"))

    def rx(items: list[str] | None, flags: int = 0) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(i, flags) for i in items or ())

    providers = tuple(Provider(p["name"], p["domain"], p["kind"], rx(p.get("open")), rx(p.get("click")),
                               tuple(p.get("headers") or ()), rx(p.get("mailers"), re.I))
                      for p in data["providers"])
    return TrackingTable(providers, float(data["max_pixels"]), rx(data["hidden_styles"], re.I),
                         re.compile(data["destination_value"], re.I), re.compile(data["visible_host"], re.I))


# --------------------------------------------------------------------- reading messages


@dataclass
class RawMessage:
    """One message of a file: its number, the line it starts on and its bytes."""

    number: int
    line: int
    data: bytes

    @property
    def place(self) -> str:
        """Where the message is, for error messages."""
        return f"message {self.number} (line {self.line})"


def read_messages(path: str | Path) -> list[tuple[RawMessage, EmailMessage]]:
    """The messages of an ``.eml`` file or an mbox, parsed; bad input raises :class:`InputError`."""
    source = str(path)
    data = read_source(path)
    if not data.strip():
        raise InputError(source, "empty file: no e-mail message", "byte 0")
    binary = _binary_at(data)
    if binary is not None:
        raise InputError(source, "binary data, not an e-mail message", f"byte {binary}")
    out = []
    for raw in split_mbox(data) if data.startswith(b"From ") else [RawMessage(1, 1, data)]:
        first = raw.data.lstrip(b"\r\n").split(b"\n", 1)[0]
        if not _HEADER_LINE.match(first):
            raise InputError(source, "not an e-mail message: it does not start with header fields", raw.place)
        msg = BytesParser(policy=policy.default).parsebytes(raw.data)
        if not MESSAGE_HEADERS & {k.lower() for k in msg}:
            raise InputError(source, "not an e-mail message: none of From, To, Subject, Date, Message-ID, "
                                     "Received", raw.place)
        _check_structure(source, raw, msg)
        out.append((raw, msg))
    return out


def split_mbox(data: bytes) -> list[RawMessage]:
    """The messages of an mbox: each starts at a ``From `` line; ``>From`` quoting is undone."""
    messages: list[RawMessage] = []
    current: list[bytes] = []
    start = 0
    for i, line in enumerate(data.splitlines(keepends=True), 1):
        if line.startswith(b"From "):
            if start:
                messages.append(RawMessage(len(messages) + 1, start, b"".join(current)))
            current, start = [], i + 1
        else:
            current.append(line[1:] if re.match(rb">+From ", line) else line)
    messages.append(RawMessage(len(messages) + 1, start, b"".join(current)))
    return messages


def _binary_at(data: bytes) -> int | None:
    """Offset of the first byte that makes ``data`` binary (a NUL, or control bytes in the head), else None."""
    if b"\x00" in data:
        return data.index(b"\x00")
    head = data[:4096]
    controls = [i for i, b in enumerate(head) if b < 0x20 and b not in (9, 10, 12, 13, 27)]
    return controls[0] if len(controls) > len(head) // 100 else None


def _check_structure(source: str, raw: RawMessage, msg: EmailMessage) -> None:
    """Broken MIME structure (a missing boundary, a truncated multipart) raises, naming the part."""
    leaf = 0
    for part in msg.walk():
        ctype = part.get_content_type()
        if not part.is_multipart():
            leaf += 1
        where = f"{raw.place} / part {leaf} ({ctype})" if not part.is_multipart() else f"{raw.place} / {ctype}"
        for defect in part.defects:
            if isinstance(defect, email.errors.CloseBoundaryNotFoundDefect):
                end = raw.line + raw.data.rstrip(b"\r\n").count(b"\n")
                raise InputError(source, f"truncated: the closing MIME boundary is missing (the message ends at "
                                         f"line {end})", where)
            if isinstance(defect, FATAL_DEFECTS):
                raise InputError(source, f"broken MIME structure: {_defect_text(defect)}", where)


def _defect_text(defect: email.errors.MessageDefect) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(defect).__name__.removesuffix("Defect")).lower()
    return f"{words} ({defect})" if str(defect) else words


def _leaves(msg: EmailMessage) -> list[EmailMessage]:
    """The leaf parts (no containers), numbered 1.. in document order by the caller."""
    return [p for p in msg.walk() if not p.is_multipart()]


def _text(source: str, raw: RawMessage, number: int, part: EmailMessage) -> str:
    """The decoded text of a leaf part; a broken transfer encoding raises."""
    payload = part.get_payload(decode=True)
    for defect in part.defects:
        if isinstance(defect, FATAL_DEFECTS):
            raise InputError(source, f"broken MIME part: {_defect_text(defect)}",
                             f"{raw.place} / part {number} ({part.get_content_type()})")
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


# --------------------------------------------------------------------- HTML


@dataclass
class Image:
    """An ``<img>`` of an HTML part."""

    index: int
    src: str
    attrs: dict[str, str]
    hidden_by: str | None


@dataclass
class Anchor:
    """An ``<a href>`` of an HTML part and the text it shows."""

    index: int
    href: str
    text: list[str] = field(default_factory=list)


class HtmlScan(HTMLParser):
    """Collects the images and links of an HTML part, with the hiding styles of their ancestors."""

    def __init__(self, table: TrackingTable):
        super().__init__(convert_charrefs=True)
        self.table = table
        self.stack: list[tuple[str, str | None]] = []
        self.images: list[Image] = []
        self.anchors: list[Anchor] = []
        self._anchor: Anchor | None = None

    def hides(self, attrs: dict[str, str]) -> str | None:
        """The hiding rule an element's own attributes apply, or None."""
        if "hidden" in attrs:
            return "hidden attribute"
        style = attrs.get("style", "")
        for rx in self.table.hidden:
            m = rx.search(style)
            if m:
                return re.sub(r"\s+", "", m.group(0)).rstrip(";!")
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record images and links; remember hidden containers."""
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "img":
            ancestor = next((h for _, h in reversed(self.stack) if h), None)
            own = self.hides(a)
            hidden = own or (f"inside an element with {ancestor}" if ancestor else None)
            self.images.append(Image(len(self.images) + 1, a.get("src", ""), a, hidden))
        elif tag == "a" and a.get("href"):
            self._anchor = Anchor(len(self.anchors) + 1, a["href"])
            self.anchors.append(self._anchor)
        if tag not in VOID_TAGS:
            self.stack.append((tag, self.hides(a)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed element opens and closes at once."""
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close ``tag`` and anything left open inside it."""
        if tag == "a":
            self._anchor = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        """Link text."""
        if self._anchor is not None:
            self._anchor.text.append(data)


# --------------------------------------------------------------------- URLs without personal values


@dataclass(frozen=True)
class Url:
    """A remote URL split for attribution; ``redacted`` is what may be kept (see :mod:`.redact`)."""

    host: str
    host_path: str
    redacted: str
    params: tuple[tuple[str, str], ...]
    segments: tuple[str, ...]


def parse_url(text: str) -> Url | None:
    """The parts of an http(s) URL, or None for anything else (cid:, data:, mailto:, relative)."""
    text = text.strip()
    if text.startswith("//"):
        text = "https:" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    segments = tuple(s for s in parts.path.split("/") if s)
    params = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return Url(host, host + (parts.path or "/"), redact_url(parts), params, segments)


def carried_fields(url: Url, recipients: set[str]) -> list[tuple[str, str]]:
    """(field id, where) for each personal value the URL carries: the recipient's address, or a hash of it."""
    hashes = {hashlib.new(alg, r.encode()).hexdigest(): alg for r in recipients for alg in ("md5", "sha1", "sha256")}
    out = []
    for name, value in url.params:
        v = value.strip()
        decoded = _b64(v)
        if _EMAIL.fullmatch(v) or v.lower() in recipients or (decoded and decoded.lower() in recipients):
            out.append(("email_address", f"parameter {name}"))
        elif v.lower() in hashes:
            out.append(("hashed_email", f"parameter {name}"))
    for i, seg in enumerate(url.segments, 1):
        if _EMAIL.search(unquote(seg)):
            out.append(("email_address", f"path segment {i}"))
    return list(dict.fromkeys(out))


def encoded_destinations(url: Url, table: TrackingTable) -> list[str]:
    """Names of the parameters whose value (or its base64 text) is another URL."""
    out = []
    for name, value in url.params:
        decoded = _b64(value)
        if table.destination.search(value.strip()) or (decoded and table.destination.search(decoded)):
            out.append(name)
    return list(dict.fromkeys(out))


def _b64(value: str) -> str | None:
    """``value`` decoded from (URL-safe) base64 when that gives printable text, else None."""
    v = value.strip()
    if not _BASE64.fullmatch(v):
        return None
    try:
        raw = base64.urlsafe_b64decode(v.replace("+", "-").replace("/", "_") + "=" * (-len(v) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text.isprintable() else None


# --------------------------------------------------------------------- the reader


class EmailReader:
    """Reads the messages of one file into observed records."""

    def __init__(self, source: str):
        self.source = source
        self.table = tracking_table()
        self.registry = organizations.load()
        self.build = NodeBuilder("observed")

    @property
    def records(self) -> Records:
        """The records built so far."""
        return self.build.records

    def read(self, messages: list[tuple[RawMessage, EmailMessage]]) -> Records:
        """Read every message."""
        for raw, msg in messages:
            MessageReader(self, raw, msg).read()
        return self.records

    def provider_node(self, provider: Provider) -> Node:
        """The organisation node of a tracking-table provider (through the registry when it knows it)."""
        org = self.registry.resolve(provider.domain)
        if org is not None:
            return organizations.add_organization(self.records, self.registry, org.id)
        return self.build.organization(slug(provider.name), provider.name, provider.kind, domains=[provider.domain])


class MessageReader:
    """Reads one message: its sender, its sending services and the trackers of its parts."""

    def __init__(self, reader: EmailReader, raw: RawMessage, msg: EmailMessage):
        self.reader = reader
        self.raw = raw
        self.msg = msg
        self.where = f"message {raw.number}"
        self.recipients = {a.lower() for a in _addresses(msg, RECIPIENT_HEADERS)}
        senders = _addresses(msg, ("from",)) or _addresses(msg, ("sender",))
        self.from_domain = senders[0].rsplit("@", 1)[1].lower() if senders else None
        self.first_party = self._first_party()

    # ----------------------------------------------------------------- parties

    def _first_party(self) -> Node:
        b = self.reader.build
        ev = Evidence(self.reader.source, f"{self.where} / headers",
                      f"{self.where} is sent from {self.from_domain or 'an unnamed sender'}")
        if self.from_domain is None:
            self.reader.records.warnings.append(f"{self.reader.source}: {self.where} has no From address; "
                                                "its first party is unnamed")
            return b.first_party("first_party", "first party", ev)
        domain = organizations.registrable_domain(self.from_domain)
        org = self.reader.registry.resolve(domain)
        aliases = [org.name, *org.aliases] if org else []
        return b.first_party(organizations.site_label(domain), domain, ev, aliases, domains=[domain])

    def is_first_party(self, host: str) -> bool:
        """True if ``host`` belongs to the sender's own organisation."""
        return self.from_domain is not None and self.reader.registry.same_owner(host, self.from_domain)

    def operator(self, url: Url, provider: Provider | None) -> Node:
        """Who receives a tracker's request: a table provider, the sender, a registry organisation."""
        if provider is not None:
            return self.reader.provider_node(provider)
        if self.is_first_party(url.host):
            return self.first_party
        return organizations.add_host_organization(self.reader.records, self.reader.registry, url.host)

    # ----------------------------------------------------------------- reading

    def read(self) -> None:
        """Headers first, then every text part."""
        self.sending_services()
        for k, part in enumerate(_leaves(self.msg), 1):
            ctype = part.get_content_type()
            if ctype not in ("text/html", "text/plain"):
                continue
            text = _text(self.reader.source, self.raw, k, part)
            where = f"{self.where} / part {k} ({ctype})"
            if ctype == "text/html":
                scan = HtmlScan(self.reader.table)
                scan.feed(text)
                scan.close()
                for img in scan.images:
                    self.image(img, where)
                for anchor in scan.anchors:
                    self.link(anchor.href, "".join(anchor.text), f"{where} / a {anchor.index}")
            else:
                for i, m in enumerate(_URL.finditer(text), 1):
                    self.link(m.group(0).rstrip(".,;:!?"), None, f"{where} / url {i}")

    def sending_services(self) -> None:
        """The services that sent the message received the recipient's address (and name, if addressed by it)."""
        found: dict[str, tuple[Node, list[str]]] = {}
        registry, records = self.reader.registry, self.reader.records

        def note(node: Node, reason: str) -> None:
            if node.id != self.first_party.id:
                found.setdefault(node.id, (node, []))[1].append(reason)

        for value in self.msg.get_all("DKIM-Signature") or []:
            m = re.search(r"(?:^|;)\s*d\s*=\s*([A-Za-z0-9.-]+)", str(value))
            if m and not self.is_first_party(m.group(1)):
                domain = organizations.registrable_domain(m.group(1))
                note(organizations.add_host_organization(records, registry, domain), f"DKIM-Signature d={domain}")
        return_path = _addresses(self.msg, ("return-path",))
        if return_path:
            host = return_path[0].rsplit("@", 1)[1]
            org = registry.resolve(host)
            if org is not None and not self.is_first_party(host):
                note(organizations.add_organization(records, registry, org.id),
                     f"Return-Path domain {organizations.registrable_domain(host)}")
        names = {k.lower() for k in self.msg}
        mailer = str(self.msg.get("X-Mailer", ""))
        for p in self.reader.table.providers:
            headers = [h for h in p.headers if h.lower() in names]
            if headers or any(rx.search(mailer) for rx in p.mailers):
                note(self.reader.provider_node(p), ", ".join(f"{h} header" for h in headers) or "X-Mailer header")
        named = any(a.display_name for h in RECIPIENT_HEADERS[:2] for a in _header_addresses(self.msg, h))
        fields = ["email_address", "name"] if named else ["email_address"]
        for node, reasons in found.values():
            text = (f"{self.where} was sent for {self.first_party.label} through {node.label} "
                    f"({'; '.join(dict.fromkeys(reasons))}), which so received the recipient's "
                    + ("address and name" if named else "address"))
            ev = _cite(node, Evidence(self.reader.source, f"{self.where} / headers", text))
            for fid in fields:
                self.reader.build.flow(fid, self.first_party.id, node.id, "share", "SHARES_WITH", ev,
                                       channel="email")

    def image(self, img: Image, where: str) -> None:
        """A clear gif: a tiny or hidden image, or an image at a provider's open-tracking URL."""
        url = parse_url(img.src)
        if url is None:
            return
        table = self.reader.table
        provider = table.match(url.host_path, "open")
        sizes = _sizes(img.attrs)
        reasons = []
        if sizes and max(sizes) <= table.max_pixels:
            reasons.append("x".join(f"{s:g}" for s in sizes[:2]) + " px image")
        if img.hidden_by:
            reasons.append(f"hidden ({img.hidden_by})")
        if provider is not None:
            reasons.append(f"open-tracking URL of {provider.name}")
        if not reasons:
            return
        self.tracker("clear_gif", url, provider, reasons, f"{where} / img {img.index}", OPEN_FIELDS)

    def link(self, href: str, text: str | None, locator: str) -> None:
        """Click tracking: a provider's redirect, a link whose text shows another host, an encoded destination."""
        url = parse_url(href)
        if url is None:
            return
        table = self.reader.table
        provider = table.match(url.host_path, "click")
        reasons = [f"click-tracking URL of {provider.name}"] if provider else []
        shown = table.visible_host.match(text or "")
        if shown:
            shown_domain = organizations.registrable_domain(shown.group(2))
            if shown_domain != organizations.registrable_domain(url.host):
                reasons.append(f"the link text shows {shown_domain} but the link goes to {redact_host(url.host)}")
        destinations = encoded_destinations(url, table)
        if destinations:
            reasons.append(f"parameter {', '.join(destinations)} carries the destination address")
        if not reasons:
            return
        self.tracker("tracker", url, provider, reasons, locator, CLICK_FIELDS)

    def tracker(self, kind: str, url: Url, provider: Provider | None, reasons: list[str], locator: str,
                base_fields: tuple[str, ...]) -> None:
        """The tracker node of the operator, and the flows recipient → tracker → operator."""
        b = self.reader.build
        carried = carried_fields(url, self.recipients)
        fields = list(dict.fromkeys([*base_fields, *(f for f, _ in carried)]))
        operator = self.operator(url, provider)
        what = "clear gif" if kind == "clear_gif" else "tracked link"
        tells = ("when, where and on what device the message is opened" if kind == "clear_gif"
                 else "which link the recipient clicks, when and from where")
        text = (f"{what} in {self.where} ({'; '.join(reasons)}) loads {url.redacted}, which tells "
                f"{operator.label} {tells}")
        for fid, where in carried:
            text += f"; {where} carries the recipient's {b.fields[fid].label}"
        ev = _cite(operator, Evidence(self.reader.source, locator, text, url=url.redacted,
                                      parameter=", ".join(w.removeprefix("parameter ") for _, w in carried) or None))
        term = "email_beacon" if kind == "clear_gif" else "redirect_tracking"
        key = operator.id.split(":", 1)[1]
        label = (f"e-mail web beacon of {operator.label}" if kind == "clear_gif"
                 else f"e-mail click tracking of {operator.label}")
        props: dict[str, Any] = {"tracker_kind": term, "contexts": ["email"], "operator": operator.id,
                                 "set_by": [operator.id], "hosts": [redact_host(url.host)]}
        node = b.records.add_node(Node(node_id(kind, f"{term}_{key}"), kind, label, [], props, [ev]))
        for fid in fields:
            b.flow(fid, b.subject(SUBJECT, ev).id, node.id, "track", "TRACKS_WITH", ev, channel="email")
            b.flow(fid, node.id, operator.id, "collect", "COLLECTS", ev, channel="email")


def _cite(node: Node, ev: Evidence) -> Evidence:
    """Add ``ev`` to the evidence of ``node``; return it."""
    node.cite(ev)
    return ev


def _sizes(attrs: dict[str, str]) -> list[float]:
    """The pixel sizes an image states in its width/height attributes and inline style."""
    out = []
    for key in ("width", "height"):
        m = _SIZE_ATTR.match(attrs.get(key, ""))
        if m:
            out.append(float(m.group(1)))
    out += [float(v) for v in _SIZE_STYLE.findall(attrs.get("style", ""))]
    return out


def _header_addresses(msg: EmailMessage, name: str) -> list[Any]:
    """The address objects of header ``name`` (empty when absent or unparseable)."""
    out = []
    for value in msg.get_all(name) or []:
        out += list(getattr(value, "addresses", ()))
    return out


def _addresses(msg: EmailMessage, names: tuple[str, ...]) -> list[str]:
    """The e-mail addresses in headers ``names``."""
    out = []
    for name in names:
        values = [str(v) for v in msg.get_all(name) or []]
        out += [addr for _, addr in getaddresses(values) if "@" in addr]
    return out


def extract_email(path: str | Path) -> Records:
    """Read an ``.eml`` file or an mbox into observed records (clear gifs, click tracking, sending services)."""
    messages = read_messages(path)
    return EmailReader(str(path)).read(messages)


def looks_like_email(path: str | Path) -> bool:
    """True if the file starts like an mbox or an RFC 5322 message (for sources without .eml/.mbox)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    lines = head.lstrip(b"\r\n").splitlines()
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]
    names = []
    for line in lines[:12]:
        if line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            break
        names.append(m.group(0)[:-1].strip().lower().decode("ascii"))
    return len(names) >= 2 and bool(MESSAGE_HEADERS & set(names))
