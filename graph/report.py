"""The HTML report: one self-contained page that opens offline (plotly.js is embedded once).

It leads with the verdict (each recipient's worst class with a one-line reason, the undisclosed and
incorrect first, and the counts by severity), then the organisation's Sankey, the findings grouped
by recipient, the organisation's systems and datastores (a table and a Sankey field → system →
recipient, when the graph holds any), and the details: a Sankey per field (opening on the most shared
field), the network view, what was read, and the policy statements. Every text from the inputs is
HTML-escaped, in the tables and in the figures, so it is shown as text and never runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

import plotly.io as pio
from flowaudit.inventory.records import CONSENT_STATES, Records

from . import figures, queries
from .audit import CLASSES, rules
from .figures import CLASS_COLOURS, Classes
from .report_formats import VERDICT_ORDER, reason, severity_counts, verdicts, who
from .store import Store

SEVERITY_COLOURS = {"error": "#c62828", "warning": "#ef6c00", "note": "#546e7a"}

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
p.lead { font-size: 1.1em; } .count { font-weight: 600; padding: 2px 8px; border-radius: 3px; color: #fff; }
table.verdict td:first-child { font-weight: 600; white-space: nowrap; }
details { margin: 0.4em 0; } summary { cursor: pointer; font-weight: 600; }
dl.legend { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; font-size: 0.85em; }
"""


