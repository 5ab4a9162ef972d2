"""The Neo4j store: the same answers as the embedded store, from a shared Neo4j server.

Each node is a ``(:Node:<Kind>)`` with its id, kind, label, aliases, match keys and JSON-encoded
properties and evidence; each flow is a relationship of its relation type with its ``field`` (indexed,
for traces) and the rest of the flow record packed in one JSON string ``data`` (see :func:`flow_row`: each
property costs the commit more than decoding it costs a read); a flow's id is not stored, it is a digest of
its parts and recomputed on reading (:func:`flowaudit.inventory.records.flow_id`); links
(``SUBSUMES``, ``IS_A``, ``OWNED_BY``) are relationships with their id, basis and evidence.
:meth:`Neo4jStore.records` rebuilds exactly the records that were loaded.

Every statement is parameterised. Labels and relationship types are written into Cypher only from
the fixed vocabularies of :mod:`flowaudit.inventory.records`, never from input. A load runs as one
managed write transaction (retried by the driver on transient errors), so it is all or nothing.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter, itemgetter
from sys import intern
from typing import Any, TypeVar

import msgspec
from flowaudit.inventory.records import (
    FLOW_RELATIONS,
    LINK_RELATIONS,
    NODE_KINDS,
    Evidence,
    Flow,
    Link,
    Node,
    Records,
    flow_id,
)
from neo4j import READ_ACCESS, GraphDatabase, ManagedTransaction, NotificationDisabledClassification, Record
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable, SessionExpired, TransientError

from . import semantics
from .semantics import Edge, NodeInfo
from .store import FieldFlows, Store

T = TypeVar("T")
R = TypeVar("R", Flow, Link)
_RELATION = attrgetter("relation")
_ID = attrgetter("id")
_EDGE_ID = itemgetter("id")

#: Node kind → the Neo4j label it gets next to ``Node`` (the only labels ever written into Cypher).
KIND_LABELS: dict[str, str] = {kind: "".join(part.title() for part in kind.split("_")) for kind in NODE_KINDS}
#: Label of the single bookkeeping node that holds the load warnings and serialises loads.
META_LABEL = "FlowauditStore"
#: Rows per UNWIND statement inside a load transaction: the best of ``benchmarks/neo4j_load.py``'s batch
#: curve (rows per server CPU-second, twice over 1,000 to 40,000; the wall-clock rate on the shared
#: machine was too noisy to choose by).
BATCH = 20_000
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
#: The server's answer when a transaction outgrows dbms.memory.transaction.total.max.
_OUT_OF_TX_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"

_FLOW_TYPES = "|".join(FLOW_RELATIONS)
_NODE_INFO = "n.id AS id, n.kind AS kind, n.label AS label"
_FLOW_FIELDS = "s.id AS source, t.id AS target, type(r) AS relation, r.field AS field, r.data AS data"
_LINK_FIELDS = "s.id AS source, t.id AS target, type(r) AS relation, r.basis AS basis, r.evidence_json AS evidence_json"


class StoreUnavailableError(ConnectionError):
    """The Neo4j server cannot be reached or refuses the login; the message names the URI."""


class TransactionTooLargeError(ValueError):
    """A load does not fit in the server's transaction memory; the message says what to change."""


class StaleFlowError(ValueError):
    """A stored flow is not in the shape this version reads (stored by an earlier flowaudit version, before
    flows were packed in ``data``); the message names the store, the flow and the fix."""


