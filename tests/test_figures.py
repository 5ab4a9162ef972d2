"""The plotly figures: the organisation's Sankey, a Sankey per field, the network view."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from flowaudit.graph import figures
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.inventory.records import Evidence, Flow, Node, Records


@pytest.fixture(scope="module")
def classes(example_graph) -> dict[tuple[str, str], str]:
    return example_graph.flow_classes()


def _links(fig: go.Figure) -> list[tuple[str, str, str]]:
    sankey = fig.data[0]
    labels = sankey.node.label
    colour_class = {figures._rgba(c, 0.55): k for k, c in figures.CLASS_COLOURS.items()}
    return [(labels[s], labels[t], colour_class[c])
            for s, t, c in zip(sankey.link.source, sankey.link.target, sankey.link.color, strict=True)]


def test_organisation_sankey_runs_through_kinds_to_organisations(example_graph, classes):
    links = _links(example_graph.sankey())
    assert ("transaction form", "Plimus", "stated") in links
    assert ("Plimus", "payment processor", "vague") in links
    assert ("payment processor", "Authorize.Net", "vague") in links
    assert ("marketing affiliate", "CJ Affiliate", "omitted") in links
    assert any(t == "Facebook" and c == "omitted" for _, t, c in links)
    assert classes[("field:cookie_id", "organization:cj_affiliate")] == "omitted"


def test_without_the_audit_flows_are_stated_or_unaudited(example_graph):
    classes = {c for *_, c in _links(figures.organisation_sankey(example_graph.records()))}
    assert classes == {"stated", "unaudited"}


def test_field_sankey_follows_the_trace(example_graph):
    fig = example_graph.sankey("credit card number")
    links = _links(fig)
    assert ("Plimus", "payment processor", "stated") in links
    assert ("Plimus", "Authorize.Net", "clear") in links or ("Plimus", "Authorize.Net", "vague") in links
    assert "credit card number" in fig.layout.title.text


def test_field_sankeys_switch_with_a_drop_down(example_graph):
    fig = example_graph.field_sankeys(["credit card number", "e-mail address"])
    assert len(fig.data) == 2 and [t.visible for t in fig.data] == [True, False]
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["credit card number", "e-mail address"]
    assert buttons[1].args[0]["visible"] == [False, True]


def test_network_has_a_trace_per_class_and_per_kind(example_graph):
    fig = example_graph.network()
    names = {t.name for t in fig.data}
    assert {"omitted", "vague", "first party", "organization", "collection point"} <= names


def test_figures_escape_text_from_the_inputs():
    records = Records()
    nodes = [Node("data_subject:user", "data_subject", "user"), Node("field:email", "field", "e-mail address"),
             Node("first_party:acme", "first_party", "Acme <b>Widgets</b>"),
             Node("organization:x", "organization", "<script>alert(1)</script>")]
    for node in nodes:
        records.add_node(node)
    ev = [Evidence("manifest.yaml", "line 3", "declared")]
    records.add_flow(Flow("field:email", "data_subject:user", "first_party:acme", "collect", "COLLECTS", evidence=ev))
    records.add_flow(Flow("field:email", "first_party:acme", "organization:x", "share", "SHARES_WITH", evidence=ev))
    store = EmbeddedStore()
    store.load(records)
    for fig in (figures.organisation_sankey(store.records()), figures.network_figure(store.records()),
                figures.field_sankey(store, "e-mail address")):
        text = str(fig.to_dict())
        assert "<b>Widgets" not in text and "<script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
