"""Where a Neo4j trace's time goes, phase by phase, against the embedded store's trace of the same fields.

    NEO4J_PASSWORD=... python benchmarks/neo4j_trace.py [--uri bolt://127.0.0.1:7687] [--flows 100000]
        [--traces 50] [--rounds 3] [--keep]

The synthetic inventory of ``benchmarks/neo4j_load.py`` is loaded into the database at ``--uri`` (which is
emptied first; with ``--keep``, a database that already holds exactly that inventory's counts is used as
it is) and into an embedded store. Each of ``--traces`` fields is then traced ``--rounds`` times on both
stores, interleaved field by field so that both see the same minute of a shared machine, after five
warm-up traces; the first round is not counted.

Per Neo4j trace, the phases of :meth:`Neo4jStore.trace`: the round trip of the one statement
(``graph.neo4j_store.FIELD_FLOWS``), split into the server's own time (the result summary's
``result_available_after`` + ``result_consumed_after``) and the rest (the wire, the driver's decoding, the
session); the client's CPU time in that round trip (the driver sending and decoding); the bytes received
for it; unpacking the row into the walker's edges (``field_flows_of``, each flow's packed ``data``
decoded and its id computed); and the walk (``semantics.trace_paths``, the same function on both stores).
The round trip of the statement this work replaced (``PREVIOUS``: one list per flow, where the statement
now groups the flows by relation, field and source) is timed beside it for the same field (before it for
every other field), and must gather the same. Per embedded trace: gathering the field's flows from the
store's index (``field_flows``) and the same walk. A trace as the user calls it (the
collector paused, then restarted, see :meth:`Store.trace`) is timed apart, on both stores.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j._async_compat.network._bolt_socket as bolt_socket
from flowaudit.graph import semantics
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.graph.neo4j_store import FIELD_FLOWS, Neo4jStore, _edge, field_flows_of
from flowaudit.graph.store import FieldFlows
from flowaudit.inventory.bulk import collector_paused
from flowaudit.inventory.records import FLOW_RELATIONS
from neo4j import READ_ACCESS

sys.path.insert(0, str(Path(__file__).parent))
from neo4j_load import load_average, synthetic_records

#: The trace's statement before the flows were grouped (the baseline of the "previous statement" rows): one
#: list per flow, ``[source, target, relation, field, data]``, each end described once.
_PREVIOUS_BRANCHES = " UNION ALL ".join(
    f"MATCH (s)-[r:{rel}]->(t) USING INDEX SEEK r:{rel}(field) WHERE r.field IN fields "
    f"RETURN [s.id, t.id, '{rel}', r.field, r.data] AS e, s, t"
    for rel in FLOW_RELATIONS)
PREVIOUS = (
    "MATCH (f:Field) WHERE $key IN f.keys WITH f ORDER BY f.id LIMIT 1 "
    "CALL (f) { MATCH p = (a)-[:SUBSUMES*]->(f) WHERE a <> f WITH a, min(length(p)) AS d "
    "RETURN collect([a.id, d]) AS up, collect(a) AS ups } "
    "CALL (f) { MATCH p = (f)-[:SUBSUMES*]->(a) WHERE a <> f WITH a, min(length(p)) AS d "
    "RETURN collect([a.id, d]) AS down, collect(a) AS downs } "
    "WITH f, up, down, [f] + ups + downs AS fields_nodes "
    "WITH f, up, down, fields_nodes, [n IN fields_nodes | n.id] AS fields "
    f"CALL (fields) {{ CALL (fields) {{ {_PREVIOUS_BRANCHES} }} "
    "RETURN collect(e) AS edges, collect(DISTINCT s) AS ss, collect(DISTINCT t) AS ts } "
    "RETURN f.id AS id, f.kind AS kind, f.label AS label, up, down, edges, "
    "[n IN fields_nodes + ss + ts | [n.id, n.kind, n.label]] AS infos")


def previous_flows_of(row: Any) -> FieldFlows:
    """What :data:`PREVIOUS` gathers, read as :func:`field_flows_of` reads the trace's statement."""
    fid, kind, label, up, down, rows, infos = row.values()
    related = semantics.related_fields(fid, [(i, d) for i, d in up], [(i, d) for i, d in down])
    edges = sorted((_edge(*e) for e in rows), key=lambda e: e["id"])
    nodes = {i: {"id": i, "kind": k, "label": n} for i, k, n in infos} if edges else {}
    return FieldFlows({"id": fid, "kind": kind, "label": label}, related, edges, nodes)


_received = [0]
_recv_into = bolt_socket.BoltSocketBase.recv_into


def _counting_recv_into(self: Any, buffer: Any, nbytes: int) -> int:
    """The driver's socket read, counting the bytes (the driver offers no counter of its own)."""
    n = _recv_into(self, buffer, nbytes)
    _received[0] += n
    return n


bolt_socket.BoltSocketBase.recv_into = _counting_recv_into


def walk(found: FieldFlows) -> int:
    """The walk of :meth:`Store.trace` over ``found``; the number of paths."""
    kinds = {i: n["kind"] for i, n in found.nodes.items()}
    starts = sorted(semantics.start_nodes(found.edges, kinds))
    return len(semantics.trace_paths(found.edges, starts, found.related, found.nodes, found.field["label"]))


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    """``action()`` and its wall time in ms."""
    t = time.perf_counter()
    out = action()
    return out, (time.perf_counter() - t) * 1000


