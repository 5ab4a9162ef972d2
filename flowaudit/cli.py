"""The ``flowaudit`` command line: extract, load, trace, recipients, fields, matrix, audit, export, scan."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from flowaudit import __version__
from flowaudit.api import open_store, policy_text
from flowaudit.graph import audit, export, queries, report_formats
from flowaudit.graph.embedded import EmbeddedStore, StoreFileError
from flowaudit.graph.policy_diff import diff_policies
from flowaudit.graph.store import QueryError, Store
from flowaudit.inventory.records import Records
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.policy import extract_policy
from flowaudit.loaders.sources import LOADERS, extract

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flowaudit", description=__doc__)
    p.add_argument("--version", action="version", version=f"flowaudit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def sources(sp: argparse.ArgumentParser, required: bool) -> None:
        sp.add_argument("sources", nargs="+" if required else "*", metavar="SOURCE",
                        help="policy texts and evidence files")
        sp.add_argument("--kind", choices=sorted(LOADERS), help="read every source as this kind")

    def store(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--store",
                        help="store file or bolt:// URI (default: $FLOWAUDIT_STORE or .flowaudit/store.json)")

    def fmt(sp: argparse.ArgumentParser, choices: Sequence[str] = ("table", "json", "csv")) -> None:
        sp.add_argument("--format", choices=choices, default="table")

    sp = sub.add_parser("extract", help="print the nodes and flows read from sources")
    sources(sp, True)
    fmt(sp)
    sp = sub.add_parser("load", help="load sources into a store, all or nothing")
    sources(sp, True)
    store(sp)
    sp.add_argument("--replace", action="store_true", help="empty the store first")
    for name, arg, help_ in (("trace", "FIELD", "every path a field takes"),
                             ("recipients", "FIELD", "who receives a field"),
                             ("fields", "RECIPIENT", "what reaches a recipient")):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("subject", metavar=arg)
        sources(sp, False)
        store(sp)
        fmt(sp)
    sp = sub.add_parser("diff", help="how the stated sharing of two policy versions differs")
    sp.add_argument("old", metavar="OLD", help="the earlier policy text")
    sp.add_argument("new", metavar="NEW", help="the later policy text")
    fmt(sp)
    sp = sub.add_parser("audit", help="classify every observed and declared flow against the policy")
    sources(sp, False)
    store(sp)
    fmt(sp, ("table", "json", "sarif", "junit", "markdown"))
    sp.add_argument("--fail-on", default="", metavar="CLASSES",
                    help=f"comma-separated classes that exit 1 ({', '.join(audit.CLASSES)})")
    sp = sub.add_parser("matrix", help="the fields × recipients sharing matrix")
    sources(sp, False)
    store(sp)
    fmt(sp)
    sp = sub.add_parser("export", help="write the HTML report, a diagram, the record of processing or DPV")
    sources(sp, False)
    store(sp)
    sp.add_argument("--format", required=True, choices=export.FORMATS)
    sp.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    sp.add_argument("--field", help="only this field (diagrams, graph files, DPV; its Sankey for svg/png/pdf)")
    sp = sub.add_parser("scan", help="capture a site in Chromium before and after consent; optionally audit it")
    sp.add_argument("urls", nargs="+", metavar="URL")
    sp.add_argument("--pages", type=int, default=5, metavar="N", help="same-site links to follow (default 5)")
    sp.add_argument("--depth", type=int, default=1, metavar="D", help="link levels to follow (default 1)")
    sp.add_argument("--consent", default="none,accept,reject", metavar="STATES",
                    help="consent states to capture, each in a fresh profile (default none,accept,reject)")
    sp.add_argument("--gpc", action="store_true", help="send Sec-GPC: 1 and set navigator.globalPrivacyControl")
    sp.add_argument("--resolve", action="append", default=[], metavar="HOST=ADDR",
                    help="map a host name to an address inside the browser (repeatable)")
    sp.add_argument("--out", default="flowaudit-scan", metavar="DIR", help="where the captures go")
    sp.add_argument("--keep-values", action="store_true", help="write captures unredacted (they hold personal data)")
    sp.add_argument("--insecure", action="store_true", help="accept invalid TLS certificates (staging hosts)")
    sp.add_argument("--timeout", type=float, default=30, metavar="SECONDS", help="per page load (default 30)")
    sp.add_argument("--policy", metavar="POLICY", help="audit the captures against this policy at once")
    sp.add_argument("--fail-on", default="", metavar="CLASSES", help="with --policy: classes that exit 1")
    fmt(sp, ("table", "json", "sarif"))
    return p


def _store_for(args: argparse.Namespace) -> Store:
    """An in-memory store of the given sources, or the named/default store."""
    if getattr(args, "sources", None):
        if args.store:
            raise InputError(args.store, "give either SOURCES or --store, not both")
        mem = EmbeddedStore()
        mem.load(extract(args.sources, args.kind))
        return mem
    return open_store(args.store)


def _emit(data: Any, frame: pd.DataFrame, fmt: str, table: str | None = None) -> None:
    if fmt == "json":
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write((table if table is not None else _table(frame)) + "\n")


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(nothing)"
    with pd.option_context("display.max_colwidth", 60, "display.width", 200):
        return frame.to_string(index=False)


def _trace_table(paths: list[dict[str, Any]]) -> str:
    """Each path on one line, then each hop with the sentence that states it."""
    if not paths:
        return "(no path)"
    lines = []
    for i, p in enumerate(paths, 1):
        sign = "" if p["polarity"] == "+" else "  [NOT shared]"
        cond = f"  [only: {'; '.join(p['conditions'])}]" if p["conditions"] else ""
        lines.append(f"{i}. " + " → ".join(n["label"] for n in p["nodes"]) + f"  ({p['match']}){sign}{cond}")
        for e, (a, b) in zip(p["edges"], zip(p["nodes"], p["nodes"][1:], strict=False), strict=True):
            quote = e["evidence"][0] if e["evidence"] else {}
            where = quote.get("locator", "")
            lines.append(f"   {a['label']} -{e['relation']}{'' if e['polarity'] == '+' else ' (NOT)'}-> "
                         f"{b['label']}: {e['field']} [{e['match']}]")
            if quote:
                lines.append(textwrap.fill(f"“{quote['text']}” ({where})", width=110,
                                           initial_indent="      ", subsequent_indent="      "))
    return "\n".join(lines)


def _flows_frame(records: Records) -> pd.DataFrame:
    label = {n.id: n.label for n in records.nodes.values()}
    return pd.DataFrame([{
        "source": label.get(f.source, f.source),
        "relation": f.relation,
        "target": label.get(f.target, f.target),
        "field": label.get(f.field, f.field),
        "polarity": f.polarity,
        "conditions": "; ".join(f.conditions),
        "evidence": f.evidence[0].locator if f.evidence else "",
    } for f in sorted(records.flows.values(), key=lambda f: f.id)])


def _diff_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    def state(st: dict[str, Any] | None) -> str:
        if st is None:
            return ""
        extra = "; ".join(st["conditions"])
        return st["polarity"] + (f" [{extra}]" if extra else "")

    def quote(evs: list[dict[str, Any]]) -> str:
        return f"“{evs[0]['text']}” ({evs[0]['locator']})" if evs else ""

    return pd.DataFrame([{"change": r["change"], "field": r["field"], "recipient": r["recipient"],
                          "old": state(r["old"]), "new": state(r["new"]),
                          "old text": quote(r["old_evidence"]), "new text": quote(r["new_evidence"])} for r in rows],
                        columns=["change", "field", "recipient", "old", "new", "old text", "new text"])


def _audit(args: argparse.Namespace) -> int:
    """Audit the sources or the store; exit 1 when a finding's class is in --fail-on."""
    fail_on = {c.strip() for c in args.fail_on.split(",") if c.strip()}
    unknown = sorted(fail_on - set(audit.CLASSES))
    if unknown:
        raise InputError("--fail-on", f"unknown class {', '.join(unknown)} (one of {', '.join(audit.CLASSES)})")
    with _store_for(args) as st:
        records = st.records()
        where = ", ".join(args.sources) if args.sources else st.location
    if not audit.has_policy(records):
        raise InputError(where, "no policy statements to audit against: give the policy text among the sources")
    findings = audit.audit_records(records)
    if args.format == "json":
        out = report_formats.to_json(findings)
    elif args.format == "sarif":
        out = json.dumps(report_formats.to_sarif(findings, __version__), indent=2, ensure_ascii=False)
    elif args.format == "junit":
        out = report_formats.to_junit(findings, fail_on)
    elif args.format == "markdown":
        out = report_formats.to_markdown(findings, audit.name_comparison(records, findings, policy_text(records)))
    else:
        out = report_formats.to_table(findings)
    sys.stdout.write(out.rstrip("\n") + "\n")
    return EXIT_FINDINGS if any(f["class"] in fail_on for f in findings) else EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    """Scan the URLs in each consent state, print the summary and, with --policy, the audit of the captures."""
    from flowaudit import scan, scan_report

    states = [c.strip() for c in args.consent.split(",") if c.strip()]
    bad = sorted(set(states) - set(scan.CHOICES))
    if bad or not states:
        raise InputError("--consent", f"unknown consent state {', '.join(bad) or '(none given)'} "
                                      f"(one or more of {', '.join(scan.CHOICES)})")
    fail_on = {c.strip() for c in args.fail_on.split(",") if c.strip()}
    if fail_on - set(audit.CLASSES):
        raise InputError("--fail-on", f"unknown class {', '.join(sorted(fail_on - set(audit.CLASSES)))} "
                                      f"(one of {', '.join(audit.CLASSES)})")
    if fail_on and not args.policy:
        raise InputError("--fail-on", "needs --policy: the captures are audited against a policy")
    for url in args.urls:
        if not url.startswith(("http://", "https://")) or len(url.split("/")) < 3 or not url.split("/")[2]:
            raise InputError(url, "not an http:// or https:// URL")
    resolve = {}
    for item in args.resolve:
        host, eq, addr = item.partition("=")
        if not eq or not host.strip() or not addr.strip():
            raise InputError("--resolve", f"expected HOST=ADDR, not {item!r}")
        resolve[host.strip()] = addr.strip()
    stated = extract_policy(args.policy) if args.policy else None  # a bad policy stops the scan before it starts
    opts = scan.Options(urls=args.urls, out=Path(args.out), states=states, pages=max(args.pages, 0),
                        depth=max(args.depth, 0), gpc=args.gpc, resolve=resolve, keep_values=args.keep_values,
                        insecure=args.insecure, timeout_ms=int(args.timeout * 1000))
    captures = scan.scan(opts)
    findings: list[dict[str, Any]] = []
    if stated is not None:
        records = extract([f for c in captures for f in c.files])
        records.update(stated)
        findings = audit.audit_records(records)
    if args.format == "json":
        doc: dict[str, Any] = scan_report.summary_data(captures)
        if args.policy:
            doc["findings"] = findings
        out = json.dumps(doc, indent=2, ensure_ascii=False)
    elif args.format == "sarif":
        print(scan_report.summary_text(captures), file=sys.stderr)
        out = json.dumps(report_formats.to_sarif(findings, __version__), indent=2, ensure_ascii=False)
    else:
        out = scan_report.summary_text(captures)
        if args.policy:
            out += "\n\n== audit against " + args.policy + " ==\n" + report_formats.to_table(findings)
    sys.stdout.write(out.rstrip("\n") + "\n")
    return EXIT_FINDINGS if any(f["class"] in fail_on for f in findings) else EXIT_OK


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "extract":
        records = extract(args.sources, args.kind)
        data = records.to_dict()
        frame = _flows_frame(records)
        counts = pd.Series([n.kind for n in records.nodes.values()]).value_counts().sort_index()
        table = "nodes:\n" + counts.to_string() + "\n\nflows:\n" + _table(frame)
        _emit(data, frame, args.format, table)
    elif args.command == "load":
        records = extract(args.sources, args.kind)
        with open_store(args.store) as st:
            st.load(records, replace=args.replace)
            c = st.counts()
        print(f"loaded {len(records.nodes)} nodes and {len(records.flows)} flows into {st.location} "
              f"(now {c['nodes']} nodes, {c['flows']} flows)", file=sys.stderr)
        for w in records.warnings:
            print(f"warning: {w}", file=sys.stderr)
    elif args.command == "trace":
        with _store_for(args) as st:
            paths = st.trace(args.subject)
        _emit(paths, queries.trace_frame(paths), args.format, _trace_table(paths))
    elif args.command in ("recipients", "fields"):
        with _store_for(args) as st:
            rows = st.recipients(args.subject) if args.command == "recipients" else st.fields(args.subject)
        _emit(rows, queries.status_frame(rows), args.format)
    elif args.command == "diff":
        rows = diff_policies(extract_policy(args.old), extract_policy(args.new))
        _emit(rows, _diff_frame(rows), args.format)
    elif args.command == "audit":
        return _audit(args)
    elif args.command == "scan":
        return _scan(args)
    elif args.command == "matrix":
        with _store_for(args) as st:
            rows = st.sharing_matrix()
            frame = queries.sharing_matrix(st)
        frame = frame.reset_index() if not frame.empty else frame
        _emit(rows, frame, args.format, _table(frame))
    elif args.command == "export":
        with _store_for(args) as st:
            try:
                out = export.export(st, args.format, args.output, args.field)
            except export.BrowserMissingError as exc:
                print(f"flowaudit: error: {args.format}: {exc}", file=sys.stderr)
                return EXIT_USAGE
        print(f"wrote {out} ({args.format})", file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors in input or usage exit 2 with a message naming the file and place."""
    try:
        return run(argv)
    except BrokenPipeError:
        return EXIT_OK
    except (InputError, QueryError, StoreFileError, ValueError, ConnectionError) as exc:
        # ConnectionError: the Neo4j store's StoreUnavailableError (unreachable server, refused login)
        print(f"flowaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
