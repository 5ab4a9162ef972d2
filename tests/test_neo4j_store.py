"""The Neo4j store on a real server: schema, CLI, connection faults, hostile input, a server killed mid-load."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flowaudit.graph import neo4j_store
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.graph.neo4j_store import KIND_LABELS, SCHEMA, Neo4jStore, StaleFlowError, StoreUnavailableError
from flowaudit.graph.store import QueryError, Store
from flowaudit.inventory.records import Evidence, Flow, Node, Records
from flowaudit.loaders.sources import extract

from flowaudit.cli import main
from tests.conftest import SEED
from tests.neo4j_fixtures import (
    SERVER_SCRIPT,
    java_missing,
    local_uri,
    neo4j_auth,
    neo4j_home,
    unavailable,
    wipe,
)

pytest_plugins = ("tests.neo4j_fixtures",)

HOSTILE = "Robert'); \"}) DETACH DELETE n // `MATCH (n) DETACH DELETE n` $fields {x: 1}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def neo4j_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """NEO4J_USERNAME / NEO4J_PASSWORD set for the CLI; the local server's URI."""
    user, password = neo4j_auth()
    monkeypatch.setenv("NEO4J_USERNAME", user)
    monkeypatch.setenv("NEO4J_PASSWORD", password)
    return local_uri()


# ---------------------------------------------------------------- schema and model

def test_schema_is_created_idempotently(neo4j_store: Neo4jStore):
    neo4j_store.ensure_schema()
    # a store prepared by an earlier version has a uniqueness constraint on the flows' id: it goes
    neo4j_store.driver.execute_query(
        "CREATE CONSTRAINT shares_with_id IF NOT EXISTS FOR ()-[r:SHARES_WITH]-() REQUIRE r.id IS UNIQUE")
    again = Neo4jStore(neo4j_store.location, auth=neo4j_auth())
    again.ensure_schema()
    again.ensure_schema()
    again.close()
    constraints = {r["name"] for r in neo4j_store.driver.execute_query("SHOW CONSTRAINTS").records}
    indexes = {r["name"] for r in neo4j_store.driver.execute_query("SHOW INDEXES").records}
    assert constraints == {"node_id", "store_id"}
    assert {"node_kind", "node_label", "shares_with_field", "collects_field"} <= indexes
    assert "shares_with_id" not in indexes


def test_nodes_carry_their_kind_label_and_flows_their_relation_type(neo4j_store: Neo4jStore, seed_records):
    neo4j_store.load(seed_records)
    rows = neo4j_store.driver.execute_query(
        "MATCH (n:Node) RETURN n.kind AS kind, [x IN labels(n) WHERE x <> 'Node'] AS labels").records
    assert rows and all(r["labels"] == [KIND_LABELS[r["kind"]]] for r in rows)
    types = {r["t"]: r["n"] for r in neo4j_store.driver.execute_query(
        "MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS n").records}
    expected: dict[str, int] = {}
    for item in (*seed_records.flows.values(), *seed_records.links.values()):
        expected[item.relation] = expected.get(item.relation, 0) + 1
    assert types == expected


def test_trace_without_the_field_indexes_gives_the_same_answer(neo4j_store: Neo4jStore, seed_records):
    """The one-statement trace forces the field indexes; where one is missing (a database no flowaudit load
    prepared, or an index dropped) the trace asks the primitives instead, with the same answer."""
    neo4j_store.load(seed_records)
    with_index = neo4j_store.trace("credit card number")
    assert with_index and neo4j_store._field_indexes_online()
    neo4j_store.driver.execute_query("DROP INDEX tracks_with_field")
    try:
        bare = Neo4jStore(neo4j_store.location, auth=neo4j_auth())
        assert not bare._field_indexes_online()
        assert bare.trace("credit card number") == with_index
        with pytest.raises(QueryError, match="shoe size"):
            bare.trace("shoe size")
        bare.close()
    finally:
        neo4j_store.driver.execute_query(next(s for s in SCHEMA if "tracks_with_field" in s))


def test_one_statement_gathers_what_the_primitives_gather_for_every_field(neo4j_store: Neo4jStore, seed_records):
    """The trace's one statement (``FIELD_FLOWS``) against the store's primitives, field by field: the field,
    its broader and narrower fields, their flows in id order with parsed evidence, and each node they name;
    fields that no flow carries come back with no edges."""
    neo4j_store.load(seed_records)
    unused = Records()
    unused.add_node(Node(id="field:shoe_size", kind="field", label="shoe size"))
    neo4j_store.load(unused)
    labels = sorted({n.label for n in seed_records.nodes.values() if n.kind == "field"} | {"shoe size"})
    seen_broader = False
    for label in labels:
        one, generic = neo4j_store.field_flows(label), Store.field_flows(neo4j_store, label)
        assert one == generic, label
        seen_broader |= any(match == "broader" for match, _ in one.related.values()) and bool(one.edges)
    assert seen_broader
    assert neo4j_store.field_flows("shoe size") == ({"id": "field:shoe_size", "kind": "field", "label": "shoe size"},
                                                    {"field:shoe_size": ("exact", 0)}, [], {})


