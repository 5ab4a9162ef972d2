"""Audit reports: a DataFrame and a table, JSON, SARIF 2.1.0, JUnit XML and Markdown.

Every writer keeps the order of the findings it is given (the audit's deterministic order) and
prints only what the findings hold: quoted policy sentences and where evidence was seen, no values.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd

from .audit import CLASSES, Finding, rules

#: Classes whose findings are about one source by itself (a rule and a message, no recipient and field).
SELF_CLASSES = ("policy", "inventory")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FRAME_COLUMNS = ["class", "severity", "rule", "recipient", "recipient_kind", "organization", "field", "vagueness",
                 "conditions", "consent", "statement", "evidence"]


def fails(finding: Finding, fail_on: set[str]) -> bool:
    """True if ``finding`` fails a gate on ``fail_on`` classes (without classes: if it is an error)."""
    return finding["class"] in fail_on if fail_on else finding["severity"] == "error"


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """One row per finding: class, severity, recipient, field, vagueness, the first statement and evidence."""
    rows = []
    for f in findings:
        rec, fld = f.get("recipient") or {}, f.get("field") or {}
        quotes = f["statements"]["for"] + f["statements"]["against"]
        rows.append({
            "class": f["class"],
            "severity": f["severity"],
            "rule": f["rule"],
            "recipient": rec.get("label", ""),
            "recipient_kind": rec.get("kind", ""),
            "organization": (rec.get("organization") or {}).get("label", ""),
            "field": fld.get("label", "") or field_labels(f),
            "consent": ", ".join(f.get("consent_states") or []),
            "vagueness": f.get("vagueness"),
            "conditions": "; ".join(f.get("conditions") or []),
            "statement": _where(quotes[0]) if quotes else "",
            "evidence": _where(f["evidence"][0]) if f["evidence"] else "",
        })
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def field_labels(f: Finding) -> str:
    """The labels of a finding's ``fields`` (a ``before_consent`` finding names every field it saw)."""
    return ", ".join(x.get("label", "") for x in f.get("fields") or [])


def to_json(findings: list[Finding]) -> str:
    """``{"findings": [...]}``."""
    return json.dumps({"findings": findings}, indent=2, ensure_ascii=False)


def unknown_recipients(findings: list[Finding]) -> str | None:
    """The summary line for recipients the organisation registry does not know, or None."""
    names = sorted({f["recipient"]["label"] for f in findings if (f.get("recipient") or {}).get("unknown")})
    if not names:
        return None
    return (f"{len(names)} recipient{'s' if len(names) > 1 else ''} unknown to the organisation registry, judged by "
            f"what the policy says of third parties in general: {', '.join(names)}")


SEVERITIES = ("error", "warning", "note")
# the order in which a recipient's classes decide its verdict, the worst first
# ("unsupported", a stated flow nothing observed, says nothing of a recipient: it has no verdict)
VERDICT_ORDER = ("incorrect", "omitted", "ambiguous", "undisclosed_collection", "purpose", "vague", "clear")


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    """Findings per severity, the worst first."""
    return {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITIES}


def who(f: Finding) -> str:
    """The name a finding's recipient goes by: its organisation's, else its own label."""
    rec = f.get("recipient") or {}
    return (rec.get("organization") or {}).get("label") or rec.get("label", "")


def verdicts(findings: list[Finding]) -> list[dict[str, Any]]:
    """One verdict per recipient (an organisation, or a kind of party the policy names), the worst
    first: its worst class, the fields in that class, and the one statement (or its absence) that
    decides it, shortened, with its line (``first`` is the finding that says so).

    >>> verdicts([])
    []
    """
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if f.get("recipient") and f["class"] in VERDICT_ORDER:
            groups.setdefault(who(f), []).append(f)
    rows = []
    for name, group in groups.items():
        worst = min(VERDICT_ORDER.index(f["class"]) for f in group)
        decisive = [f for f in group if VERDICT_ORDER.index(f["class"]) == worst]
        first = decisive[0]
        fields = list(dict.fromkeys(f["field"]["label"] for f in decisive if f.get("field")))
        rec = first["recipient"]
        rows.append({
            "recipient": name,
            "kind": rec.get("kind_label") or rec.get("kind", ""),
            "class": first["class"],
            "severity": first["severity"],
            "fields": fields,
            "reason": reason(first),
            "findings": len(group),
            "first": first,
        })
    return sorted(rows, key=lambda r: (VERDICT_ORDER.index(r["class"]), r["recipient"].lower()))


