"""The flowaudit command line.

Each command is a :class:`Command` in :data:`COMMANDS`: its name, a one-line summary, a description,
examples, the function that adds its arguments and the function that runs it. Adding a command is
adding one more.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowaudit import __version__
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.sources import LOADERS, extract, loader

from .paths import check_output, check_store_to_read, check_store_to_write, reason

if TYPE_CHECKING:
    from flowaudit.graph.store import Store

# Each command imports what it needs when it runs (the graph, the audit, the exports, pandas and plotly
# behind them), so that `flowaudit extract capture.har` loads only the loaders.

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

DESCRIPTION = """\
flowaudit maps where personal data goes and checks it against what a privacy policy says.
Sources are policy texts (Markdown, HTML, plain text) and evidence: HAR captures, cookie exports,
e-mails, the organisation's own manifest and Fides manifests. A query reads the given sources, or
a store that `flowaudit load` filled."""

EPILOG = """\
examples:
  flowaudit audit policy.md evidence/*.har --fail-on omitted,incorrect
  flowaudit load policy.md evidence/* --store plimus.json
  flowaudit trace "e-mail address" --store plimus.json
  flowaudit fields --list --store plimus.json

`flowaudit COMMAND --help` describes a command. Exit codes: 0 done, 1 findings in --fail-on classes
(audit), 2 bad input or usage, 3 an internal error."""


@dataclass(frozen=True)
class Command:
    """One sub-command: ``arguments`` adds its options to a parser, ``run`` does it and returns the exit code."""

    name: str
    summary: str
    description: str
    examples: tuple[str, ...]
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    exit_codes: str = "exit codes: 0 done, 2 bad input or usage"


COMMANDS: dict[str, Command] = {}


def command(cmd: Command) -> Command:
    """Register ``cmd``."""
    COMMANDS[cmd.name] = cmd
    return cmd


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples keep their lines; option help wraps."""


# --------------------------------------------------------------------------- shared options


def _sources(sp: argparse.ArgumentParser, required: bool) -> None:
    sp.add_argument("sources", nargs="+" if required else "*", metavar="SOURCE",
                    help="policy texts and evidence files" + ("" if required else " (instead of --store)"))
    sp.add_argument("--kind", choices=sorted(LOADERS), help="read every source as this kind (default: by its "
                                                            "extension and content)")
    _force(sp)


def _force(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--force", action="store_true",
                    help="read a policy even if it is not in English (the reader reads English only)")


def _store(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--store", metavar="STORE",
                    help="store file or bolt:// / neo4j:// URI (default: $FLOWAUDIT_STORE, else "
                         ".flowaudit/store.json)")


def _format(sp: argparse.ArgumentParser, choices: Sequence[str] = ("table", "json", "csv"),
            default: str = "table") -> None:
    sp.add_argument("--format", choices=choices, default=default,
                    help=f"output: {', '.join(choices)} (default: {default}); table fits the terminal")


def _store_for(args: argparse.Namespace) -> Store:
    """An in-memory store of the given sources, or the named/default store (which must exist)."""
    from flowaudit.api import default_store_location, open_store
    from flowaudit.graph.embedded import EmbeddedStore

    if getattr(args, "sources", None):
        if args.store:
            raise InputError(args.store, "give either SOURCES or --store, not both")
        mem = EmbeddedStore()
        mem.load(extract(args.sources, args.kind, args.force))
        return mem
    location = args.store or default_store_location()
    check_store_to_read(location)
    return open_store(location)


def _write(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


def _json(data: Any) -> None:
    _write(json.dumps(data, indent=2, ensure_ascii=False))


def _answer(fmt: str, data: Any, frame: Callable[[], Any], view: Callable[[], str]) -> int:
    """Print an answer as ``--format`` asks: ``data`` as JSON, ``frame()`` as CSV, else ``view()`` for a
    person; return the exit code."""
    if fmt == "json":
        _json(data)
    elif fmt == "csv":
        frame().to_csv(sys.stdout, index=False)
    else:
        _write(view())
    return EXIT_OK


# --------------------------------------------------------------------------- commands


def _extract_args(sp: argparse.ArgumentParser) -> None:
    _sources(sp, True)
    _format(sp)


def _extract(args: argparse.Namespace) -> int:
    records = extract(args.sources, args.kind, args.force)

    def frame() -> Any:
        from flowaudit.graph import queries

        return queries.flows_frame(records)

    def view() -> str:
        from flowaudit import views

        return views.extract(records)

    return _answer(args.format, records.to_dict(), frame, view)


command(Command(
    "extract", "print the nodes and flows read from sources",
    "Read the sources and print what they say: nodes by kind, and every flow with its place.",
    ("flowaudit extract policy.md", "flowaudit extract policy.md --format json > graph.json"),
    _extract_args, _extract))


def _load_args(sp: argparse.ArgumentParser) -> None:
    _sources(sp, True)
    _store(sp)
    sp.add_argument("--replace", action="store_true", help="empty the store first")


def _load(args: argparse.Namespace) -> int:
    from flowaudit.api import default_store_location, open_store

    location = args.store or default_store_location()
    check_store_to_write(location)
    records = extract(args.sources, args.kind, args.force)
    with open_store(location) as st:
        st.load(records, replace=args.replace)
        c = st.counts()
    print(f"loaded {len(records.nodes)} nodes and {len(records.flows)} flows into {st.location} "
          f"(now {c['nodes']} nodes, {c['flows']} flows)", file=sys.stderr)
    for w in records.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return EXIT_OK


command(Command(
    "load", "load sources into a store, all or nothing",
    "Read the sources and add them to a store in one step: if any source is bad, nothing is loaded.\n"
    "Only load creates a store; the other commands read it.",
    ("flowaudit load policy.md evidence/* --store plimus.json",
     "flowaudit load policy.md --store bolt://127.0.0.1:7687 --replace"),
    _load_args, _load))


def _trace_args(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("subject", metavar="FIELD", help="a field's name or alias, any case (`fields --list`)")
    _sources(sp, False)
    _store(sp)
    _format(sp)
    sp.add_argument("--paths", action="store_true", help="with --format table: every path, each hop with its "
                                                         "sentence (default: one line per recipient)")


def _trace(args: argparse.Namespace) -> int:
    from flowaudit import views
    from flowaudit.graph import queries

    with _store_for(args) as st:
        paths = st.trace(args.subject)
    return _answer(args.format, paths, lambda: queries.trace_frame(paths),
                   lambda: views.trace_paths(paths) if args.paths else views.trace_summary(args.subject, paths))


command(Command(
    "trace", "where a field goes: the recipients it reaches, how and in how many hops",
    "Trace a field from where it is collected, through the first party, to every recipient, following\n"
    "the field and party hierarchies. The table has one line per recipient; --paths lists every path.",
    ('flowaudit trace "credit card number" policy.md', 'flowaudit trace "e-mail address" --store plimus.json --paths',
     'flowaudit trace "e-mail address" --store plimus.json --format json'),
    _trace_args, _trace))


def _names_args(what: str) -> Callable[[argparse.ArgumentParser], None]:
    other = "RECIPIENT" if what == "field" else "FIELD"

    def arguments(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("subject", metavar=other, nargs="?", help=f"a {other.lower()}'s name or alias, any case")
        sp.add_argument("--list", action="store_true", help=f"list every {what} the store knows, with its kind "
                                                            "and number of flows")
        _sources(sp, False)
        _store(sp)
        _format(sp)
    return arguments


def _names(what: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from flowaudit import views
        from flowaudit.graph import queries

        if args.list == bool(args.subject):
            raise InputError(args.command, f"give a {'recipient' if what == 'field' else 'field'} or --list")
        with _store_for(args) as st:
            if args.list:
                rows = st.names(what)
            else:
                rows = st.fields(args.subject) if what == "field" else st.recipients(args.subject)
        if args.format == "json":
            _json(rows)
        elif args.format == "csv":
            frame = queries.names_frame(rows, what) if args.list else queries.status_frame(rows)
            frame.to_csv(sys.stdout, index=False)
        elif args.list:
            _write(views.name_list(rows, what))
        else:
            _write(views.status(rows, "field" if what == "field" else "recipient"))
        return EXIT_OK
    return run


command(Command(
    "recipients", "who receives a field (or --list: every recipient)",
    "Each recipient a field reaches or is stated not to reach, with how it is stated and the sentence.",
    ('flowaudit recipients "e-mail address" --store plimus.json', "flowaudit recipients --list --store plimus.json"),
    _names_args("recipient"), _names("recipient")))
command(Command(
    "fields", "what reaches a recipient (or --list: every field)",
    "Each field that reaches a recipient or is stated not to, with how it is stated and the sentence.",
    ('flowaudit fields "payment processor" --store plimus.json', "flowaudit fields --list --store plimus.json"),
    _names_args("field"), _names("field")))


def _matrix_args(sp: argparse.ArgumentParser) -> None:
    _sources(sp, False)
    _store(sp)
    _format(sp)
    sp.add_argument("--by", choices=("field", "system"), default="field",
                    help="fields × recipients (how each is stated), or systems × recipients (the fields each "
                         "system shares)")


def _matrix(args: argparse.Namespace) -> int:
    from flowaudit import views
    from flowaudit.graph import queries

    if args.by == "system":
        with _store_for(args) as st:
            entries = [e for e in st.systems() if e["kind"] == "system"]
            frame = queries.system_matrix(st)
        return _answer(args.format, entries, lambda: frame.reset_index() if not frame.empty else frame,
                       lambda: views.system_matrix(entries))
    with _store_for(args) as st:
        rows = st.sharing_matrix()
        grid = queries.sharing_matrix(st)
    return _answer(args.format, rows, lambda: grid.reset_index() if not grid.empty else grid,
                   lambda: views.matrix(rows))


command(Command(
    "matrix", "the fields × recipients sharing matrix",
    "How each field reaches each recipient. The table reads it by recipient; --format csv is the grid.",
    ("flowaudit matrix --store plimus.json", "flowaudit matrix policy.md --format csv > matrix.csv",
     "flowaudit matrix --by system --store plimus.json"),
    _matrix_args, _matrix))


def _systems_args(sp: argparse.ArgumentParser) -> None:
    _sources(sp, False)
    _store(sp)
    _format(sp)


def _systems(args: argparse.Namespace) -> int:
    from flowaudit import views
    from flowaudit.graph import queries

    with _store_for(args) as st:
        entries = st.systems()
    return _answer(args.format, entries, lambda: queries.systems_frame(entries), lambda: views.systems(entries))


command(Command(
    "systems", "the organisation's systems and datastores, and what each does with personal data",
    "Each system (then each datastore) the inventory declares: what it collects, receives from another\n"
    "system, stores, sends to another system and shares with recipients.",
    ("flowaudit systems examples/plimus/evidence/declared.yaml", "flowaudit systems --store plimus.json --format json"),
    _systems_args, _systems))


def _diff_args(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("old", metavar="OLD", help="the earlier policy text")
    sp.add_argument("new", metavar="NEW", help="the later policy text")
    _force(sp)
    _format(sp)


def _diff(args: argparse.Namespace) -> int:
    from flowaudit import views
    from flowaudit.graph import queries
    from flowaudit.graph.policy_diff import diff_policies

    rows = diff_policies(loader("policy", args.force)(args.old), loader("policy", args.force)(args.new))
    return _answer(args.format, rows, lambda: queries.diff_frame(rows), lambda: views.diff(rows))


command(Command(
    "diff", "how the stated sharing of two policy versions differs",
    "Compare what two versions of a policy state: flows added, removed, restricted or relaxed.",
    ("flowaudit diff policy-2012.md policy-2016.md",),
    _diff_args, _diff))


def _audit_args(sp: argparse.ArgumentParser) -> None:
    from flowaudit.graph import audit

    _sources(sp, False)
    _store(sp)
    _format(sp, ("table", "json", "sarif", "junit", "markdown"))
    sp.add_argument("--fail-on", default="", metavar="CLASSES",
                    help=f"comma-separated classes that make the exit code 1; one or more of "
                         f"{', '.join(audit.CLASSES)} (default: none)")
    sp.add_argument("--summary", action="store_true", help="with --format table: only the verdict per recipient")


def _audit(args: argparse.Namespace) -> int:
    from flowaudit import views
    from flowaudit.api import policy_text
    from flowaudit.graph import audit, report_formats

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
        out = views.audit(findings, args.summary)
    _write(out)
    return EXIT_FINDINGS if any(f["class"] in fail_on for f in findings) else EXIT_OK


command(Command(
    "audit", "classify every observed and declared flow against the policy",
    "Judge each declared or observed flow by the policy's statements (clear, vague, omitted, incorrect,\n"
    "ambiguous), and the policy by itself. The table leads with one verdict per recipient;\n"
    "--format markdown is the long report, sarif is for code scanning, junit for CI.",
    ("flowaudit audit policy.md evidence/*", "flowaudit audit --store plimus.json --format sarif > audit.sarif",
     "flowaudit audit policy.md capture.har --fail-on omitted,incorrect"),
    _audit_args, _audit,
    "exit codes: 0 no finding in a --fail-on class, 1 findings in a --fail-on class, 2 bad input or usage"))


def _export_args(sp: argparse.ArgumentParser) -> None:
    from flowaudit.graph import export

    _sources(sp, False)
    _store(sp)
    sp.add_argument("--format", required=True, choices=export.FORMATS,
                    help=f"what to write: {', '.join(export.FORMATS)}")
    sp.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    sp.add_argument("--field", help="only this field (diagrams, graph files, DPV; its Sankey for svg/png/pdf)")


def _export(args: argparse.Namespace) -> int:
    from flowaudit.graph import export

    check_output(args.output, "-o")
    with _store_for(args) as st:
        try:
            out = export.export(st, args.format, args.output, args.field)
        except export.BrowserMissingError as exc:
            raise InputError(args.format, str(exc)) from None
    print(f"wrote {out} ({args.format})", file=sys.stderr)
    return EXIT_OK


command(Command(
    "export", "write the HTML report, a diagram, the record of processing or DPV",
    "Write the graph to a file: the HTML report, a Sankey as an image, GraphML, DOT, Mermaid,\n"
    "the record of processing (GDPR Art. 30) or DPV JSON-LD.",
    ("flowaudit export policy.md evidence/* --format html -o report.html",
     "flowaudit export --store plimus.json --format ropa-xlsx -o record.xlsx",
     'flowaudit export --store plimus.json --format svg --field "credit card number" -o card.svg'),
    _export_args, _export))


def _scan_args(sp: argparse.ArgumentParser) -> None:
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
    _format(sp, ("table", "json", "sarif"))


def _scan(args: argparse.Namespace) -> int:
    """Scan the URLs in each consent state, print the summary and, with --policy, the audit of the captures."""
    from flowaudit import scan, scan_report, views
    from flowaudit.graph import audit, report_formats

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
    stated = loader("policy")(args.policy) if args.policy else None  # a bad policy stops the scan before it starts
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
            out += "\n\n== audit against " + args.policy + " ==\n" + views.audit(findings, False)
    _write(out)
    return EXIT_FINDINGS if any(f["class"] in fail_on for f in findings) else EXIT_OK


command(Command(
    "scan", "capture a site in Chromium before and after consent; optionally audit it",
    "Visit the URLs and up to --pages same-site links in a fresh Chromium profile per consent state\n"
    "(none, accept, reject), write redacted HAR, cookie, storage and beacon files per state, and print\n"
    "a summary of what each state sent where. With --policy the captures are audited at once.",
    ("flowaudit scan https://staging.example.com/ --out captures",
     "flowaudit scan https://staging.example.com/ --policy policy.md --fail-on omitted,before_consent"),
    _scan_args, _scan,
    "exit codes: 0 done, 1 findings in a --fail-on class, 2 bad input, usage, no browser or no page loaded"))


# --------------------------------------------------------------------------- entry point


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every registered command; with ``only``, the options of that command alone
    (the others keep their names and summaries), so that parsing imports only what that command needs."""
    p = argparse.ArgumentParser(prog="flowaudit", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=_HelpFormatter)
    p.add_argument("--version", action="version", version=f"flowaudit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS.values():
        epilog = "examples:\n" + "\n".join(f"  {e}" for e in cmd.examples) + "\n\n" + cmd.exit_codes
        sp = sub.add_parser(cmd.name, help=cmd.summary, description=f"{cmd.summary}.\n\n{cmd.description}",
                            epilog=epilog, formatter_class=_HelpFormatter)
        if only is None or cmd.name == only:
            cmd.arguments(sp)
    return p


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    named = next((a for a in argv if not a.startswith("-")), "")   # the top level has no options with values
    args = parser(named).parse_args(argv)
    return COMMANDS[args.command].run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: bad input, usage and unwritable paths exit 2 with a message naming the file and
    place; anything unexpected exits 3 with a one-line message (``FLOWAUDIT_DEBUG=1`` shows the traceback)."""
    try:
        return run(argv)
    except BrokenPipeError:
        return EXIT_OK
    except (InputError, ValueError, ConnectionError) as exc:
        # ConnectionError: the Neo4j store's StoreUnavailableError (unreachable server, refused login)
        print(f"flowaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        if not isinstance(exc, _store_errors()):
            return _failure(exc)
        print(f"flowaudit: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _store_errors() -> tuple[type[Exception], ...]:
    """The stores' bad-input errors, of the store modules a command imported (one it did not import
    raised none)."""
    found = []
    for module, name in (("flowaudit.graph.store", "QueryError"), ("flowaudit.graph.embedded", "StoreFileError")):
        if module in sys.modules:
            found.append(getattr(sys.modules[module], name))
    return tuple(found)


def _failure(exc: Exception) -> int:
    """The message and exit code of an error no command handled: 2 for a file, 3 for a bug."""
    if isinstance(exc, OSError):
        where = exc.filename or "flowaudit"
        print(f"flowaudit: error: {where}: {reason(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if os.environ.get("FLOWAUDIT_DEBUG"):
        traceback.print_exception(exc)
    print(f"flowaudit: internal error: {type(exc).__name__}: {exc} (a bug: please report it with the "
          f"command; FLOWAUDIT_DEBUG=1 shows where)", file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
