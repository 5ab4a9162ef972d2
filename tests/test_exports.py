"""Every export format, written from the seed policy and the example evidence, then read back."""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pandas as pd
import pydot
import pytest
import rdflib
import yaml
from flowaudit.graph import dpv, export, figures, ropa

from flowaudit.cli import main
from tests.conftest import EXAMPLE_EVIDENCE, ROOT, SEED
from tests.test_har_loader import PLIMUS_VALUES

TEXT_FORMATS = ("html", "graphml", "dot", "mermaid", "ropa-csv", "dpv-jsonld")
SCRIPT = "<script>alert('flowaudit')</script>"
INJECTED_POLICY = f"""Privacy Policy of Acme Widgets

Acme Widgets ("we") sells widgets. We collect your name and e-mail address when you register.
We share your e-mail address with payment processors {SCRIPT} to process payments.
"""


@pytest.fixture(scope="module")
def written(example_graph, tmp_path_factory) -> dict[str, Path]:
    """Every format but the static images, written once."""
    out = tmp_path_factory.mktemp("exports")
    findings = example_graph.findings()
    return {fmt: export.export(example_graph.store, fmt, out / f"flows.{fmt}", findings=findings)
            for fmt in export.FORMATS if fmt not in export.IMAGE_FORMATS}


def _no_personal_values(data: bytes) -> None:
    for value in PLIMUS_VALUES:
        assert value.encode() not in data, value


@pytest.mark.parametrize("fmt", [f for f in export.FORMATS if f not in export.IMAGE_FORMATS])
def test_every_format_holds_no_raw_personal_value(written, fmt):
    data = written[fmt].read_bytes()
    assert len(data) > 1000
    _no_personal_values(data)