def reason(f: Finding, limit: int = 110) -> str:
    """Why ``f`` is in its class, in one line: the deciding statement with its line, or what is missing."""
    quotes = f["statements"]["against"] if f["class"] == "incorrect" else f["statements"]["for"]
    quotes = quotes or f["statements"]["for"] + f["statements"]["against"]
    if f["class"] == "omitted":
        return "no statement of the policy covers this recipient"
    if f["class"] == "purpose" and f.get("purposes"):
        named = ", ".join(p.split(":", 1)[-1].replace("_", " ") for p in f["purposes"])
        return f"declared purposes the policy never states: {named}"
    if not quotes:
        return f.get("title", "")
    q = quotes[0]
    line = f"line {q['line']}: " if q.get("line") else ""
    return f"{line}“{_shorten(q['text'], limit - len(line) - 2)}”"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 10)].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# --------------------------------------------------------------------------- SARIF


def to_sarif(findings: list[Finding], tool_version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one result per finding that is not ``clear``, located at the policy
    sentence it rests on (or the evidence when no sentence covers it), the rest as related locations."""
    spec = rules()
    descriptors = [_descriptor(c["id"], c["class"], c) for c in spec["classes"].values()]
    descriptors += [_descriptor(r["id"], r["check"], r) for r in [*spec["rules"].values(), *spec["inventory"].values()]]
    descriptors.sort(key=lambda d: d["id"])
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for f in findings:
        if f["class"] == "clear":
            continue
        quotes = f["statements"]["for"] + f["statements"]["against"]
        places = [_location(q, "policy") for q in quotes] + [_location(e, "evidence") for e in f["evidence"]]
        places = [p for p in places if p is not None]
        result: dict[str, Any] = {
            "ruleId": f["rule"],
            "ruleIndex": index[f["rule"]],
            "level": f["severity"],
            "message": {"text": f["message"]},
            "partialFingerprints": {"flowauditFinding/v1": f["id"]},
            "properties": {k: f[k] for k in ("class", "field", "fields", "recipient", "systems", "datastore",
                                              "vagueness", "conditions", "purposes", "consent_states")
                           if f.get(k) is not None},
        }
        if places:
            result["locations"] = [places[0]]
            related = []
            for i, p in enumerate(places[1:], 1):
                related.append({"id": i, **p})
            if related:
                result["relatedLocations"] = related
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flowaudit", "version": tool_version,
                                "rules": descriptors}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _descriptor(rule_id: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"id": rule_id, "name": "".join(w.capitalize() for w in name.replace("-", "_").split("_")),
            "shortDescription": {"text": spec["title"]}, "fullDescription": {"text": spec["explanation"]},
            "defaultConfiguration": {"level": spec["severity"]}}


def _location(ref: dict[str, Any], role: str) -> dict[str, Any] | None:
    if not ref.get("source"):
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(ref["source"])}}
    if ref.get("line"):
        region = physical["region"] = {"startLine": int(ref["line"])}
        if ref.get("column"):
            region["startColumn"] = int(ref["column"])
        if ref.get("end_line") and ref.get("end_column"):  # SARIF's end column is the one after the region
            region.update(endLine=int(ref["end_line"]), endColumn=int(ref["end_column"]) + 1)
    text = f"{role}: {ref.get('locator', '')}"
    if ref.get("parameter"):
        text += f", parameter {ref['parameter']}"
    return {"physicalLocation": physical, "message": {"text": text}}


def _uri(source: str) -> str:
    path = Path(source)
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_uri()


# --------------------------------------------------------------------------- JUnit


def to_junit(findings: list[Finding], fail_on: set[str]) -> str:
    """JUnit XML: one testcase per recipient and field (and per self-audit rule and sentence); a
    testcase fails when one of its findings fails the gate."""
    cases: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        rec, fld = f.get("recipient"), f.get("field")
        if f["class"] in SELF_CLASSES or rec is None or fld is None:
            quotes = f["statements"]["for"]
            where = _where(quotes[0]) if quotes else (_where(f["evidence"][0]) if f["evidence"] else f["class"])
            key = (f"{f['class']}.{f['rule']}", f"{f['message']} ({where})")
        else:
            key = (f"{rec['label']} ({rec['kind']})", fld["label"])
        cases.setdefault(key, []).append(f)
    failed = sum(1 for fs in cases.values() if any(fails(f, fail_on) for f in fs))
    suites = ET.Element("testsuites", name="flowaudit", tests=str(len(cases)), failures=str(failed))
    suite = ET.SubElement(suites, "testsuite", name="flowaudit audit", tests=str(len(cases)), failures=str(failed),
                          errors="0", skipped="0")
    for (classname, name), fs in cases.items():
        case = ET.SubElement(suite, "testcase", classname=classname, name=name)
        bad = [f for f in fs if fails(f, fail_on)]
        if bad:
            failure = ET.SubElement(case, "failure", type=bad[0]["class"], message=bad[0]["message"])
            failure.text = "\n\n".join(_plain(f) for f in bad)
        else:
            ET.SubElement(case, "system-out").text = "\n".join(f"{f['class']}: {f['message']}" for f in fs)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _plain(f: Finding) -> str:
    lines = [f"{f['class']} ({f['severity']}, {f['rule']}): {f['message']}"]
    lines += [f"for: “{q['text']}” ({_where(q)})" for q in f["statements"]["for"]]
    lines += [f"against: “{q['text']}” ({_where(q)})" for q in f["statements"]["against"]]
    lines += [f"evidence: {_where(e)}" for e in f["evidence"]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- Markdown


def to_markdown(findings: list[Finding], comparison: list[dict[str, Any]] | None = None) -> str:
    """A report a person reads: a summary, the organisations, each finding with its sentences and evidence."""
    spec = rules()
    out = ["# flowaudit audit", ""]
    counts = {c: sum(1 for f in findings if f["class"] == c) for c in CLASSES}
    out += ["| class | severity | findings |", "| --- | --- | ---: |"]
    for c in CLASSES:
        if counts[c]:
            sev = spec["classes"][c]["severity"] if c in spec["classes"] else "by rule"
            out.append(f"| {c} | {sev} | {counts[c]} |")
    out.append("")
    unknown = unknown_recipients(findings)
    if unknown:
        out += [_md(unknown) + ".", ""]
    if comparison:
        out += ["## Organisations", "", "| organisation | kind | flowaudit | name in policy |",
                "| --- | --- | --- | --- |"]
        out += [f"| {_md(r['organization'])} | {r['kind']} | {r['flowaudit']} | {r['name_in_policy']} |"
                for r in comparison]
        out.append("")
    for c in CLASSES:
        group = [f for f in findings if f["class"] == c]
        if not group:
            continue
        if c == "policy":
            out += ["## The policy audited by itself", ""]
        elif c == "inventory":
            out += ["## The declared inventory audited by itself", ""]
        else:
            cs = spec["classes"][c]
            out += [f"## {c} ({cs['severity']}): {cs['title']}", "", cs["explanation"], ""]
        if c in ("clear", "vague"):
            out += ["| recipient | field | vagueness | conditions | statement |", "| --- | --- | ---: | --- | --- |"]
            for f in group:
                q = f["statements"]["for"][0]
                out.append(f"| {_md(_who(f))} | {_md(f['field']['label'])} | {f['vagueness']} | "
                           f"{_md('; '.join(f['conditions']))} | “{_md(q['text'])}” ({_md(_where(q))}) |")
            out.append("")
            continue
        for f in group:
            head = f"**{f['rule']}** {_md(f['message'])}" if c in SELF_CLASSES else (
                f"**{_md((f.get('field') or {}).get('label') or field_labels(f))}** → **{_md(_who(f))}**")
            out.append(f"- {head}")
            if f.get("systems") and c not in SELF_CLASSES:
                out.append(f"  - from: {_md(', '.join(s['label'] for s in f['systems']))}")
            if f.get("conditions"):
                out.append(f"  - only: {_md('; '.join(f['conditions']))}")
            if f.get("consent_states"):
                out.append(f"  - consent state: {_md(', '.join(f['consent_states']))}")
            if f.get("purposes") and c == "purpose":
                out.append(f"  - declared purposes never stated: {_md(', '.join(f['purposes']))}")
            for label, key in (("for", "for"), ("against", "against")):
                for q in f["statements"][key]:
                    out.append(f"  - {label}: “{_md(q['text'])}” ({_md(_where(q))})")
            for e in f["evidence"]:
                out.append(f"  - evidence: {_md(_where(e))}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _who(f: Finding) -> str:
    rec = f["recipient"]
    return f"{rec['label']} ({rec['kind_label']})" if rec.get("organization") and rec.get("kind_label") else rec[
        "label"]


def _where(ref: dict[str, Any]) -> str:
    """Where a statement or a piece of evidence stands: file, locator, line, URL, parameter."""
    parts = [ref.get("source", ""), ref.get("locator", "")]
    if ref.get("line") and "line" not in ref.get("locator", ""):
        parts.append(f"line {ref['line']}" + (f":{ref['column']}" if ref.get("column") else ""))
    if ref.get("url"):
        parts.append(ref["url"])
    if ref.get("parameter"):
        parts.append(f"parameter {ref['parameter']}")
    return ", ".join(p for p in parts if p)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
