"""The audit's verdicts against an auditor's labels on real captures of real sites.

``../shared/paired-dev/`` (relative to the repository root; ``--pairs`` or ``$FLOWAUDIT_PAIRED_DEV`` points
elsewhere) holds real
browser captures (HAR) of real sites, each with that site's privacy policy and, in ``labels.yaml``,
an auditor's class for every third-party organisation the capture reaches. Every pair is audited as
a user would run it (``flowaudit audit POLICY HAR``); an organisation's verdict is the worst class
of the findings whose recipient received a request to one of the organisation's registrable domains
(the label's ``re`` over the request host names). "Disclosed" is ``clear`` or ``vague``.

The baseline is the name-in-policy rule (webXray's): an organisation is disclosed when the name of
the registry organisation behind one of its hosts, an alias, or an owner's name appears in the
policy text (``clear``), else not (``omitted``). Both use the same registry.

    python benchmarks/evaluate_audit.py [--pairs DIR] [--misses]

prints per site and overall the agreement on disclosed-or-not and on the exact class, for flowaudit
and for the name rule, then the confusion table of label × flowaudit class; ``--misses`` lists every
disagreement with the statements the audit used.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from flowaudit.graph import audit
from flowaudit.inventory import organizations as orgs
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.policy_text import read_policy
from flowaudit.loaders.sources import extract

ROOT = Path(__file__).resolve().parent.parent
PAIRS = Path(os.environ.get("FLOWAUDIT_PAIRED_DEV") or ROOT.parent / "shared" / "paired-dev")
DISCLOSED = ("clear", "vague")
NONE = "none"  # the audit made no finding for any of the organisation's hosts
ROWS = ("clear", "vague", "omitted", "incorrect", "ambiguous")


@dataclass
class Verdict:
    """One labelled organisation: the auditor's class, flowaudit's, the name rule's, and why."""

    site: str
    org: str
    label: str
    confidence: str
    flowaudit: str
    name_rule: str
    hosts: list[str]
    names_found: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def disclosed_agrees(self) -> bool:
        return (self.flowaudit in DISCLOSED) == (self.label in DISCLOSED)

    @property
    def class_agrees(self) -> bool:
        return self.flowaudit == self.label

    @property
    def name_disclosed_agrees(self) -> bool:
        return (self.name_rule in DISCLOSED) == (self.label in DISCLOSED)

    @property
    def name_class_agrees(self) -> bool:
        return self.name_rule == self.label


def load_labels(pairs: Path) -> dict[str, dict[str, Any]]:
    """``labels.yaml`` of a pairs directory: site → {policy, har, first_party, orgs}."""
    path = pairs / "labels.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(str(path), f"cannot read the labels: {exc}") from exc


def har_hosts(path: Path) -> list[str]:
    """Every request host name of a HAR file."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(str(path), f"not a HAR file: {exc}") from exc
    return sorted({_host(e["request"]["url"]) for e in entries if e["request"]["url"].startswith("http")})


def _host(url: str) -> str:
    return orgs.normal_host(urlsplit(url).hostname or "")


def evaluate_site(pairs: Path, site: str, spec: dict[str, Any]) -> list[Verdict]:
    """Audit one pair and compare every labelled organisation's verdict."""
    policy, har = pairs / spec["policy"], pairs / spec["har"]
    records = extract([policy, har])
    findings = [f for f in audit.audit_records(records) if f["class"] in audit.FLOW_CLASSES]
    text = read_policy(policy).text
    registry = orgs.load()
    hosts = har_hosts(har)
    # a finding's recipient is matched to an organisation by registrable domain: evidence URLs keep it
    # (value-like host labels are redacted), and the registry resolves hosts by it
    by_recipient: dict[str, set[str]] = {}
    for f in findings:
        rec = f.get("recipient") or {}
        seen = by_recipient.setdefault(rec.get("id", ""), set())
        seen.update(orgs.registrable_domain(_host(e["url"])) for e in f["evidence"] if e.get("url"))
        seen.update((records.nodes[rec["id"]].properties.get("domains") or []) if rec.get("id") in records.nodes
                    else [])
    out = []
    for org in spec["orgs"]:
        pattern = re.compile(org["re"], re.I)
        mine = [h for h in hosts if pattern.search(h) or pattern.search(h + ".")]
        mine_domains = {orgs.registrable_domain(h) for h in mine}
        used = [f for f in findings if by_recipient.get(f["recipient"]["id"], set()) & mine_domains]
        verdict = min((f["class"] for f in used), key=audit.FLOW_CLASSES.index) if used else NONE
        names = _registry_names(registry, mine)
        found = [n for n in names if audit.name_in_text(text, [n])]
        out.append(Verdict(site, org["org"], org["class"], org.get("confidence", ""), verdict,
                           "clear" if found else "omitted", mine, found, used))
    return out


