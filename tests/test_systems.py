"""The organisation's systems and datastores: traces through them, the systems query, fields of a system,
the sharing matrix by system, and bad inventories that leave the store as it was."""

import json

import pytest
from flowaudit.graph import figures
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.loaders.sources import extract

from flowaudit.cli import main
from tests.conftest import EXAMPLE_EVIDENCE, ROOT, SEED

DECLARED = ROOT / "examples" / "plimus" / "evidence" / "declared.yaml"
FIDES = ROOT / "tests" / "data" / "evidence" / "fides"


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def labels(path):
    return [n["label"] for n in path["nodes"]]


def test_trace_reads_through_systems_and_datastores(example_graph):
    paths = example_graph.trace_paths("credit card number")
    seqs = [labels(p) for p in paths]
    # the declared side: which system sends the card number where
    assert ["customer", "transaction form", "Web shop checkout", "Authorize.Net"] in seqs
    assert ["customer", "API", "Web shop checkout", "Authorize.Net"] in seqs
    # the stated side, as the policy says it, still there
    assert ["customer", "transaction form", "Plimus", "payment processor"] in seqs
    hop = next(p for p in paths if labels(p)[-2:] == ["Web shop checkout", "Authorize.Net"])["edges"][-1]
    assert hop["basis"] == "declared" and hop["evidence"][0]["source"].endswith("declared.yaml")
    mail = [labels(p) for p in example_graph.trace_paths("e-mail address")]
    assert ["customer", "transaction form", "Web shop checkout", "Order database"] in mail
    assert ["customer", "transaction form", "Web shop checkout", "Shopper News (MailChimp list)", "Mailchimp"] in mail


def test_systems_lists_what_each_collects_stores_sends_and_shares(example_graph):
    frame = example_graph.systems()
    assert list(frame["system"][frame["kind"] == "system"]) == [
        "Web analytics", "Web shop checkout", "Sales and support chat", "Shopper News (MailChimp list)",
        "Shopper accounts"]
    checkout = frame.set_index("system").loc["Web shop checkout"]
    assert "credit card number" in checkout["collects"]
    assert "Authorize.Net: billing address, card expiration date, credit card number" in checkout["shares"]
    assert "Order database: billing address, e-mail address, name" in checkout["stores"]
    assert checkout["sends"] == "Shopper News (MailChimp list): e-mail address, name"
    warehouse = frame.set_index("system").loc["Data warehouse"]
    assert warehouse["kind"] == "datastore" and warehouse["country"] == "IL" and warehouse["retention"] == ""
    entries = {e["id"]: e for e in example_graph.system_entries()}
    sent = entries["system:checkout"]["sends"][0]
    assert sent["to"]["id"] == "system:newsletter" and sent["conditions"] == ["the shopper opted in on the order page"]
    assert sent["evidence"][0].startswith(str(DECLARED) + " › line ")


def test_fields_of_a_system_and_the_matrix_by_system(example_graph):
    fields = example_graph.fields("Shopper News (MailChimp list)")
    assert set(fields["field"]) == {"e-mail address", "name"}
    matrix = example_graph.sharing_matrix(by="system")
    assert matrix.loc["Web shop checkout", "CJ Affiliate"] == "e-mail address, order number, transaction amount"
    assert matrix.loc["Web analytics", "Authorize.Net"] == ""
    with pytest.raises(ValueError, match="by must be"):
        example_graph.sharing_matrix(by="colour")


