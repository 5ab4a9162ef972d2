"""Query semantics shared by every store, so the same question gets the same answer everywhere.

A store supplies raw material (nodes, the field hierarchy, flow edges, raw paths); these functions
rank field matches, assemble trace paths and state how a field reaches a recipient.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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


def walk_paths(edges: list[Edge], starts: list[str], max_hops: int) -> list[list[Edge]]:
    """Simple paths of ``edges`` (one field's flows) from ``starts``, at most ``max_hops`` long, where a
    negative edge may only come last; prefixes included. Depth-first, in the order of ``edges``."""
    out_edges: dict[str, list[Edge]] = {}
    for e in edges:
        out_edges.setdefault(e["source"], []).append(e)
    paths: list[list[Edge]] = []

    def walk(path: list[Edge], seen: set[str]) -> None:
        paths.append(list(path))
        if len(path) >= max_hops or path[-1]["polarity"] == "-":
            return
        for e in out_edges.get(path[-1]["target"], []):
            if e["target"] not in seen:
                walk([*path, e], seen | {e["target"]})

    for s in starts:
        for e in out_edges.get(s, []):
            if e["target"] != s:
                walk([e], {s, e["target"]})
    return paths


def finish_paths(raw_paths: Iterable[list[Edge]], related: dict[str, tuple[str, int]], nodes: dict[str, NodeInfo],
                 field_label: str) -> list[dict[str, Any]]:
    """Trace paths from raw edge sequences.

    Raw paths may include prefixes of one another and every choice among parallel edges; the answer
    keeps one path per node sequence and polarity, picks the best-matching edge for each hop, and
    drops any path another one extends. Positive paths come first, the closest matches before the
    broader ones.
    """
    best: dict[tuple, list[Edge]] = {}
    for path in raw_paths:
        seq = tuple([path[0]["source"]] + [e["target"] for e in path])
        if len(set(seq)) != len(seq):
            continue
        key = (seq, tuple(e["polarity"] for e in path))
        mine = best.get(key)
        if mine is None:
            best[key] = list(path)
        else:
            best[key] = [min((a, b), key=lambda e: edge_rank(e, related)) for a, b in zip(mine, path, strict=True)]
    prefixes = {seq[:i] for seq, _ in best for i in range(2, len(seq))}
    labels = {nid: n["label"] for nid, n in nodes.items()}
    edge_refs: dict[str, Edge] = {}   # an edge or node on many paths is described once, the dict shared
    node_refs: dict[str, NodeInfo] = {}
    out = []
    for (seq, _pol), path in best.items():
        if seq in prefixes and path[-1]["polarity"] == "+":
            continue
        edges = []
        for e in path:
            ref = edge_refs.get(e["id"])
            if ref is None:
                ref = edge_refs[e["id"]] = edge_ref(e, related, labels)
            edges.append(ref)
        refs = []
        for n in seq:
            ref = node_refs.get(n)
            if ref is None:
                ref = node_refs[n] = node_ref(nodes[n])
            refs.append(ref)
        last = edges[-1]
        out.append({
            "field": field_label,
            "match": last["match"],
            "polarity": last["polarity"],
            "conditions": sorted({c for e in edges for c in e["conditions"]}),
            "recipient": refs[-1],
            "nodes": refs,
            "edges": edges,
        })
    out.sort(key=lambda p: (p["polarity"] == "-", _MATCH_RANK[p["match"]],
                            sum(_MATCH_RANK[e["match"]] for e in p["edges"]),
                            [n["id"] for n in p["nodes"]], [e["polarity"] for e in p["edges"]]))
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
