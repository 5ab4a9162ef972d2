"""Neo4j load and trace speed on a synthetic inventory, against baselines measured in the same run.

    NEO4J_PASSWORD=... python benchmarks/neo4j_load.py [--uri bolt://127.0.0.1:7687] [--flows 100000]
        [--per-flow-sample 5000] [--traces 50] [--batches 1000 2000 5000 10000 20000] [--curve-flows 20000]

Batch size: the same ``--curve-flows`` flows are loaded (one transaction each time, into an emptied
store) with each of ``--batches`` rows per UNWIND statement, and the rows/s curve is printed; the batch
size of the store (``graph.neo4j_store.BATCH``) is the one this curve picked.

Loads: the batched load (one transaction for the whole load: the read-back of what the store holds,
then UNWIND … CREATE of the new flows) against one transaction per flow running the same CREATE
statement, on the same server. One transaction per flow is measured
on a sample (``--per-flow-sample``, 0 to skip it) of the same flows, since at 100,000 flows it would
take minutes; both are reported in rows/s. Traces: p50/p95 latency of ``trace`` over the same fields on
the same graph, in the embedded store and in Neo4j, each after the same five warm-up traces (the first
one, timed apart, is where the embedded store builds its index), with the paths per field, the time per
path, and the full collections of Python's garbage collector that ran during the timed traces. The
database at ``--uri`` is emptied first.

The machine may be shared: the load average is printed before and after the loads, and each load
also reports the CPU seconds of this process and, when the server runs on this machine, of the
server's process, with the rows per server CPU-second (a figure that other work on the machine
changes far less than the wall-clock rate).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import psutil
from flowaudit.graph import neo4j_store
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.graph.neo4j_store import Neo4jStore, create_flows_statement, flow_row
from flowaudit.graph.store import Store
from flowaudit.inventory.records import Evidence, Flow, Link, Node, Records

RECIPIENT_KINDS = ("processor", "supplier", "affiliate", "recipient")


def synthetic_records(n_flows: int, seed: int = 7) -> Records:
    """An inventory with ``n_flows`` distinct flows: subjects → collection points → first parties →
    recipients, over 1,000 fields in 50 categories under one root, each flow quoting a sentence."""
    rng = random.Random(seed)
    out = Records()

    def node(kind: str, key: str, label: str) -> str:
        return out.add_node(Node(id=f"{kind}:{key}", kind=kind, label=label)).id

    root = node("field", "synthetic_personal", "synthetic personal data")
    categories = [node("field", f"synthetic_c{c}", f"synthetic category {c}") for c in range(50)]
    fields = [node("field", f"synthetic_f{f}", f"synthetic field {f}") for f in range(1000)]
    for c in categories:
        out.add_link(Link(source=root, target=c, relation="SUBSUMES"))
    for i, f in enumerate(fields):
        out.add_link(Link(source=categories[i % 50], target=f, relation="SUBSUMES"))
    subjects = [node("data_subject", f"subject_{i}", f"subject {i}") for i in range(10)]
    points = [node("collection_point", f"point_{i}", f"collection point {i}") for i in range(40)]
    firsts = [node("first_party", f"company_{i}", f"company {i}") for i in range(2)]
    recipients = [node(RECIPIENT_KINDS[i % 4], f"party_{i}", f"party {i}") for i in range(2000)]
    stages = ((subjects, points, "COLLECTS", "collect"), (points, firsts, "COLLECTS", "collect"),
              (firsts, recipients, "SHARES_WITH", "share"), (firsts, recipients, "DISCLOSES_TO", "disclose"))
    while len(out.flows) < n_flows:
        sources, targets, relation, action = rng.choices(stages, weights=(30, 10, 50, 10))[0]
        field = rng.choice(categories) if rng.random() < 0.05 else rng.choice(fields)
        negative = relation == "DISCLOSES_TO" and rng.random() < 0.3
        sentence = len(out.flows) + 1
        out.add_flow(Flow(
            field=field, source=rng.choice(sources), target=rng.choice(targets), action=action,
            relation=relation, polarity="-" if negative else "+",
            conditions=["when required by law"] if relation == "DISCLOSES_TO" and not negative else [],
            purposes=[rng.choice(("billing", "fraud prevention", "marketing"))],
            evidence=[Evidence(source="synthetic.md", locator=f"sentence {sentence}", sentence=sentence,
                               text=f"Synthetic sentence {sentence} stating a flow of {field}.")]))
    return out


@dataclass
class Measured:
    """One timed load: rows written, wall seconds, CPU seconds of this process and of the server."""

    rows: int
    wall: float
    client_cpu: float
    server_cpu: float | None

    def cells(self) -> str:
        """The table cells: rows, seconds, rows/s, client and server CPU seconds, rows per server CPU-second."""
        server = (f"{self.server_cpu:>10.2f}{self.rows / self.server_cpu:>12.0f}" if self.server_cpu
                  else f"{'-':>10}{'-':>12}")
        return (f"{self.rows:>9}{self.wall:>10.2f}{self.rows / self.wall:>10.0f}{self.client_cpu:>10.2f}"
                f"{server}")


HEADER = f"{'flows':>9}{'seconds':>10}{'rows/s':>10}{'client s':>10}{'server s':>10}{'rows/srv s':>12}"


def server_process(uri: str) -> psutil.Process | None:
    """The process listening on ``uri``'s port when the server runs on this machine, else None."""
    parsed = urlparse(uri)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None
    port = parsed.port or 7687
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return psutil.Process(conn.pid)
    except psutil.Error:
        return None
    return None