# ---------------------------------------------------------------- the CLI on Neo4j

def test_cli_load_and_trace_on_neo4j_match_the_embedded_answers(neo4j_store, neo4j_env, capsys, tmp_path):
    assert main(["load", str(SEED), "--store", neo4j_env]) == 0
    assert "now" in capsys.readouterr().err
    for command in (["trace", "credit card number"], ["recipients", "e-mail address"], ["matrix"]):
        assert main([*command, "--store", neo4j_env, "--format", "json"]) == 0
        on_neo4j = capsys.readouterr().out
        assert main([*command, str(SEED), "--format", "json"]) == 0
        assert on_neo4j == capsys.readouterr().out
    other = tmp_path / "other.md"
    other.write_text("We share your e-mail address with advertisers.\n", encoding="utf-8")
    assert main(["load", str(other), "--store", neo4j_env, "--replace"]) == 0
    capsys.readouterr()
    assert neo4j_store.records().to_dict() == extract([other]).to_dict()


def test_a_flow_stored_by_an_earlier_version_is_a_clear_error_until_replaced(neo4j_store, neo4j_env, capsys):
    """A flow written before flows were packed in ``data`` (its parts as separate properties, as earlier
    versions stored them): reading it names the store, the flow and the fix, exits 2 without a traceback,
    and ``load --replace`` clears it."""
    assert main(["load", str(SEED), "--store", neo4j_env]) == 0
    field = neo4j_store.match_nodes("credit card number", ("field",))[0]["id"]
    ends = neo4j_store.driver.execute_query(
        "MATCH (s:Node)-[r:SHARES_WITH]->(t:Node) WITH s, t, r ORDER BY r.field, s.id, t.id LIMIT 1 "
        "CREATE (s)-[:SHARES_WITH {id: 'flow:stored-before-packing', field: $field, action: 'share', "
        "polarity: '+', purposes: [], conditions: [], basis: 'stated', evidence_json: '[]', props_json: '{}'}]->(t) "
        "RETURN s.id AS s, t.id AS t", field=field).records[0]
    stale = re.escape(f"SHARES_WITH flow {ends['s']} -> {ends['t']}")
    with pytest.raises(StaleFlowError, match=stale + " was stored by an earlier .*--replace"):
        neo4j_store.records()
    capsys.readouterr()
    for command in (["trace", "credit card number"], ["matrix"]):
        assert main([*command, "--store", neo4j_env]) == 2, command
        err = capsys.readouterr().err
        assert re.match(f"flowaudit: error: {re.escape(neo4j_env)}: {stale} was stored by an earlier flowaudit "
                        "version", err), err
        assert "--replace" in err and "Traceback" not in err
    neo4j_store.driver.execute_query("MATCH ()-[r {id: 'flow:stored-before-packing'}]->() SET r.data = '[1]'")
    with pytest.raises(StaleFlowError, match=stale + ": its packed data cannot"):
        neo4j_store.trace("credit card number")
    assert main(["load", str(SEED), "--store", neo4j_env, "--replace"]) == 0
    assert main(["trace", "credit card number", "--store", neo4j_env]) == 0


def test_unreachable_server_exits_2_naming_the_uri(monkeypatch, capsys):
    monkeypatch.setenv("NEO4J_PASSWORD", "whatever-it-is")
    uri = f"bolt://127.0.0.1:{free_port()}"
    started = time.monotonic()
    assert main(["trace", "e-mail address", "--store", uri]) == 2
    assert time.monotonic() - started < 30  # the driver's connection timeout
    err = capsys.readouterr().err
    assert err.startswith(f"flowaudit: error: {uri}: cannot reach Neo4j")
    assert "Traceback" not in err


def test_wrong_password_exits_2_naming_the_uri(neo4j_server, neo4j_env, monkeypatch, capsys):
    monkeypatch.setenv("NEO4J_PASSWORD", "not-the-password")
    assert main(["matrix", "--store", neo4j_env]) == 2
    assert f"{neo4j_env}: Neo4j refused the login" in capsys.readouterr().err


