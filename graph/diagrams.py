"""Flow diagrams as graph files: GraphML (Gephi, yEd), Graphviz DOT and Mermaid flowcharts.

Diagrams draw the parties, collection points, trackers, and the organisation's systems and datastores
(each in a column of their own) as nodes and the flows between them as edges, grouped by (source, target,
polarity) with the fields they carry, coloured by audit class. Every label is quoted for its format;
evidence is cited by locator and never holds a raw value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import networkx as nx
from flowaudit.inventory.records import Records

from .figures import CLASS_COLOURS, KIND_COLOURS, Classes, flow_class, flow_pairs
from .semantics import RECIPIENT_KINDS

NOT_SHARED_COLOUR = "#37474f"
_DOT_SHAPES = {"data_subject": "oval", "collection_point": "box", "first_party": "doubleoctagon",
               "organization": "component", "cookie": "note", "flash_cookie": "note", "clear_gif": "note",
               "tracker": "note", "system": "box3d", "datastore": "cylinder"}
#: The organisation's own systems and datastores each get a column (a rank, a subgraph) of their own.
COLUMNS = (("system", "Systems"), ("datastore", "Datastores"))


def _colour(cls: str) -> str:
    return CLASS_COLOURS.get(cls, NOT_SHARED_COLOUR)


def _nodes(pairs: list[dict[str, Any]]) -> list[str]:
    return sorted({p[end] for p in pairs for end in ("source", "target")})


def flow_multigraph(records: Records, classes: Classes | None = None, fields: set[str] | None = None
                    ) -> nx.MultiDiGraph:
    """Every flow as its own edge, with text attributes only (what GraphML can hold).

    Nodes have ``label``, ``kind`` and, for organisations, ``country``; edges have ``relation``,
    ``field``, ``field_id``, ``polarity``, ``basis``, ``purposes``, ``conditions``, ``class``,
    ``evidence`` (locators) and ``quote`` (the first piece of evidence).
    """
    nodes = records.nodes
    g = nx.MultiDiGraph(name="flowaudit")
    for f in sorted(records.flows.values(), key=lambda f: f.id):
        if fields is not None and f.field not in fields:
            continue
        for end in (f.source, f.target):
            n = nodes[end]
            g.add_node(end, label=n.label, kind=n.kind, country=str(n.properties.get("country", "")))
        recipient = nodes[f.target].kind in RECIPIENT_KINDS
        cls = "not shared" if f.polarity == "-" else flow_class(classes if recipient else None, f.field, f.target,
                                                                f.basis)
        g.add_edge(f.source, f.target, key=f.id, relation=f.relation, field=nodes[f.field].label, field_id=f.field,
                   polarity=f.polarity, basis=f.basis,
                   purposes="; ".join(nodes[p].label if p in nodes else p for p in f.purposes),
                   conditions="; ".join(f.conditions), **{"class": cls},
                   evidence=" | ".join(e.locator for e in f.evidence),
                   quote=f.evidence[0].text if f.evidence else "")
    return g


def write_graphml(records: Records, path: str | Path, classes: Classes | None = None,
                  fields: set[str] | None = None) -> None:
    """Write the flow multigraph as GraphML."""
    nx.write_graphml(flow_multigraph(records, classes, fields), str(path), encoding="utf-8")


def dot_quote(value: str) -> str:
    """A DOT double-quoted string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _field_list(fields: list[str], limit: int = 4) -> str:
    more = len(fields) - limit
    return ", ".join(fields[:limit]) + (f" (+{more})" if more > 0 else "")


def dot(records: Records, classes: Classes | None = None, fields: set[str] | None = None) -> str:
    """The flow diagram in Graphviz DOT, left to right."""
    pairs = flow_pairs(records, classes, fields)
    ids = {n: f"n{i}" for i, n in enumerate(_nodes(pairs))}
    lines = ["digraph flowaudit {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=8];']
    for n, i in ids.items():
        node = records.nodes[n]
        lines.append(f"  {i} [label={dot_quote(node.label)}, shape={_DOT_SHAPES.get(node.kind, 'ellipse')}, "
                     f"color={dot_quote(KIND_COLOURS.get(node.kind, '#757575'))}, tooltip={dot_quote(node.kind)}];")
    for kind, _ in COLUMNS:
        members = [i for n, i in ids.items() if records.nodes[n].kind == kind]
        if members:
            lines.append(f"  {{ rank=same; {'; '.join(members)}; }}")
    for p in pairs:
        label = ("NOT: " if p["polarity"] == "-" else "") + _field_list(p["fields"])
        style = "dashed" if p["polarity"] == "-" else "solid"
        lines.append(f"  {ids[p['source']]} -> {ids[p['target']]} [label={dot_quote(label)}, "
                     f"color={dot_quote(_colour(p['class']))}, style={style}, "
                     f"tooltip={dot_quote(p['class'] + ': ' + ', '.join(p['fields']))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid_text(value: str) -> str:
    """``value`` as the text of a quoted Mermaid label: quotes, markup and # as entity codes."""
    value = re.sub(r"\s+", " ", value)
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        value = value.replace(char, code)
    return value


def mermaid(records: Records, classes: Classes | None = None, fields: set[str] | None = None) -> str:
    """The flow diagram as a Mermaid flowchart, for Markdown documents."""
    pairs = flow_pairs(records, classes, fields)
    ids = {n: f"n{i}" for i, n in enumerate(_nodes(pairs))}
    kinds = sorted({records.nodes[n].kind for n in ids})
    lines = ["flowchart LR"]
    for kind in kinds:
        lines.append(f"  classDef {kind} fill:{KIND_COLOURS.get(kind, '#757575')},color:#ffffff")
    for n, i in ids.items():
        node = records.nodes[n]
        lines.append(f'  {i}["{mermaid_text(node.label)}"]:::{node.kind}')
    for kind, title in COLUMNS:
        members = [i for n, i in ids.items() if records.nodes[n].kind == kind]
        if members:
            lines.append(f'  subgraph {kind}_column["{title}"]')
            lines += [f"    {i}" for i in members]
            lines.append("  end")
    for k, p in enumerate(pairs):
        label = ("NOT: " if p["polarity"] == "-" else "") + _field_list(p["fields"])
        arrow = "-.->" if p["polarity"] == "-" else "-->"
        lines.append(f'  {ids[p["source"]]} {arrow}|"{mermaid_text(label)}"| {ids[p["target"]]}')
        lines.append(f"  linkStyle {k} stroke:{_colour(p['class'])}")
    return "\n".join(lines) + "\n"