def measure(server: psutil.Process | None, rows: int, action: Callable[[], object]) -> Measured:
    """Run ``action`` and measure it."""
    def server_cpu() -> float:
        times = server.cpu_times() if server else None
        return times.user + times.system if times else 0.0
    cpu, srv, t = time.process_time(), server_cpu(), time.perf_counter()
    action()
    wall = time.perf_counter() - t
    return Measured(rows, wall, time.process_time() - cpu, server_cpu() - srv if server else None)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the number of cores."""
    return f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def per_flow(store: Neo4jStore, flows: list[Flow]) -> float:
    """Seconds to write ``flows`` with one transaction (one single-row CREATE) each."""
    with store.driver.session(database=store.database) as session:
        ends = {r["id"]: r["e"] for r in session.run("MATCH (n:Node) RETURN n.id AS id, elementId(n) AS e")}
        t = time.perf_counter()
        for flow in flows:
            statement = create_flows_statement(flow.relation)
            rows = [{**flow_row(flow), "s": ends[flow.source], "t": ends[flow.target]}]
            session.execute_write(lambda tx, s=statement, r=rows: tx.run(s, {"rows": r}).consume())
        return time.perf_counter() - t


@dataclass
class Traces:
    """Latencies of traces, the paths each found, and the full collections of the garbage collector that ran
    while they did (count and seconds)."""

    times: list[float] = field(default_factory=list)
    paths: list[int] = field(default_factory=list)
    full_collections: int = 0
    collector_s: float = 0.0


def trace_times(store: Store, labels: list[str]) -> Traces:
    """Trace each of ``labels`` in turn, timing each trace and watching the collector's full collections."""
    out, started = Traces(), [0.0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2 and phase == "start":
            started[0] = time.perf_counter()
        elif info["generation"] == 2:
            out.full_collections += 1
            out.collector_s += time.perf_counter() - started[0]

    gc.callbacks.append(watch)
    try:
        for label in labels:
            t = time.perf_counter()
            out.paths.append(len(store.trace(label)))
            out.times.append(time.perf_counter() - t)
    finally:
        gc.callbacks.remove(watch)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uri", default="bolt://127.0.0.1:7687")
    ap.add_argument("--flows", type=int, default=100_000)
    ap.add_argument("--per-flow-sample", type=int, default=5_000)
    ap.add_argument("--traces", type=int, default=50)
    ap.add_argument("--batches", type=int, nargs="+", default=[1_000, 2_000, 5_000, 10_000, 20_000])
    ap.add_argument("--curve-flows", type=int, default=20_000)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    records = synthetic_records(args.flows)
    print(f"synthetic inventory: {len(records.nodes)} nodes, {len(records.flows)} flows, {len(records.links)} links "
          f"(generated in {time.perf_counter() - t:.1f} s)")
    skeleton = Records(nodes=records.nodes, links=records.links)
    sample = list(records.flows.values())[:args.per_flow_sample]
    rng = random.Random(11)
    labels = [records.nodes[f"field:synthetic_f{rng.randrange(1000)}"].label for _ in range(args.traces)]

    curve: list[tuple[int, Measured]] = []
    server = server_process(args.uri)
    before = load_average()
    with Neo4jStore(args.uri) as neo:
        part = Records(nodes=records.nodes, links=records.links,
                       flows=dict(list(records.flows.items())[:args.curve_flows]))
        chosen = neo4j_store.BATCH
        for batch in args.batches:
            neo.load(skeleton, replace=True)
            neo4j_store.BATCH = batch
            curve.append((batch, measure(server, len(part.flows), lambda: neo.load(Records(flows=part.flows)))))
        neo4j_store.BATCH = chosen
        neo.load(Records(), replace=True)
        neo.load(skeleton)
        per_flow_s = per_flow(neo, sample) if sample else 0.0
        neo.load(skeleton, replace=True)
        batched = measure(server, len(records.flows), lambda: neo.load(records))
        after = load_average()
        assert neo.counts()["flows"] == len(records.flows)
        neo_first = trace_times(neo, labels[:5])  # warm up: the server compiles each statement once
        neo_traces = trace_times(neo, labels)

    embedded = EmbeddedStore()
    t = time.perf_counter()
    embedded.load(records)
    embedded_load_s = time.perf_counter() - t
    emb_first = trace_times(embedded, labels[:5])  # warm up alike: the first query after a load builds the index
    emb_traces = trace_times(embedded, labels)
    assert emb_traces.paths == neo_traces.paths, "the stores disagree"

    per_flow_rate = len(sample) / per_flow_s if sample else 0.0
    print(f"\nloads into {args.uri} (load average {before} before, {after} after)")
    print(f"{'method':<46}{HEADER}")
    print(f"{'batched: read-back, UNWIND … CREATE, one tx':<46}{batched.cells()}")
    if sample:
        print(f"{'one transaction per flow (sample)':<46}{len(sample):>9}{per_flow_s:>10.2f}{per_flow_rate:>10.0f}")
    print(f"{'embedded store load (in memory)':<46}{len(records.flows):>9}{embedded_load_s:>10.2f}"
          f"{len(records.flows) / embedded_load_s:>10.0f}")
    if sample:
        print(f"speed-up of batching: {batched.rows / batched.wall / per_flow_rate:.1f}×")
    print(f"\nbatch size curve ({args.curve_flows} flows, one transaction each; the store uses {chosen})")
    print(f"{'rows per statement':<20}{HEADER}")
    for batch, measured in curve:
        print(f"{batch:<20}{measured.cells()}")
    paths = emb_traces.paths
    print(f"\ntrace latency over {len(labels)} fields ({sum(paths)} paths in all, {statistics.mean(paths):.0f} per "
          f"field on average, {max(paths)} at most), after {len(emb_first.times)} warm-up traces")
    print(f"{'store':<12}{'first ms':>10}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'mean ms':>10}{'µs/path':>10}"
          f"{'full GCs':>10}{'GC ms':>8}")
    for name, first, traces in (("embedded", emb_first, emb_traces), ("neo4j", neo_first, neo_traces)):
        times = traces.times
        print(f"{name:<12}{first.times[0] * 1000:>10.1f}{percentile(times, 0.5) * 1000:>10.1f}"
              f"{percentile(times, 0.95) * 1000:>10.1f}{max(times) * 1000:>10.1f}{statistics.mean(times) * 1000:>10.1f}"
              f"{sum(times) / sum(paths) * 1e6:>10.1f}{traces.full_collections:>10}{traces.collector_s * 1000:>8.0f}")
    print("first: the first trace after the load (the embedded store builds its index then); full GCs: full "
          "collections of Python's garbage collector during the timed traces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
