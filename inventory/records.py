"""Record types shared by loaders and stores: nodes, flows, links and their evidence.

Ids are stable: they are derived from the content that identifies a record, never from load order
or time, so the same input always gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import sha1 as _sha1
from typing import Any, TypeVar

NODE_KINDS = (
    "data_subject",
    "field",
    "collection_point",
    "cookie",
    "flash_cookie",
    "clear_gif",
    "tracker",
    "first_party",
    "processor",
    "supplier",
    "affiliate",
    "recipient",
    "organization",
    "system",
    "datastore",
    "purpose",
    "statement",
)
PARTY_KINDS = ("first_party", "processor", "supplier", "affiliate", "recipient", "organization")
TRACKER_KINDS = ("cookie", "flash_cookie", "clear_gif", "tracker")
#: The organisation's own applications and the places it keeps data: each is ``PART_OF`` a first party.
SYSTEM_KINDS = ("system", "datastore")
FLOW_RELATIONS = ("COLLECTS", "STORES", "SHARES_WITH", "DISCLOSES_TO", "TRACKS_WITH")
LINK_RELATIONS = ("SUBSUMES", "IS_A", "OWNED_BY", "PART_OF")
BASES = ("stated", "declared", "observed", "vocabulary")
POLARITIES = ("+", "-")
#: When an observed flow was captured: before any consent choice, after accepting, after rejecting, or not
#: known (an imported capture that does not say).
CONSENT_STATES = ("none", "accepted", "rejected", "unknown")


def slug(text: str) -> str:
    """Lower-case, ASCII-ish identifier fragment for ``text``."""
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return s or "x"


@lru_cache(maxsize=1 << 16)
def node_id(kind: str, key: str) -> str:
    """The id of a node of ``kind`` identified by ``key`` (a vocabulary id, a name, a domain...); the ids of
    the keys met most recently are remembered, as a large load names the same fields and parties again."""
    return f"{kind}:{slug(key)}"


def digest(*parts: object) -> str:
    """A short stable hash of ``parts``."""
    h = hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8"))
    return h.hexdigest()[:16]


def flow_key(relation: str, action: str, source: str, target: str, field: str, polarity: str, basis: str,
             conditions: Iterable[str], consent_state: str | None) -> tuple[str, ...]:
    """What identifies a flow (its id is a digest of it): a store that does not keep the id recomputes it
    with :func:`flow_id` from the flow's parts. ``conditions`` must be sorted, as a :class:`Flow` keeps them.

    A known consent state is part of the fact (the same request before and after consent is two flows);
    ``unknown`` is not, so imported captures keep the ids they always had.
    """
    state = () if consent_state in (None, "unknown") else (f"consent={consent_state}",)
    return (relation, action, source, target, field, polarity, basis, *conditions, *state)


def flow_id(relation: str, action: str, source: str, target: str, field: str, polarity: str, basis: str,
            conditions: Iterable[str], consent_state: str | None) -> str:
    """The id of the flow with these parts, as :attr:`Flow.id` gives it.

    >>> f = Flow(field="field:email", source="a", target="b", action="share", relation="SHARES_WITH")
    >>> flow_id("SHARES_WITH", "share", "a", "b", "field:email", "+", "stated", [], None) == f.id
    True
    """
    key = flow_key(relation, action, source, target, field, polarity, basis, conditions, consent_state)
    return "flow:" + _sha1("\x1f".join(key).encode("utf-8")).hexdigest()[:16]  # digest(*key): its parts are str


@dataclass(frozen=True)
class Evidence:
    """Where a fact comes from: the source file, a locator inside it and the quoted text.

    ``text`` is a quoted policy sentence or a description of an observation; it never holds a raw
    personal value taken from evidence. A policy sentence is placed from ``line``:``column`` to
    ``end_line``:``end_column`` (1-based, the end inclusive).
    """

    source: str
    locator: str
    text: str
    section: str | None = None
    sentence: int | None = None
    line: int | None = None
    statement: str | None = None
    url: str | None = None
    parameter: str | None = None
    rule: str | None = None  # the reader's pattern ids that stated this fact ("frame.share/neg.adverb")
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict without empty keys."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


class Cited:
    """An ``evidence`` list with a set of the same evidence beside it, so that citing one more piece of
    evidence costs O(1) however much a record already has (a field's node gathers the evidence of every
    flow that names it).

    The set is rebuilt whenever the list was replaced or changed length behind its back (code that
    appends to ``evidence`` directly), so it never disagrees with the list:

    >>> node = Node("field:email", "field", "email")
    >>> ev = Evidence("a.yaml", "line 3", "declares email")
    >>> node.cite(ev), node.cite(ev), len(node.evidence)
    (True, False, 1)
    """

    __slots__ = ()
    evidence: list[Evidence]
    _cited: list[Any] | None

    def cite(self, ev: Evidence) -> bool:
        """Add ``ev`` to the evidence unless it is there already; True if it was added."""
        state = self._cited   # [the evidence list indexed, its length then, the set of its evidence]
        if state is None or state[0] is not self.evidence or state[1] != len(self.evidence):
            state = self._cited = [self.evidence, len(self.evidence), set(self.evidence)]
        seen = state[2]
        before = len(seen)
        seen.add(ev)   # one hash of the evidence, not two
        if len(seen) == before:
            return False
        self.evidence.append(ev)
        state[1] += 1
        return True

    def recite(self, i: int, ev: Evidence) -> None:
        """Replace the ``i``-th piece of evidence by ``ev`` (the same place cited again, with more said of it)."""
        self.evidence[i] = ev
        self._cited = None   # the set no longer matches the list

    def cite_all(self, evidence: list[Evidence]) -> None:
        """:meth:`cite` each of ``evidence`` in order."""
        for ev in evidence:
            self.cite(ev)


@dataclass(slots=True)
class Node(Cited):
    """A graph node: a field, party, tracker, collection point, purpose, statement..."""

    id: str
    kind: str
    label: str
    aliases: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    _cited: list[Any] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in NODE_KINDS:
            raise ValueError(f"unknown node kind {self.kind!r}")

    def merge(self, other: Node) -> None:
        """Fold ``other`` (same id) into this node: aliases, properties and evidence are united.

        Of two labels the one that reads as a proper name (not all lower case), then the shorter, then
        the first in alphabetical order, is kept and the other becomes an alias, so the result does not
        depend on the order sources were loaded in."""
        if other.label != self.label:
            keep, drop = sorted((self.label, other.label),
                                key=lambda label: (label == label.lower(), len(label), label))
            self.label = keep
            self.aliases = [a for a in self.aliases if a != keep]
            other = Node(other.id, other.kind, other.label, [drop, *other.aliases], other.properties, other.evidence)
        for alias in other.aliases:
            if alias not in self.aliases and alias != self.label:
                self.aliases.append(alias)
        for key, value in other.properties.items():
            mine = self.properties.get(key)
            if isinstance(mine, list) and isinstance(value, list):
                self.properties[key] = mine + [v for v in value if v not in mine]
            elif mine is None:
                self.properties[key] = value
        self.cite_all(other.evidence)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the ``extract`` contract."""
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "aliases": list(self.aliases),
            "properties": dict(self.properties),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Node:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=data["id"],
            kind=data["kind"],
            label=data["label"],
            aliases=list(data.get("aliases", [])),
            properties=dict(data.get("properties", {})),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
        )