def _registry_names(registry: orgs.Registry, hosts: list[str]) -> list[str]:
    names: list[str] = []
    for h in hosts:
        org = registry.resolve(h)
        for o in registry.chain(org.id) if org else []:
            for n in (o.name, *o.aliases):
                if n not in names:
                    names.append(n)
    return names


def _pct(hits: int, n: int) -> str:
    return f"{100 * hits / n:.0f}%" if n else "–"


def table(verdicts: list[Verdict], sites: list[str]) -> list[str]:
    """The per-site and overall agreement table, as Markdown lines."""
    lines = ["| site | orgs | flowaudit disclosed | flowaudit class | name rule disclosed | name rule class |",
             "| --- | --- | --- | --- | --- | --- |"]
    for site in [*sites, None]:
        vs = [v for v in verdicts if site is None or v.site == site]
        n = len(vs)
        row = [_pct(sum(v.disclosed_agrees for v in vs), n), _pct(sum(v.class_agrees for v in vs), n),
               _pct(sum(v.name_disclosed_agrees for v in vs), n), _pct(sum(v.name_class_agrees for v in vs), n)]
        name = site or "**overall**"
        if site is None:
            row = [f"**{c}**" for c in row]
        lines.append(f"| {name} | {n} | " + " | ".join(row) + " |")
    return lines


def confusion(verdicts: list[Verdict]) -> list[str]:
    """Label class (rows) × flowaudit class (columns), as Markdown lines."""
    cols = [*ROWS, NONE]
    counts = Counter((v.label, v.flowaudit) for v in verdicts)
    lines = ["| label \\ flowaudit | " + " | ".join(cols) + " |", "| --- " * (len(cols) + 1) + "|"]
    for r in ROWS:
        if any(v.label == r for v in verdicts):
            lines.append(f"| {r} | " + " | ".join(str(counts[(r, c)]) for c in cols) + " |")
    return lines


def misses(verdicts: list[Verdict]) -> list[str]:
    """Every disagreement on the class, with the statements the deciding findings used."""
    lines = []
    for v in verdicts:
        if v.class_agrees:
            continue
        lines.append(f"\n{v.site} · {v.org}: label {v.label} ({v.confidence}), flowaudit {v.flowaudit}, "
                     f"name rule {v.name_rule}{' (' + ', '.join(v.names_found) + ')' if v.names_found else ''}")
        lines.append(f"  hosts: {', '.join(v.hosts[:6])}{' …' if len(v.hosts) > 6 else ''}")
        worst = [f for f in v.findings if f["class"] == v.flowaudit]
        for f in worst[:2]:
            lines.append(f"  {f['class']}: {f['message']}")
            for side in ("for", "against"):
                for s in f["statements"][side][:2]:
                    lines.append(f"    {side}: [{s.get('field', '')} → {s.get('recipient', '')}] {s['text'][:200]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=Path, default=PAIRS, help=f"the paired captures and labels (default {PAIRS})")
    p.add_argument("--misses", action="store_true", help="list every disagreement with its statements")
    args = p.parse_args(argv)
    try:
        labels = load_labels(args.pairs)
        verdicts = [v for site, spec in labels.items() for v in evaluate_site(args.pairs, site, spec)]
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(table(verdicts, list(labels))))
    print()
    print("\n".join(confusion(verdicts)))
    if args.misses:
        print("\n".join(misses(verdicts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
