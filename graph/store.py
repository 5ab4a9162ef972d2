"""The store interface: what every graph store (embedded networkx, Neo4j) provides.

A store keeps nodes, flow edges and structural links. Loads are all-or-nothing. Queries answer
in plain JSON-ready structures, assembled by :mod:`graph.semantics` so that every store gives the
same answer; :mod:`graph.queries` turns them into pandas DataFrames.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from typing import Any, NamedTuple

from flowaudit.inventory.bulk import collector_paused
from flowaudit.inventory.phrases import normal_phrase
from flowaudit.inventory.records import SYSTEM_KINDS, Records
from rapidfuzz import fuzz, process

from . import semantics
from .semantics import Edge, NodeInfo


class FieldFlows(NamedTuple):
    """The material of one trace (see :meth:`Store.field_flows`)."""

    field: NodeInfo
    related: dict[str, tuple[str, int]]
    edges: list[Edge]
    nodes: dict[str, NodeInfo]


class QueryError(LookupError):
    """A query names something the store does not hold (an unknown field or recipient)."""


class Store(ABC):
    """Common interface and query logic of the stores."""

    location: str

    # ---------------------------------------------------------------- primitives

    @abstractmethod
    def load(self, records: Records, replace: bool = False) -> None:
        """Add ``records`` in one all-or-nothing step; with ``replace``, empty the store first."""

    @abstractmethod
    def records(self) -> Records:
        """Everything in the store, as records (for exports and the audit)."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of nodes, flows and links."""

    @abstractmethod
    def match_nodes(self, key: str, kinds: tuple[str, ...]) -> list[NodeInfo]:
        """Nodes of ``kinds`` whose label or alias normalises to ``key``."""

    @abstractmethod
    def nodes_by_id(self, ids: list[str]) -> dict[str, NodeInfo]:
        """Node infos (id, kind, label) for ``ids``."""

    @abstractmethod
    def hierarchy(self, node_id: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """(ancestors, descendants) of ``node_id`` through SUBSUMES links, with their distance."""

    @abstractmethod
    def flow_edges(self, field_ids: list[str] | None, target_kinds: tuple[str, ...] | None = None,
                   target: str | None = None) -> list[Edge]:
        """Flow edges carrying one of ``field_ids`` (any field for None), optionally only into
        ``target_kinds`` or into ``target``, sorted by id."""

    @abstractmethod
    def recipient_nodes(self) -> list[NodeInfo]:
        """Nodes of recipient kinds that some flow reaches."""

    @abstractmethod
    def cited_fields(self) -> list[NodeInfo]:
        """Field nodes that some flow carries."""

    @abstractmethod
    def nodes_of_kinds(self, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        """Nodes of ``kinds`` with their properties (``id``, ``kind``, ``label``, ``aliases``, ``properties``),
        sorted by id."""

    def close(self) -> None:  # noqa: B027 - a no-op for file stores; network stores override it
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- queries

    def resolve(self, text: str, kinds: tuple[str, ...]) -> NodeInfo:
        """The node ``text`` names (label or alias, case-insensitive); the shallowest if several."""
        found = self.match_nodes(semantics.query_key(text), kinds)
        if not found and kinds == ("field",):
            # "your guest stay information" names the data type a policy called "guest stay information"
            found = self.match_nodes(semantics.query_key(normal_phrase(text)), kinds)
        if not found:
            what = "field" if kinds == ("field",) else "recipient"
            close = self.closest(text, what)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise QueryError(f"no {what} named {text!r} in {self.location}{hint} "
                             f"(`flowaudit {what}s --list` lists them)")
        return sorted(found, key=lambda n: n["id"])[0]

    def names(self, what: str) -> list[dict[str, Any]]:
        """The fields (``what`` = "field") or recipients ("recipient") that flows carry or reach, with
        their kind and number of flows, the most used first."""
        edges = self.flow_edges(None)
        if what == "field":
            counts, nodes = Counter(e["field"] for e in edges), self.cited_fields()
        else:
            counts, nodes = Counter(e["target"] for e in edges), self.recipient_nodes()
        return sorted(({**n, "flows": counts[n["id"]]} for n in nodes), key=lambda r: (-r["flows"], r["label"]))

    def closest(self, text: str, what: str, limit: int = 3) -> list[str]:
        """The names of ``what`` (see :meth:`names`) closest to ``text``, the closest first."""
        labels = sorted({r["label"] for r in self.names(what)})
        hits = process.extract(text, labels, scorer=fuzz.WRatio, limit=limit, score_cutoff=60,
                               processor=str.lower)
        return [label for label, _, _ in hits]

    def related(self, field_id: str) -> dict[str, tuple[str, int]]:
        """The field and its broader and narrower fields."""
        ancestors, descendants = self.hierarchy(field_id)
        return semantics.related_fields(field_id, ancestors, descendants)

    def field_flows(self, field: str) -> FieldFlows:
        """What a trace of ``field`` walks: the field node, its related fields, their flows (sorted by id)
        and the infos of every node those flows and fields name. Stores that pay per round trip answer this
        in one query; this default asks the primitives."""
        fnode = self.resolve(field, ("field",))
        related = self.related(fnode["id"])
        edges = self.flow_edges(list(related))
        ends = sorted({e["source"] for e in edges} | {e["target"] for e in edges} | set(related))
        return FieldFlows(fnode, related, edges, self.nodes_by_id(ends) if edges else {})

    def trace(self, field: str, max_hops: int = semantics.MAX_HOPS) -> list[dict[str, Any]]:
        """Every path ``field`` takes from where it is collected to each recipient.

        The store hands over only the flows of the field and its related fields (:meth:`field_flows`: an
        index in the embedded store, one query seeking a relationship property index in Neo4j); the paths
        are walked over those flows alone (:func:`graph.semantics.trace_paths`), never from the busy
        first-party node through all its flows. The answer is built with the garbage collector paused: a
        trace allocates enough to set off a full collection, which walks every object of the process (a
        10^5-flow embedded store is hundreds of thousands), and the answer holds no reference cycles."""
        with collector_paused():
            found = self.field_flows(field)
            if not found.edges:
                return []
            kinds = {i: n["kind"] for i, n in found.nodes.items()}
            starts = sorted(semantics.start_nodes(found.edges, kinds))
            return semantics.trace_paths(found.edges, starts, found.related, found.nodes, found.field["label"],
                                         max_hops)

    def recipients(self, field: str) -> list[dict[str, Any]]:
        """Each recipient ``field`` reaches (or is stated not to), with how it is stated."""
        fnode = self.resolve(field, ("field",))
        related = self.related(fnode["id"])
        edges = self.flow_edges(list(related), target_kinds=semantics.RECIPIENT_KINDS)
        return self._by_target(fnode, related, edges)

    def fields(self, recipient: str) -> list[dict[str, Any]]:
        """Each field that reaches ``recipient`` (or is stated not to): a recipient, or one of the organisation's
        systems or datastores."""
        rnode = self.resolve(recipient, semantics.RECIPIENT_KINDS + SYSTEM_KINDS)
        edges = self.flow_edges(None, target=rnode["id"])
        by_field: dict[str, list[Edge]] = {}
        for e in edges:
            by_field.setdefault(e["field"], []).append(e)
        infos = self.nodes_by_id(sorted(by_field))
        out = []
        for fid in sorted(by_field):
            status = semantics.sharing_status(by_field[fid], {fid: ("exact", 0)})
            out.append({"field": semantics.node_ref(infos[fid]), "recipient": semantics.node_ref(rnode), **status})
        return out

    def systems(self) -> list[dict[str, Any]]:
        """The organisation's systems, then its datastores, each with what it collects, stores, receives from
        and sends to its other systems, and shares with recipients."""
        nodes = self.nodes_of_kinds(SYSTEM_KINDS)
        if not nodes:
            return []
        ids = {n["id"] for n in nodes}
        edges = [e for e in self.flow_edges(None) if e["source"] in ids or e["target"] in ids]
        infos = self.nodes_by_id(sorted({e[k] for e in edges for k in ("source", "target", "field")}))
        return semantics.system_entries(nodes, edges, infos)

    def sharing_matrix(self) -> list[dict[str, Any]]:
        """Long form of the fields × recipients matrix: one row per (field, recipient) with a status."""
        rows = []
        for fnode in sorted(self.cited_fields(), key=lambda n: n["id"]):
            related = self.related(fnode["id"])
            edges = self.flow_edges(list(related), target_kinds=semantics.RECIPIENT_KINDS)
            rows += self._by_target(fnode, related, edges)
        return rows

    def _by_target(self, fnode: NodeInfo, related: dict[str, tuple[str, int]], edges: list[Edge]
                   ) -> list[dict[str, Any]]:
        by_target: dict[str, list[Edge]] = {}
        for e in edges:
            by_target.setdefault(e["target"], []).append(e)
        infos = self.nodes_by_id(sorted(by_target))
        return [{"field": semantics.node_ref(fnode), "recipient": semantics.node_ref(infos[t]),
                 **semantics.sharing_status(by_target[t], related)} for t in sorted(by_target)]
