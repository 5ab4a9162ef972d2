"""Personal data in observed traffic: what a parameter, form field, JSON key or cookie holds.

Shared by the HAR and cookie loaders. The words live in ``lexicon/observed.yaml``; this module only
applies them. Findings name the field and the parameter that carried it, never the value: values are
tested here and dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.compiled import load_yaml
from flowaudit.inventory.records import Evidence, Flow, Node, Records, node_id
from flowaudit.inventory.vocab_nodes import field_node, term_node

from .redact import luhn, redact_name, shape_sample

LEXICON_FILE = Path(__file__).with_name("lexicon") / "observed.yaml"
MAX_BODY_CHARS = 2_000_000
MAX_LEAVES = 5_000

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DIGEST = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX = re.compile(r"[0-9a-fA-F]+")
_PHONE = re.compile(r"\+?[\d\s().\-/]{7,24}")
_CARD_SEP = re.compile(r"[\s-]")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_BLANK = {"", "undefined", "null", "none", "nil", "false", "true", "0", "-"}
_MULTIPART = re.compile(r'name="([^"]*)"(?:;[^\r\n]*)?\r?\n(?:[^\r\n]+\r?\n)*\r?\n(.*?)\r?\n--', re.S)


@dataclass(frozen=True)
class FieldRule:
    """One ``fields`` entry of the lexicon."""

    field: str
    value: str
    hashed_as: str | None
    person_context: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """A personal-data field seen under ``parameter``; ``hashed`` names the digest when the value was one."""

    field: str
    parameter: str
    hashed: str | None = None


@dataclass(frozen=True)
class Lexicon:
    """The compiled observed-evidence lexicon."""

    rules: dict[tuple[str, ...], FieldRule]
    prefixes: frozenset[str]
    page_parameters: frozenset[tuple[str, ...]]
    referrer_parameters: frozenset[tuple[str, ...]]
    beacon: dict[str, Any]
    pixel_endpoints: tuple[tuple[str, str], ...]


@cache
def lexicon() -> Lexicon:
    """The packaged lexicon, checked against the field vocabulary and compiled once."""
    data = load_yaml(LEXICON_FILE)
    fields = vocab.load("fields")
    rules: dict[tuple[str, ...], FieldRule] = {}
    for entry in data["fields"]:
        for fid in (entry["field"], entry.get("hashed_as")):
            if fid is not None and fid not in fields:
                raise ValueError(f"{LEXICON_FILE}: unknown field {fid!r}")
        rule = FieldRule(entry["field"], entry["value"], entry.get("hashed_as"), bool(entry.get("person_context")))
        for name in entry["names"]:
            rules.setdefault(name_words(name), rule)
    return Lexicon(
        rules=rules,
        prefixes=frozenset(data["prefixes"]),
        page_parameters=frozenset(name_words(n) for n in data["page_parameters"]),
        referrer_parameters=frozenset(name_words(n) for n in data["referrer_parameters"]),
        beacon=data["beacon"],
        pixel_endpoints=tuple((p["domain"], p["path"]) for p in data["pixel_endpoints"]),
    )


# --------------------------------------------------------------------- names


@lru_cache(maxsize=65536)
def name_words(name: str) -> tuple[str, ...]:
    """``creditCardNumber``, ``credit_card_number``, ``ud[em]`` → lower-case words, trailing digits dropped."""
    words = [w.lower() for w in _CAMEL.findall(name)]
    while len(words) > 1 and words[-1].isdigit():
        words.pop()
    return tuple(words)


def rule_for(words: tuple[str, ...], parent: str | None = None) -> FieldRule | None:
    """The field rule a name (as words) matches, dropping leading qualifier words one at a time.

    ``parent`` is the last word of the enclosing JSON key, if any: bare person-context names ("name")
    count there only under a qualifier, in the name itself ("customer_name") or as the parent key.
    """
    lex = lexicon()
    for k in range(len(words)):
        rule = lex.rules.get(words[k:])
        if rule is not None:
            qualified = k > 0 or parent is None or parent in lex.prefixes
            return rule if qualified or not rule.person_context else None
        if words[k] not in lex.prefixes:
            return None
    return None


@lru_cache(maxsize=65536)
def _rule(name: str, parent: str | None) -> FieldRule | None:
    """:func:`rule_for` of a raw name, remembered (captures repeat the same names)."""
    return rule_for(name_words(name), parent)


# --------------------------------------------------------------------- values


def contains_email(value: str) -> bool:
    """True if ``value`` (or its percent-decoded form) holds an e-mail address."""
    if "@" in value:
        return _EMAIL.search(value) is not None
    return "%40" in value and _EMAIL.search(unquote(value)) is not None


def digest_kind(value: str) -> str | None:
    """``md5``, ``sha1`` or ``sha256`` when ``value`` is a hex digest of that length."""
    v = value.strip()
    kind = _DIGEST.get(len(v))
    return kind if kind and _HEX.fullmatch(v) else None


def is_card_number(value: str) -> bool:
    """13 to 19 digits (spaces and dashes allowed) passing the Luhn check."""
    if len(value) > 32:
        return False
    digits = _CARD_SEP.sub("", value)
    return 13 <= len(digits) <= 19 and digits.isdigit() and luhn(digits)


def looks_like_card(value: str) -> bool:
    """A card number found by its value alone: Luhn-valid, and shaped like a major scheme's (4, 5, 2, 3, 6)."""
    if not 14 <= len(value) <= 23 or value[0] not in "23456":
        return False
    digits = _CARD_SEP.sub("", value)
    return len(digits) in (14, 15, 16, 19) and is_card_number(digits)


