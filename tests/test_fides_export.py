"""The data map as a Fides manifest: valid for fideslang's models, and read back into the same systems,
datastores and flows."""

import pytest
import yaml
from fideslang.models import Taxonomy
from flowaudit.graph.fides_export import to_fides
from flowaudit.inventory.records import Records
from flowaudit.loaders.sources import extract

from flowaudit.cli import main
from tests.conftest import EXAMPLE_EVIDENCE, ROOT, SEED

DECLARED = ROOT / "examples" / "plimus" / "evidence" / "declared.yaml"
FIDES = ROOT / "tests" / "data" / "evidence" / "fides"
OWN = ("system", "datastore")


def system_flows(records: Records) -> dict[tuple[str, str, str, str, str], tuple[str, ...]]:
    """Every flow into or out of a system or datastore → its purposes; a collection through a collection point
    (Fides has none) is read as from the data subjects that reach the point with the field."""
    nodes = records.nodes
    out: dict[tuple[str, str, str, str, str], tuple[str, ...]] = {}
    for f in records.flows.values():
        if nodes[f.source].kind not in OWN and nodes[f.target].kind not in OWN:
            continue
        sources = [f.source]
        if nodes[f.source].kind == "collection_point":
            sources = [g.source for g in records.flows.values() if g.target == f.source and g.field == f.field
                       and nodes[g.source].kind == "data_subject"]
        for s in sources:
            key = (f.relation, f.action, s, f.target, f.field)
            out[key] = tuple(sorted(set(out.get(key, ())) | set(f.purposes)))
    return out


def own_nodes(records: Records) -> dict[str, tuple[str, str]]:
    return {n.id: (n.kind, n.label) for n in records.nodes.values() if n.kind in OWN}


@pytest.mark.parametrize("source", [DECLARED, FIDES], ids=["flowaudit manifest", "Fides project"])
def test_round_trip(tmp_path, capsys, source):
    original = extract([source])
    out = tmp_path / "fides.yml"
    assert main(["export", str(source), "--format", "fides", "-o", str(out)]) == 0
    assert "(fides)" in capsys.readouterr().err
    doc = yaml.safe_load(out.read_text())
    Taxonomy.model_validate(doc)  # valid for fideslang's models
    back = extract([out])
    assert back.warnings == []
    assert own_nodes(back) == own_nodes(original)
    assert system_flows(back) == system_flows(original)
    for nid, (kind, _) in own_nodes(original).items():
        if kind == "datastore":
            for key in ("retention", "country", "location", "security_measures", "safeguards", "owner"):
                assert back.nodes[nid].properties.get(key) == original.nodes[nid].properties.get(key), (nid, key)
    receivers = {f.target for f in original.flows.values() if original.nodes[f.source].kind == "system"}
    for nid in receivers:
        assert back.nodes[nid].kind == original.nodes[nid].kind
        assert back.nodes[nid].properties.get("party_kind") == original.nodes[nid].properties.get("party_kind")


def test_the_export_of_the_example(tmp_path):
    doc = to_fides(extract([SEED, *EXAMPLE_EVIDENCE]))
    assert [o["fides_key"] for o in doc["organization"]] == ["plimus"]
    systems = {s["fides_key"]: s for s in doc["system"]}
    assert {k for k, s in systems.items() if s["system_type"] != "Third Party"} == {
        "analytics", "checkout", "live_chat", "newsletter", "shopper_accounts"}
    # vendors are third-party systems, found again through the registry by their domains
    assert systems["authorize_net"]["system_type"] == "Third Party"
    assert systems["authorize_net"]["meta"]["domains"] == ["authorize.net"]
    checkout = systems["checkout"]
    assert {"fides_key": "user", "type": "user"} in checkout["ingress"]
    egress = {e["fides_key"]: e for e in checkout["egress"]}
    assert egress["orders_db"]["type"] == "dataset" and egress["newsletter"]["type"] == "system"
    card = next(c["fides_key"] for c in doc["data_category"] if c["name"] == "credit card number")
    assert card.startswith("user.financial.") and card in egress["authorize_net"]["data_categories"]
    assert any(d.get("third_parties") == "supplier" for d in checkout["privacy_declarations"])
    datasets = {d["fides_key"]: d for d in doc["dataset"]}
    assert datasets["data_warehouse"]["meta"] == {
        "type": "data warehouse", "owner": "business intelligence", "country": "IL",
        "location": "Tel Aviv office reporting cluster", "security_measures": [
            "access limited to the business-intelligence team"]}
    # what only a policy or a capture says is not part of the organisation's data map
    # (Facebook is seen only in the checkout capture)
    assert "plimus" not in systems and "facebook" not in systems


def test_an_empty_store_exports_an_empty_manifest(tmp_path):
    doc = to_fides(Records())
    assert doc == {"organization": [], "system": [], "dataset": []}
    Taxonomy.model_validate(doc)
