"""How the stated sharing of two versions of a policy differs.

Flows are compared by what they say, not by id: the first party of each version counts as the same
party (a company may rename itself between versions), and a flow is keyed by its relation, source,
recipient and field. Each change cites the sentences of both texts.
"""

from __future__ import annotations

from typing import Any

from flowaudit.inventory.records import Flow, Records

SHARING = ("SHARES_WITH", "DISCLOSES_TO")
CHANGES = ("added", "removed", "polarity", "conditions", "purposes")


def _key(flow: Flow, records: Records) -> tuple[str, str, str, str]:
    def norm(node_id: str) -> str:
        return "first_party" if records.nodes[node_id].kind == "first_party" else node_id

    return (flow.relation, norm(flow.source), norm(flow.target), flow.field)


def _label(records: Records, node_id: str) -> str:
    return records.nodes[node_id].label


def _quotes(flow: Flow | None) -> list[dict[str, Any]]:
    if flow is None:
        return []
    return [{"text": e.text, "locator": e.locator, "line": e.line, "source": e.source} for e in flow.evidence]


def _group(records: Records) -> dict[tuple[str, str, str, str], dict[str, Flow]]:
    """Stated sharing flows keyed by what they say, then by polarity."""
    out: dict[tuple[str, str, str, str], dict[str, Flow]] = {}
    for f in records.flows.values():
        if f.relation in SHARING and f.basis == "stated":
            out.setdefault(_key(f, records), {})[f.polarity] = f
    return out


def diff_policies(old: Records, new: Records) -> list[dict[str, Any]]:
    """The changes in stated sharing from ``old`` to ``new``: one row per flow added, removed, or
    changed in polarity, conditions or purposes (a flow changed in two ways gives two rows)."""
    old_flows, new_flows = _group(old), _group(new)
    rows: list[dict[str, Any]] = []
    for key in sorted(set(old_flows) | set(new_flows)):
        before, after = old_flows.get(key, {}), new_flows.get(key, {})

        def row(change: str, b: Flow | None, a: Flow | None) -> dict[str, Any]:
            records, flow = (new, a) if a is not None else (old, b)
            return {"change": change, "field": _label(records, flow.field), "recipient": _label(records, flow.target),
                    "relation": flow.relation, "old": _state(b), "new": _state(a),
                    "old_evidence": _quotes(b), "new_evidence": _quotes(a)}

        if before and after and set(before) != set(after):
            b = before.get("+") or before["-"]
            a = after.get("+") or after["-"]
            rows.append(row("polarity", b, a))
            continue
        if not before or not after:
            for flow in (after or before).values():
                rows.append(row("added", None, flow) if not before else row("removed", flow, None))
            continue
        for polarity in sorted(before):
            b, a = before[polarity], after[polarity]
            for change in ("conditions", "purposes"):
                if getattr(b, change) != getattr(a, change):
                    rows.append(row(change, b, a))
    return rows


def _state(flow: Flow | None) -> dict[str, Any] | None:
    if flow is None:
        return None
    return {"polarity": flow.polarity, "conditions": list(flow.conditions), "purposes": list(flow.purposes)}