def is_phone(value: str) -> bool:
    """7 to 15 digits with the usual phone separators."""
    if not _PHONE.fullmatch(value.strip()):
        return False
    n = sum(ch.isdigit() for ch in value)
    return 7 <= n <= 15


def identifier_like(value: str) -> bool:
    """A value shaped like an identifier: at least 8 characters, 6 distinct, one of them a digit (once decoded)."""
    v = unquote(value) if "%" in value else value
    if v[:1] == "[":
        v = shape_sample(v) or v
    return len(v) >= 8 and len(set(v)) >= 6 and any(map(str.isdigit, v))


def _passes(test: str, value: str) -> bool:
    if test == "email":
        return contains_email(value)
    if test == "phone":
        return is_phone(value)
    if test == "card":
        return is_card_number(value)
    if test == "hex":
        return digest_kind(value) is not None
    return any(map(str.isalnum, value))


def detect(name: str, value: Any, parent: str | None = None, shown: str | None = None) -> list[Finding]:
    """The personal-data fields ``value`` holds under parameter ``name`` (``shown`` is the name to report)."""
    if value.__class__ is str:
        v = value
    elif value is None or isinstance(value, bool | dict | list):
        return []
    else:
        v = str(value)
    if v[:1] == "[":  # a redacted capture keeps the value's shape: test a made-up value of that shape
        v = shape_sample(v) or v
    rule = _rule(name, parent)
    if rule is None and "@" not in v and "%40" not in v and not 14 <= len(v) <= 23:
        return []
    email = contains_email(v)
    card = not email and looks_like_card(v)
    if (rule is None and not email and not card) or v.strip().lower() in _BLANK:
        return []
    label = redact_name(shown if shown is not None else name)
    out: list[Finding] = []
    if email:
        out.append(Finding("email_address", label))
    elif card:
        out.append(Finding("credit_card_number", label))
    if rule is None:
        return out
    kind = digest_kind(v)
    if kind is not None:
        found = Finding(rule.hashed_as or rule.field, label, kind)
    elif rule.value != "hex" and _passes(rule.value, v):
        found = Finding(rule.field, label)
    else:
        return out
    if all(f.field != found.field for f in out):
        out.append(found)
    return out


# --------------------------------------------------------------------- URLs and bodies