def _label(kind: str) -> str:
    """The whitelisted label of ``kind``; anything else is refused."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown node kind {kind!r}")
    return KIND_LABELS[kind]


def _rel_type(relation: str, allowed: tuple[str, ...]) -> str:
    """``relation`` if it is one of the ``allowed`` relationship types; anything else is refused."""
    if relation not in allowed:
        raise ValueError(f"unknown relation {relation!r}")
    return relation


def _chunks(rows: list[T], size: int | None = None) -> Iterator[list[T]]:
    size = size or BATCH
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _dumps(value: Any) -> str:
    """Compact JSON (msgspec's encoder, about twice as fast as ``json.dumps``; ``_decode`` reads it back)."""
    return _encode(value).decode()


def _evidence_json(evidence: list[Evidence]) -> str:
    return _dumps([e.to_dict() for e in evidence])


def _props_json(properties: dict[str, Any]) -> str:
    return _dumps(properties) if properties else "{}"


class FlowData(msgspec.Struct, array_like=True):
    """The parts of a flow other than its id, ends and field, stored as one JSON array (``r.data``)."""

    action: str
    polarity: str
    purposes: list[str]
    conditions: list[str]
    basis: str
    consent_state: str | None
    evidence: list[dict[str, Any]]
    properties: dict[str, Any]


_decode_flow_data = msgspec.json.Decoder(FlowData).decode


def _flow_data(relation: str, source: str, target: str, data: str | None) -> FlowData:
    """The decoded ``data`` of the ``relation`` flow from ``source`` to ``target``; a flow without it, or with
    one this version cannot read, raises :class:`StaleFlowError` (the store adds its location, see
    :meth:`Neo4jStore._run`).

    >>> _flow_data("SHARES_WITH", "first_party:us", "processor:them", None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    flowaudit.graph.neo4j_store.StaleFlowError: SHARES_WITH flow first_party:us -> processor:them was stored ...
    """
    what = f"{relation} flow {source} -> {target}"
    if not isinstance(data, str):
        raise StaleFlowError(f"{what} was stored by an earlier flowaudit version (it has no packed data); "
                             "load the store's sources again with --replace")
    try:
        return _decode_flow_data(data)
    except msgspec.DecodeError as exc:
        raise StaleFlowError(f"{what}: its packed data cannot be read ({exc}); load the store's sources "
                             "again with --replace") from exc


# ---------------------------------------------------------------- statements

#: Constraints and indexes. Relationships have no index on ``id``: a load finds the stored flows and links
#: from their ends (:func:`_stored_relationships`) and creates only those absent while it holds the store's
#: lock, so ids stay unique without one; a uniqueness constraint per type cost about a fifth of a load's
#: server time, and made every CREATE after ``--replace`` scan the relationships deleted in the same
#: transaction (quadratic). Stores prepared by earlier versions lose theirs here.
SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT store_id IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.id IS UNIQUE",
    "CREATE INDEX node_kind IF NOT EXISTS FOR (n:Node) ON (n.kind)",
    "CREATE INDEX node_label IF NOT EXISTS FOR (n:Node) ON (n.label)",
    *(f"DROP CONSTRAINT {rel.lower()}_id IF EXISTS" for rel in FLOW_RELATIONS + LINK_RELATIONS),
    *(f"CREATE INDEX {rel.lower()}_field IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.field)" for rel in FLOW_RELATIONS),
)


def merge_nodes_statement(kind: str) -> str:
    """UNWIND-MERGE of node rows of one ``kind`` (see :func:`node_row`)."""
    return (f"UNWIND $rows AS row MERGE (n:Node {{id: row.id}}) SET n:{_label(kind)}, n.kind = row.kind, "
            "n.label = row.label, n.aliases = row.aliases, n.keys = row.keys, n.props_json = row.props_json, "
            "n.evidence_json = row.evidence_json")


_FLOW_PROPS = "field: row.field, data: row.data"
_LINK_PROPS = "id: row.id, basis: row.basis, evidence_json: row.evidence_json"
#: The ends of a created relationship, by the element ids the load looked up once per node (:func:`_ends`).
_ENDS = "MATCH (s) WHERE elementId(s) = row.s MATCH (t) WHERE elementId(t) = row.t"


def create_flows_statement(relation: str) -> str:
    """UNWIND-CREATE of flow rows of one ``relation`` that the store does not hold (:func:`flow_row` with
    the element ids of its ends as ``s`` and ``t``).

    Only rows that the load's read-back (:func:`_stored`) found absent come here, in the transaction
    that holds the store's lock, so CREATE cannot duplicate a flow; it costs half of a MERGE. The ends are
    found by element id, looked up once per node for the whole load, where a seek of the node index per
    row also locked the index entry. ``PROFILE`` per row: two seeks by element id, one relationship
    created with two properties (field, data)::

        ProduceResults <- EmptyResult <- Create (s)-[anon:SHARES_WITH {…}]->(t)
          <- Apply(Unwind $rows, CartesianProduct(NodeByElementIdSeek s, NodeByElementIdSeek t))
    """
    rel = _rel_type(relation, FLOW_RELATIONS)
    return f"UNWIND $rows AS row {_ENDS} CREATE (s)-[:{rel} {{{_FLOW_PROPS}}}]->(t)"


def update_flows_statement(relation: str) -> str:
    """UNWIND-SET of flow rows of one ``relation`` that the store holds, merged with the stored version
    (:func:`flow_row` with the element id the read-back found as ``r``).

    A flow's id is a digest of its relation, ends, field, action, polarity, basis and conditions, so only
    ``data`` can change: ``SetProperty <- Apply(Unwind $rows, DirectedRelationshipByElementIdSeek r)``."""
    rel = _rel_type(relation, FLOW_RELATIONS)
    return f"UNWIND $rows AS row MATCH ()-[r:{rel}]->() WHERE elementId(r) = row.r SET r.data = row.data"


def create_links_statement(relation: str) -> str:
    """UNWIND-CREATE of link rows of one ``relation`` that the store does not hold (as
    :func:`create_flows_statement`)."""
    rel = _rel_type(relation, LINK_RELATIONS)
    return f"UNWIND $rows AS row {_ENDS} CREATE (s)-[:{rel} {{{_LINK_PROPS}}}]->(t)"


def update_links_statement(relation: str) -> str:
    """UNWIND-SET of link rows of one ``relation`` that the store holds (as :func:`update_flows_statement`)."""
    rel = _rel_type(relation, LINK_RELATIONS)
    return (f"UNWIND $rows AS row MATCH ()-[r:{rel}]->() WHERE elementId(r) = row.r "
            "SET r.basis = row.basis, r.evidence_json = row.evidence_json")


