"""Query semantics shared by every store, so the same question gets the same answer everywhere.

A store supplies raw material (nodes, the field hierarchy, flow edges, raw paths); these functions
rank field matches, assemble trace paths and state how a field reaches a recipient.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from flowaudit.inventory.text import phrase_key

RECIPIENT_KINDS = ("processor", "supplier", "affiliate", "recipient", "organization")
SHARE_RELATIONS = ("SHARES_WITH", "DISCLOSES_TO")
FLOW_RELATIONS = ("COLLECTS", "STORES", "SHARES_WITH", "DISCLOSES_TO", "TRACKS_WITH")
MAX_HOPS = 6
_MATCH_RANK = {"exact": 0, "narrower": 1, "broader": 2}

Edge = dict[str, Any]
NodeInfo = dict[str, Any]


def match_keys(label: str, aliases: Iterable[str]) -> list[str]:
    """The normalised phrases a node answers to (label and aliases), stored with the node."""
    keys = []
    for text in (label, *aliases):
        key = " ".join(phrase_key(text))
        if key and key not in keys:
            keys.append(key)
    return keys


def query_key(text: str) -> str:
    """The normalised form of a user's query text, compared with :func:`match_keys`."""
    return " ".join(phrase_key(text))


def related_fields(field_id: str, ancestors: list[tuple[str, int]], descendants: list[tuple[str, int]]
                   ) -> dict[str, tuple[str, int]]:
    """Field id → (match, distance): the field itself, broader fields above, narrower below."""
    related = {field_id: ("exact", 0)}
    for fid, dist in sorted(descendants, key=lambda x: (x[1], x[0])):
        related.setdefault(fid, ("narrower", dist))
    for fid, dist in sorted(ancestors, key=lambda x: (x[1], x[0])):
        related.setdefault(fid, ("broader", dist))
    return related


def edge_rank(edge: Edge, related: dict[str, tuple[str, int]]) -> tuple[int, int, str]:
    """Sort key of an edge: best match first, then nearest in the hierarchy, then id."""
    match, dist = related[edge["field"]]
    return (_MATCH_RANK[match], dist, edge["id"])


def node_ref(node: NodeInfo) -> NodeInfo:
    """The public form of a node inside query answers."""
    return {"id": node["id"], "kind": node["kind"], "label": node["label"]}


def edge_ref(edge: Edge, related: dict[str, tuple[str, int]], field_labels: dict[str, str]) -> Edge:
    """The public form of an edge inside a trace path."""
    match, dist = related[edge["field"]]
    return {
        "id": edge["id"],
        "source": edge["source"],
        "target": edge["target"],
        "relation": edge["relation"],
        "action": edge["action"],
        "field": field_labels.get(edge["field"], edge["field"]),
        "field_id": edge["field"],
        "match": match,
        "distance": dist,
        "polarity": edge["polarity"],
        "purposes": sorted(edge.get("purposes") or []),
        "conditions": sorted(edge.get("conditions") or []),
        "basis": edge["basis"],
        "evidence": list(edge.get("evidence") or []),
    }


def start_nodes(edges: list[Edge], kinds: dict[str, str]) -> set[str]:
    """Where traces begin: data subjects, and sources no positive compatible edge reaches."""
    reached = {e["target"] for e in edges if e["polarity"] == "+"}
    return {e["source"] for e in edges if kinds.get(e["source"]) == "data_subject" or e["source"] not in reached}


