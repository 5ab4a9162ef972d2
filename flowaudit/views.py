"""What each command prints to a terminal: short, explained tables that fit the width.

The long forms stay where they are: ``--format json|csv`` for scripts, ``audit --format markdown``
for every sentence, ``trace --paths`` for every path.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flowaudit.graph import report_formats
from flowaudit.inventory.records import Records

from .terminal import paragraph, render, shorten, width

Finding = dict[str, Any]
MAX_FIELDS = 4  # fields named in one cell before "+N more"


def _fields(labels: list[str], limit: int = MAX_FIELDS) -> str:
    more = len(labels) - limit
    return ", ".join(labels[:limit]) + (f", +{more} more" if more > 0 else "")


def _quote(evidence: list[dict[str, Any]], limit: int = 90) -> str:
    if not evidence:
        return ""
    e = evidence[0]
    line = f"line {e['line']}: " if e.get("line") else (f"{e['locator']}: " if e.get("locator") else "")
    return line + "“" + shorten(e["text"], limit) + "”"


# --------------------------------------------------------------------------- audit


def audit(findings: list[Finding], summary: bool = False) -> str:
    """The counts, one line per recipient (its verdict, fields and deciding statement), then, unless
    ``summary``, the findings grouped by recipient and class and the policy's own findings."""
    if not findings:
        return "no findings"
    w = width()
    counts = report_formats.severity_counts(findings)
    by_class = Counter(f["class"] for f in findings)
    out = [paragraph(f"{len(findings)} findings: "
                     + ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items())
                     + " (" + ", ".join(f"{by_class[c]} {c}" for c in report_formats.CLASSES if by_class[c]) + ")",
                     w)]
    unknown = report_formats.unknown_recipients(findings)
    if unknown:
        out.append(paragraph(unknown, w))
    out.append("")
    # the recipient's name, its kind where there is room, the verdict, the first fields, and the
    # deciding statement in what is left, shortened to two lines
    wide = w >= 110
    name_w, kind_w, fields_w = (22, 20, 26) if wide else (16, 0, 14)
    why_w = max(w - name_w - kind_w - fields_w - len("incorrect") - 2 * (4 if wide else 3), 20)
    rows = [{"recipient": v["recipient"], **({"kind": v["kind"]} if wide else {}), "verdict": v["class"],
             "fields": f"{len(v['fields'])}: {', '.join(v['fields'])}", "why": report_formats.reason(v["first"], 200)}
            for v in report_formats.verdicts(findings)]
    if rows:
        out.append(render(rows, title="Recipients, the worst first (one line each)", one_line=True,
                          widths={"recipient": name_w, "kind": kind_w, "fields": fields_w}))
    if summary:
        out += ["", paragraph("Details: flowaudit audit without --summary; every sentence: --format markdown.", w)]
        return "\n".join(out)
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.get("recipient") and f["class"] != "policy":
            groups.setdefault((report_formats.who(f), f["class"]), []).append(f)
    detail = []
    fields_w = 30 if wide else 22
    why_w = max(w - name_w - fields_w - len("undisclosed_collection") - 8, 20)
    for (name, cls), group in sorted(groups.items(), key=lambda kv: (_rank(kv[0][1]), kv[0][0].lower())):
        conditions = sorted({c for f in group for c in f.get("conditions") or []})
        why = report_formats.reason(group[0], 2 * why_w - 4)
        detail.append({"recipient": name, "class": cls,
                       "fields": _fields([f["field"]["label"] for f in group if f.get("field")], 6),
                       "why": (f"only {'; '.join(conditions)}. " if conditions else "") + why})
    if detail:
        out += ["", render(detail, title="Findings by recipient and class",
                           widths={"recipient": name_w, "fields": fields_w, "why": why_w})]
    policy = [{"rule": f["rule"], "severity": f["severity"], "finding": f["message"],
               "line": (f["statements"]["for"] or [{}])[0].get("line", "")}
              for f in findings if f["class"] == "policy"]
    if policy:
        out += ["", render(policy, title="The policy audited by itself", numeric=("line",), narrow=("rule",))]
    out += ["", paragraph("Every sentence and piece of evidence: flowaudit audit --format markdown.", w)]
    return "\n".join(out)