def test_html_report_is_self_contained(written):
    page = written["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("Plotly.newPlot") == 4
    assert not re.search(r"<script[^>]+src=", page), "the report must not load scripts from elsewhere"
    assert "plotly.js v" in page  # the bundle itself is inlined
    for heading in ("Summary", "Findings", "Systems", "Flows of the organisation", "Flows of each field", "Network"):
        assert f"<h2>{heading}</h2>" in page
    assert 'class="class" style="background:#c62828">omitted</span>' in page
    assert "<td>Web shop checkout</td><td>system</td><td>web application and API</td>" in page


def test_html_report_escapes_text_from_the_policy(tmp_path):
    policy = tmp_path / "acme.txt"
    policy.write_text(INJECTED_POLICY, encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["export", str(policy), "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert SCRIPT not in page and "alert('flowaudit')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;flowaudit&#x27;)&lt;/script&gt;" in page


def test_graphml_round_trip(written, example_graph):
    g = nx.read_graphml(written["graphml"], force_multigraph=True)
    records = example_graph.records()
    assert g.number_of_edges() == len(records.flows)
    assert g.nodes["first_party:plimus"]["kind"] == "first_party"
    assert g.nodes["organization:authorize_net"]["label"] == "Authorize.Net"
    cards = [d for s, t, d in g.edges(data=True) if t == "organization:authorize_net"
             and d["field"] == "credit card number"]
    assert cards and cards[0]["basis"] in ("observed", "declared") and cards[0]["evidence"]
    assert {d["class"] for *_, d in g.edges(data=True)} >= {"omitted", "vague", "clear", "stated"}


def test_dot_parses_with_every_pair_as_an_edge(written, example_graph):
    (graph,) = pydot.graph_from_dot_data(written["dot"].read_text(encoding="utf-8"))
    pairs = figures.flow_pairs(example_graph.records())
    assert len(graph.get_edges()) == len(pairs)
    labels = {n.get_label().strip('"') for n in graph.get_nodes() if n.get_label()}
    assert {"Plimus", "Authorize.Net", "payment processor"} <= labels
    assert any(e.get_style() == "dashed" for e in graph.get_edges())  # a stated restriction


def test_dot_and_mermaid_quote_labels():
    assert export.diagrams.dot_quote('say "hi" \\ there') == '"say \\"hi\\" \\\\ there"'
    assert export.diagrams.mermaid_text('a "b" <c> #d') == "a #quot;b#quot; #lt;c#gt; #35;d"


def test_mermaid_is_a_well_formed_flowchart(written):
    lines = written["mermaid"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "flowchart LR"
    node = re.compile(r'^  (n\d+)\["[^"<>]*"\]:::[a-z_]+$')
    edge = re.compile(r'^  (n\d+) (-->|-\.->)\|"[^"<>]*"\| (n\d+)$')
    declared, used, links, styles, columns, placed = set(), set(), 0, set(), [], set()
    for line in lines[1:]:
        if m := node.match(line):
            declared.add(m.group(1))
        elif m := edge.match(line):
            used |= {m.group(1), m.group(3)}
            links += 1
        elif m := re.match(r"^  linkStyle (\d+) stroke:#[0-9a-f]{6}$", line):
            styles.add(int(m.group(1)))
        elif m := re.match(r"^  subgraph (system|datastore)_column\[\"(Systems|Datastores)\"\]$", line):
            columns.append(m.group(1))
        elif m := re.match(r"^    (n\d+)$", line):
            placed.add(m.group(1))
        elif line != "  end":
            assert re.match(r"^  classDef [a-z_]+ fill:#[0-9a-f]{6},color:#ffffff$", line), line
    assert used <= declared and styles == set(range(links)) and links > 50
    assert columns == ["system", "datastore"] and placed and placed <= declared


def test_ropa_csv_has_the_article_30_columns_and_evidence(written):
    frame = pd.read_csv(written["ropa-csv"], encoding="utf-8-sig").fillna("")
    assert list(frame.columns) == [*ropa.COLUMNS, *ropa.EVIDENCE_COLUMNS.values()]
    rows = frame.set_index("processing activity")
    pay = frame[(frame["processing activity"] == "payment processing")
                & (frame["system"] == "Web shop checkout")].iloc[0]
    assert "Authorize.Net (payment processor)" in pay["recipients"] and pay["datastores"] == "Order database (US)"
    assert "Order database: 7 years after the last transaction" in pay["retention"]
    assert "encryption at rest" in pay["security measures"]
    assert "credit card number" in pay["categories of personal data"]
    assert "customer" in pay["categories of data subjects"]
    assert "Safe Harbor" in pay["safeguards"] and "Plimus (US)" in pay["transfers to third countries"]
    assert "retain your information" in pay["retention"] and "encrypt" in pay["security measures"]
    assert "policy.md › " in pay["retention evidence"] and "policy.md › " in pay["safeguards evidence"]
    assert "declared.yaml › line" in pay["recipients evidence"]
    assert rows.index[-1] == ropa.NO_PURPOSE
    # one row per processing activity of each system, then the flows no system declares
    assert list(dict.fromkeys(frame["system"])) == ["Sales and support chat", "Shopper accounts",
                                                    "Shopper News (MailChimp list)", "Web analytics",
                                                    "Web shop checkout", ""]
    tags = frame[(frame["processing activity"] == "usage analytics and statistics")
                 & (frame["system"] == "Web analytics")].iloc[0]
    assert tags["datastores"] == "Data warehouse (IL)" and "Data warehouse (IL)" in tags["transfers to third countries"]
    assert "declared.yaml › line" in tags["datastores evidence"]


def test_ropa_xlsx_holds_the_record_and_the_quoted_evidence(written):
    sheets = pd.read_excel(written["ropa-xlsx"], sheet_name=None)
    assert set(sheets) == {"Record of processing", "Evidence"}
    record, evidence = sheets["Record of processing"], sheets["Evidence"]
    assert len(record) == len(pd.read_csv(written["ropa-csv"], encoding="utf-8-sig"))
    quotes = evidence.set_index(["source", "locator"])["text"]
    safe_harbor = [t for t in quotes if "Safe Harbor" in t]
    assert safe_harbor and list(evidence.columns) == ropa.EVIDENCE_SHEET_COLUMNS


def test_dpv_jsonld_parses_as_rdf(written):
    doc = json.loads(written["dpv-jsonld"].read_text(encoding="utf-8"))
    assert doc["@context"]["dpv"] == "https://w3id.org/dpv#"
    handlings = [n for n in doc["@graph"] if n["@type"] == "dpv:PersonalDataHandling"]
    assert handlings and all("dpv:hasPersonalData" in h and "dpv:hasProcessing" in h for h in handlings)
    g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    rows = g.query("""PREFIX dpv: <https://w3id.org/dpv#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?name ?proc WHERE { ?h a dpv:PersonalDataHandling ; dpv:hasRecipient ?r ;
        dpv:hasPersonalData ?f ; dpv:hasProcessing ?proc . ?f rdfs:label "credit card number" .
        ?r rdfs:label ?name }""")
    got = {(str(n), str(p)) for n, p in rows}
    assert ("Authorize.Net", dpv.DPV + "Share") in got
    assert (None, None, rdflib.URIRef(dpv.DPV + "DataController")) in g


def test_field_narrows_graph_files(example_graph, tmp_path):
    path = export.export(example_graph.store, "graphml", tmp_path / "card.graphml", field="credit card number")
    g = nx.read_graphml(path, force_multigraph=True)
    assert g.number_of_edges() > 0
    assert {d["field"] for *_, d in g.edges(data=True)} <= {"credit card number", "payment information",
                                                            "financial information", "personal information"}


@pytest.mark.parametrize("fmt", export.IMAGE_FORMATS)
def test_static_diagrams(browser, example_graph, tmp_path, fmt):
    path = export.export(example_graph.store, fmt, tmp_path / f"flows.{fmt}")
    data = path.read_bytes()
    if fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg") and any(el.tag.endswith("path") for el in root.iter())
    elif fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
    else:
        assert data.startswith(b"%PDF-")
    _no_personal_values(data)


def test_static_diagram_without_a_browser_exits_2_saying_how_to_install_one(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    out = tmp_path / "flows.svg"
    assert main(["export", str(SEED), "--format", "svg", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "apt-get install -y chromium" in err and "BROWSER_PATH" in err and not out.exists()


def test_cli_export_writes_the_file(tmp_path, capsys):
    out = tmp_path / "flows.mmd"
    sources = [str(SEED), *map(str, EXAMPLE_EVIDENCE)]
    assert main(["export", *sources, "--format", "mermaid", "-o", str(out), "--field", "e-mail address"]) == 0
    assert out.read_text(encoding="utf-8").startswith("flowchart LR") and "wrote" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "dot", "-o", "missing-dir/flows.dot"], "does not exist"),
    (["--format", "dot", "-o", "flows.dot", "--field", "shoe size"], "no field named 'shoe size'"),
])
def test_cli_export_bad_usage_exits_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(SEED), *args]) == 2
    assert message in capsys.readouterr().err


def test_ci_example_runs_the_audit_and_the_report(tmp_path, capsys):
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "flowaudit.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["audit"]["steps"]
    commands = [line.strip() for s in steps for line in s.get("run", "").splitlines()
                if line.strip().startswith("flowaudit ")]
    assert [c.split()[1] for c in commands] == ["audit", "export"]
    sources = [str(SEED), *map(str, EXAMPLE_EVIDENCE)]
    for command in commands:
        words = shlex.split(command.split(">")[0].replace('"$EVIDENCE"/*', "EVIDENCE"))[1:]
        args = [w for word in words for w in (sources[1:] if word == "EVIDENCE" else [word])]
        args = [str(SEED) if a == "$POLICY" else a for a in args]
        args = [str(tmp_path / a) if a.endswith(".html") else a for a in args]
        code = main(args)
        out = capsys.readouterr().out
        if args[0] == "audit":
            assert code == 1 and json.loads(out)["version"] == "2.1.0"
        else:
            assert code == 0 and (tmp_path / "flowaudit-report.html").is_file()