def test_cli_systems_and_matrix_by_system(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that no name is wrapped
    store = tmp_path / "store.json"
    assert run(capsys, "load", SEED, *EXAMPLE_EVIDENCE, "--store", store)[0] == 0
    code, out, _ = run(capsys, "systems", "--store", store)
    assert code == 0 and out.startswith("system ") and "Web analytics" in out and "Data warehouse" in out
    code, out, _ = run(capsys, "systems", "--store", store, "--format", "json")
    assert code == 0 and {e["id"] for e in json.loads(out)} >= {"system:checkout", "datastore:orders_db"}
    code, out, _ = run(capsys, "matrix", "--by", "system", "--store", store, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("system,Authorize.Net,CJ Affiliate")
    code, out, _ = run(capsys, "matrix", "--by", "system", "--store", store)
    assert code == 0 and "Web shop checkout" in out and "Authorize.Net" in out
    code, out, _ = run(capsys, "systems", SEED)
    assert code == 0 and out.startswith("no systems")  # a policy names no systems


@pytest.mark.parametrize(("text", "marker", "message"), [
    ("    sends:\n      - field: name\n        to: crm\n", "to: crm", "unknown system 'crm'"),
    ("    stores:\n      - field: name\n        datastore: vault\n", "datastore: vault", "unknown datastore 'vault'"),
])
def test_a_bad_inventory_exits_2_and_leaves_the_store(capsys, tmp_path, text, marker, message):
    store = tmp_path / "store.json"
    assert run(capsys, "load", DECLARED, "--store", store)[0] == 0
    before = store.read_bytes()
    bad = tmp_path / "declared.yaml"
    source = DECLARED.read_text()
    bad.write_text(source.replace("  - id: live_chat\n", "  - id: live_chat\n" + text.replace("\n  ", "\n  ", 1)))
    line = next(i for i, x in enumerate(bad.read_text().splitlines(), 1) if marker in x)
    code, out, err = run(capsys, "load", bad, "--store", store)
    assert code == 2 and out == "" and f"{bad}:line {line}: {message}" in err and "Traceback" not in err
    assert store.read_bytes() == before


def test_a_bad_fides_project_exits_2_and_leaves_the_store(capsys, tmp_path):
    store = tmp_path / "store.json"
    assert run(capsys, "load", FIDES, "--store", store)[0] == 0
    before = EmbeddedStore(store).records().to_dict()
    project = tmp_path / "project"
    project.mkdir()
    for f in FIDES.iterdir():
        (project / f.name).write_text(f.read_text())
    loop = project / "system.yml"
    loop.write_text(loop.read_text().replace("      - fides_key: lumenware_crm\n        type: system\n",
                                             "      - fides_key: lumenware_checkout\n        type: system\n", 1))
    line = next(i for i, x in enumerate(loop.read_text().splitlines(), 1) if "- fides_key: lumenware_checkout" in x
                and i > 15)
    code, _, err = run(capsys, "load", project, "--store", store)
    assert code == 2 and f"{loop}:line {line}: system 'lumenware_checkout' names itself in its egress" in err
    assert EmbeddedStore(store).records().to_dict() == before
    assert extract([FIDES]).to_dict() == before


def test_system_sankey_reads_field_system_recipient(example_graph):
    fig = example_graph.system_sankey()
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    pairs = {(labels[s], labels[t]) for s, t in zip(sankey.link.source, sankey.link.target, strict=True)}
    assert ("credit card number", "Web shop checkout") in pairs
    assert ("Web shop checkout", "Authorize.Net") in pairs and ("Web shop checkout", "Order database") in pairs
    hop = (labels.index("Web shop checkout"), labels.index("CJ Affiliate"))
    cj = {c for s, t, c in zip(sankey.link.source, sankey.link.target, sankey.link.color, strict=True) if (s, t) == hop}
    # the hop takes the audit's class of the e-mail address to CJ Affiliate
    cls = example_graph.flow_classes()[("field:email_address", "organization:cj_affiliate")]
    hex_colour = figures.CLASS_COLOURS[cls]
    assert "rgba({},{},{},0.55)".format(*(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))) in cj


def test_dpv_names_systems_and_datastores(example_graph, tmp_path):
    doc = json.loads(example_graph.export("dpv-jsonld", tmp_path / "flows.jsonld").read_text())
    typed = {n["label"]: n["@type"] for n in doc["@graph"] if "label" in n}
    assert typed["Web shop checkout"] == "fa:System" and typed["Order database"] == "fa:Datastore"
