"""The public API: open a store, load sources, and ask questions that answer in DataFrames."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from flowaudit.graph import queries
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.graph.store import Store
from flowaudit.inventory.records import Records
from flowaudit.loaders.sources import extract

DEFAULT_STORE = Path(".flowaudit") / "store.json"


def default_store_location() -> str:
    """``$FLOWAUDIT_STORE``, else ``.flowaudit/store.json`` in the working directory."""
    return os.environ.get("FLOWAUDIT_STORE") or str(DEFAULT_STORE)


def open_store(location: str | Path | None = None) -> Store:
    """The store at ``location``: a file path (embedded networkx) or a bolt:// / neo4j:// URI.

    ``None`` opens the default embedded store file.
    """
    loc = str(location) if location is not None else default_store_location()
    if loc.split("://", 1)[0] in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
        raise ValueError(f"{loc}: Neo4j stores are not supported by this version")
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

    def sharing_matrix(self) -> pd.DataFrame:
        """Fields × recipients, each cell how the sharing is stated."""
        return queries.sharing_matrix(self.store)
