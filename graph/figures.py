"""Plotly figures of the graph: Sankey diagrams of the flows and a network view.

Figures draw from a store's records (read once by the caller) or, per field, from its ``trace()``, so
they draw any store.
Links are coloured by audit class when ``classes`` maps (field id, recipient id) to a class; flows
the audit does not classify are ``stated`` (the policy's own) or ``unaudited``. Every text taken from
the inputs is HTML-escaped before it reaches plotly, which renders it as text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import networkx as nx
import plotly.graph_objects as go
from flowaudit.inventory.records import Flow, Records

from .semantics import RECIPIENT_KINDS
from .store import Store

Classes = Mapping[tuple[str, str], str]

CLASS_COLOURS = {
    "incorrect": "#6a1b9a",
    "omitted": "#c62828",
    "ambiguous": "#ef6c00",
    "vague": "#f9a825",
    "clear": "#2e7d32",
    "stated": "#1565c0",
    "unaudited": "#90a4ae",
}
"""Link colours by audit class, worst first."""

KIND_COLOURS = {
    "data_subject": "#546e7a",
    "collection_point": "#00838f",
    "cookie": "#8d6e63",
    "flash_cookie": "#8d6e63",
    "clear_gif": "#8d6e63",
    "tracker": "#8d6e63",
    "first_party": "#283593",
    "processor": "#5e35b1",
    "supplier": "#3949ab",
    "affiliate": "#d81b60",
    "recipient": "#e53935",
    "organization": "#6d4c41",
    "system": "#00695c",
    "datastore": "#4e342e",
    "field": "#455a64",
}
#: Columns of the diagrams: where data comes from, the organisation, its systems and datastores, recipients.
STAGES = {"field": 0, "data_subject": 0, "collection_point": 1, "cookie": 1, "flash_cookie": 1, "clear_gif": 1,
          "tracker": 1, "first_party": 2, "system": 3, "datastore": 4, "processor": 5, "supplier": 5, "affiliate": 5,
          "recipient": 5, "organization": 6}
_SEVERITY = {c: i for i, c in enumerate(CLASS_COLOURS)}


def text(value: object) -> str:
    """``value`` as text safe to hand to plotly (and to HTML): markup characters are escaped."""
    return html.escape(str(value), quote=True)


def flow_class(classes: Classes | None, field_id: str, recipient_id: str, basis: str) -> str:
    """The audit class of a flow of ``field_id`` into ``recipient_id``, else ``stated``/``unaudited``."""
    found = (classes or {}).get((field_id, recipient_id))
    if found in CLASS_COLOURS:
        return found
    return "stated" if basis == "stated" else "unaudited"


def worst(classes: list[str]) -> str:
    """The most severe of ``classes``."""
    return min(classes, key=lambda c: _SEVERITY[c])


def colour_key(classes: list[str]) -> str:
    """A legend line (plotly pseudo-HTML) for the link colours of ``classes``."""
    used = sorted(set(classes), key=lambda c: _SEVERITY[c])
    return "  ".join(f"<span style='color:{CLASS_COLOURS[c]}'>■ {c}</span>" for c in used)


def organisation_kinds(records: Records) -> dict[str, str]:
    """Organisation id → the party-kind node it IS_A (the first by id when several)."""
    out: dict[str, str] = {}
    for link in sorted(records.links.values(), key=lambda k: (k.source, k.target)):
        if link.relation == "IS_A" and link.target in records.nodes:
            out.setdefault(link.source, link.target)
    return out


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


class _Links:
    """Sankey links keyed by (source, target, class), each counting distinct fields."""

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str, str], set[str]] = {}

    def add(self, source: str, target: str, cls: str, field_label: str) -> None:
        self.fields.setdefault((source, target, cls), set()).add(field_label)

    def figure(self, labels: dict[str, str], kinds: dict[str, str], title: str) -> go.Figure:
        ids = sorted({n for s, t, _ in self.fields for n in (s, t)}, key=lambda n: (STAGES.get(kinds[n], 5), n))
        index = {n: i for i, n in enumerate(ids)}
        keys = sorted(self.fields, key=lambda k: (index[k[0]], index[k[1]], _SEVERITY[k[2]]))
        node = {"label": [text(labels[n]) for n in ids], "pad": 12, "thickness": 14,
                "color": [KIND_COLOURS.get(kinds[n], "#757575") for n in ids],
                "customdata": [text(kinds[n].replace("_", " ")) for n in ids],
                "hovertemplate": "%{label} (%{customdata})<extra></extra>"}
        link = {"source": [index[s] for s, _, _ in keys], "target": [index[t] for _, t, _ in keys],
                "value": [len(self.fields[k]) for k in keys],
                "color": [_rgba(CLASS_COLOURS[c], 0.55) for *_, c in keys],
                "customdata": [[text(k[2]), text(", ".join(sorted(self.fields[k])))] for k in keys],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{customdata[0]}: %{value} field(s)"
                                 "<br>%{customdata[1]}<extra></extra>"}
        fig = go.Figure(go.Sankey(node=node, link=link, arrangement="snap", valueformat="d"))
        fig.update_layout(title={"text": f"{text(title)}<br><sup>{colour_key([c for *_, c in keys])}</sup>"},
                          font={"size": 11}, height=max(420, 26 * len(ids)), margin={"l": 20, "r": 20, "t": 80})
        return fig


def _positive_shares(records: Records) -> list[Flow]:
    return sorted((f for f in records.flows.values() if f.polarity == "+"
                   and records.nodes[f.target].kind in RECIPIENT_KINDS), key=lambda f: f.id)


def organisation_sankey(records: Records, classes: Classes | None = None) -> go.Figure:
    """The whole organisation: collection point → first party or system (→ system → datastore) → recipient kind
    → organisation.

    Link widths count distinct fields; colours are audit classes (see :data:`CLASS_COLOURS`).
    """
    nodes = records.nodes
    labels = {i: n.label for i, n in nodes.items()}
    kinds = {i: n.kind for i, n in nodes.items()}
    org_kind = organisation_kinds(records)
    links = _Links()
    for f in sorted(records.flows.values(), key=lambda f: f.id):
        inward = (f.relation == "COLLECTS" and kinds[f.source] == "collection_point"
                  and kinds[f.target] in ("first_party", "system"))
        inside = kinds[f.source] == "system" and kinds[f.target] in ("system", "datastore")
        if f.polarity == "+" and (inward or inside):
            links.add(f.source, f.target, flow_class(None, f.field, f.target, f.basis), labels[f.field])
    for f in _positive_shares(records):
        cls = flow_class(classes, f.field, f.target, f.basis)
        via = org_kind.get(f.target) if kinds[f.target] == "organization" else None
        if via is None:
            links.add(f.source, f.target, cls, labels[f.field])
        else:
            links.add(f.source, via, cls, labels[f.field])
            links.add(via, f.target, cls, labels[f.field])
    return links.figure(labels, kinds, f"Personal-data flows of {first_party(records)}")


def system_sankey(records: Records, classes: Classes | None = None) -> go.Figure:
    """The system view: field → system → recipient or datastore, one link per field a system collects or
    receives and per place it sends the field (coloured by the audit class of that field to that recipient,
    through the party it acts for).

    Link widths count distinct (field, destination) pairs.
    """
    nodes = records.nodes
    labels = {i: n.label for i, n in nodes.items()}
    kinds = {i: n.kind for i, n in nodes.items()}
    links = _Links()
    for f in sorted(records.flows.values(), key=lambda f: f.id):
        if f.polarity != "+":
            continue
        if kinds[f.target] == "system" and kinds[f.source] != "system":
            links.add(f.field, f.target, flow_class(None, f.field, f.target, f.basis), labels[f.field])
        if kinds[f.source] == "system":
            cls = flow_class(classes, f.field, f.target, f.basis)
            links.add(f.field, f.source, cls, labels[f.field])
            links.add(f.source, f.target, cls, f"{labels[f.field]} → {labels[f.target]}")
    return links.figure(labels, kinds, f"Personal data through the systems of {first_party(records)}")


def field_sankey(store: Store, field: str, classes: Classes | None = None) -> go.Figure:
    """Every positive path of ``field`` (label or alias) from the data subject to each recipient.

    A path takes the class of the flow into its recipient; link widths count paths.
    """
    paths = [p for p in store.trace(field) if p["polarity"] == "+"]
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    links = _Links()
    for n, p in enumerate(paths):
        for node in p["nodes"]:
            labels[node["id"]], kinds[node["id"]] = node["label"], node["kind"]
        last = p["edges"][-1]
        cls = flow_class(classes, last["field_id"], last["target"], last["basis"])
        for e in p["edges"]:
            links.add(e["source"], e["target"], cls, f"path {n}")
    fig = links.figure(labels, kinds, f"Where {field} flows")
    fig.update_traces(link_hovertemplate="%{source.label} → %{target.label}<br>%{customdata[0]}: "
                                         "%{value} path(s)<extra></extra>")
    return fig


def fields_sankey(store: Store, classes: Classes | None = None, fields: list[str] | None = None) -> go.Figure:
    """A Sankey per field in one figure, chosen from a drop-down: ``fields`` (labels), else every field
    some flow carries, the most shared first (the figure opens on it)."""
    if fields is None:
        fields = [r["label"] for r in store.names("field")]
    figs = [(f, field_sankey(store, f, classes)) for f in fields]
    figs = [(f, fig) for f, fig in figs if fig.data[0].link.value]
    out = go.Figure()
    buttons = []
    for i, (name, fig) in enumerate(figs):
        out.add_trace(fig.data[0].update(visible=i == 0))
        buttons.append({"label": text(name), "method": "update",
                        "args": [{"visible": [j == i for j in range(len(figs))]},
                                 {"title.text": fig.layout.title.text, "height": fig.layout.height}]})
    if figs:
        out.update_layout(figs[0][1].layout)
        out.update_layout(updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.12,
                                        "yanchor": "top", "active": 0}])
    return out


def flow_pairs(records: Records, classes: Classes | None = None, fields: set[str] | None = None
               ) -> list[dict[str, Any]]:
    """Flows grouped by (source, target, polarity), sorted: the edges of the diagrams.

    Each group has ``source``, ``target``, ``polarity``, ``relations``, ``fields`` and ``field_ids``,
    the most severe ``class`` (``not shared`` for stated restrictions) and the ``evidence`` of its flows.
    Only flows of ``fields`` (ids) when given.
    """
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for f in sorted(records.flows.values(), key=lambda f: f.id):
        if fields is not None and f.field not in fields:
            continue
        recipient = records.nodes[f.target].kind in RECIPIENT_KINDS
        g = groups.setdefault((f.source, f.target, f.polarity), {
            "source": f.source, "target": f.target, "polarity": f.polarity, "relations": set(),
            "fields": set(), "field_ids": set(), "classes": [], "evidence": []})
        g["relations"].add(f.relation)
        g["fields"].add(records.nodes[f.field].label)
        g["field_ids"].add(f.field)
        g["classes"].append(flow_class(classes if recipient else None, f.field, f.target, f.basis))
        g["evidence"] += [e for e in f.evidence if e not in g["evidence"]]
    out = []
    for key in sorted(groups):
        g = groups.pop(key)
        out.append({**g, "relations": sorted(g.pop("relations")), "fields": sorted(g["fields"]),
                    "field_ids": sorted(g["field_ids"]),
                    "class": worst(g.pop("classes")) if key[2] == "+" else "not shared"})
    return out


def network_figure(records: Records, classes: Classes | None = None) -> go.Figure:
    """The flow network in columns (subjects, collection points and trackers, first party, recipient kinds,
    organisations); an edge per pair of nodes, coloured by its most severe class."""
    nodes = records.nodes
    g = nx.DiGraph()
    for e in flow_pairs(records, classes):
        if e["polarity"] == "+":
            for n in (e["source"], e["target"]):
                g.add_node(n, stage=STAGES.get(nodes[n].kind, 5))
            g.add_edge(e["source"], e["target"], cls=e["class"], fields=e["fields"])
    pos = _columns(g, {n: nodes[n].label for n in g})
    fig = go.Figure()
    by_class: dict[str, list[tuple[str, str]]] = {}
    for s, t, d in sorted(g.edges(data=True)):
        by_class.setdefault(d["cls"], []).append((s, t))
    for cls in sorted(by_class, key=lambda c: _SEVERITY[c]):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for s, t in by_class[cls]:
            xs += [pos[s][0], pos[t][0], None]
            ys += [pos[s][1], pos[t][1], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=cls, hoverinfo="skip",
                                 line={"color": CLASS_COLOURS[cls], "width": 1.2}))
    by_kind: dict[str, list[str]] = {}
    for n in sorted(g.nodes):
        by_kind.setdefault(nodes[n].kind, []).append(n)
    for kind in sorted(by_kind, key=lambda k: (STAGES.get(k, 5), k)):
        ids = by_kind[kind]
        hover = [text(nodes[n].label) + "<br>" + text(kind.replace("_", " ")) + "<br>"
                 + text(", ".join(sorted({f for _, _, d in g.out_edges(n, data=True) for f in d["fields"]}))[:300])
                 for n in ids]
        fig.add_trace(go.Scatter(x=[pos[n][0] for n in ids], y=[pos[n][1] for n in ids], mode="markers+text",
                                 name=kind.replace("_", " "), text=[text(nodes[n].label) for n in ids],
                                 textposition="middle right", textfont={"size": 11}, hovertext=hover,
                                 hoverinfo="text", marker={"size": 11, "color": KIND_COLOURS.get(kind, "#757575")},
                                 cliponaxis=False))
    stages = max((x for x, _ in pos.values()), default=0)
    rows = max((sum(1 for x2, _ in pos.values() if x2 == x) for x, _ in pos.values()), default=1)
    fig.update_layout(title={"text": f"Flow network of {text(first_party(records))}"}, showlegend=True,
                      xaxis={"visible": False, "range": [-0.15, stages + 0.95]},
                      yaxis={"visible": False, "range": [-rows + 0.5, 0.8]}, plot_bgcolor="white",
                      height=max(500, 24 * rows + 140), margin={"l": 20, "r": 20, "t": 60})
    return fig


def _columns(g: nx.DiGraph, labels: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Each node's place: one column per stage that has nodes, the nodes of a column one row apart in
    the order of their labels, so that no two labels share a row and the last column has room for them."""
    stages = sorted({d["stage"] for _, d in g.nodes(data=True)})
    pos = {}
    for x, stage in enumerate(stages):
        column = sorted((n for n, d in g.nodes(data=True) if d["stage"] == stage), key=lambda n: labels[n].lower())
        for row, n in enumerate(column):
            pos[n] = (float(x), -float(row))
    return pos


def first_party(records: Records) -> str:
    """The first party's name (or names), for titles."""
    names = sorted(n.label for n in records.nodes.values() if n.kind == "first_party")
    return ", ".join(names) or "the organisation"