# ---------------------------------------------------------------- hostile input is data

def test_hostile_policy_sentence_is_stored_as_data(neo4j_store: Neo4jStore, seed_records, tmp_path):
    neo4j_store.load(seed_records)
    policy = tmp_path / "hostile.md"
    sentence = ("We share your e-mail address with \"payment processors\"}) DETACH DELETE n // and with "
                "`MATCH (n) DETACH DELETE n` partners named Robert'); DROP TABLE users;-- when required by law.")
    policy.write_text(f"# Privacy policy\n\n{sentence}\n", encoding="utf-8")
    hostile = extract([policy])
    assert any(sentence in e.text for f in hostile.flows.values() for e in f.evidence)
    neo4j_store.load(hostile)
    expected = EmbeddedStore()
    expected.load(seed_records)
    expected.load(hostile)
    assert neo4j_store.records().to_dict() == expected.records().to_dict()
    quoted = [e["evidence"] for e in neo4j_store.recipients("e-mail address") if e["recipient"]["kind"] == "processor"]
    assert any(sentence in ev["text"] for evs in quoted for ev in evs)


def test_hostile_ids_labels_and_queries_are_data(neo4j_store: Neo4jStore):
    records = Records()
    field = records.add_node(Node(id=f"field:{HOSTILE}", kind="field", label=f"card {HOSTILE}", aliases=[HOSTILE],
                                  properties={HOSTILE: [HOSTILE]}))
    first = records.add_node(Node(id="first_party:x`) DETACH DELETE n", kind="first_party", label="`n`"))
    target = records.add_node(Node(id="recipient:}]->() DELETE r //", kind="recipient", label="'}) //"))
    records.add_flow(Flow(field=field.id, source=first.id, target=target.id, action=HOSTILE, relation="SHARES_WITH",
                          conditions=[HOSTILE], purposes=[HOSTILE],
                          evidence=[Evidence(source=HOSTILE, locator=HOSTILE, text=HOSTILE)]))
    neo4j_store.load(records)
    assert neo4j_store.records().to_dict() == records.to_dict()
    [path] = neo4j_store.trace(HOSTILE)
    assert [n["id"] for n in path["nodes"]] == [first.id, target.id]
    assert path["edges"][0]["evidence"][0]["text"] == HOSTILE
    with pytest.raises(QueryError):
        neo4j_store.trace("x'}) MATCH (n) DETACH DELETE n //")
    assert neo4j_store.counts() == {"nodes": 3, "flows": 1, "links": 0}


def test_labels_types_and_bounds_come_from_whitelists_only():
    with pytest.raises(ValueError):
        neo4j_store.merge_nodes_statement("field:Node) DETACH DELETE n //")
    with pytest.raises(ValueError):
        neo4j_store.create_flows_statement("SUBSUMES]->() DETACH DELETE r //")
    with pytest.raises(ValueError):
        neo4j_store.update_flows_statement("SUBSUMES")
    with pytest.raises(ValueError):
        neo4j_store.create_links_statement("SHARES_WITH")
    with pytest.raises(ValueError):
        neo4j_store.update_links_statement("SHARES_WITH")


# ---------------------------------------------------------------- a server killed in the middle of a load

