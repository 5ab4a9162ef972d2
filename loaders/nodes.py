"""Nodes backed by the vocabularies, built alike by every evidence and inventory loader.

A field, party kind, data subject, collection point or purpose node carries its vocabulary label and
properties, and its ancestors come with it, linked by ``SUBSUMES``. Organisations the registry knows
are added by ``inventory.organizations``; others are linked to their party kind by ``IS_A``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Evidence, Flow, Link, Node, Records, node_id
from flowaudit.inventory.vocab_nodes import field_node, party_kind_node, term_node

FIRST_PARTY = "first_party"


def resolve_term(v: vocab.Vocabulary, name: str) -> str | None:
    """The id of the term ``name`` names: an id, a label or an alias (``credit_card_number`` too)."""
    if name in v:
        return name
    term = v.lookup(name) or v.lookup(name.replace("_", " "))
    return term.id if term else None


class NodeBuilder:
    """Adds vocabulary-backed nodes, organisations and flows to one :class:`Records` set."""

    def __init__(self, basis: str):
        self.basis = basis
        self.records = Records()
        self.fields = vocab.load("fields")
        self.parties = vocab.load("parties")
        self.subjects = vocab.load("subjects")
        self.points = vocab.load("collection_points")
        self.purposes = vocab.load("purposes")
        self._built: dict[tuple[str, str], Node] = {}   # vocabulary nodes already in records, with ancestors

    def _vocab_node(self, kind: str, term_id: str) -> Node:
        """The stored node of ``term_id``, built (with its ancestors and links) only the first time."""
        node = self._built.get((kind, term_id))
        if node is None:
            if kind == "field":
                node = field_node(self.records, term_id)
            elif kind == "party_kind":
                node = party_kind_node(self.records, term_id)
            else:
                node = term_node(self.records, kind, term_id)
            self._built[(kind, term_id)] = node
        return node

    # ----------------------------------------------------------------- vocabulary nodes

    def _add(self, node: Node, ev: Evidence | None) -> Node:
        if ev is not None:
            node.cite(ev)
        return self.records.add_node(node)

    def field(self, term_id: str, ev: Evidence | None = None) -> Node:
        """The node of field ``term_id``; its ancestors come with it, linked by ``SUBSUMES``."""
        return self._add(self._vocab_node("field", term_id), ev)

    def party_kind(self, term_id: str, ev: Evidence | None = None) -> Node:
        """The node of party kind ``term_id`` (``processor:email_service_provider``) and its ancestors."""
        return self._add(self._vocab_node("party_kind", term_id), ev)

    def subject(self, term_id: str, ev: Evidence | None = None) -> Node:
        """The node of data subject ``term_id``."""
        return self._simple("data_subject", term_id, ev)

    def point(self, term_id: str, ev: Evidence | None = None) -> Node:
        """The node of collection point ``term_id``."""
        return self._simple("collection_point", term_id, ev)

    def purpose(self, term_id: str, ev: Evidence | None = None) -> Node:
        """The node of purpose ``term_id``."""
        return self._simple("purpose", term_id, ev)

    def _simple(self, kind: str, term_id: str, ev: Evidence | None) -> Node:
        return self._add(self._vocab_node(kind, term_id), ev)

    # ----------------------------------------------------------------- parties

    def first_party(self, key: str, label: str, ev: Evidence | None = None, aliases: Iterable[str] = (),
                    **props: Any) -> Node:
        """The first-party node ``first_party:<key>``."""
        props = {"party_kind": FIRST_PARTY, **{k: v for k, v in props.items() if v}}
        return self._add(Node(node_id(FIRST_PARTY, key), FIRST_PARTY, label, [a for a in aliases if a != label],
                              props), ev)

    def organization(self, key: str, label: str, kind: str | None, ev: Evidence | None = None,
                     aliases: Iterable[str] = (), **props: Any) -> Node:
        """The organisation node ``organization:<key>``, ``IS_A`` party kind ``kind`` on this loader's basis."""
        props = {k: v for k, v in props.items() if v}
        if kind:
            props["party_kind"] = kind
        node = self._add(Node(node_id("organization", key), "organization", label,
                              [a for a in aliases if a != label], props), ev)
        if kind:
            self.records.add_link(Link(node.id, self.party_kind(kind).id, "IS_A", self.basis,
                                       [ev] if ev is not None else []))
        return node

    # ----------------------------------------------------------------- the organisation's own systems

    def system(self, key: str, label: str, part_of: Node, ev: Evidence | None = None, aliases: Iterable[str] = (),
               **props: Any) -> Node:
        """The node ``system:<key>`` (an application or service the first party ``part_of`` runs), ``PART_OF`` it."""
        return self._own("system", key, label, part_of, ev, aliases, props)

    def datastore(self, key: str, label: str, part_of: Node, ev: Evidence | None = None, aliases: Iterable[str] = (),
                  **props: Any) -> Node:
        """The node ``datastore:<key>`` (a database, warehouse, bucket or dataset the first party ``part_of``
        keeps), ``PART_OF`` it."""
        return self._own("datastore", key, label, part_of, ev, aliases, props)

    def _own(self, kind: str, key: str, label: str, part_of: Node, ev: Evidence | None, aliases: Iterable[str],
             props: dict[str, Any]) -> Node:
        props = {k: v for k, v in props.items() if v not in (None, "", [], {})}
        node = self._add(Node(node_id(kind, key), kind, label, [a for a in dict.fromkeys(aliases) if a != label],
                              props), ev)
        self.records.add_link(Link(node.id, part_of.id, "PART_OF", self.basis, [ev] if ev is not None else []))
        return node

    # ----------------------------------------------------------------- flows

    def flow(self, field_id: str, source: str, target: str, action: str, relation: str, ev: Evidence,
             purposes: Iterable[str] = (), conditions: Iterable[str] = (), **props: Any) -> Flow:
        """Add one flow of field ``field_id`` (a vocabulary id) citing ``ev``."""
        self.field(field_id)
        return self.records.add_flow(Flow(
            field=node_id("field", field_id), source=source, target=target, action=action, relation=relation,
            purposes=[node_id("purpose", p) for p in purposes], conditions=list(conditions), basis=self.basis,
            evidence=[ev], properties={k: v for k, v in props.items() if v is not None}))
