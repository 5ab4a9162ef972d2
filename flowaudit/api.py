"""The public API: open a store, load sources, and ask questions that answer in DataFrames."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from flowaudit.graph import audit, export, figures, queries, report_formats, ropa
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.graph.store import Store
from flowaudit.inventory.records import Records
from flowaudit.loaders.policy_text import read_policy
from flowaudit.loaders.sources import extract

DEFAULT_STORE = Path(".flowaudit") / "store.json"


def default_store_location() -> str:
    """``$FLOWAUDIT_STORE``, else ``.flowaudit/store.json`` in the working directory."""
    return os.environ.get("FLOWAUDIT_STORE") or str(DEFAULT_STORE)


def open_store(location: str | Path | None = None) -> Store:
    """The store at ``location``: a file path (embedded networkx) or a bolt:// / neo4j:// URI.

    ``None`` opens the default embedded store file. Neo4j credentials come from ``NEO4J_USERNAME``
    and ``NEO4J_PASSWORD``; an unreachable server raises a ``ConnectionError`` naming the URI.
    """
    loc = str(location) if location is not None else default_store_location()
    if loc.split("://", 1)[0] in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
        from flowaudit.graph.neo4j_store import Neo4jStore  # the driver is only imported when needed

        return Neo4jStore(loc)
    return EmbeddedStore(loc)


class FlowGraph:
    """A store with DataFrame answers, for notebooks."""

    def __init__(self, store: Store):
        self.store = store

    @classmethod
    def from_sources(cls, sources: list[str | Path], kind: str | None = None) -> FlowGraph:
        """An in-memory graph of ``sources`` (policies and evidence)."""
        store = EmbeddedStore()
        store.load(extract(list(sources), kind))
        return cls(store)

    def load(self, sources: list[str | Path], kind: str | None = None, replace: bool = False) -> FlowGraph:
        """Add ``sources`` to the store (all or nothing)."""
        self.store.load(extract(list(sources), kind), replace=replace)
        return self

    def records(self) -> Records:
        """Everything in the graph as records."""
        return self.store.records()

    def trace(self, field: str) -> pd.DataFrame:
        """Every path ``field`` takes, one row each."""
        return queries.trace(self.store, field)

    def trace_paths(self, field: str) -> list[dict[str, Any]]:
        """The trace as JSON-ready paths (nodes and edges with evidence)."""
        return self.store.trace(field)

    def recipients(self, field: str) -> pd.DataFrame:
        """Who receives ``field``."""
        return queries.recipients(self.store, field)

    def fields(self, recipient: str) -> pd.DataFrame:
        """What reaches ``recipient``."""
        return queries.fields(self.store, recipient)

    def sharing_matrix(self, by: str = "field") -> pd.DataFrame:
        """Fields × recipients, each cell how the sharing is stated; ``by="system"``: systems × recipients, each
        cell the fields that system shares with that recipient."""
        if by == "system":
            return queries.system_matrix(self.store)
        if by != "field":
            raise ValueError(f"by must be 'field' or 'system', not {by!r}")
        return queries.sharing_matrix(self.store)

    def systems(self) -> pd.DataFrame:
        """The organisation's systems and datastores: what each collects, stores, receives, sends and shares."""
        return queries.systems(self.store)

    def system_entries(self) -> list[dict[str, Any]]:
        """The systems and datastores as JSON-ready entries, each hop with its evidence."""
        return self.store.systems()

    def findings(self) -> list[dict[str, Any]]:
        """Every audit finding (flow classes, purposes, other findings, self-audit), JSON-ready, in a stable order."""
        return audit.audit(self.store)

    def audit(self) -> pd.DataFrame:
        """The audit findings, one row each: class, severity, recipient, field, vagueness, statement, evidence."""
        return report_formats.findings_frame(self.findings())

    def name_comparison(self, policy: str | Path | None = None) -> pd.DataFrame:
        """Per organisation: flowaudit's class beside the name-in-policy verdict (webXray's approach).

        The policy text is read from ``policy``, else from the policy files the statements cite.
        """
        records = self.records()
        text = read_policy(policy).text if policy is not None else policy_text(records)
        return pd.DataFrame(audit.name_comparison(records, self.findings(), text))

    def flow_classes(self) -> dict[tuple[str, str], str]:
        """(field id, recipient id) → audit class, for colouring figures (empty without a policy)."""
        records = self.records()
        return export.classes_of(audit.audit_records(records)) if audit.has_policy(records) else {}

    def sankey(self, field: str | None = None) -> go.Figure:
        """The organisation's flows as a Sankey (collection point → first party → recipient kind →
        organisation), or every path of ``field``; links coloured by audit class."""
        if field is None:
            return figures.organisation_sankey(self.records(), self.flow_classes())
        return figures.field_sankey(self.store, field, self.flow_classes())

    def system_sankey(self) -> go.Figure:
        """The system view: field → system → recipient or datastore, links coloured by audit class."""
        return figures.system_sankey(self.records(), self.flow_classes())

    def field_sankeys(self, fields: list[str] | None = None) -> go.Figure:
        """A Sankey per field (all fields that flow, or ``fields``), chosen from a drop-down."""
        return figures.fields_sankey(self.store, self.flow_classes(), fields)

    def network(self) -> go.Figure:
        """The flow network in columns, edges coloured by audit class."""
        return figures.network_figure(self.records(), self.flow_classes())

    def ropa(self) -> pd.DataFrame:
        """The record of processing activities (GDPR Art. 30), one row per processing activity."""
        return ropa.ropa_frame(self.store)

    def export(self, fmt: str, path: str | Path, field: str | None = None) -> Path:
        """Write the graph as ``fmt`` (see ``flowaudit.graph.export.FORMATS``) to ``path``."""
        return export.export(self.store, fmt, path, field)


def policy_text(records: Records) -> str:
    """The text of the policy files that the statements in ``records`` cite (those still on disk)."""
    sources = sorted({ev.source for n in records.nodes.values() if n.kind == "statement" for ev in n.evidence})
    return "\n".join(read_policy(s).text for s in sources if Path(s).is_file())
