"""The record of processing activities (GDPR Article 30), derived from the graph.

One row per processing activity of each of the organisation's systems (Art. 30(1)(b)–(g)): a
declared purpose with the personal data, data subjects, recipients and datastores of the system's
flows that serve it; then one row per stated or observed purpose of the flows no system declares;
flows with no purpose form one more row in each group. Transfers are recipients and datastores
outside the controller's country and, where the policy speaks of transfers (Safe Harbor, standard
contractual clauses...), the controller itself; the safeguards are the recipients', the datastores'
and those statements. Retention is the datastores', the declared flows' and the policy's statements on
it; security measures the datastores' and the policy's. Each column cites its evidence by source and locator;
the spreadsheet adds a sheet quoting every piece of evidence. Evidence never holds a raw value.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from flowaudit.inventory.records import Evidence, Flow, Node, Records, node_id
from openpyxl.styles import Alignment, Font

from .semantics import RECIPIENT_KINDS
from .store import Store

NO_PURPOSE = "(no stated purpose)"
COLUMNS = ["processing activity", "system", "controller", "purposes", "categories of data subjects",
           "categories of personal data", "recipients", "datastores", "transfers to third countries", "safeguards",
           "retention", "security measures"]
EVIDENCE_COLUMNS = {c: f"{c} evidence" for c in COLUMNS[3:]}
EVIDENCE_SHEET_COLUMNS = ["source", "locator", "text"]


def cite(evidence: Iterable[Evidence]) -> str:
    """Evidence as ``source › locator`` citations, one per line, without repeats."""
    return "\n".join(dict.fromkeys(f"{e.source} › {e.locator}" for e in evidence))


def _labels(nodes: Iterable[Node], with_kind: bool = False) -> str:
    seen = {(n.label, n.kind.replace("_", " ") if n.kind != "organization" else n.properties.get("party_kind", ""))
            for n in nodes}
    return "; ".join(f"{label} ({kind.replace('_', ' ')})" if with_kind and kind else label
                     for label, kind in sorted(seen, key=lambda x: x[0].lower()))


def _topic_statements(records: Records, topic: str) -> list[Node]:
    found = [n for n in records.nodes.values() if n.kind == "statement" and topic in n.properties.get("topics", [])]
    return sorted(found, key=lambda n: (str(n.properties.get("source")), n.properties.get("sentence") or 0))


def _statement_texts(statements: list[Node]) -> str:
    return "\n".join(str(n.properties.get("text", n.label)) for n in statements)


def _row(records: Records, activity: str, purposes: list[Node], flows: list[Flow], controller: list[Node],
         transfer_statements: list[Node], retention: list[Node], security: list[Node],
         system: Node | None = None) -> dict[str, str]:
    nodes = records.nodes
    home = {str(c.properties.get("country")) for c in controller if c.properties.get("country")}
    subjects = [f for f in flows if nodes[f.source].kind == "data_subject"]
    fields = {f.field for f in flows}
    given = [f for f in records.flows.values() if f.polarity == "+" and f.field in fields
             and nodes[f.source].kind == "data_subject"]
    if not subjects and system:  # who gives the system these fields, when the purpose's flows start further on
        subjects = [f for f in given if _system_of(records, f) == system.id]
    if not subjects:  # who provides these fields at all
        subjects = given
    shares = [f for f in flows if nodes[f.target].kind in RECIPIENT_KINDS]
    kept = [f for f in records.flows.values() if f.polarity == "+" and nodes[f.target].kind == "datastore"
            and f.field in fields and (f.source == system.id if system else f in flows)]
    stores = {f.target: nodes[f.target] for f in sorted(kept, key=lambda f: f.target)}
    abroad = [f for f in shares + kept if nodes[f.target].properties.get("country")
              and home and str(nodes[f.target].properties["country"]) not in home]
    foreign = {f.target: nodes[f.target] for f in abroad}
    safeguards = sorted({s for n in foreign.values() for s in n.properties.get("safeguards", [])})
    by_period: dict[str, set[str]] = {}
    for f in flows:
        if f.properties.get("retention") and nodes[f.target].kind != "datastore":
            by_period.setdefault(str(f.properties["retention"]), set()).add(nodes[f.field].label)
    kept_for = sorted(f"{n.label}: {n.properties['retention']}" for n in stores.values()
                      if n.properties.get("retention"))
    kept_for += [f"{', '.join(sorted(labels, key=str.lower))}: {period}"
                 for period, labels in sorted(by_period.items())]
    measures = sorted({m for n in stores.values() for m in n.properties.get("security_measures", [])})
    return {
        "processing activity": activity,
        "system": system.label if system else "",
        "controller": "; ".join(f"{c.label} ({c.properties['legal_name']})" if c.properties.get("legal_name")
                                else c.label for c in controller),
        "purposes": "; ".join(p.label for p in purposes) or NO_PURPOSE,
        "categories of data subjects": _labels(nodes[f.source] for f in subjects),
        "categories of personal data": _labels(nodes[f.field] for f in flows),
        "recipients": _labels((nodes[f.target] for f in shares), with_kind=True),
        "datastores": "; ".join(f"{n.label} ({n.properties['country']})" if n.properties.get("country") else n.label
                                for n in sorted(stores.values(), key=lambda n: n.label.lower())),
        "transfers to third countries": "; ".join(
            [f"{n.label} ({n.properties['country']})" for n in sorted(foreign.values(), key=lambda n: n.label.lower())]
            + [f"{c.label} ({c.properties.get('country', 'country not stated')}), as the policy states"
               for c in controller if transfer_statements]),
        "safeguards": "\n".join([*(f"{s} (recipient)" if n.kind != "datastore" else f"{s} ({n.label})"
                                   for n in foreign.values() for s in n.properties.get("safeguards", [])
                                   if s in safeguards),
                                 _statement_texts(transfer_statements)] if foreign or transfer_statements else []),
        "retention": "\n".join(x for x in [*kept_for, _statement_texts(retention)] if x),
        "security measures": "\n".join(x for x in [*measures, _statement_texts(security)] if x),
        "purposes evidence": cite(e for f in flows for e in f.evidence),
        "categories of data subjects evidence": cite(e for f in subjects for e in f.evidence),
        "categories of personal data evidence": cite(e for f in flows for e in f.evidence),
        "recipients evidence": cite(e for f in shares for e in f.evidence),
        "datastores evidence": cite([*(e for f in kept for e in f.evidence), *(e for n in stores.values()
                                                                              for e in n.evidence)]),
        "transfers to third countries evidence": cite([*(e for f in abroad for e in f.evidence),
                                                       *(e for n in transfer_statements for e in n.evidence)]),
        "safeguards evidence": cite([*(e for n in foreign.values() for e in n.evidence),
                                     *(e for n in transfer_statements for e in n.evidence)]),
        "retention evidence": cite([*(e for n in stores.values() if n.properties.get("retention") for e in n.evidence),
                                    *(e for n in retention for e in n.evidence)]),
        "security measures evidence": cite([*(e for n in stores.values() if n.properties.get("security_measures")
                                              for e in n.evidence), *(e for n in security for e in n.evidence)]),
    }


def _system_of(records: Records, flow: Flow) -> str | None:
    """The system a flow belongs to: the system it leaves, else the one it enters, else the one that declares it
    (a collection's first hop, subject → collection point)."""
    for end in (flow.source, flow.target):
        if records.nodes[end].kind == "system":
            return end
    declared = node_id("system", str(flow.properties["system"])) if flow.properties.get("system") else None
    return declared if declared in records.nodes else None


def ropa_rows(records: Records) -> list[dict[str, str]]:
    """The rows of the record: per system, one per purpose its flows serve, then its flows without one; then
    the same for the flows no system declares."""
    nodes = records.nodes
    controller = sorted((n for n in nodes.values() if n.kind == "first_party"), key=lambda n: n.id)
    topics = {t: _topic_statements(records, t) for t in ("transfer", "retention", "security")}
    groups: dict[str | None, tuple[dict[str, list[Flow]], list[Flow]]] = {}
    for f in sorted(records.flows.values(), key=lambda f: f.id):
        if f.polarity != "+" or nodes[f.field].properties.get("personal") is False:
            continue
        by_purpose, unpurposed = groups.setdefault(_system_of(records, f), ({}, []))
        for p in f.purposes:
            by_purpose.setdefault(p, []).append(f)
        if not f.purposes:
            unpurposed.append(f)
    rows = []
    for sid in sorted(groups, key=lambda s: (s is None, nodes[s].label.lower() if s else "")):
        by_purpose, unpurposed = groups[sid]
        system = nodes[sid] if sid else None
        for pid in sorted(by_purpose, key=lambda p: nodes[p].label.lower() if p in nodes else p):
            purpose = nodes.get(pid) or Node(pid, "purpose", pid)
            rows.append(_row(records, purpose.label, [purpose], by_purpose[pid], controller, topics["transfer"],
                             topics["retention"], topics["security"], system))
        if unpurposed:
            rows.append(_row(records, NO_PURPOSE, [], unpurposed, controller, topics["transfer"], topics["retention"],
                             topics["security"], system))
    return rows


def ropa_frame(store: Store) -> pd.DataFrame:
    """The record of processing as a DataFrame: the Article 30 columns, then an evidence column for each."""
    return _frame(ropa_rows(store.records()))


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[*COLUMNS, *EVIDENCE_COLUMNS.values()])