def _rank(cls: str) -> int:
    order = report_formats.VERDICT_ORDER
    return order.index(cls) if cls in order else len(order)


# --------------------------------------------------------------------------- trace


def trace_summary(field: str, paths: list[dict[str, Any]]) -> str:
    """Per recipient: its kind, the fewest hops, how the field reaches it and the sentence that says so."""
    if not paths:
        return f"{field}: no path (it is not stated, declared or observed to go anywhere)"
    by_recipient: dict[str, list[dict[str, Any]]] = {}
    for p in paths:
        by_recipient.setdefault(p["recipient"]["id"], []).append(p)
    w = width()
    wide = w >= 110
    name_w, kind_w, how_w = (22, 18, 34) if wide else (16, 0, 16)
    rows = []
    for group in by_recipient.values():
        best = min(group, key=lambda p: (p["polarity"] == "-", len(p["edges"]), bool(p["conditions"])))
        bases = sorted({e["basis"] for p in group for e in p["edges"] if e.get("basis")})
        negative = all(p["polarity"] == "-" for p in group)
        how = "/".join(bases) + (", NOT" if negative else "")
        if best["conditions"] and not negative:
            how += f", only {'; '.join(best['conditions'])}"
        if best["match"] != "exact":
            how += f", as {best['edges'][-1]['field']}" if wide else f" ({best['match']})"
        last = best["edges"][-1]
        rows.append({"recipient": best["recipient"]["label"],
                     **({"kind": best["recipient"]["kind"].replace("_", " ")} if wide else {}),
                     "hops": len(best["edges"]), "how": how, "why": _quote(last["evidence"], 200),
                     "negative": negative})
    rows.sort(key=lambda r: (r["negative"], r["hops"], r["recipient"].lower()))
    head = (f"{field} reaches {sum(1 for r in rows if not r['negative'])} recipients "
            f"({len(paths)} paths; --paths lists each with its sentences)")
    columns = ["recipient", *(["kind"] if wide else []), "hops", "how", "why"]
    return paragraph(head, w) + "\n\n" + render(rows, columns, numeric=("hops",), one_line=True, widths={
        "recipient": name_w, "kind": kind_w, "how": how_w})


