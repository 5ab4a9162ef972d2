"""Both stores give the same JSON answers: trace, recipients, fields, the sharing matrix, the systems and the
audit.

Every test runs on the embedded store (saved to a file and read back) and on Neo4j, and compares
the answers with those of an in-memory embedded store of the same sources.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flowaudit.graph import audit
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.graph.store import QueryError, Store
from flowaudit.inventory.records import Flow, Node, Records
from flowaudit.loaders.sources import extract

from tests.conftest import EXAMPLE_EVIDENCE, ROOT, SEED

pytest_plugins = ("tests.neo4j_fixtures",)

FIDES_PROJECT = ROOT / "tests" / "data" / "evidence" / "fides"
INVENTORIES = {"seed": [SEED], "seed+evidence": [SEED, *EXAMPLE_EVIDENCE], "seed+fides": [SEED, FIDES_PROJECT]}


def as_json(answer: Any) -> str:
    """The answer as the CLI prints it (order included)."""
    return json.dumps(answer, indent=1, ensure_ascii=False)


@pytest.fixture(scope="module", params=list(INVENTORIES))
def inventory(request: pytest.FixtureRequest) -> Records:
    """The records of the seed policy, alone and with the example evidence."""
    return extract(INVENTORIES[request.param])


@pytest.fixture(scope="module")
def reference(inventory: Records) -> EmbeddedStore:
    """The answers every store must give: an in-memory embedded store of the same records."""
    store = EmbeddedStore()
    store.load(inventory)
    return store


@pytest.fixture(params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path, inventory: Records) -> Store:
    """The inventory loaded into each kind of store."""
    if request.param == "neo4j":
        neo = request.getfixturevalue("neo4j_store")
        neo.load(inventory)
        return neo
    EmbeddedStore(tmp_path / "store.json").load(inventory)
    return EmbeddedStore(tmp_path / "store.json")


def test_trace_answers_are_identical(store: Store, reference: EmbeddedStore):
    fields = [f["label"] for f in reference.cited_fields()]
    assert len(fields) > 20
    for label in fields:
        assert as_json(store.trace(label)) == as_json(reference.trace(label)), label
    card = store.trace("credit card number")
    assert any(p["recipient"]["label"] == "payment processor" and p["polarity"] == "+" for p in card)


def test_recipients_and_fields_answers_are_identical(store: Store, reference: EmbeddedStore):
    for f in reference.cited_fields():
        assert as_json(store.recipients(f["label"])) == as_json(reference.recipients(f["label"])), f["id"]
    recipients = reference.recipient_nodes()
    assert store.recipient_nodes() == recipients
    for r in recipients:
        assert as_json(store.fields(r["label"])) == as_json(reference.fields(r["label"])), r["id"]


def test_systems_answers_are_identical(store: Store, reference: EmbeddedStore, inventory: Records):
    systems = store.systems()
    assert as_json(systems) == as_json(reference.systems())
    own = sorted(n.id for n in inventory.nodes.values() if n.kind in ("system", "datastore"))
    assert sorted(e["id"] for e in systems) == own
    for e in systems:
        assert as_json(store.fields(e["label"])) == as_json(reference.fields(e["label"])), e["id"]
    if own:
        card = [[n["kind"] for n in p["nodes"]] for p in store.trace("e-mail address")]
        assert any("system" in kinds and kinds[-1] == "datastore" for kinds in card)


def test_systems_and_datastores_have_their_own_labels_on_neo4j(neo4j_store, inventory: Records):
    neo4j_store.load(inventory)
    with neo4j_store.driver.session(database=neo4j_store.database) as session:
        counts = {label: session.run(query).single()["n"] for label, query in (
            ("System", "MATCH (n:System) RETURN count(n) AS n"),
            ("Datastore", "MATCH (n:Datastore) RETURN count(n) AS n"),
            ("PART_OF", "MATCH (:System|Datastore)-[r:PART_OF]->(:FirstParty) RETURN count(r) AS n"))}
    systems = sum(1 for n in inventory.nodes.values() if n.kind == "system")
    stores = sum(1 for n in inventory.nodes.values() if n.kind == "datastore")
    assert counts == {"System": systems, "Datastore": stores, "PART_OF": systems + stores}


def test_sharing_matrix_is_identical(store: Store, reference: EmbeddedStore):
    matrix = store.sharing_matrix()
    assert {row["status"] for row in matrix} >= {"stated", "broader"}
    assert as_json(matrix) == as_json(reference.sharing_matrix())


def test_audit_findings_are_identical(store: Store, reference: EmbeddedStore):
    findings = audit.audit(store)
    assert findings
    assert as_json(findings) == as_json(audit.audit(reference))


def test_records_and_counts_are_what_was_loaded(store: Store, inventory: Records):
    assert store.records().to_dict() == inventory.to_dict()
    assert store.counts() == {"nodes": len(inventory.nodes), "flows": len(inventory.flows),
                              "links": len(inventory.links)}


def test_loading_twice_leaves_the_same_graph(store: Store, inventory: Records):
    before = store.records().to_dict()
    store.load(inventory)
    assert store.records().to_dict() == before


def test_loads_merge_like_the_embedded_store(store: Store, reference: EmbeddedStore):
    extra = Records()
    extra.add_node(Node(id="field:email_address", kind="field", label="e-mail address", aliases=["mail addy"]))
    extra.add_node(Node(id="recipient:acme_mailer", kind="recipient", label="Acme Mailer"))
    extra.add_flow(Flow(field="field:email_address", source="first_party:plimus", target="recipient:acme_mailer",
                        action="share", relation="SHARES_WITH", basis="declared"))
    extra.warnings.append("a warning of the second load")
    expected = EmbeddedStore()
    expected.load(reference.records())
    expected.load(extra)
    store.load(extra)
    assert store.records().to_dict() == expected.records().to_dict()
    assert as_json(store.recipients("mail addy")) == as_json(expected.recipients("e-mail address"))


def test_replace_empties_the_store_first(store: Store):
    only = Records()
    only.add_node(Node(id="field:email_address", kind="field", label="e-mail address"))
    store.load(only, replace=True)
    assert store.counts() == {"nodes": 1, "flows": 0, "links": 0}
    assert store.records().to_dict() == only.to_dict()


def test_a_bad_load_leaves_the_store_as_it_was(store: Store, inventory: Records):
    bad = Records()
    bad.add_node(Node(id="recipient:new_one", kind="recipient", label="new one"))
    bad.add_flow(Flow(field="field:nowhere", source="first_party:plimus", target="recipient:new_one",
                      action="share", relation="SHARES_WITH"))
    with pytest.raises(ValueError, match="refers to missing node field:nowhere"):
        store.load(bad)
    assert store.records().to_dict() == inventory.to_dict()


def test_unknown_names_are_query_errors(store: Store):
    with pytest.raises(QueryError, match=f"no field named 'shoe size' in {store.location}"):
        store.trace("shoe size")
    with pytest.raises(QueryError):
        store.fields("e-mail address")


@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_consent_states_are_kept_by_both_stores(kind, request, tmp_path):
    """The same request captured before consent and after accept is two flows, each keeping its state."""
    doc = json.loads((SEED.parent / "evidence" / "checkout.har").read_text(encoding="utf-8"))
    paths = []
    for state in ("none", "accepted"):
        path = tmp_path / f"{state}.har"
        path.write_text(json.dumps({"log": {"version": doc["log"]["version"], "_consent_state": state,
                                            **{k: v for k, v in doc["log"].items() if k != "version"}}}))
        paths.append(path)
    records = extract([SEED, *paths])
    states = {f.consent_state for f in records.flows.values() if f.basis == "observed"}
    assert states == {"none", "accepted"}
    if kind == "neo4j":
        st = request.getfixturevalue("neo4j_store")
        st.load(records)
    else:
        EmbeddedStore(tmp_path / "store.json").load(records)
        st = EmbeddedStore(tmp_path / "store.json")
    back = st.records()
    assert {f.id: f.consent_state for f in back.flows.values()} == {
        f.id: f.consent_state for f in records.flows.values()}
    before = [f for f in audit.audit_records(back) if f["class"] == "before_consent"]
    assert before and all(f["consent_states"] == ["none"] for f in before)
    assert as_json(audit.audit_records(back)) == as_json(audit.audit_records(records))