class ScratchServer:
    """A second Neo4j server of its own on ``port``, with its data in ``data``, that a test may kill. It
    runs from the shared Neo4j home (``scripts/neo4j-server`` keeps one instance per port there), so the
    jars are fetched once and kept for later runs."""

    def __init__(self, data: Path, port: int):
        self.port, self.data = port, data
        self.uri = local_uri(port)
        self.env = {**os.environ, "NEO4J_PORT": str(port), "NEO4J_DATA_DIR": str(data),
                    "NEO4J_PASSWORD": neo4j_auth()[1]}
        self.home = neo4j_home()

    def _script(self, command: str) -> None:
        done = subprocess.run([str(SERVER_SCRIPT), command], env=self.env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, f"neo4j-server {command} failed:\n{done.stdout}\n{done.stderr}"

    def start(self) -> None:
        """Start the server and wait until Bolt answers."""
        self._script("start")

    def stop(self) -> None:
        """Stop the server (nothing to do if it is not running)."""
        self._script("stop")

    def kill(self) -> None:
        """SIGKILL the server's JVM and wait until it is gone."""
        pid = int((self.home / "instances" / str(self.port) / "run" / "neo4j-server.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and " Z " not in _stat(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        # the leader thread turns zombie before the JVM's other threads have closed the Bolt socket
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    break
            time.sleep(0.1)


def _stat(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return " Z "


@pytest.fixture(scope="module")
def scratch_server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
                   ) -> Iterator[ScratchServer]:
    """A second server, so killing it leaves the shared one alone."""
    why = java_missing()
    if why:
        unavailable(f"{why}: cannot start a Neo4j server to kill")
    if shutil.which("flock") is None or shutil.which("setsid") is None:
        unavailable("scripts/neo4j-server needs flock and setsid")
    # FLOWAUDIT_SCRATCH_NEO4J_PORT: on a machine where only some ports may be used
    port = int(os.environ.get("FLOWAUDIT_SCRATCH_NEO4J_PORT") or free_port())
    server = ScratchServer(tmp_path_factory.mktemp("neo4j-scratch") / "data", port)
    if not (server.home / "lib" / ".complete").exists():
        say = request.config.pluginmanager.get_plugin("terminalreporter")
        message = (f"\nstarting a scratch Neo4j server: fetching Neo4j into {server.home} first (once, about "
                   "125 MB from Maven Central; later runs reuse it)")
        if say:
            say.write_line(message)
        else:
            print(message, file=sys.stderr)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def bulk_records(n_flows: int) -> Records:
    """``n_flows`` (at most 40,000) flows from a first party to 200 processors over 200 fields, each quoting
    a sentence."""
    out = Records()
    first = out.add_node(Node(id="first_party:bulk", kind="first_party", label="bulk company"))
    fields = [out.add_node(Node(id=f"field:bulk_{i}", kind="field", label=f"bulk field {i}")) for i in range(200)]
    parties = [out.add_node(Node(id=f"processor:bulk_{i}", kind="processor", label=f"bulk processor {i}"))
               for i in range(200)]
    for i in range(n_flows):
        out.add_flow(Flow(field=fields[i % 200].id, source=first.id, target=parties[i // 200 % 200].id,
                          action="share", relation="SHARES_WITH",
                          evidence=[Evidence(source="bulk.md", locator=f"sentence {i}", sentence=i,
                                             text=f"Bulk sentence {i}: we share bulk field {i % 200}.")]))
    return out


def load_and_kill(server: ScratchServer, store: Neo4jStore, records: Records) -> list[BaseException]:
    """Start loading ``records`` in a thread, SIGKILL the server while the flows are being written,
    and return the thread's outcome (empty: the load succeeded) once the server is back up."""
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            store.load(records)
        except BaseException as exc:  # reported to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    watcher = Neo4jStore(server.uri, auth=neo4j_auth(), max_retry_time=0)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and thread.is_alive():
        running = watcher.driver.execute_query("SHOW TRANSACTIONS YIELD currentQuery").records
        if any("CREATE (s)-[:SHARES_WITH" in r["currentQuery"] for r in running):
            break
        time.sleep(0.05)
    # killed as soon as a flow statement runs: a load of 30,000 flows now writes them in under a second,
    # and a kill that lands in the commit leaves its outcome unknown to the driver, which cannot retry it
    assert thread.is_alive(), "the load ended before the server could be killed"
    server.kill()
    watcher.close()
    server.start()
    thread.join(timeout=180)
    assert not thread.is_alive()
    return outcome


def test_server_killed_mid_load_leaves_no_partial_load(scratch_server: ScratchServer, seed_records, caplog):
    big = bulk_records(30_000)
    expected = EmbeddedStore()
    expected.load(seed_records)
    expected.load(big)

    # Without retries the load fails, and the server comes back with the graph as it was.
    store = Neo4jStore(scratch_server.uri, auth=neo4j_auth(), max_retry_time=0)
    wipe(store)
    store.load(seed_records)
    outcome = load_and_kill(scratch_server, store, big)
    assert len(outcome) == 1 and isinstance(outcome[0], StoreUnavailableError), outcome
    assert scratch_server.uri in str(outcome[0])
    assert store.counts() == {"nodes": len(seed_records.nodes), "flows": len(seed_records.flows),
                              "links": len(seed_records.links)}
    assert store.records().to_dict() == seed_records.to_dict()
    store.load(big)
    assert store.records().to_dict() == expected.records().to_dict()
    store.close()

    # With the driver's retries the load outlives the restart and lands exactly once.
    store = Neo4jStore(scratch_server.uri, auth=neo4j_auth(), max_retry_time=120)
    store.load(seed_records, replace=True)
    with caplog.at_level(logging.WARNING, logger="neo4j"):
        assert load_and_kill(scratch_server, store, big) == []
    assert any("will be retried" in r.getMessage() for r in caplog.records)
    assert store.counts() == expected.counts()
    assert store.trace("bulk field 7") == expected.trace("bulk field 7")
    store.close()