def split_url(url: str) -> SplitResult:
    """``urlsplit`` that raises ValueError for anything without a scheme and host (a fast path for plain URLs)."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.isalpha() and not any(ch in rest for ch in "[\\ \t\r\n"):
        end = len(rest)
        for ch in "/?#":
            k = rest.find(ch)
            if -1 < k < end:
                end = k
        netloc, tail = rest[:end], rest[end:]
        tail, _, fragment = tail.partition("#")
        path, _, query = tail.partition("?")
        if netloc:
            return SplitResult(scheme.lower(), netloc, path, query, fragment)
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError("not an absolute URL")
    return parts


def query_pairs(query: str) -> list[tuple[str, str]]:
    """Name/value pairs of a query string or form body (names kept even without a value), percent-decoded."""
    out = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "+" in part:
            name, value = name.replace("+", " "), value.replace("+", " ")
        out.append((unquote(name) if "%" in name else name, unquote(value) if "%" in value else value))
    return out


def json_leaves(doc: Any) -> Iterator[tuple[str, str | None, Any]]:
    """(dotted path, last word of the parent key, value) for every scalar of a JSON document."""
    todo: list[tuple[str, str | None, Any, int]] = [("", None, doc, 0)]
    seen = 0
    while todo and seen < MAX_LEAVES:
        path, parent, node, depth = todo.pop()
        if isinstance(node, dict) and depth < 20:
            words = name_words(path.rsplit(".", 1)[-1].rstrip("[]")) if path else ()
            here = words[-1] if words else parent
            for key, val in reversed(list(node.items())):
                todo.append((f"{path}.{key}" if path else str(key), here, val, depth + 1))
        elif isinstance(node, list) and depth < 20:
            for val in reversed(node):
                todo.append((f"{path}[]", parent, val, depth + 1))
        elif path:
            seen += 1
            yield path, parent, node


def body_pairs(post: dict[str, Any]) -> tuple[str, list[tuple[str, str | None, Any]]]:
    """The body kind (``form`` or ``json``) and (name, parent word, value) triples of a HAR ``postData``."""
    params = post.get("params") or []
    if params:
        return "form", [(str(p.get("name", "")), None, p.get("value")) for p in params if isinstance(p, dict)]
    text = post.get("text")
    if not isinstance(text, str) or not text or len(text) > MAX_BODY_CHARS:
        return "form", []
    mime = str(post.get("mimeType") or "").lower()
    stripped = text.lstrip()
    if "json" in mime or stripped[:1] in ("{", "["):
        try:
            return "json", list(json_leaves(json.loads(text)))
        except ValueError:
            return "json", []
    if "multipart" in mime:
        return "form", [(name, None, value) for name, value in _MULTIPART.findall(text)]
    if "=" in text and ("urlencoded" in mime or not any(ch.isspace() for ch in stripped[:200])):
        return "form", [(n, None, v) for n, v in query_pairs(text)]
    return "form", []


# --------------------------------------------------------------------- pages, beacons


@lru_cache(maxsize=65536)
def _page_kind(name: str) -> str | None:
    words = name_words(name)
    lex = lexicon()
    if words in lex.referrer_parameters:
        return "referring_url"
    if words in lex.page_parameters:
        return "pages_visited"
    return None


def page_field(name: str, value: str) -> str | None:
    """``pages_visited`` or ``referring_url`` when parameter ``name`` carries a page URL or path, else None."""
    kind = _page_kind(name)
    return kind if kind is not None and value.startswith(("http://", "https://", "/", "[url]", "[path]")) else None


def pixel_endpoint(domain: str, path: str) -> bool:
    """True if ``domain`` and ``path`` are a known tracking-pixel endpoint."""
    for d, p in lexicon().pixel_endpoints:
        if domain == d and (path == p or path.startswith(p if p.endswith("/") else p + "/")):
            return True
    return False


# --------------------------------------------------------------------- vocabulary nodes


def subject_node(records: Records, subject_id: str = "user") -> Node:
    """The data-subject node ``subject_id`` (the browser's user by default); once added, it is looked up."""
    node = records.nodes.get(_subject_id(subject_id))
    return node if node is not None else term_node(records, "data_subject", subject_id)


@cache
def _subject_id(subject_id: str) -> str:
    return node_id("data_subject", subject_id)


# --------------------------------------------------------------------- observed flows


@dataclass
class _Gathered:
    action: str
    evidence: list[Evidence]
    count: int = 0
    parameters: dict[str, None] | None = None
    hashed: dict[str, None] | None = None


class Observations:
    """Observed flows gathered over a whole capture, each keeping its first few pieces of evidence.

    A capture repeats the same flow thousands of times; the flow keeps ``max_evidence`` citations, the
    number of observations and every parameter name it was seen under.
    """

    def __init__(self, max_evidence: int = 5, consent_state: str | None = None):
        self.max_evidence = max_evidence
        self.consent_state = consent_state
        self._flows: dict[tuple[str, str, str, str], _Gathered] = {}

    def add(self, relation: str, action: str, source: str, target: str, field_id: str,
            cite: Callable[[str | None], Evidence], parameter: str | None = None, hashed: str | None = None) -> None:
        """Record one observation of ``field_id`` moving from ``source`` to ``target`` under ``parameter``.

        ``cite(parameter)`` makes the evidence; it is called only while the flow still takes citations.
        """
        self.add_all(relation, action, source, target, (Finding(field_id, parameter or "", hashed),), cite)

    def add_all(self, relation: str, action: str, source: str, target: str, findings: Iterable[Finding],
                cite: Callable[[str | None], Evidence]) -> None:
        """Record one observation of each finding's field moving from ``source`` to ``target``."""
        flows, cap = self._flows, self.max_evidence
        for f in findings:
            key = (relation, source, target, f.field)
            g = flows.get(key)
            if g is None:
                g = flows[key] = _Gathered(action, [])
            g.count += 1
            parameter = f.parameter or None
            if len(g.evidence) < cap:
                evidence = cite(parameter)
                if evidence not in g.evidence:
                    g.evidence.append(evidence)
            if parameter:
                if g.parameters is None:
                    g.parameters = {}
                if len(g.parameters) < 100:
                    g.parameters[parameter] = None
            if f.hashed is not None:
                if g.hashed is None:
                    g.hashed = {}
                g.hashed[f.hashed] = None

    def settled(self, relation: str, source: str, target: str, finding: Finding) -> _Gathered | None:
        """The gathered flow of ``finding`` from ``source`` to ``target`` when a further observation of it can only
        be counted (it holds its citations, the finding's parameter and digest), else None."""
        g = self._flows.get((relation, source, target, finding.field))
        if g is None or len(g.evidence) < self.max_evidence:
            return None
        if finding.parameter and (g.parameters is None or (finding.parameter not in g.parameters
                                                           and len(g.parameters) < 100)):
            return None
        if finding.hashed is not None and (g.hashed is None or finding.hashed not in g.hashed):
            return None
        return g

    def add_count(self, relation: str, source: str, target: str, findings: Iterable[Finding], n: int) -> None:
        """Count ``n`` more observations of each finding's flow, already recorded by :meth:`add_all`."""
        for f in findings:
            self._flows[(relation, source, target, f.field)].count += n

    def emit(self, records: Records) -> None:
        """Add every gathered flow (and its field node) to ``records``."""
        for (relation, source, target, fid), g in self._flows.items():
            field_node(records, fid)
            props: dict[str, Any] = {"observations": g.count}
            if g.parameters:
                props["parameters"] = sorted(g.parameters)
            if g.hashed:
                props["hashed"] = sorted(g.hashed)
            records.add_flow(Flow(field=node_id("field", fid), source=source, target=target, action=g.action,
                                  relation=relation, basis="observed", evidence=g.evidence, properties=props,
                                  consent_state=self.consent_state))