_FILTER_JS = """<script>
function filterConsent(state) {
  for (const row of document.querySelectorAll('table.findings tbody tr')) {
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


def _badge(cls: str) -> str:
    colour = CLASS_COLOURS.get(cls, "#757575")
    return f'<span class="class" style="background:{colour}">{escape(cls)}</span>'


def verdict_section(findings: list[dict[str, Any]] | None) -> str:
    """The verdict: counts by severity, then one row per recipient, the worst first, with a one-line reason."""
    if findings is None:
        return "<p>The audit was not run for this report: give the policy among the sources.</p>"
    if not findings:
        return "<p>No findings.</p>"
    counts = severity_counts(findings)
    lead = " ".join(f'<span class="count" style="background:{SEVERITY_COLOURS[s]}">{n} {s}{"s" if n != 1 else ""}'
                    f"</span>" for s, n in counts.items())
    rows = [f"<tr><td>{escape(v['recipient'])}</td><td>{escape(str(v['kind']).replace('_', ' '))}</td>"
            f"<td>{_badge(v['class'])}</td><td>{escape(', '.join(v['fields']))}</td>"
            f"<td>{escape(v['reason'])}</td></tr>" for v in verdicts(findings)]
    return (f'<p class="lead">{len(findings)} findings: {lead}</p>\n'
            + ("<table class=\"verdict\"><thead><tr><th>recipient</th><th>kind</th><th>verdict</th><th>fields</th>"
               "<th>why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>\n" if rows else "")
            + _legend(findings))


def _legend(findings: list[dict[str, Any]]) -> str:
    """Each class that occurs, explained once."""
    spec = rules()["classes"]
    present = [c for c in CLASSES if c in spec and any(f["class"] == c for f in findings)]
    return ('<dl class="legend">' + "".join(f"<dt>{_badge(c)}</dt><dd>{escape(spec[c]['explanation'])}</dd>"
                                            for c in present) + "</dl>")


def findings_section(findings: list[dict[str, Any]] | None) -> str:
    """The findings grouped by recipient (the worst first), then the policy audited by itself."""
    if not findings:
        return "<p>No findings.</p>"
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        if f.get("recipient") and f["class"] != "policy":
            groups.setdefault(who(f), []).append(f)

    def rank(name: str) -> tuple[int, str]:
        return (min(VERDICT_ORDER.index(f["class"]) if f["class"] in VERDICT_ORDER else len(VERDICT_ORDER)
                    for f in groups[name]), name.lower())

    out = []
    for name in sorted(groups, key=rank):
        group = sorted(groups[name], key=lambda f: (CLASSES.index(f["class"]), (f.get("field") or {}).get("label", "")))
        counts = Counter(f["class"] for f in group)
        head = " ".join(f"{_badge(c)} {n}" for c, n in sorted(counts.items(), key=lambda kv: CLASSES.index(kv[0])))
        rows = [f'<tr data-consent="{escape(" ".join(_states(f)))}"><td>{_badge(f["class"])}</td>'
                f"<td>{_name(f.get('field'))}</td><td>{escape(', '.join(f.get('conditions') or []))}</td>"
                f"<td>{escape(', '.join(_states(f)))}</td>"
                f"<td>{_statements(f.get('statements'))}</td><td>{_quotes(f.get('evidence') or [])}</td></tr>"
                for f in group]
        out.append(f"<details><summary>{escape(name)} {head}</summary><table class=\"findings\"><thead><tr>"
                   "<th>class</th><th>field</th><th>only</th><th>consent state</th><th>statements</th>"
                   "<th>evidence</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></details>")
    policy = [f for f in findings if f["class"] == "policy"]
    if policy:
        rows = [f"<tr><td>{escape(f['rule'])}</td><td>{escape(f['severity'])}</td><td>{escape(f['message'])}</td>"
                f"<td>{escape(reason(f))}</td></tr>" for f in policy]
        out.append("<h3>The policy audited by itself</h3><table><thead><tr><th>rule</th><th>severity</th>"
                   "<th>finding</th><th>sentence</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    return _consent_picker(findings) + "\n".join(out)


def _states(f: dict[str, Any]) -> list[str]:
    return [str(s) for s in f.get("consent_states") or []]


def _consent_picker(findings: list[dict[str, Any]]) -> str:
    """A drop-down that shows only the findings of one consent state, when the findings have any."""
    present = sorted({s for f in findings for s in _states(f)},
                     key=lambda s: CONSENT_STATES.index(s) if s in CONSENT_STATES else len(CONSENT_STATES))
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in present)
    return (f'<p><label>consent state <select id="consent-filter" onchange="filterConsent(this.value)">'
            f'<option value="">all findings</option>{options}</select></label></p>{_FILTER_JS}\n' if present else "")


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


def systems_table(entries: list[dict[str, Any]]) -> str:
    """The systems and datastores (see :meth:`Store.systems`) as an HTML table, one row each."""
    frame = queries.systems_frame(entries)
    heads = list(frame.columns)
    rows = ["<tr>" + "".join(f"<td>{escape(str(row[c]))}</td>" for c in heads) + "</tr>"
            for row in frame.to_dict("records")]
    return ("<table><thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in heads) + "</tr></thead><tbody>"
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
                 ", ".join(f"{n} {c}" for c in CLASSES if (n := sum(1 for f in findings if f["class"] == c)))
                 or "none"))]
    return '<dl class="summary">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def html_report(store: Store, findings: list[dict[str, Any]] | None = None, classes: Classes | None = None,
                title: str = "flowaudit report") -> str:
    """The report as one HTML document; ``findings`` from the audit (None when it was not run)."""
    records = store.records()
    config = {"displaylogo": False, "responsive": True}
    embedded = [False]

    def figure(heading: str, fig: Any, i: int, before: str = "") -> str:
        div = pio.to_html(fig, full_html=False, include_plotlyjs=not embedded[0], config=config,
                          div_id=f"figure-{i}")
        embedded[0] = True
        return f"<h2>{escape(heading)}</h2>\n{before}{div}"

    organisation = figures.organisation_sankey(records, classes)
    per_field = figures.fields_sankey(store, classes)
    network = figures.network_figure(records, classes)
    entries = store.systems()
    systems = (figure("Systems", figures.system_sankey(records, classes), 3, systems_table(entries) + "\n") + "\n"
               if entries else "")
    heading = f"{title}: {figures.first_party(records)}"
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(heading)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n<h1>{escape(heading)}</h1>\n"
            f"<h2>Verdict</h2>\n{verdict_section(findings)}\n"
            + figure("Flows of the organisation", organisation, 0)
            + f"\n<h2>Findings</h2>\n{findings_section(findings)}\n"
            + systems
            + figure("Flows of each field", per_field, 1) + "\n"
            + figure("Network", network, 2)
            + f"\n<h2>Summary</h2>\n{_summary(records, findings)}\n"
            + f"<h2>Policy statements</h2>\n{statements_table(records)}\n</body>\n</html>\n")


def write_html_report(store: Store, path: str | Path, findings: list[dict[str, Any]] | None = None,
                      classes: Classes | None = None, title: str = "flowaudit report") -> None:
    """Write :func:`html_report` to ``path``."""
    Path(path).write_text(html_report(store, findings, classes, title), encoding="utf-8")