def node_row(node: Node) -> dict[str, Any]:
    """The parameters of one node for :func:`merge_nodes_statement`."""
    return {"id": node.id, "kind": node.kind, "label": node.label, "aliases": list(node.aliases),
            "keys": semantics.match_keys(node.label, node.aliases), "props_json": _props_json(node.properties),
            "evidence_json": _evidence_json(node.evidence)}


def flow_row(flow: Flow) -> dict[str, Any]:
    """The stored properties of one flow: ``field`` and the rest packed in ``data`` (a JSON array in the order
    of :class:`FlowData`), for :func:`create_flows_statement` and :func:`update_flows_statement`. The id is
    not stored: it is a digest of the flow's parts, recomputed on reading (:func:`_edge`); a property fewer
    cut a 10^5-flow load's commit by about a fifth of its server time (``benchmarks/neo4j_load.py``).

    >>> flow_row(Flow(field="field:email", source="a", target="b", action="share", relation="SHARES_WITH"))["data"]
    '["share","+",[],[],"stated",null,[],{}]'
    """
    data = FlowData(flow.action, flow.polarity, list(flow.purposes), list(flow.conditions), flow.basis,
                    flow.consent_state, [e.to_dict() for e in flow.evidence], flow.properties)
    return {"field": flow.field, "data": _dumps(data)}


def link_row(link: Link) -> dict[str, Any]:
    """The stored properties of one link, for :func:`create_links_statement` and :func:`update_links_statement`."""
    return {"id": link.id, "basis": link.basis, "evidence_json": _evidence_json(link.evidence)}


def _flow_edges_statement(by_field: bool, by_kind: bool, by_target: bool) -> str:
    """Flow edges, one indexable branch per relationship type, filtered by the chosen parameters (sorted by
    id by the caller, who computes the ids).

    With ``by_field``, ``PROFILE`` shows each branch starting from the relationship property index on the
    flow's field (``<rel>_field`` in :data:`SCHEMA`), so a trace reads only the field's flows however busy
    their nodes are::

        ProduceResults <- Union of, per relationship type:
          Projection <- CacheProperties <- Filter (s:Node AND t:Node)
            <- DirectedRelationshipIndexSeek RANGE INDEX (s)-[r:SHARES_WITH(field)]->(t) WHERE field IN $fields

    The path search that used to run on the server (a variable-length match from each start node with
    the field tested on every expanded relationship) expanded every flow of the first party before
    filtering; paths are now walked over the field's edges by :func:`graph.semantics.trace_paths`."""
    target = "(t:Node {id: $target})" if by_target else "(t:Node)"
    where = [cond for cond, on in (("r.field IN $fields", by_field), ("t.kind IN $kinds", by_kind)) if on]
    filters = f" WHERE {' AND '.join(where)}" if where else ""
    branches = " UNION ALL ".join(f"MATCH (s:Node)-[r:{rel}]->{target}{filters} RETURN {_FLOW_FIELDS}"
                                  for rel in FLOW_RELATIONS)
    return f"CALL () {{ {branches} }} RETURN *"


