"""The embedded store: a networkx MultiDiGraph, optionally kept in a JSON file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx
from flowaudit.inventory.records import Flow, Link, Node, Records

from . import semantics
from .semantics import Edge, NodeInfo
from .store import Store

FORMAT = "flowaudit-graph/1"


class StoreFileError(ValueError):
    """The store file cannot be read as a flowaudit graph."""


class EmbeddedStore(Store):
    """A MultiDiGraph in memory; with a ``path``, loaded from and saved to that file atomically."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.location = str(self.path) if self.path else "memory"
        self.graph = nx.MultiDiGraph()
        if self.path and self.path.exists():
            self.graph = self._read(self.path)

    # ---------------------------------------------------------------- persistence

    @staticmethod
    def _read(path: Path) -> nx.MultiDiGraph:
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
        doc = {"format": FORMAT, "records": self.records().to_dict()}
        fd, tmp = tempfile.mkstemp(prefix=".flowaudit-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False, sort_keys=True, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # ---------------------------------------------------------------- primitives

    def load(self, records: Records, replace: bool = False) -> None:
        """Merge ``records`` into a copy of the graph, then swap it in and save."""
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
        flows = sum(1 for *_, d in self.graph.edges(data=True) if d["edge"] == "flow")
        return {"nodes": self.graph.number_of_nodes(), "flows": flows, "links": self.graph.number_of_edges() - flows}

    def match_nodes(self, key: str, kinds: tuple[str, ...]) -> list[NodeInfo]:
        """Nodes of ``kinds`` answering to ``key``."""
        return [_info(d) for _, d in self.graph.nodes(data=True) if d["kind"] in kinds and key in d["keys"]]

    def nodes_by_id(self, ids: list[str]) -> dict[str, NodeInfo]:
        """Infos of the nodes in ``ids`` that exist."""
        return {i: _info(self.graph.nodes[i]) for i in ids if i in self.graph}

    def hierarchy(self, node_id: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Ancestors and descendants through SUBSUMES, nearest distance each."""
        sub = nx.DiGraph((u, v) for u, v, d in self.graph.edges(data=True) if d.get("relation") == "SUBSUMES")
        if node_id not in sub:
            return [], []
        up = nx.single_source_shortest_path_length(sub.reverse(copy=False), node_id)
        down = nx.single_source_shortest_path_length(sub, node_id)
        return ([(n, d) for n, d in up.items() if d > 0], [(n, d) for n, d in down.items() if d > 0])

    def _flows(self) -> list[Edge]:
        return [d["public"] for *_, d in self.graph.edges(data=True) if d["edge"] == "flow"]

    def flow_edges(self, field_ids: list[str] | None, target_kinds: tuple[str, ...] | None = None,
                   target: str | None = None) -> list[Edge]:
        """Flow edges filtered by field, target kind and target."""
        wanted = None if field_ids is None else set(field_ids)
        out = [e for e in self._flows()
               if (wanted is None or e["field"] in wanted)
               and (target is None or e["target"] == target)
               and (target_kinds is None or self.graph.nodes[e["target"]]["kind"] in target_kinds)]
        return sorted(out, key=lambda e: e["id"])

    def raw_paths(self, field_ids: list[str], starts: list[str], max_hops: int) -> list[list[Edge]]:
        """Depth-first enumeration of simple compatible paths, prefixes included."""
        out_edges: dict[str, list[Edge]] = {}
        for e in self.flow_edges(field_ids):
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


def _info(data: dict[str, Any]) -> NodeInfo:
    return {"id": data["id"], "kind": data["kind"], "label": data["label"]}


def _graph_of(records: Records) -> nx.MultiDiGraph:
    """Build the MultiDiGraph for ``records``; every edge endpoint must be a node."""
    g = nx.MultiDiGraph()
    g.graph["warnings"] = list(records.warnings)
    for node in records.nodes.values():
        g.add_node(node.id, id=node.id, kind=node.kind, label=node.label,
                   keys=semantics.match_keys(node.label, node.aliases), record=node.to_dict())
    for flow in records.flows.values():
        for end in (flow.source, flow.target, flow.field):
            if end not in g:
                raise ValueError(f"flow {flow.id} refers to missing node {end}")
        public = {"id": flow.id, "source": flow.source, "target": flow.target, "relation": flow.relation,
                  "action": flow.action, "field": flow.field, "polarity": flow.polarity,
                  "purposes": list(flow.purposes), "conditions": list(flow.conditions), "basis": flow.basis,
                  "evidence": [e.to_dict() for e in flow.evidence]}
        g.add_edge(flow.source, flow.target, key=flow.id, edge="flow", relation=flow.relation,
                   record=flow.to_dict(), public=public)
    for link in records.links.values():
        for end in (link.source, link.target):
            if end not in g:
                raise ValueError(f"link {link.id} refers to missing node {end}")
        g.add_edge(link.source, link.target, key=link.id, edge="link", relation=link.relation,
                   record=link.to_dict())
    return g