def trace_paths(edges: list[Edge], starts: list[str], related: dict[str, tuple[str, int]],
                nodes: dict[str, NodeInfo], field_label: str, max_hops: int = MAX_HOPS) -> list[dict[str, Any]]:
    """The trace of one field: the simple paths of ``edges`` (the flows of the field and its related fields)
    from ``starts``, at most ``max_hops`` long, where a negative edge may only come last.

    There is one path per node sequence and polarity: between two nodes, each hop takes the best-matching
    edge of that polarity (:func:`edge_rank`). A positive path that another path extends is left out (the
    longer one holds it); a negative one always stays. Positive paths come first, the closest matches
    before the broader ones, then by node ids.

    Parallel edges are reduced to the best one per hop before the walk, so the walk visits each answer
    once; every edge and node is described once per trace and its description shared by the paths that
    pass through it (as are equal ``conditions`` lists), and paths are kept as tuples until the end.

    >>> e = lambda i, s, t, pol="+": {"id": i, "source": s, "target": t, "relation": "SHARES_WITH",
    ...     "action": "share", "field": "f", "polarity": pol, "purposes": [], "conditions": [], "basis": "stated"}
    >>> nodes = {n: {"id": n, "kind": "recipient", "label": n} for n in "abcd"}
    >>> paths = trace_paths([e("1", "a", "b"), e("2", "b", "c"), e("3", "b", "d", "-")], ["a"],
    ...                     {"f": ("exact", 0)}, nodes, "f")
    >>> [([n["id"] for n in p["nodes"]], p["polarity"]) for p in paths]
    [(['a', 'b', 'c'], '+'), (['a', 'b', 'd'], '-')]
    """
    best: dict[tuple[str, str, str], Edge] = {}
    for e in edges:
        hop = (e["source"], e["target"], e["polarity"])
        mine = best.get(hop)
        if mine is None or edge_rank(e, related) < edge_rank(mine, related):
            best[hop] = e
    labels = {nid: n["label"] for nid, n in nodes.items()}
    node_refs = {nid: node_ref(n) for nid, n in nodes.items()}
    # source → (target, negative?, shared edge description, match rank, conditions), by target, negative first
    out_hops: dict[str, list[tuple[str, bool, Edge, int, tuple[str, ...]]]] = {}
    for (source, target, polarity), e in sorted(best.items(), key=lambda item: (item[0][1], item[0][2] == "+")):
        ref = edge_ref(e, related, labels)
        out_hops.setdefault(source, []).append(
            (target, polarity == "-", ref, _MATCH_RANK[ref["match"]], tuple(ref["conditions"])))
    # (negative?, match rank of the last hop, sum of the ranks), node ids, edges, conditions
    found: list[tuple[tuple[bool, int, int], tuple[str, ...], tuple[Edge, ...], tuple[str, ...]]] = []
    unions: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}  # conditions so far + a hop's

    def walk(seq: tuple[str, ...], path: tuple[Edge, ...], rank: int, last_rank: int,
             conditions: tuple[str, ...]) -> None:
        extended = False
        if len(path) < max_hops:
            for target, negative, e, e_rank, e_conditions in out_hops.get(seq[-1], ()):
                if target in seq:
                    continue
                extended = True
                conds = conditions
                if e_conditions:
                    conds = unions.get((conditions, e_conditions))
                    if conds is None:
                        conds = unions[conditions, e_conditions] = tuple(sorted({*conditions, *e_conditions}))
                if negative:
                    found.append(((True, e_rank, rank + e_rank), (*seq, target), (*path, e), conds))
                else:
                    walk((*seq, target), (*path, e), rank + e_rank, e_rank, conds)
        if path and not extended:
            found.append(((False, last_rank, rank), seq, path, conditions))

    for s in sorted(starts):
        walk((s,), (), 0, 0, ())
    # The walk meets node sequences in ascending order (starts and hops sorted, a path before its extensions),
    # so a stable sort on the small rank key alone leaves each rank's paths ordered by node ids.
    found.sort(key=itemgetter(0))
    shared: dict[tuple[str, ...], list[str]] = {}
    out = []
    for _rank, seq, path, conds in found:
        conditions = shared.get(conds)
        if conditions is None:
            conditions = shared[conds] = list(conds)
        last = path[-1]
        out.append({"field": field_label, "match": last["match"], "polarity": last["polarity"],
                    "conditions": conditions, "recipient": node_refs[seq[-1]],
                    "nodes": [node_refs[n] for n in seq], "edges": list(path)})
    return out


