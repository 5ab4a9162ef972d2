"""The ``flowaudit`` command line: extract, load, trace, recipients, fields, matrix."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from flowaudit import __version__
from flowaudit.api import open_store
from flowaudit.graph import queries
from flowaudit.graph.embedded import EmbeddedStore, StoreFileError
from flowaudit.graph.store import QueryError, Store
from flowaudit.inventory.records import Records
from flowaudit.loaders.errors import InputError
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
    sp = sub.add_parser("matrix", help="the fields × recipients sharing matrix")
    sources(sp, False)
    store(sp)
    fmt(sp)
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
    elif args.command == "matrix":
        with _store_for(args) as st:
            rows = st.sharing_matrix()
            frame = queries.sharing_matrix(st)
        frame = frame.reset_index() if not frame.empty else frame
        _emit(rows, frame, args.format, _table(frame))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors in input or usage exit 2 with a message naming the file and place."""
    try:
        return run(argv)
    except (InputError, QueryError, StoreFileError, ValueError) as exc:
        print(f"flowaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