def _field_flows_statement() -> str:
    """One statement for everything a trace walks (see :meth:`Neo4jStore.field_flows`), in one row of compact
    lists: the field matched by ``$key`` (the first by id), its ancestors and descendants through ``SUBSUMES``
    with their distance, the flows of all of them grouped by relation, field and source (``[relation, field,
    source, [[target, data], ...]]``), and ``[id, kind, label]`` of each node they name (a node may come more
    than once).

    ``PROFILE`` on a 10^5-flow store (slotted runtime): a label scan of ``:Field`` filtered by ``$key IN
    f.keys`` (about a thousand nodes), a ``VarLengthExpand`` each way over ``SUBSUMES``, then per relationship
    type a ``DirectedRelationshipIndexSeek RANGE INDEX (s)-[r:<REL>(field)]->(t) WHERE field IN fields`` (the
    ``<rel>_field`` index of :data:`SCHEMA`) feeding an ``OrderedAggregation`` by field and source (the seek
    yields the flows in field order), then one ``EagerAggregation`` that gathers the groups; the targets are
    made distinct by two ``Unwind`` and an aggregation, and the node infos are a list projection::

        ProduceResults <- Projection (infos) <- Apply(
          Apply(Apply(Top(Filter($key IN f.keys, NodeByLabelScan f:Field)), VarLengthExpand ×2),
                EagerAggregation (collect(g), collect(DISTINCT s), collect(ts)) <- Union of, per relationship type,
                  OrderedAggregation (fid, s: collect([t.id, r.data]), collect(DISTINCT t))
                    <- DirectedRelationshipIndexSeek),
          EagerAggregation collect(DISTINCT t) <- Unwind <- Unwind tss)

    (3,300 db hits for a field of 184 flows, which come in 41 groups, however busy the first party is). The seek
    is forced with ``USING INDEX SEEK``: the field ids are a variable here, not a parameter, and left to itself
    (or to ``USING INDEX``) the planner chose, on the 10^5-flow store, to scan each whole index and filter
    (100,000 rows, about 150 ms). Measured against the statements before it (``benchmarks/neo4j_trace.py``):
    what the server spends and the driver decodes goes down with the number of values sent, more than with their
    bytes, so the relation, field and source that every flow of a group shares are sent once per group (184
    flows in 41 groups above), not once per flow; earlier, the ``:Node`` label checks of both ends of each flow
    (every node has it) and a second pass (``UNWIND`` then ``DISTINCT``) over the ends went."""
    branches = " UNION ALL ".join(
        f"MATCH (s)-[r:{rel}]->(t) USING INDEX SEEK r:{rel}(field) WHERE r.field IN fields "
        "WITH s, r.field AS fid, collect([t.id, r.data]) AS es, collect(DISTINCT t) AS ts "
        f"RETURN ['{rel}', fid, s.id, es] AS g, s, ts"
        for rel in FLOW_RELATIONS)
    return (
        f"MATCH (f:{_label('field')}) WHERE $key IN f.keys WITH f ORDER BY f.id LIMIT 1 "
        "CALL (f) { MATCH p = (a)-[:SUBSUMES*]->(f) WHERE a <> f WITH a, min(length(p)) AS d "
        "RETURN collect([a.id, d]) AS up, collect(a) AS ups } "
        "CALL (f) { MATCH p = (f)-[:SUBSUMES*]->(a) WHERE a <> f WITH a, min(length(p)) AS d "
        "RETURN collect([a.id, d]) AS down, collect(a) AS downs } "
        "WITH f, up, down, [f] + ups + downs AS fields_nodes "
        "WITH f, up, down, fields_nodes, [n IN fields_nodes | n.id] AS fields "
        f"CALL (fields) {{ CALL (fields) {{ {branches} }} "
        "RETURN collect(g) AS groups, collect(DISTINCT s) AS ss, collect(ts) AS tss } "
        "CALL (tss) { UNWIND tss AS group_ts UNWIND group_ts AS t RETURN collect(DISTINCT t) AS ts } "
        "RETURN f.id AS id, f.kind AS kind, f.label AS label, up, down, groups, "
        "[n IN fields_nodes + ss + ts | [n.id, n.kind, n.label]] AS infos")


#: The statement of a trace (:func:`_field_flows_statement`); its one row is unpacked by :func:`field_flows_of`.
FIELD_FLOWS = _field_flows_statement()


_COUNTS = " UNION ALL ".join(
    ["MATCH (n:Node) RETURN 'nodes' AS what, count(n) AS n"]
    + [f"MATCH ()-[r:{rel}]->() RETURN 'flows' AS what, count(r) AS n" for rel in FLOW_RELATIONS]
    + [f"MATCH ()-[r:{rel}]->() RETURN 'links' AS what, count(r) AS n" for rel in LINK_RELATIONS])


# ---------------------------------------------------------------- the store

