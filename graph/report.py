"""The HTML report: one self-contained page that opens offline (plotly.js is embedded once).

It holds a summary, the findings table, a Sankey of the whole organisation, a Sankey per field
(chosen from a drop-down), the network view and the policy statements the graph cites. Every text
from the inputs is HTML-escaped, in the tables and in the figures, so it is shown as text and never runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

import plotly.io as pio
from flowaudit.inventory.records import CONSENT_STATES, Records

from . import figures
from .figures import CLASS_COLOURS, Classes
from .store import Store

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1280px;
       color: #212121; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
.class { color: #fff; border-radius: 3px; padding: 1px 6px; white-space: nowrap; }
.quote { color: #424242; } .where { color: #757575; font-size: 0.9em; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.summary dt { font-weight: 600; }
"""


_FILTER_JS = """<script>
function filterConsent(state) {
  for (const row of document.querySelectorAll('#findings tbody tr')) {
    const states = (row.dataset.consent || '').split(' ');
    row.style.display = !state || states.includes(state) ? '' : 'none';
  }
}
</script>"""


def _quotes(items: Iterable[Any]) -> str:
    """Statements or evidence as quoted text with their locator, each escaped."""
    out = []
    for item in items:
        where = " › ".join(str(item[k]) for k in ("source", "locator") if item.get(k))
        out.append(f'<div><span class="quote">“{escape(str(item.get("text", "")))}”</span> '
                   f'<span class="where">{escape(where)}</span></div>')
    return "".join(out)


def _statements(statements: dict[str, list[dict[str, Any]]] | None) -> str:
    parts = []
    for side, heading in (("for", "for"), ("against", "against")):
        items = (statements or {}).get(side) or []
        if items:
            parts.append(f"<div><b>{heading}</b></div>{_quotes(items)}")
    return "".join(parts)


def _name(ref: dict[str, Any] | None) -> str:
    if not ref:
        return ""
    kind = ref.get("kind_label") or str(ref.get("kind", "")).replace("_", " ")
    return escape(str(ref.get("label", ""))) + (f' <span class="where">({escape(kind)})</span>' if kind else "")


def findings_table(findings: list[dict[str, Any]] | None) -> str:
    """The audit findings as an HTML table: class, severity, finding, field, recipient, statements, evidence."""
    if findings is None:
        return "<p>The audit was not run for this report.</p>"
    if not findings:
        return "<p>No findings.</p>"
    rows = []
    for f in findings:
        cls = str(f.get("class", ""))
        colour = CLASS_COLOURS.get(cls, "#757575")
        states = [str(s) for s in f.get("consent_states") or []]
        fields = _name(f.get("field")) or ", ".join(_name(x) for x in f.get("fields") or [])
        rows.append(f'<tr data-consent="{escape(" ".join(states))}">'
                    f'<td><span class="class" style="background:{colour}">{escape(cls)}</span></td>'
                    f'<td>{escape(str(f.get("severity", "")))}</td><td>{escape(str(f.get("title", "")))}</td>'
                    f'<td>{fields}</td><td>{_name(f.get("recipient"))}</td><td>{escape(", ".join(states))}</td>'
                    f'<td>{_statements(f.get("statements"))}</td><td>{_quotes(f.get("evidence") or [])}</td></tr>')
    present = sorted({str(s) for f in findings for s in f.get("consent_states") or []},
                     key=lambda s: CONSENT_STATES.index(s) if s in CONSENT_STATES else len(CONSENT_STATES))
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in present)
    picker = (f'<p><label>consent state <select id="consent-filter" onchange="filterConsent(this.value)">'
              f'<option value="">all findings</option>{options}</select></label></p>{_FILTER_JS}' if present else "")
    return (picker + '<table id="findings"><thead><tr><th>class</th><th>severity</th><th>finding</th><th>field</th>'
            "<th>recipient</th><th>consent state</th><th>statements</th><th>evidence</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def statements_table(records: Records) -> str:
    """The policy statements the graph holds, in document order, each with its locator and topics."""
    nodes = [n for n in records.nodes.values() if n.kind == "statement"]
    nodes.sort(key=lambda n: (str(n.properties.get("source", "")), n.properties.get("sentence") or 0))
    if not nodes:
        return "<p>No policy statements.</p>"
    rows = [f"<tr><td>{escape(str(n.properties.get('source', '')))}</td>"
            f"<td>{escape(n.evidence[0].locator if n.evidence else '')}</td>"
            f"<td>{escape(str(n.properties.get('text', n.label)))}</td>"
            f"<td>{escape(', '.join(n.properties.get('topics', [])))}</td></tr>" for n in nodes]
    return ("<table><thead><tr><th>source</th><th>locator</th><th>statement</th><th>topics</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _summary(records: Records, findings: list[dict[str, Any]] | None) -> str:
    kinds = Counter(n.kind for n in records.nodes.values())
    bases = Counter(f.basis for f in records.flows.values())
    sources = sorted({e.source for f in records.flows.values() for e in f.evidence})
    controller = ", ".join(sorted(n.label for n in records.nodes.values() if n.kind == "first_party")) or "—"
    items = [("Organisation", escape(controller)),
             ("Sources", "<br>".join(escape(s) for s in sources) or "—"),
             ("Nodes", escape(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items())))),
             ("Flows", escape(", ".join(f"{n} {b}" for b, n in sorted(bases.items())))),
             ("Findings", "not audited" if findings is None else escape(
                 ", ".join(f"{n} {c}" for c, n in sorted(Counter(str(f.get("class")) for f in findings).items()))
                 or "none"))]
    return '<dl class="summary">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def html_report(store: Store, findings: list[dict[str, Any]] | None = None, classes: Classes | None = None,
                title: str = "flowaudit report") -> str:
    """The report as one HTML document; ``findings`` from the audit (None when it was not run)."""
    records = store.records()
    figs = [("Flows of the organisation", figures.organisation_sankey(records, classes)),
            ("Flows of each field", figures.fields_sankey(store, classes)),
            ("Network", figures.network_figure(records, classes))]
    config = {"displaylogo": False, "responsive": True}
    sections = []
    for i, (heading, fig) in enumerate(figs):
        div = pio.to_html(fig, full_html=False, include_plotlyjs=i == 0, config=config, div_id=f"figure-{i}")
        sections.append(f"<h2>{escape(heading)}</h2>\n{div}")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n"
            f"<h2>Summary</h2>\n{_summary(records, findings)}\n<h2>Findings</h2>\n{findings_table(findings)}\n"
            + "\n".join(sections) + f"\n<h2>Policy statements</h2>\n{statements_table(records)}\n</body>\n</html>\n")


def write_html_report(store: Store, path: str | Path, findings: list[dict[str, Any]] | None = None,
                      classes: Classes | None = None, title: str = "flowaudit report") -> None:
    """Write :func:`html_report` to ``path``."""
    Path(path).write_text(html_report(store, findings, classes, title), encoding="utf-8")