def round_trip(neo: Neo4jStore, statement: str, key: str) -> tuple[Any, dict[str, float]]:
    """The one row of ``statement`` for ``key``, and its round trip: wall and server ms, client CPU ms, KB."""
    received, cpu, t = _received[0], time.process_time(), time.perf_counter()
    with neo.driver.session(database=neo.database, default_access_mode=READ_ACCESS) as session:
        result = session.run(statement, {"key": key})
        row = result.single(strict=False)
        summary = result.consume()
    wall = (time.perf_counter() - t) * 1000
    server = (summary.result_available_after or 0) + (summary.result_consumed_after or 0)
    return row, {"round trip": wall, "  server": server, "  wire, driver, session": wall - server,
                 "  client CPU in it": (time.process_time() - cpu) * 1000,
                 "  KB received": (_received[0] - received) / 1000}


def neo4j_phases(neo: Neo4jStore, label: str, previous_first: bool) -> dict[str, float]:
    """One Neo4j trace of ``label``, phase by phase (ms, KB), and the previous statement's round trip for it."""
    with collector_paused():
        key = semantics.query_key(label)
        if previous_first:
            before, previous = round_trip(neo, PREVIOUS, key)
        row, phases = round_trip(neo, FIELD_FLOWS, key)
        found, phases["unpack"] = timed(lambda: field_flows_of(row))
        phases["paths"], phases["walk"] = timed(lambda: walk(found))
        if not previous_first:
            before, previous = round_trip(neo, PREVIOUS, key)
        if previous_flows_of(before) != found:
            raise SystemExit(f"the previous statement gathers something else for {label!r}")
    return {**phases, **{f"{k} (previous)": v for k, v in previous.items()}}


def embedded_phases(store: EmbeddedStore, label: str) -> dict[str, float]:
    """One embedded trace of ``label``, phase by phase (ms)."""
    with collector_paused():
        found, gather = timed(lambda: store.field_flows(label))
        paths, walk_ms = timed(lambda: walk(found))
    return {"field_flows": gather, "walk": walk_ms, "paths": paths}


def p50(rows: list[dict[str, float]], key: str) -> float:
    """The median of ``key`` over ``rows``."""
    return statistics.median(r[key] for r in rows)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uri", default="bolt://127.0.0.1:7687")
    ap.add_argument("--flows", type=int, default=100_000)
    ap.add_argument("--traces", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="use a database that already holds the inventory")
    args = ap.parse_args(argv)

    records = synthetic_records(args.flows)
    rng = random.Random(11)  # the fields of neo4j_load.py's trace table, in its order
    labels = [records.nodes[f"field:synthetic_f{rng.randrange(1000)}"].label for _ in range(args.traces)]
    embedded = EmbeddedStore()
    embedded.load(records)
    with Neo4jStore(args.uri) as neo:
        held = neo.counts()
        wanted = {"nodes": len(records.nodes), "flows": len(records.flows), "links": len(records.links)}
        if not (args.keep and held == wanted):
            _, load_ms = timed(lambda: neo.load(records, replace=True))
            print(f"loaded {len(records.flows)} flows into {args.uri} in {load_ms / 1000:.1f} s")
        before = load_average()
        neo_rows: list[dict[str, float]] = []
        emb_rows: list[dict[str, float]] = []
        neo_trace: list[float] = []
        emb_trace: list[float] = []
        for label in labels[:5]:  # warm up: the server compiles the statement, the embedded store indexes
            neo.trace(label)
            embedded.trace(label)
        for round_ in range(args.rounds):
            for i, label in enumerate(labels):
                phases = (neo4j_phases(neo, label, i % 2 == 1), embedded_phases(embedded, label))
                traces = (timed(lambda label=label: neo.trace(label)), timed(lambda label=label: embedded.trace(label)))
                if phases[0]["paths"] != phases[1]["paths"] or len(traces[0][0]) != len(traces[1][0]):
                    raise SystemExit(f"the stores disagree on {label!r}")
                if round_:
                    neo_rows.append(phases[0])
                    emb_rows.append(phases[1])
                    neo_trace.append(traces[0][1])
                    emb_trace.append(traces[1][1])
        after = load_average()

    n = len(neo_rows)
    print(f"{n} traces of {len(labels)} fields on {len(records.flows)} flows, {p50(neo_rows, 'paths'):.0f} paths "
          f"per field (median); load average {before} before, {after} after")
    print(f"{'phase (median per trace)':<34}{'Neo4j':>10}{'embedded':>10}")
    for key in ("round trip", "  server", "  wire, driver, session", "  client CPU in it", "  KB received",
                "unpack"):
        print(f"{key:<34}{p50(neo_rows, key):>10.2f}{'':>10}")
    for key in ("round trip", "  server", "  wire, driver, session", "  client CPU in it", "  KB received"):
        print(f"{key + ' (previous)':<34}{p50(neo_rows, key + ' (previous)'):>10.2f}{'':>10}")
    print(f"{'field_flows (the index)':<34}{'':>10}{p50(emb_rows, 'field_flows'):>10.2f}")
    print(f"{'walk':<34}{p50(neo_rows, 'walk'):>10.2f}{p50(emb_rows, 'walk'):>10.2f}")
    neo_p50, emb_p50 = statistics.median(neo_trace), statistics.median(emb_trace)
    print(f"{'trace() as called, p50 ms':<34}{neo_p50:>10.2f}{emb_p50:>10.2f}")
    print(f"Neo4j p50 / embedded p50: {neo_p50 / emb_p50:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