class Neo4jStore(Store):
    """A store on a Neo4j server at ``uri`` (``bolt://``, ``neo4j://``, ``bolt+s://``, ``neo4j+s://``...).

    Credentials come from ``auth`` or ``NEO4J_USERNAME`` (default ``neo4j``) / ``NEO4J_PASSWORD``, the
    database from ``database`` or ``NEO4J_DATABASE`` (default: the server's home database).
    ``max_retry_time`` bounds the driver's retries of transient failures, in seconds.
    """

    def __init__(self, uri: str, auth: tuple[str, str] | None = None, database: str | None = None,
                 max_retry_time: float = 30.0):
        self.location = uri
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        if auth is None and os.environ.get("NEO4J_PASSWORD"):
            auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", os.environ["NEO4J_PASSWORD"])
        self._schema_ready = False
        self._field_indexes = False
        try:
            self.driver = GraphDatabase.driver(
                uri, auth=auth, max_transaction_retry_time=max_retry_time,
                notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED])
        except (ConfigurationError, ValueError) as exc:
            raise ValueError(f"{uri}: not a usable Neo4j URI: {exc}") from exc
        try:
            self.driver.verify_connectivity()
        except (AuthError, ServiceUnavailable, SessionExpired) as exc:
            self.driver.close()
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: AuthError | ServiceUnavailable | SessionExpired) -> StoreUnavailableError:
        if isinstance(exc, AuthError):
            return StoreUnavailableError(f"{self.location}: Neo4j refused the login (check NEO4J_USERNAME and "
                                         f"NEO4J_PASSWORD): {exc}")
        return StoreUnavailableError(f"{self.location}: cannot reach Neo4j: {exc}")

    def close(self) -> None:
        """Close the driver and its connections."""
        self.driver.close()

    # ---------------------------------------------------------------- transactions

    def _run(self, write: bool, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(tx, *args)`` as a managed transaction; connection failures name the URI."""
        try:
            with self.driver.session(database=self.database) as session:
                return (session.execute_write if write else session.execute_read)(work, *args)
        except (AuthError, ServiceUnavailable, SessionExpired) as exc:
            raise self._unavailable(exc) from exc
        except TransientError as exc:  # only left after the driver's retries
            if exc.code != _OUT_OF_TX_MEMORY:
                raise
            raise _too_large(self.location, exc) from exc
        except StaleFlowError as exc:
            raise self._stale(exc) from exc

    def _stale(self, exc: StaleFlowError) -> StaleFlowError:
        """``exc`` with the store's location in front."""
        return StaleFlowError(f"{self.location}: {exc}")

    def _single_read(self, statement: str, params: dict[str, Any]) -> Record | None:
        """The one row of a read-only statement, run as an auto-commit query: one round trip where a
        managed transaction adds its BEGIN and COMMIT. A transient failure runs it again as a managed
        transaction, with the driver's retries."""
        try:
            with self.driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
                return session.run(statement, params).single(strict=False)
        except (TransientError, SessionExpired):
            return self._run(False, _single, statement, params)
        except (AuthError, ServiceUnavailable) as exc:
            raise self._unavailable(exc) from exc

    def _query(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of one read-only statement."""
        return self._run(False, _rows, statement, params)

    def ensure_schema(self) -> None:
        """Create the constraints and indexes if they are missing (idempotent)."""
        if self._schema_ready:
            return
        for statement in SCHEMA:
            self._run(True, _consume, statement, {})
        self._run(True, _consume, "CALL db.awaitIndexes(300)", {})
        self._schema_ready = True

    # ---------------------------------------------------------------- primitives

    def load(self, records: Records, replace: bool = False) -> None:
        """Merge ``records`` into the graph in one transaction; with ``replace``, empty it first."""
        self.ensure_schema()
        self._run(True, _load, records, replace, self.location)

    def records(self) -> Records:
        """Everything in the store as records (for exports: this reads the whole graph)."""
        def work(tx: ManagedTransaction) -> Records:
            out = Records()
            for row in _rows(tx, f"MATCH (n:Node) RETURN {_NODE_INFO}, n.aliases AS aliases, "
                                 "n.props_json AS props_json, n.evidence_json AS evidence_json ORDER BY n.id"):
                out.add_node(_node_of(row))
            flows = [_flow_of(row) for row in _rows(tx, f"MATCH (s:Node)-[r:{_FLOW_TYPES}]->(t:Node) "
                                                        f"RETURN {_FLOW_FIELDS}")]
            for flow in sorted(flows, key=_ID):
                out.add_flow(flow)
            for row in _rows(tx, f"MATCH (s:Node)-[r:{'|'.join(LINK_RELATIONS)}]->(t:Node) RETURN {_LINK_FIELDS} "
                                 "ORDER BY r.id"):
                out.add_link(_link_of(row))
            out.warnings = _warnings(tx)
            return out
        return self._run(False, work)

    def counts(self) -> dict[str, int]:
        """Nodes, flows and links held."""
        out = {"nodes": 0, "flows": 0, "links": 0}
        for row in self._query(_COUNTS):
            out[row["what"]] += row["n"]
        return out

    def match_nodes(self, key: str, kinds: tuple[str, ...]) -> list[NodeInfo]:
        """Nodes of ``kinds`` answering to ``key``."""
        return self._query(f"MATCH (n:Node) WHERE n.kind IN $kinds AND $key IN n.keys RETURN {_NODE_INFO} "
                           "ORDER BY id", key=key, kinds=list(kinds))

    def nodes_by_id(self, ids: list[str]) -> dict[str, NodeInfo]:
        """Infos of the nodes in ``ids`` that exist."""
        rows = self._query(f"UNWIND $ids AS nid MATCH (n:Node {{id: nid}}) RETURN {_NODE_INFO}", ids=list(ids))
        return {row["id"]: row for row in rows}

    def hierarchy(self, node_id: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Ancestors and descendants through SUBSUMES, nearest distance each."""
        def work(tx: ManagedTransaction) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
            up = _rows(tx, "MATCH p = (a:Node)-[:SUBSUMES*]->(:Node {id: $id}) WHERE a.id <> $id "
                           "RETURN a.id AS id, min(length(p)) AS d", {"id": node_id})
            down = _rows(tx, "MATCH p = (:Node {id: $id})-[:SUBSUMES*]->(a:Node) WHERE a.id <> $id "
                             "RETURN a.id AS id, min(length(p)) AS d", {"id": node_id})
            return [(r["id"], r["d"]) for r in up], [(r["id"], r["d"]) for r in down]
        return self._run(False, work)

    def flow_edges(self, field_ids: list[str] | None, target_kinds: tuple[str, ...] | None = None,
                   target: str | None = None) -> list[Edge]:
        """Flow edges filtered by field, target kind and target, sorted by id."""
        statement = _flow_edges_statement(field_ids is not None, target_kinds is not None, target is not None)
        rows = self._query(statement, fields=list(field_ids or []), kinds=list(target_kinds or []), target=target)
        try:
            return sorted((_edge_of(row) for row in rows), key=_EDGE_ID)
        except StaleFlowError as exc:
            raise self._stale(exc) from exc

    def field_flows(self, field: str) -> FieldFlows:
        """What a trace of ``field`` walks, in one round trip (:func:`_field_flows_statement`), unpacked by
        :func:`field_flows_of`."""
        if not self._field_indexes_online():
            return super().field_flows(field)
        row = self._single_read(FIELD_FLOWS, {"key": semantics.query_key(field)})
        if row is None:
            return super().field_flows(field)  # no such field: the generic path raises the helpful error
        try:
            return field_flows_of(row)
        except StaleFlowError as exc:
            raise self._stale(exc) from exc

    def _field_indexes_online(self) -> bool:
        """Whether the relationship property indexes on the flows' field are online (the trace's statement
        names them in ``USING INDEX SEEK``; a database no flowaudit load has prepared has none). Asked until
        they are, then remembered."""
        if not self._field_indexes:
            names = [f"{rel.lower()}_field" for rel in FLOW_RELATIONS]
            rows = self._query("SHOW INDEXES YIELD name, state WHERE name IN $names AND state = 'ONLINE' "
                               "RETURN count(*) AS n", names=names)
            self._field_indexes = rows[0]["n"] == len(names)
        return self._field_indexes

    def recipient_nodes(self) -> list[NodeInfo]:
        """Recipient-kind nodes that a flow reaches."""
        return self._query(f"MATCH (n:Node) WHERE n.kind IN $kinds AND EXISTS {{ ()-[:{_FLOW_TYPES}]->(n) }} "
                           f"RETURN {_NODE_INFO} ORDER BY id", kinds=list(semantics.RECIPIENT_KINDS))

    def cited_fields(self) -> list[NodeInfo]:
        """Field nodes that a flow carries."""
        return self._query(f"MATCH ()-[r:{_FLOW_TYPES}]->() WITH DISTINCT r.field AS fid "
                           f"MATCH (n:Node {{id: fid}}) RETURN {_NODE_INFO} ORDER BY id")

    def nodes_of_kinds(self, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        """Nodes of ``kinds`` with aliases and properties, by id."""
        rows = self._query(f"MATCH (n:Node) WHERE n.kind IN $kinds RETURN {_NODE_INFO}, n.aliases AS aliases, "
                           "n.props_json AS props_json ORDER BY id", kinds=list(kinds))
        return [{"id": r["id"], "kind": r["kind"], "label": r["label"], "aliases": list(r["aliases"] or []),
                 "properties": _decode(r["props_json"])} for r in rows]


# ---------------------------------------------------------------- transaction functions

def field_flows_of(row: Record) -> FieldFlows:
    """The walker's material from the one row of :data:`FIELD_FLOWS`, read as the driver decoded it: edges
    sorted by id, each flow's packed ``data`` decoded once and its id computed (:func:`_edge`).

    Node and field ids are interned, so that every mention of a node is one string object, as in the embedded
    store: the walk compares and hashes ids at every hop, and the driver decodes each mention as a new string
    (``benchmarks/neo4j_trace.py``: the same walk took about a fifth longer on them)."""
    fid, kind, label, up, down, groups, infos = row.values()
    related = semantics.related_fields(intern(fid), [(intern(i), d) for i, d in up],
                                       [(intern(i), d) for i, d in down])
    edges = sorted((_edge(intern(source), intern(target), relation, intern(field), data)
                    for relation, field, source, flows in groups for target, data in flows), key=_EDGE_ID)
    nodes = {intern(i): {"id": intern(i), "kind": k, "label": n} for i, k, n in infos} if edges else {}
    return FieldFlows({"id": fid, "kind": kind, "label": label}, related, edges, nodes)


def _rows(tx: ManagedTransaction, statement: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return tx.run(statement, params or {}).data()


def _single(tx: ManagedTransaction, statement: str, params: dict[str, Any]) -> Record | None:
    """The one row of ``statement`` as the driver decoded it (no per-value conversion), or None."""
    return tx.run(statement, params).single(strict=False)


def _consume(tx: ManagedTransaction, statement: str, params: dict[str, Any]) -> None:
    tx.run(statement, params).consume()


def _node_of(row: dict[str, Any]) -> Node:
    return Node(id=row["id"], kind=row["kind"], label=row["label"], aliases=list(row["aliases"] or []),
                properties=_decode(row["props_json"]),
                evidence=[Evidence.from_dict(e) for e in _decode(row["evidence_json"])])


def _flow_of(row: dict[str, Any]) -> Flow:
    d = _flow_data(row["relation"], row["source"], row["target"], row["data"])
    return Flow(field=row["field"], source=row["source"], target=row["target"], action=d.action,
                relation=row["relation"], polarity=d.polarity, purposes=d.purposes, conditions=d.conditions,
                basis=d.basis, evidence=[Evidence.from_dict(e) for e in d.evidence], properties=d.properties,
                consent_state=d.consent_state)


def _link_of(row: dict[str, Any]) -> Link:
    return Link(source=row["source"], target=row["target"], relation=row["relation"], basis=row["basis"],
                evidence=[Evidence.from_dict(e) for e in _decode(row["evidence_json"])])


def _edge(source: str, target: str, relation: str, field: str, data: str) -> Edge:
    """The edge of a stored flow from its ends, relation, field and packed ``data``, with its id."""
    d = _flow_data(relation, source, target, data)
    rid = flow_id(relation, d.action, source, target, field, d.polarity, d.basis, d.conditions, d.consent_state)
    return {"id": rid, "source": source, "target": target, "relation": relation, "action": d.action,
            "field": field, "polarity": d.polarity, "purposes": d.purposes, "conditions": d.conditions,
            "basis": d.basis, "evidence": d.evidence}


def _edge_of(row: dict[str, Any]) -> Edge:
    return _edge(row["source"], row["target"], row["relation"], row["field"], row["data"])


def _warnings(tx: ManagedTransaction) -> list[str]:
    rows = _rows(tx, f"MATCH (m:{META_LABEL} {{id: 'store'}}) RETURN m.warnings AS warnings")
    return list(rows[0]["warnings"] or []) if rows else []


def _held(tx: ManagedTransaction) -> dict[str, int]:
    """How many nodes (``Node``) and relationships of each type the store holds (from the count store:
    no scan). A count grouped by a constant has no row for none, hence the zeros first."""
    types = FLOW_RELATIONS + LINK_RELATIONS
    branches = ["MATCH (n:Node) RETURN 'Node' AS what, count(n) AS n",
                *(f"MATCH ()-[r:{rel}]->() RETURN '{rel}' AS what, count(r) AS n" for rel in types)]
    return {"Node": 0, **dict.fromkeys(types, 0),
            **{row["what"]: row["n"] for row in _rows(tx, " UNION ALL ".join(branches))}}


def _stored(tx: ManagedTransaction, records: Records) -> tuple[Records, dict[str, str]]:
    """The stored versions of the records that ``records`` would merge into, and the element ids of the
    stored flows and links among them: one index seek per node, the ends' seeks and an expand between
    them per flow or link, in batches, returning only those found; a kind or relationship type the store
    holds none of is not looked up at all (loading into an empty store reads nothing)."""
    out, element_ids = Records(), {}
    held = _held(tx)
    if held["Node"]:
        for chunk in _chunks(list(records.nodes)):
            for row in _rows(tx, f"UNWIND $ids AS nid MATCH (n:Node {{id: nid}}) RETURN {_NODE_INFO}, "
                                 "n.aliases AS aliases, n.props_json AS props_json, n.evidence_json AS evidence_json",
                             {"ids": chunk}):
                out.add_node(_node_of(row))
    for rel, flows in _grouped(records.flows.values(), _RELATION).items():
        for row in _stored_relationships(tx, rel, flows, _FLOW_FIELDS, "r.field = row.field") if held[rel] else ():
            flow = _flow_of(row)
            if flow.id in records.flows and flow.id not in element_ids:
                element_ids[out.add_flow(flow).id] = row["element_id"]
    for rel, links in _grouped(records.links.values(), _RELATION).items():
        for row in _stored_relationships(tx, rel, links, _LINK_FIELDS, "r.id = row.id") if held[rel] else ():
            element_ids[out.add_link(_link_of(row)).id] = row["element_id"]
    return out, element_ids


def _stored_relationships(tx: ManagedTransaction, rel: str, items: list[Flow] | list[Link], fields: str,
                          match: str) -> Iterator[dict[str, Any]]:
    """``fields`` and the element id of the stored relationships of type ``rel`` between the ends of each of
    ``items`` that pass ``match`` (``r.id = row.id`` for links; flows keep no id, so ``r.field = row.field``,
    and the caller keeps those whose computed id it asked for), found from their ends (relationships have no
    index on id, see :data:`SCHEMA`). The ends are found in a subquery, so that the relationship is matched
    with both bound: ``PROFILE`` per row shows two seeks of the node index and an ``Expand(Into)``, which
    reads the relationships of ``rel`` of whichever end has fewer (a busy first party is not walked; left to
    itself the planner expanded from the target instead)::

        Projection <- Filter (r.field = row.field) <- Expand(Into) (s)-[r:SHARES_WITH]->(t)
          <- Apply(Unwind $rows, CartesianProduct(NodeUniqueIndexSeek s:Node(id), NodeUniqueIndexSeek t:Node(id)))
    """
    for chunk in _chunks(items):
        rows = [{"id": item.id, "source": item.source, "target": item.target, "field": getattr(item, "field", None)}
                for item in chunk]
        yield from _rows(tx, "UNWIND $rows AS row CALL (row) { MATCH (s:Node {id: row.source}) "
                             f"MATCH (t:Node {{id: row.target}}) RETURN s, t }} MATCH (s)-[r:{rel}]->(t) "
                             f"WHERE {match} RETURN {fields}, elementId(r) AS element_id", {"rows": rows})


def _grouped(items: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    """``items`` grouped by ``key``, in one pass, each group in the given order."""
    groups: dict[str, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def _ends(tx: ManagedTransaction, records: Records) -> dict[str, str]:
    """The element ids of the nodes that the flows and links of ``records`` name (ends and fields), looked
    up once each; raises the embedded store's message for the first flow or link naming a node that does
    not exist."""
    named: list[tuple[str, str, tuple[str, ...]]] = [
        *(("flow", fid, (f.source, f.target, f.field)) for fid, f in records.flows.items()),
        *(("link", lid, (link.source, link.target)) for lid, link in records.links.items())]
    found = {r["id"]: r["element_id"] for r in _rows(
        tx, "UNWIND $ids AS nid MATCH (n:Node {id: nid}) RETURN n.id AS id, elementId(n) AS element_id",
        {"ids": sorted({end for _, _, ends in named for end in ends})})}
    for what, rid, ends in named:
        for end in ends:
            if end not in found:
                raise ValueError(f"{what} {rid} refers to missing node {end}")
    return found


def _too_large(location: str, exc: TransientError) -> TransactionTooLargeError:
    return TransactionTooLargeError(
        f"{location}: the load outgrew the server's transaction memory (dbms.memory.transaction.total.max; "
        f"a load is one transaction): give Neo4j more heap or load fewer sources at once ({exc.message})")


def _load(tx: ManagedTransaction, records: Records, replace: bool, location: str) -> None:
    """One load; running out of transaction memory is final (retrying the same load would not fit either)."""
    try:
        _write_load(tx, records, replace)
    except TransientError as exc:
        if exc.code != _OUT_OF_TX_MEMORY:
            raise
        raise _too_large(location, exc) from exc


def _write_load(tx: ManagedTransaction, records: Records, replace: bool) -> None:
    """Lock the store (the write lock on the bookkeeping node serialises concurrent loads), merge with what
    is stored exactly as the embedded store does, then write in batches: nodes by MERGE, flows and links the
    store does not hold by CREATE between their ends (checked to exist first), those it holds by SET on
    their stored version."""
    tx.run(f"MERGE (m:{META_LABEL} {{id: 'store'}}) SET m.loads = coalesce(m.loads, 0) + 1").consume()
    if replace:
        tx.run("MATCH (n:Node) DETACH DELETE n").consume()
        merged, held = Records(), {}
    else:
        merged, held = _stored(tx, records)
        merged.warnings = _warnings(tx)
    merged.update(records)
    for kind, nodes in _grouped((merged.nodes[i] for i in records.nodes), attrgetter("kind")).items():
        _write(tx, merge_nodes_statement(kind), node_row, nodes)
    ends = _ends(tx, records)

    def new(row: Callable[[T], dict[str, Any]]) -> Callable[[Flow | Link], dict[str, Any]]:
        return lambda item: {**row(item), "s": ends[item.source], "t": ends[item.target]}

    def stored(row: Callable[[T], dict[str, Any]]) -> Callable[[Flow | Link], dict[str, Any]]:
        return lambda item: {**row(item), "r": held[item.id]}

    for rel, flows in _grouped((merged.flows[i] for i in records.flows), _RELATION).items():
        fresh, known = _split(flows, held)
        _write(tx, create_flows_statement(rel), new(flow_row), fresh)
        _write(tx, update_flows_statement(rel), stored(flow_row), known)
    for rel, links in _grouped((merged.links[i] for i in records.links), _RELATION).items():
        fresh, known = _split(links, held)
        _write(tx, create_links_statement(rel), new(link_row), fresh)
        _write(tx, update_links_statement(rel), stored(link_row), known)
    tx.run(f"MATCH (m:{META_LABEL} {{id: 'store'}}) SET m.warnings = $warnings", {"warnings": merged.warnings}
           ).consume()


def _split(items: list[R], held: dict[str, str]) -> tuple[list[R], list[R]]:
    """``items`` that the store does not hold, and those it holds (``held``: by id); into a store that holds
    none of them, no id is asked for (a flow's id is a digest, checked for changes on every ask)."""
    if not held:
        return items, []
    return [i for i in items if i.id not in held], [i for i in items if i.id in held]


def _write(tx: ManagedTransaction, statement: str, row: Callable[[T], dict[str, Any]], items: list[T]) -> None:
    """Run ``statement`` over the rows of ``items`` in batches of :data:`BATCH`. The next batch's rows are
    built while the server writes the previous one (the result is consumed only then), so the client's
    work overlaps the server's."""
    pending = None
    for chunk in _chunks(items):
        rows = [row(item) for item in chunk]
        if pending is not None:
            pending.consume()
        pending = tx.run(statement, {"rows": rows})
    if pending is not None:
        pending.consume()
