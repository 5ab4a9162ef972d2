"""Graph nodes backed by the vocabularies, built one way for every loader: a node carries its
vocabulary label and properties; a field or party-kind node also brings its ancestors, linked by
``SUBSUMES``."""

from __future__ import annotations

from itertools import pairwise

from . import vocabulary as vocab
from .records import Link, Node, Records, node_id


def field_node(records: Records, field_id: str) -> Node:
    """The node of field ``field_id``, added to ``records`` with its ancestors and SUBSUMES links."""
    fields = vocab.load("fields")
    nodes = []
    for fid in (field_id, *fields.ancestors(field_id)):
        term = fields[fid]
        root = fields.root(fid)
        props = {"fideslang": term.get("fideslang"), "opp115": term.get("opp115"), "category": root,
                 "personal": root != "non_personal_information"}
        nodes.append(records.add_node(Node(node_id("field", fid), "field", term.label, [],
                                           {k: v for k, v in props.items() if v is not None})))
    for child, parent in pairwise(nodes):
        records.add_link(Link(parent.id, child.id, "SUBSUMES"))
    return nodes[0]


def party_kind_node(records: Records, kind_id: str) -> Node:
    """The node of party kind ``kind_id``, added to ``records`` with its ancestors and SUBSUMES links."""
    parties = vocab.load("parties")
    nodes = []
    for pid in (kind_id, *parties.ancestors(kind_id)):
        term = parties[pid]
        kind = term.get("kind", "recipient")
        nodes.append(records.add_node(Node(node_id(kind, pid), kind, term.label, [], {"party_kind": pid})))
    for child, parent in pairwise(nodes):
        records.add_link(Link(parent.id, child.id, "SUBSUMES"))
    return nodes[0]


TERM_PROPERTIES = ("channel", "opp115", "fideslang")
TERM_KINDS = {"data_subject": "subjects", "collection_point": "collection_points", "purpose": "purposes"}


def term_node(records: Records, kind: str, term_id: str) -> Node:
    """The data-subject, collection-point or purpose node of ``term_id``, added to ``records``."""
    term = vocab.load(TERM_KINDS[kind])[term_id]
    props = {k: term.get(k) for k in TERM_PROPERTIES if term.get(k) is not None}
    return records.add_node(Node(node_id(kind, term_id), kind, term.label, [], props))
