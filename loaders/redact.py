"""The allow-list redactor: one for every kind of evidence (HAR, e-mail, cookies, scans).

It keeps only what it knows is safe and replaces everything else by the *shape* of the value:

- hosts: the registrable domain, and the labels left of it that name a service (``lexicon/redact.yaml``)
  or are one dictionary word; any other label becomes ``redacted`` (``jane-doe.ct.sendgrid.net`` →
  ``redacted.ct.sendgrid.net``);
- paths: segments that are route names or dictionary words (each part of ``privacy-policy``, with a
  known file extension); a segment after a route that names a person (``/u/``, ``/profile/``) is always
  replaced; everything else becomes its shape;
- query strings, fragments, forms and JSON bodies: parameter names (unless they hold a value
  themselves), each value replaced by its shape;
- headers: a list of descriptive headers kept; Referer, Origin and Location as redacted URLs; cookies as
  names with value shapes.

Shapes: ``[email]``, ``[email:b64]`` (base64 of an e-mail address), ``[card]`` (Luhn-valid card
number), ``[digits:10]`` (digits, with or without phone separators), ``[hex:32]``, ``[uuid]``,
``[b64:24]`` (base64 text), ``[id:12]`` (letters and digits), ``[url]``, ``[path]``, ``[text:5]``.

>>> redact_url("https://jane-doe.ct.sendgrid.net/u/jane-doe-smith/open.gif?e=jane%40example.com&t=555-123-4567")
'https://redacted.ct.sendgrid.net/u/[text:14]/open.gif?e=[email]&t=[digits:10]'

The dictionary is Webster's 2nd (``english-words``): a word counts when it is an entry in lower case and
its capitalised form is not also one, so given names (Jane, Mary, John) are not words.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from bisect import bisect_left
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit

from flowaudit.inventory.compiled import cached, load_yaml
from flowaudit.inventory.organizations import registrable_domain

LEXICON_FILE = Path(__file__).with_name("lexicon") / "redact.yaml"
MAX_NAME_CHARS = 64
NAME_SHAPE = "[name]"
LABEL_SHAPE = "redacted"  # a valid host label, so a redacted URL still parses

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_OR_DIGITS = re.compile(r"\+?[\d\s().\-/]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_B64 = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_ALNUM = re.compile(r"[A-Za-z0-9._~-]+")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\-\[\]:$@]{1,64}")
_LONG_DIGITS = re.compile(r"\d{6,}")
_LONG_HEX = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{16,}(?![0-9a-fA-F])")
_WORD_PARTS = re.compile(r"[-_.+]")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_NUMBERED = re.compile(r"([a-z]+)-?\d{1,3}")
_SHAPE = re.compile(r"\[(email|email:b64|card|uuid|url|path|(?:digits|hex|b64|id|text):\d+)\]")
_CARD_SEP = re.compile(r"[\s-]")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


@cache
def _lexicon() -> dict[str, frozenset[str]]:
    data = load_yaml(LEXICON_FILE)
    return {k: frozenset(str(v).lower() for v in vals) for k, vals in data.items()}


class Words:
    """A sorted word list that answers ``word in words`` by bisection (nothing to hash at start-up).

    >>> "cat" in Words(["ant", "cat"]), "cow" in Words(["ant", "cat"])
    (True, False)
    """

    def __init__(self, sorted_words: list[str]):
        self._words = sorted_words

    def __contains__(self, word: object) -> bool:
        i = bisect_left(self._words, word)
        return i < len(self._words) and self._words[i] == word


@cache
def dictionary() -> Words:
    """Webster's 2nd as spelled there (proper names capitalised), loaded once (compiled on first use)."""
    import english_words
    from english_words.constants import ALPHA, PROCESSED_DATA_DIR
    from english_words.util import get_data_file_name

    source = Path(english_words.__file__).parent / PROCESSED_DATA_DIR / get_data_file_name("web2", [ALPHA])
    words = cached("english-words-web2", [source],
                   lambda: sorted(english_words.get_english_words_set(["web2"], lower=False, alpha=True)), list[str])
    return Words(words)