def _evidence(records: Records, rows: list[dict[str, str]]) -> pd.DataFrame:
    cited = {line for row in rows for c in EVIDENCE_COLUMNS.values() for line in row[c].splitlines()}
    seen: dict[tuple[str, str], str] = {}
    for ev in [e for f in records.flows.values() for e in f.evidence] + \
              [e for n in records.nodes.values() for e in n.evidence]:
        if f"{ev.source} › {ev.locator}" in cited:
            seen.setdefault((ev.source, ev.locator), ev.text)
    return pd.DataFrame([(s, loc, t) for (s, loc), t in sorted(seen.items())], columns=EVIDENCE_SHEET_COLUMNS)


def write_ropa_csv(store: Store, path: str | Path) -> None:
    """Write the record of processing as CSV (UTF-8 with a byte-order mark, for spreadsheets)."""
    ropa_frame(store).to_csv(path, index=False, encoding="utf-8-sig")


def write_ropa_xlsx(store: Store, path: str | Path) -> None:
    """Write the record (sheet ``Record of processing``) and the quoted evidence (sheet ``Evidence``)."""
    records = store.records()
    rows = ropa_rows(records)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, frame in (("Record of processing", _frame(rows)), ("Evidence", _evidence(records, rows))):
            frame.to_excel(xl, sheet_name=name, index=False)
            sheet = xl.sheets[name]
            sheet.freeze_panes = "B2"
            for col in sheet.columns:
                sheet.column_dimensions[col[0].column_letter].width = 48
                for cell in col:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                col[0].font = Font(bold=True)