def trace_paths(paths: list[dict[str, Any]]) -> str:
    """Every path on one line, then each hop with the sentence that states it."""
    if not paths:
        return "no path"
    lines = []
    for i, p in enumerate(paths, 1):
        sign = "" if p["polarity"] == "+" else "  [NOT shared]"
        cond = f"  [only: {'; '.join(p['conditions'])}]" if p["conditions"] else ""
        lines.append(f"{i}. " + " → ".join(n["label"] for n in p["nodes"]) + f"  ({p['match']}){sign}{cond}")
        for e, a, b in zip(p["edges"], p["nodes"], p["nodes"][1:], strict=False):
            lines.append(f"   {a['label']} -{e['relation']}{'' if e['polarity'] == '+' else ' (NOT)'}-> "
                         f"{b['label']}: {e['field']} [{e['match']}]")
            if e["evidence"]:
                lines.append(f"      {_quote(e['evidence'], 200)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- names, recipients, matrix


def name_list(rows: list[dict[str, Any]], what: str) -> str:
    """The names a store knows (``fields --list``…), with their kinds and flow counts."""
    if not rows:
        return f"no {what}s in the store"
    return render([{what: r["label"], "kind": r["kind"], "flows": r["flows"]} for r in rows], numeric=("flows",))


def status(rows: list[dict[str, Any]], by: str) -> str:
    """``recipients FIELD`` (``by`` = "recipient") or ``fields RECIPIENT`` (``by`` = "field")."""
    if not rows:
        return "nothing"
    out = [{by: r[by]["label"], **({"kind": r["recipient"]["kind"]} if by == "recipient" else {}),
            "status": r["status"] + (" (and restricted)" if r["negative"] and r["status"] != "negative" else ""),
            "only": "; ".join(r["conditions"]), "why": _quote(r["evidence"], _why_limit())} for r in rows]
    w = width()
    return render(out, widths={by: 22 if w >= 110 else 16, "kind": 14 if w >= 110 else 12,
                               "status": 14, "only": 24 if w >= 110 else 14})


def _why_limit() -> int:
    """How long a quoted sentence may be in a table's last column: about two lines of it."""
    return max(40, width() - 50)


def matrix(rows: list[dict[str, Any]]) -> str:
    """The sharing matrix read by recipient: the fields it gets, grouped by how that is stated."""
    if not rows:
        return "nothing"
    by: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = by.setdefault(r["recipient"]["id"], {"recipient": r["recipient"]["label"],
                                                     "kind": r["recipient"]["kind"], "fields": {}})
        entry["fields"].setdefault(r["status"], []).append(r["field"]["label"])
    out = []
    for entry in sorted(by.values(), key=lambda e: e["recipient"].lower()):
        cells = [f"{status_} {len(labels)}: {_fields(sorted(labels), 3)}"
                 for status_, labels in sorted(entry["fields"].items())]
        out.append({"recipient": entry["recipient"], "kind": entry["kind"], "fields by status": "; ".join(cells)})
    return render(out) + "\n\n(--format csv gives the fields × recipients grid)"


def systems(entries: list[dict[str, Any]]) -> str:
    """The organisation's systems and datastores: one line each, what it collects, stores, sends and shares."""
    if not entries:
        return "no systems (a policy or a capture names none; load the organisation's manifest)"
    out = []
    for e in entries:
        ends = {key: "; ".join(f"{k}: {_fields(v, 3)}" for k, v in _by_end(e[key], "to").items())
                for key in ("stores", "sends", "shares")}
        out.append({"system": e["label"], "kind": e["kind"], "owner": e["properties"].get("owner", ""),
                    "collects": _fields(list(dict.fromkeys(h["field"]["label"] for h in e["collects"]))),
                    "stores in": ends["stores"], "sends to": ends["sends"], "shares with": ends["shares"]})
    return render(out) + "\n\n(--format json gives every hop with its evidence)"


def system_matrix(entries: list[dict[str, Any]]) -> str:
    """Systems × recipients read by system: the fields each system shares with each recipient."""
    out = [{"system": e["label"], "recipient": recipient, "fields": _fields(labels)}
           for e in entries if e["kind"] == "system"
           for recipient, labels in _by_end(e["shares"], "to").items()]
    return render(out) if out else "nothing"


def _by_end(hops: list[dict[str, Any]], end: str) -> dict[str, list[str]]:
    """The fields of positive ``hops`` by the label of their other ``end``."""
    by: dict[str, list[str]] = {}
    for h in hops:
        if h["polarity"] == "+" and h["field"]["label"] not in by.setdefault(h[end]["label"], []):
            by[h[end]["label"]].append(h["field"]["label"])
    return by


# --------------------------------------------------------------------------- extract, diff


def extract(records: Records) -> str:
    """Node counts by kind, then the flows, each with where it is stated."""
    if not records.nodes:
        return "nothing read"
    kinds = Counter(n.kind for n in records.nodes.values())
    out = [render([{"kind": k, "nodes": n} for k, n in sorted(kinds.items())], numeric=("nodes",))]
    label = {n.id: n.label for n in records.nodes.values()}
    flows = [{"from": label.get(f.source, f.source), "relation": f.relation + ("" if f.polarity == "+" else " (NOT)"),
              "to": label.get(f.target, f.target), "field": label.get(f.field, f.field),
              "only": "; ".join(f.conditions),
              "where": (f"line {f.evidence[0].line}" if f.evidence and f.evidence[0].line
                        else f.evidence[0].locator if f.evidence else "")}
             for f in sorted(records.flows.values(), key=lambda f: f.id)]
    out += ["", render(flows, title=f"{len(flows)} flows", narrow=("relation",)) if flows else "no flows"]
    return "\n".join(out)


def diff(rows: list[dict[str, Any]]) -> str:
    """How the stated sharing changed between two policy versions."""
    if not rows:
        return "no change in what the two versions state"

    def state(st: dict[str, Any] | None) -> str:
        if st is None:
            return ""
        return st["polarity"] + (f" [{'; '.join(st['conditions'])}]" if st["conditions"] else "")

    return render([{"change": r["change"], "field": r["field"], "recipient": r["recipient"],
                    "old": state(r["old"]), "new": state(r["new"]),
                    "sentence": _quote(r["new_evidence"] or r["old_evidence"], 70)} for r in rows],
                  narrow=("change",))