def sharing_status(edges: list[Edge], related: dict[str, tuple[str, int]]) -> dict[str, Any]:
    """How a field reaches one recipient, from the compatible flow edges into that recipient.

    ``status`` is ``stated`` (this field, unconditionally), ``conditional`` (only under a condition),
    ``broader`` (only through a broader field), ``narrower`` (only some narrower fields) or
    ``negative`` (only stated restrictions).
    """
    pos = sorted((e for e in edges if e["polarity"] == "+"), key=lambda e: edge_rank(e, related))
    neg = sorted((e for e in edges if e["polarity"] == "-"), key=lambda e: edge_rank(e, related))
    if pos:
        match, dist = related[pos[0]["field"]]
        at_best = [e for e in pos if related[e["field"]][0] == match]
        conditional = all(e.get("conditions") for e in at_best)
        status = "conditional" if conditional else ("stated" if match == "exact" else match)
    else:
        match, dist = related[neg[0]["field"]]
        status = "negative"
    return {
        "status": status,
        "match": match,
        "distance": dist,
        "negative": bool(neg),
        "conditions": sorted({c for e in pos for c in e.get("conditions") or []}),
        "purposes": sorted({p for e in pos for p in e.get("purposes") or []}),
        "edges": sorted(e["id"] for e in pos + neg),
        "evidence": [ev for e in pos + neg for ev in e.get("evidence") or []],
    }


def system_entries(nodes: list[dict[str, Any]], edges: list[Edge], infos: dict[str, NodeInfo]
                   ) -> list[dict[str, Any]]:
    """One entry per system (then per datastore): its properties and its flows, by what they do.

    ``collects`` are flows into it from outside the organisation's systems, ``stores`` flows from it into a
    datastore, ``receives``/``sends`` flows from/to another system, ``shares`` flows to anything else;
    each hop names the field, the other end, purposes, conditions and the evidence locators.
    """
    own = {n["id"] for n in nodes}
    kinds = {i: n["kind"] for i, n in infos.items()}

    def hop(e: Edge, end: str, other: str) -> dict[str, Any]:
        return {"field": node_ref(infos[e["field"]]), end: node_ref(infos[other]), "relation": e["relation"],
                "polarity": e["polarity"], "purposes": sorted(e.get("purposes") or []),
                "conditions": sorted(e.get("conditions") or []),
                "evidence": [f"{ev.get('source')} › {ev.get('locator')}" for ev in e.get("evidence") or []]}

    out = []
    for n in sorted(nodes, key=lambda n: (n["kind"] != "system", n["id"])):
        # keys sorted all the way down, as the embedded store's file keeps them, so every store answers alike
        props = json.loads(json.dumps(n.get("properties") or {}, sort_keys=True))
        entry: dict[str, Any] = {**node_ref(n), "properties": props,
                                 "collects": [], "stores": [], "receives": [], "sends": [], "shares": []}
        for e in edges:
            if e["target"] == n["id"] and e["source"] not in own:
                entry["collects"].append(hop(e, "from", e["source"]))
            elif e["target"] == n["id"]:
                entry["receives"].append(hop(e, "from", e["source"]))
            elif e["source"] == n["id"] and kinds.get(e["target"]) == "datastore":
                entry["stores"].append(hop(e, "to", e["target"]))
            elif e["source"] == n["id"] and e["target"] in own:
                entry["sends"].append(hop(e, "to", e["target"]))
            elif e["source"] == n["id"]:
                entry["shares"].append(hop(e, "to", e["target"]))
        for key in ("collects", "stores", "receives", "sends", "shares"):
            entry[key].sort(key=lambda h: ((h.get("from") or h["to"])["id"], h["field"]["id"], h["polarity"],
                                           h["evidence"]))
        out.append(entry)
    return out
