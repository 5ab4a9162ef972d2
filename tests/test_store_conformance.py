"""Both stores give the same JSON answers: trace, recipients, fields, the sharing matrix and the audit.

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

from tests.conftest import EXAMPLE_EVIDENCE, SEED

pytest_plugins = ("tests.neo4j_fixtures",)

INVENTORIES = {"seed": [SEED], "seed+evidence": [SEED, *EXAMPLE_EVIDENCE]}


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