def _in_dictionary(word: str, words: Words) -> bool:
    """A lower-case entry whose capitalised form is not also one (so not a given name)."""
    return word in words and word.capitalize() not in words


def is_word(word: str) -> bool:
    """True for a dictionary word, a plural or ``-ing``/``-ed`` form of one, or a route name."""
    w = word.lower()
    if not w:
        return False
    if w in _lexicon()["routes"]:
        return True
    if not w.isalpha() or len(w) < 2:
        return False
    words = dictionary()
    if _in_dictionary(w, words):
        return True
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e")):
        if w.endswith(suffix) and len(w) > len(suffix) + 2 and _in_dictionary(w[: -len(suffix)] + repl, words):
            return True
    return False


# --------------------------------------------------------------------- values


def luhn(digits: str) -> bool:
    """The Luhn checksum of a digit string."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _b64_text(value: str) -> str | None:
    """``value`` decoded from (URL-safe) base64 when that gives printable text, else None."""
    if not _B64.fullmatch(value):
        return None
    try:
        raw = base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_") + "=" * (-len(value) % 4))
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if text and text.isprintable() else None


@lru_cache(maxsize=65536)
def shape(value: str) -> str:
    """The shape of a value: what kind of thing it is and how long, never what it says.

    >>> shape("jane@example.com"), shape("555-123-4567"), shape("amFuZUBleGFtcGxlLmNvbQ==")
    ('[email]', '[digits:10]', '[email:b64]')
    """
    v = value.strip()
    for _ in range(2):
        if "%" in v:
            v = unquote(v)
    if not v:
        return ""
    if _SHAPE.fullmatch(v):
        return v
    if _EMAIL.search(v):
        return "[email]"
    if v.startswith(("http://", "https://", "//")):
        return "[url]"
    if v.startswith("/") and len(v) > 1:
        return "[path]"
    if _PHONE_OR_DIGITS.fullmatch(v):
        digits = "".join(ch for ch in v if ch.isdigit())
        if 13 <= len(digits) <= 19 and _CARD_SEP.sub("", v).isdigit() and luhn(digits):
            return "[card]"
        if digits:
            return f"[digits:{len(digits)}]"
    if _UUID.fullmatch(v):
        return "[uuid]"
    if len(v) >= 16 and _HEX.fullmatch(v):
        return f"[hex:{len(v)}]"
    decoded = _b64_text(v) if len(v) >= 12 else None
    if decoded is not None:
        return "[email:b64]" if _EMAIL.search(decoded) else f"[b64:{len(v)}]"
    if _ALNUM.fullmatch(v) and any(c.isdigit() for c in v) and any(c.isalpha() for c in v):
        return f"[id:{len(v)}]"
    return f"[text:{len(v)}]"


def is_shape(value: str) -> bool:
    """True if ``value`` is a shape this module writes (a redacted capture holds them in place of values)."""
    return value[:1] == "[" and _SHAPE.fullmatch(value) is not None


@lru_cache(maxsize=4096)
def shape_sample(value: str) -> str | None:
    """A made-up value of the shape ``value`` (None if it is not a shape), for the detectors of redacted captures.

    The sample is only tested, never kept: ``[email]`` → an address at example.invalid, ``[digits:10]`` →
    ten zeros, ``[id:12]`` → twelve letters and digits.
    """
    m = _SHAPE.fullmatch(value) if value[:1] == "[" else None
    if m is None:
        return None
    kind, _, n = m.group(1).partition(":")
    size = int(n) if n.isdigit() else 0
    if kind == "email":
        return "shape@example.invalid"
    return {"card": "4111111111111111", "uuid": "123e4567-e89b-42d3-a456-426614174000", "url": "https://x.invalid/",
            "path": "/x", "digits": "0" * size, "hex": "0" * size, "b64": ("QUJD" * size)[:size],
            "id": ("a1b2c3d4e5f6g7h8" * (size // 16 + 1))[:size], "text": ("x" * size)}.get(kind)


def email_in_path(path: str) -> bool:
    """True if a segment of the URL path ``path`` is an e-mail address (plain, percent- or base64-encoded, or
    its shape in a redacted capture)."""
    return any((len(seg) >= 16 or "@" in seg or "%40" in seg or seg.startswith("[email"))
               and shape(seg) in ("[email]", "[email:b64]") for seg in path.split("/"))


# --------------------------------------------------------------------- names, hosts, paths


@lru_cache(maxsize=65536)
def redact_name(name: str) -> str:
    """A parameter, field, cookie or storage key name, kept unless it holds a value itself."""
    n = unquote(name) if "%" in name else name
    if not _SAFE_NAME.fullmatch(n) or _EMAIL.search(n) or _LONG_DIGITS.search(n) or _LONG_HEX.search(n):
        return NAME_SHAPE
    decoded = _b64_text(n) if len(n) >= 12 else None
    if decoded is not None and _EMAIL.search(decoded):
        return NAME_SHAPE
    return n if len(n) <= MAX_NAME_CHARS else n[:MAX_NAME_CHARS] + "…"


def _word_label(label: str) -> bool:
    """A service label (``www``, ``ct``), a numbered one (``us5``, ``region1``) or one dictionary word."""
    numbered = _NUMBERED.fullmatch(label)
    if numbered is not None:
        label = numbered.group(1)
    return label in _lexicon()["host_labels"] or (len(label) >= 3 and label.isalpha() and is_word(label))


@lru_cache(maxsize=65536)
def redact_host(host: str) -> str:
    """The registrable domain and the service labels of ``host``; other labels become ``redacted``."""
    h = host.lower().rstrip(".")
    if not h or _IPV4.fullmatch(h) or ":" in h:
        return h
    domain = registrable_domain(h)
    if not domain or domain == h:
        return h
    labels = h[: -len(domain) - 1].split(".")
    return ".".join(lab if _word_label(lab) else LABEL_SHAPE for lab in labels) + "." + domain


def _kept_segment(segment: str) -> bool:
    stem, dot, ext = segment.rpartition(".")
    if dot and ext.lower() in _lexicon()["extensions"]:
        segment = stem
    if not segment:
        return bool(dot)
    if segment.lower() in _lexicon()["routes"]:
        return True
    if not all(ch.isalpha() or ch in "-_.+" for ch in segment):
        return False
    parts = [p for chunk in _WORD_PARTS.split(segment) for p in (_CAMEL.findall(chunk) or [chunk]) if p]
    return bool(parts) and len(parts) <= 6 and all(is_word(p) for p in parts)


@lru_cache(maxsize=65536)
def redact_segment(segment: str) -> str:
    """One path segment: kept when it is a route name or dictionary words, else its shape."""
    s = unquote(segment) if "%" in segment else segment
    return s if _kept_segment(s) else shape(s)


def redact_path(path: str) -> str:
    """A URL path, segment by segment; the segment after a route that names a person is always replaced."""
    out, after_person = [], False
    identifying = _lexicon()["identifying_routes"]
    for seg in path.split("/"):
        if not seg:
            out.append(seg)
            continue
        out.append(shape(unquote(seg)) if after_person else redact_segment(seg))
        after_person = seg.lower() in identifying
    return "/".join(out)


def redact_pairs(pairs: list[tuple[str, str]]) -> str:
    """``name=shape&…`` of decoded name/value pairs (a query string, a form body)."""
    return "&".join(f"{quote(redact_name(n), safe='[]:$@.-_')}={shape(v)}" if v else quote(redact_name(n),
                    safe="[]:$@.-_") for n, v in pairs)


def redact_query(query: str) -> str:
    """A query string or form body with every value replaced by its shape (a short one remembered: a capture
    repeats its query strings in the evidence of many requests)."""
    return _redact_short_query(query) if len(query) <= 2048 else _redact_query(query)


@lru_cache(maxsize=4096)
def _redact_short_query(query: str) -> str:
    return _redact_query(query)


def _redact_query(query: str) -> str:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name.replace("+", " ")), unquote(value.replace("+", " "))))
    return redact_pairs(pairs)


def redact_url(url: str | SplitResult, query: bool = True) -> str:
    """A URL keeping scheme, redacted host, port, redacted path, parameter names and value shapes.

    User info is dropped; a fragment is redacted as a query (``#a=b``) or a path (``#/route``).
    ``query=False`` drops the query and fragment.
    """
    try:
        parts = url if isinstance(url, SplitResult) else urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return shape(url if isinstance(url, str) else url.geturl())
    if not parts.scheme or not parts.netloc:
        return shape(url if isinstance(url, str) else url.geturl())
    out = f"{parts.scheme.lower()}://{redact_host(parts.hostname or '')}{f':{port}' if port else ''}"
    out += redact_path(parts.path)
    if query and parts.query:
        out += "?" + redact_query(parts.query)
    if query and parts.fragment:
        frag = parts.fragment
        if "=" in frag:
            out += "#" + redact_query(frag)
        elif frag.startswith("/"):
            out += "#" + redact_path(frag)
        else:
            out += "#" + (frag if _kept_segment(frag) else shape(frag))
    return out


# --------------------------------------------------------------------- headers, cookies, bodies


def redact_cookie_header(value: str) -> str:
    """A ``Cookie`` header: names with value shapes."""
    pairs = [(n.strip(), v.strip()) for n, _, v in (p.partition("=") for p in value.split(";")) if n.strip()]
    return "; ".join(f"{redact_name(n)}={shape(v)}" for n, v in pairs)


_COOKIE_ATTRS = ("domain", "path", "expires", "max-age", "samesite", "secure", "httponly", "partitioned", "priority")


def redact_set_cookie(value: str) -> str:
    """A ``Set-Cookie`` header: the name and the value's shape; the attributes (domain redacted) kept."""
    out = []
    for line in value.split("\n"):
        first, *attrs = line.split(";")
        name, _, val = first.partition("=")
        kept = [f"{redact_name(name.strip())}={shape(val.strip())}"]
        for a in attrs:
            key, eq, v = a.strip().partition("=")
            if key.lower() not in _COOKIE_ATTRS:
                continue
            if key.lower() == "domain":
                v = "." + redact_host(v.lstrip(".")) if v.startswith(".") else redact_host(v)
            elif key.lower() == "path":
                v = redact_path(v)
            kept.append(f"{key}{eq}{v}")
        out.append("; ".join(kept))
    return "\n".join(out)


def redact_header(name: str, value: str) -> str:
    """A header value: kept for descriptive headers, redacted as a URL or cookie, else its shape."""
    lex = _lexicon()
    key = name.lower()
    if key in lex["kept_headers"]:
        return value
    if key in lex["url_headers"]:
        return redact_url(value)
    if key == "host" or key == ":authority":
        host, colon, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
        return redact_host(host) + (colon + port if port.isdigit() else "")
    if key == "cookie":
        return redact_cookie_header(value)
    if key == "set-cookie":
        return redact_set_cookie(value)
    if key in (":path",):
        return redact_url("https://x.invalid" + value).removeprefix("https://x.invalid")
    if key in (":method", ":scheme"):
        return value
    return shape(value)


def redact_json(doc: Any) -> Any:
    """A JSON document with its keys kept (unless they hold values) and every scalar replaced by its shape."""
    if isinstance(doc, dict):
        return {redact_name(str(k)): redact_json(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [redact_json(v) for v in doc]
    if doc is None or isinstance(doc, bool):
        return doc
    return shape(str(doc))


def redact_body(text: str, mime: str = "") -> str:
    """A request body: JSON with shaped values, a form as names with shapes, anything else its shape."""
    stripped = text.lstrip()
    if "json" in mime.lower() or stripped[:1] in ("{", "["):
        try:
            return json.dumps(redact_json(json.loads(text)), ensure_ascii=False)
        except ValueError:
            pass
    if "=" in text and ("urlencoded" in mime.lower() or not any(ch.isspace() for ch in stripped[:200])):
        return redact_query(text)
    return shape(text)


# --------------------------------------------------------------------- whole captures


def _pairs(items: Any, cookies: bool = False) -> list[dict[str, Any]]:
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kept = {"name": redact_name(str(item.get("name", ""))), "value": shape(str(item.get("value") or ""))}
        if cookies:
            for key in ("path", "expires", "httpOnly", "secure", "sameSite"):
                if key in item:
                    kept[key] = redact_path(item[key]) if key == "path" and isinstance(item[key], str) else item[key]
            if isinstance(item.get("domain"), str):
                kept["domain"] = redact_cookie_domain(item["domain"])
        out.append(kept)
    return out


def redact_cookie_domain(domain: str) -> str:
    """A cookie's domain (``.example.com`` keeps its leading dot)."""
    return ("." if domain.startswith(".") else "") + redact_host(domain.lstrip("."))


def _headers(items: Any) -> list[dict[str, str]]:
    return [{"name": str(h.get("name", "")), "value": redact_header(str(h.get("name", "")), str(h.get("value") or ""))}
            for h in items if isinstance(h, dict)] if isinstance(items, list) else []


_ENTRY_KEEP = ("startedDateTime", "time", "timings", "pageref", "serverIPAddress", "connection", "_resourceType",
               "_consent_state")


def redact_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """One HAR entry rebuilt from what may be kept: no response body, every value a shape."""
    req = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    resp = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    out: dict[str, Any] = {k: entry[k] for k in _ENTRY_KEEP if k in entry}
    request: dict[str, Any] = {
        "method": req.get("method", "GET"), "url": redact_url(str(req.get("url", ""))),
        "httpVersion": req.get("httpVersion", ""), "headers": _headers(req.get("headers")),
        "queryString": _pairs(req.get("queryString")), "cookies": _pairs(req.get("cookies"), cookies=True),
        "headersSize": req.get("headersSize", -1), "bodySize": req.get("bodySize", -1)}
    post = req.get("postData")
    if isinstance(post, dict):
        mime = str(post.get("mimeType") or "")
        body: dict[str, Any] = {"mimeType": mime}
        if post.get("params"):
            body["params"] = _pairs(post["params"])
        if isinstance(post.get("text"), str):
            body["text"] = redact_body(post["text"], mime)
        request["postData"] = body
    content = resp.get("content") if isinstance(resp.get("content"), dict) else {}
    out["request"] = request
    out["response"] = {
        "status": resp.get("status", 0), "statusText": resp.get("statusText", ""),
        "httpVersion": resp.get("httpVersion", ""), "headers": _headers(resp.get("headers")),
        "cookies": _pairs(resp.get("cookies"), cookies=True),
        "content": {"size": content.get("size", -1), "mimeType": str(content.get("mimeType") or "")},
        "redirectURL": redact_url(resp["redirectURL"]) if resp.get("redirectURL") else "",
        "headersSize": resp.get("headersSize", -1), "bodySize": resp.get("bodySize", -1)}
    out.setdefault("cache", {})
    out.setdefault("timings", {"send": 0, "wait": 0, "receive": 0})
    return out


def redact_har(doc: dict[str, Any]) -> dict[str, Any]:
    """A HAR document rebuilt from what may be kept (see :func:`redact_entry`); page titles are redacted URLs."""
    log = doc.get("log") if isinstance(doc.get("log"), dict) else {}
    pages = []
    for page in log.get("pages") or []:
        if isinstance(page, dict):
            title = str(page.get("title", ""))
            pages.append({"startedDateTime": page.get("startedDateTime", ""), "id": page.get("id", ""),
                          "title": redact_url(title) if "://" in title else shape(title),
                          "pageTimings": page.get("pageTimings", {})})
    head = {k: log[k] for k in ("version", "creator", "browser", "_consent_state") if k in log}
    return {"log": {**head, "pages": pages,
                    "entries": [redact_entry(e) for e in log.get("entries") or [] if isinstance(e, dict)]}}
