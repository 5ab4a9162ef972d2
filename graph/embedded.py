"""The embedded store: a networkx MultiDiGraph, optionally kept in a JSON file.

Queries do not scan the graph: once per load (on the first query after it) the store indexes flows by
field and by target, node match keys, and the ``SUBSUMES`` hierarchy, so a trace touches only the flows
of the field and its related fields.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import msgspec
import networkx as nx
from flowaudit.inventory.bulk import collector_paused
from flowaudit.inventory.records import Flow, Link, Node, Records

from . import semantics
from .semantics import Edge, NodeInfo
from .store import Store

FORMAT = "flowaudit-graph/1"


class StoreFileError(ValueError):
    """The store file cannot be read as a flowaudit graph."""


@dataclass
class _Index:
    """What queries look up, built once per graph: flows (each list sorted by id), keys and the hierarchy."""

    flows: list[Edge] = field(default_factory=list)
    by_field: dict[str, list[Edge]] = field(default_factory=dict)
    by_target: dict[str, list[Edge]] = field(default_factory=dict)
    by_key: dict[str, list[str]] = field(default_factory=dict)
    subsumes: nx.DiGraph = field(default_factory=nx.DiGraph)
    #: node id → (ancestors, descendants) with their distance, filled as queries ask
    hierarchies: dict[str, tuple[list[tuple[str, int]], list[tuple[str, int]]]] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: nx.MultiDiGraph) -> _Index:
        """Index ``graph``."""
        index = cls()
        for u, v, d in graph.edges(data=True):
            if d["edge"] == "flow":
                e = d["public"]
                index.flows.append(e)
                index.by_field.setdefault(e["field"], []).append(e)
                index.by_target.setdefault(e["target"], []).append(e)
            elif d["relation"] == "SUBSUMES":
                index.subsumes.add_edge(u, v)
        for edges in (index.flows, *index.by_field.values(), *index.by_target.values()):
            edges.sort(key=lambda e: e["id"])
        for nid, d in graph.nodes(data=True):
            for key in d["keys"]:
                index.by_key.setdefault(key, []).append(nid)
        return index


class EmbeddedStore(Store):
    """A MultiDiGraph in memory; with a ``path``, loaded from and saved to that file atomically."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.location = str(self.path) if self.path else "memory"
        self.graph = nx.MultiDiGraph()
        if self.path and self.path.exists():
            self.graph = self._read(self.path)
        self._indexed: tuple[nx.MultiDiGraph, _Index] | None = None

    def _index(self) -> _Index:
        """The index of the current graph (rebuilt when a load swapped the graph)."""
        if self._indexed is None or self._indexed[0] is not self.graph:
            self._indexed = (self.graph, _Index.of(self.graph))
        return self._indexed[1]

    # ---------------------------------------------------------------- persistence

    @staticmethod
    def _read(path: Path) -> nx.MultiDiGraph:
        with collector_paused():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise StoreFileError(f"{path}: not a readable flowaudit store: {exc}") from exc
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise StoreFileError(f"{path}: not a flowaudit store (expected format {FORMAT})")
            return _graph_of(Records.from_dict(data["records"]))

    def save(self) -> None:
        """Write the graph to :attr:`path` atomically (temporary file, then rename)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with collector_paused():
            doc = {"format": FORMAT, "records": self._document()}
            # msgspec writes what json.dump(ensure_ascii=False, sort_keys=True, indent=1) writes, byte for byte,
            # in C (the standard library's encoder is pure Python once it indents).
            data = msgspec.json.format(msgspec.json.encode(doc, order="sorted"), indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".flowaudit-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _document(self) -> dict[str, Any]:
        """What ``self.records().to_dict()`` gives, taken from the records the graph keeps as they are."""
        flows: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for _, _, data in self.graph.edges(data=True):
            (flows if data["edge"] == "flow" else links).append(data["record"])
        by_id = itemgetter("id")
        return {"nodes": sorted((data["record"] for _, data in self.graph.nodes(data=True)), key=by_id),
                "flows": sorted(flows, key=by_id), "links": sorted(links, key=by_id),
                "warnings": list(self.graph.graph.get("warnings", []))}

    # ---------------------------------------------------------------- primitives

    def load(self, records: Records, replace: bool = False) -> None:
        """Merge ``records`` into a copy of the graph, then swap it in and save."""
        with collector_paused():
            merged = Records() if replace else self.records()
            merged.update(records)
            graph = _graph_of(merged)
        previous, self.graph = self.graph, graph
        try:
            self.save()
        except BaseException:
            self.graph = previous
            raise

    def records(self) -> Records:
        """The graph as records."""
        out = Records()
        for _, data in self.graph.nodes(data=True):
            out.add_node(Node.from_dict(data["record"]))
        for _, _, data in self.graph.edges(data=True):
            if data["edge"] == "flow":
                out.add_flow(Flow.from_dict(data["record"]))
            else:
                out.add_link(Link.from_dict(data["record"]))
        out.warnings = list(self.graph.graph.get("warnings", []))
        return out

    def counts(self) -> dict[str, int]:
        """Nodes, flows and links held."""
        flows = len(self._index().flows)
        return {"nodes": self.graph.number_of_nodes(), "flows": flows, "links": self.graph.number_of_edges() - flows}

    def match_nodes(self, key: str, kinds: tuple[str, ...]) -> list[NodeInfo]:
        """Nodes of ``kinds`` answering to ``key``."""
        found = (self.graph.nodes[i] for i in self._index().by_key.get(key, []))
        return [_info(d) for d in found if d["kind"] in kinds]

    def nodes_by_id(self, ids: list[str]) -> dict[str, NodeInfo]:
        """Infos of the nodes in ``ids`` that exist."""
        return {i: _info(self.graph.nodes[i]) for i in ids if i in self.graph}

    def hierarchy(self, node_id: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Ancestors and descendants through SUBSUMES, nearest distance each (worked out once per node and load)."""
        index = self._index()
        known = index.hierarchies.get(node_id)
        if known is None:
            sub = index.subsumes
            if node_id not in sub:
                known = ([], [])
            else:
                up = nx.single_source_shortest_path_length(sub.reverse(copy=False), node_id)
                down = nx.single_source_shortest_path_length(sub, node_id)
                known = ([(n, d) for n, d in up.items() if d > 0], [(n, d) for n, d in down.items() if d > 0])
            index.hierarchies[node_id] = known
        return known

    def _flows(self) -> list[Edge]:
        return self._index().flows

    def flow_edges(self, field_ids: list[str] | None, target_kinds: tuple[str, ...] | None = None,
                   target: str | None = None) -> list[Edge]:
        """Flow edges filtered by field, target kind and target, looked up in the index."""
        index = self._index()
        if field_ids is not None:
            groups = [index.by_field.get(f, []) for f in dict.fromkeys(field_ids)]
            if target is not None:
                groups = [[e for g in groups for e in g if e["target"] == target]]
        else:
            groups = [index.by_target.get(target, []) if target is not None else index.flows]
        nodes = self.graph.nodes
        out = [e for g in groups for e in g if target_kinds is None or nodes[e["target"]]["kind"] in target_kinds]
        if len(groups) > 1:
            out.sort(key=lambda e: e["id"])
        return out

    def recipient_nodes(self) -> list[NodeInfo]:
        """Recipient-kind nodes that a flow reaches."""
        ids = {e["target"] for e in self._flows()}
        return [_info(self.graph.nodes[i]) for i in sorted(ids)
                if self.graph.nodes[i]["kind"] in semantics.RECIPIENT_KINDS]

    def cited_fields(self) -> list[NodeInfo]:
        """Field nodes that a flow carries."""
        return [_info(self.graph.nodes[i]) for i in sorted({e["field"] for e in self._flows()}) if i in self.graph]

    def nodes_of_kinds(self, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        """Nodes of ``kinds`` with aliases and properties, by id."""
        return [{k: d["record"][k] for k in ("id", "kind", "label", "aliases", "properties")}
                for _, d in sorted(self.graph.nodes(data=True)) if d["kind"] in kinds]


#: The keys of a flow's record that queries answer with.
_PUBLIC = ("id", "source", "target", "relation", "action", "field", "polarity", "purposes", "conditions", "basis",
           "evidence")


def _info(data: dict[str, Any]) -> NodeInfo:
    return {"id": data["id"], "kind": data["kind"], "label": data["label"]}


def _graph_of(records: Records) -> nx.MultiDiGraph:
    """Build the MultiDiGraph for ``records`` in bulk; every edge endpoint must be a node."""
    g = nx.MultiDiGraph()
    g.graph["warnings"] = list(records.warnings)
    nodes = records.nodes
    g.add_nodes_from((node.id, {"id": node.id, "kind": node.kind, "label": node.label,
                                "keys": semantics.match_keys(node.label, node.aliases), "record": node.to_dict()})
                     for node in nodes.values())
    edges: list[tuple[str, str, str, dict[str, Any]]] = []
    for flow in records.flows.values():
        for end in (flow.source, flow.target, flow.field):
            if end not in nodes:
                raise ValueError(f"flow {flow.id} refers to missing node {end}")
        record = flow.to_dict()
        edges.append((flow.source, flow.target, record["id"],
                      {"edge": "flow", "relation": flow.relation, "record": record,
                       "public": {k: record[k] for k in _PUBLIC}}))
    for link in records.links.values():
        for end in (link.source, link.target):
            if end not in nodes:
                raise ValueError(f"link {link.id} refers to missing node {end}")
        edges.append((link.source, link.target, link.id,
                      {"edge": "link", "relation": link.relation, "record": link.to_dict()}))
    g.add_edges_from(edges)
    return g