@dataclass(slots=True)
class Flow(Cited):
    """A personal-data flow: ``field`` moves from ``source`` to ``target`` by ``action``.

    Edges point the way the data moves (data subject → collection point → first party → recipient).
    A negative ``polarity`` records a stated restriction ("we do not share ... with ...").
    An observed flow carries the ``consent_state`` it was captured in (``unknown`` unless the capture says);
    stated and declared flows have none.
    ``action`` is an id of ``vocab/actions.yaml`` (sell ⊂ share ⊂ disclose). ``properties`` may bound a
    statement's scope: ``subject`` (a ``vocab/subjects.yaml`` id: "children's information"), ``source``
    (a ``vocab/collection_points.yaml`` id: "survey responses"), and on a denial with exceptions
    ``exception`` (the exception as stated: "except with service providers").
    """

    field: str
    source: str
    target: str
    action: str
    relation: str
    polarity: str = "+"
    purposes: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    basis: str = "stated"
    evidence: list[Evidence] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    consent_state: str | None = None
    _cited: list[Any] | None = field(default=None, init=False, repr=False, compare=False)
    _id: tuple[tuple[str, ...], str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.basis == "observed" and self.consent_state is None:
            self.consent_state = "unknown"
        if self.consent_state is not None and (self.basis != "observed" or self.consent_state not in CONSENT_STATES):
            raise ValueError(f"consent state {self.consent_state!r} on a {self.basis} flow "
                             f"(observed flows take one of {', '.join(CONSENT_STATES)})")
        if self.relation not in FLOW_RELATIONS:
            raise ValueError(f"unknown flow relation {self.relation!r}")
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be + or -, not {self.polarity!r}")
        if self.basis not in BASES:
            raise ValueError(f"unknown basis {self.basis!r}")
        self.conditions = sorted(set(self.conditions))
        self.purposes = sorted(set(self.purposes))

    @property
    def id(self) -> str:
        """Stable id: what identifies the fact (:func:`flow_key`), not where it was read (hashed once per
        identifying content)."""
        key = flow_key(self.relation, self.action, self.source, self.target, self.field, self.polarity, self.basis,
                       self.conditions, self.consent_state)
        if self._id is None or self._id[0] != key:
            self._id = (key, "flow:" + digest(*key))
        return self._id[1]

    def merge(self, other: Flow) -> None:
        """Fold ``other`` (same id) into this flow: purposes and evidence are united."""
        if not set(other.purposes) <= set(self.purposes):
            self.purposes = sorted(set(self.purposes) | set(other.purposes))
        self.cite_all(other.evidence)
        for key, value in other.properties.items():
            self.properties.setdefault(key, value)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the ``extract`` contract."""
        return {
            "id": self.id,
            "field": self.field,
            "source": self.source,
            "target": self.target,
            "action": self.action,
            "relation": self.relation,
            "polarity": self.polarity,
            "purposes": list(self.purposes),
            "conditions": list(self.conditions),
            "basis": self.basis,
            **({"consent_state": self.consent_state} if self.consent_state is not None else {}),
            "properties": dict(self.properties),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Flow:
        """Inverse of :meth:`to_dict`."""
        return cls(
            field=data["field"],
            source=data["source"],
            target=data["target"],
            action=data["action"],
            relation=data["relation"],
            polarity=data.get("polarity", "+"),
            purposes=list(data.get("purposes", [])),
            conditions=list(data.get("conditions", [])),
            basis=data.get("basis", "stated"),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            properties=dict(data.get("properties", {})),
            consent_state=data.get("consent_state"),
        )


@dataclass(slots=True)
class Link(Cited):
    """A structural edge: ``SUBSUMES`` (hierarchies), ``IS_A`` and ``OWNED_BY`` (organisations), ``PART_OF``
    (a system or datastore of a first party)."""

    source: str
    target: str
    relation: str
    basis: str = "vocabulary"
    evidence: list[Evidence] = field(default_factory=list)
    _cited: list[Any] | None = field(default=None, init=False, repr=False, compare=False)
    _id: tuple[tuple[str, ...], str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.relation not in LINK_RELATIONS:
            raise ValueError(f"unknown link relation {self.relation!r}")

    @property
    def id(self) -> str:
        """Stable id of the link (hashed once per identifying content)."""
        key = (self.relation, self.source, self.target)
        if self._id is None or self._id[0] != key:
            self._id = (key, "link:" + digest(*key))
        return self._id[1]

    def merge(self, other: Link) -> None:
        """Fold ``other`` (same id) into this link."""
        self.cite_all(other.evidence)
        if self.basis == "vocabulary":
            self.basis = other.basis

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "relation": self.relation,
            "basis": self.basis,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Link:
        """Inverse of :meth:`to_dict`."""
        return cls(
            source=data["source"],
            target=data["target"],
            relation=data["relation"],
            basis=data.get("basis", "vocabulary"),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
        )


@dataclass
class Records:
    """What one or more loaders produced: nodes, flows and links keyed by id, plus warnings."""

    nodes: dict[str, Node] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add_node(self, node: Node) -> Node:
        """Add ``node`` or merge it into the node with the same id; return the stored node."""
        return _add(self.nodes, node)

    def add_flow(self, flow: Flow) -> Flow:
        """Add ``flow`` or merge it into the flow with the same id."""
        return _add(self.flows, flow)

    def add_link(self, link: Link) -> Link:
        """Add ``link`` or merge it into the link with the same id."""
        return _add(self.links, link)

    def update(self, other: Records) -> None:
        """Merge every record of ``other`` into this set."""
        for node in other.nodes.values():
            self.add_node(node)
        for flow in other.flows.values():
            self.add_flow(flow)
        for link in other.links.values():
            self.add_link(link)
        self.warnings.extend(w for w in other.warnings if w not in self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """The ``extract`` JSON document, sorted by id so the output is deterministic."""
        return {
            "nodes": [self.nodes[k].to_dict() for k in sorted(self.nodes)],
            "flows": [self.flows[k].to_dict() for k in sorted(self.flows)],
            "links": [self.links[k].to_dict() for k in sorted(self.links)],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Records:
        """Inverse of :meth:`to_dict`."""
        records = cls()
        for n in data.get("nodes", []):
            records.add_node(Node.from_dict(n))
        for f in data.get("flows", []):
            records.add_flow(Flow.from_dict(f))
        for link in data.get("links", []):
            records.add_link(Link.from_dict(link))
        records.warnings = list(data.get("warnings", []))
        return records


R = TypeVar("R", Node, Flow, Link)


def _add(table: dict[str, R], record: R) -> R:
    """Put ``record`` in ``table`` under its id, or merge it into the record stored there; return the stored one.
    Adding the stored record itself again is a no-op."""
    key = record.id
    mine = table.get(key)
    if mine is None:
        table[key] = record
        return record
    if mine is not record:
        mine.merge(record)
    return mine

