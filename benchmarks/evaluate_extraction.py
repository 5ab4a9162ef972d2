"""Precision and recall of the policy loader against the hand-labelled facts in tests/data/labels.

Each labelled phrase is resolved through the vocabularies to an id; extracted facts are compared
as sets of ids per policy: collected fields, recipient party kinds, trackers, (field, recipient)
sharing facts and negatives. A recipient or tracker kind matches its parent or child kind (a
labelled "payment processor" is found by an extracted payment processor or service provider).
Recipients include the third parties that set a tracker; collected fields are those of collect,
store and track statements (not of statements that only say how data is used) and the fields the
first party discloses (it holds them; the labels count them as collected). A field a definition
only names as a part of a term ("Personal Data can include ...") is a SUBSUMES link, not a
collection: the loader does not state it as collected, and labels with ``basis: definition`` are
not scored as collected fields. Fields and sharing facts count personal data only, on both sides
("non-personal information" is neither scored when labelled nor when extracted).

    python benchmarks/evaluate_extraction.py [--heldout] [--misses] [LABEL_FILE ...]

The development labels (tests/data/labels) are the policies the loader was tuned on; the held-out
labels (tests/data/heldout, ``--heldout``) were written for policies nobody tuned it on, so their
scores say how the loader does on a policy it has not seen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Records
from flowaudit.loaders.policy import extract_policy

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "labels"
HELDOUT = ROOT / "tests" / "data" / "heldout"
POLICIES = ROOT / "tests" / "data" / "policies"
SHARE = ("SHARES_WITH", "DISCLOSES_TO")
TRACKER_ROOT = "tracking_technology"
TRACKER_NODES = ("cookie", "flash_cookie", "clear_gif", "tracker")
KINDS = ("fields", "recipients", "trackers", "sharing", "negatives")


def resolve(name: str, phrase: str | None) -> str | None:
    """The vocabulary id a labelled phrase names, by exact alias or by the longest phrase inside it.
    A bare "information" or "data" is personal information, as the loader reads it."""
    if not phrase:
        return None
    if name == "fields" and phrase.strip().lower() in ("information", "data", "your information"):
        return "personal_information"
    v = vocab.load(name)
    term = v.lookup(phrase)
    if term:
        return term.id
    matcher = vocab.PhraseMatcher()
    matcher.add_vocabulary(v, name)
    found = sorted(matcher.find(phrase), key=lambda m: m.end - m.start, reverse=True)
    return found[0].ids(name)[0] if found else None


def near(parties: vocab.Vocabulary, a: str, b: str) -> bool:
    """Same party kind, or one directly above the other."""
    return a == b or parties[a].parent == b or parties[b].parent == a


Facts = dict[str, dict[Any, list[str]]]


def gold_facts(doc: dict) -> Facts:
    """The labelled facts: per kind, each id (or id pair) with the sentences that state it."""
    def party(item: dict) -> str | None:
        kind = item.get("kind")
        return kind if kind in vocab.load("parties") else resolve("parties", item.get("recipient"))
    kind_of = {" ".join(str(r.get("recipient", "")).lower().split()): party(r) for r in doc.get("recipients") or []}

    def receiver(item: dict) -> str | None:
        return kind_of.get(" ".join(str(item.get("recipient", "")).lower().split())) or party(item)

    fields = vocab.load("fields")

    def personal(item: dict) -> bool:
        """False for a non-personal field ("non-personal information"): only personal fields are scored."""
        fid = resolve("fields", item["field"])
        return not fid or fields.root(fid) != "non_personal_information"

    out: Facts = {k: {} for k in KINDS}
    keys = {
        "fields": lambda f: resolve("fields", f["field"]) if personal(f) and f.get("basis") != "definition" else None,
        "recipients": party,
        "trackers": lambda t: (lambda tid: None if tid == TRACKER_ROOT else tid)(resolve("trackers", t["tracker"])),
        "sharing": lambda s: (resolve("fields", s["field"]), receiver(s)) if personal(s) else None,
        "negatives": lambda n: resolve("fields", n["field"]),
    }
    for kind, key in keys.items():
        for item in doc.get(kind) or []:
            fact = key(item)
            if fact is not None:
                out[kind].setdefault(fact, []).append(item.get("sentence", ""))
    return out


def extracted_facts(records: Records) -> Facts:
    """The loader's facts: per kind, each id (or id pair) with the sentences its flows and nodes cite."""
    nodes = records.nodes
    kind_of = {n.id: n.properties.get("party_kind") for n in nodes.values()}
    fid = {n.id: n.id.split(":", 1)[1] for n in nodes.values() if n.kind == "field"}
    personal = {f for f in fid if nodes[f].properties.get("personal", True)}
    out: Facts = {k: {} for k in KINDS}

    def add(kind: str, fact: Any, evidence: list) -> None:
        cited = out[kind].setdefault(fact, [])
        cited += [e.text for e in evidence if e.text not in cited]

    for f in records.flows.values():
        source, target = nodes[f.source], nodes[f.target]
        # a flow into a third party: shared by the first party, or collected or stored by the third party itself
        into_party = f.relation in SHARE or (
            f.relation in ("COLLECTS", "STORES") and target.kind not in ("first_party", *TRACKER_NODES)
            and kind_of.get(f.target) and source.kind not in TRACKER_NODES)
        if into_party and kind_of.get(f.target) and kind_of[f.target] != "first_party":
            add("recipients", kind_of[f.target], f.evidence)
            if f.polarity == "+" and f.field in personal:
                add("sharing", (fid[f.field], kind_of[f.target]), f.evidence)
        # what the first party collects, and what it discloses (it must hold that too, as the labels count it)
        if (f.polarity == "+" and f.action != "use" and f.field in personal
                and (f.relation not in SHARE or source.kind == "first_party")):
            add("fields", fid[f.field], f.evidence)
        if f.polarity == "-":
            add("negatives", fid[f.field], f.evidence)
    for n in nodes.values():
        if "tracker_kind" not in n.properties:
            continue
        if n.properties["tracker_kind"] != TRACKER_ROOT:
            add("trackers", n.properties["tracker_kind"], n.evidence)
        for setter in n.properties.get("set_by", []):
            if kind_of.get(setter) and kind_of[setter] != "first_party":
                add("recipients", kind_of[setter], n.evidence)
    return out


def score(gold: dict, got: dict, same: Callable[[Any, Any], bool]) -> tuple[float, float, int, int]:
    """Precision, recall and the two set sizes, with ``same`` deciding a match."""
    hit_p = sum(1 for g in got if any(same(g, x) for x in gold))
    hit_r = sum(1 for x in gold if any(same(g, x) for g in got))
    p = hit_p / len(got) if got else 1.0
    r = hit_r / len(gold) if gold else 1.0
    return p, r, len(got), len(gold)


def matchers() -> dict[str, Callable[[Any, Any], bool]]:
    """Per kind, when an extracted fact matches a labelled one."""
    parties = vocab.load("parties")
    trackers = vocab.load("trackers")
    return {
        "fields": lambda a, b: a == b,
        "recipients": lambda a, b: near(parties, a, b),
        "trackers": lambda a, b: a == b or trackers[a].parent == b or trackers[b].parent == a,
        "sharing": lambda a, b: a[0] == b[0] and None not in (a[1], b[1]) and near(parties, a[1], b[1]),
        "negatives": lambda a, b: a == b,
    }


def compare(label_file: Path) -> tuple[Facts, Facts]:
    """The labelled and the extracted facts of one policy."""
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    return gold_facts(doc), extracted_facts(extract_policy(POLICIES / doc["policy"]))


def evaluate(label_file: Path) -> dict[str, tuple[float, float, int, int]]:
    """Scores of one policy."""
    gold, got = compare(label_file)
    same = matchers()
    return {k: score(gold[k], got[k], same[k]) for k in KINDS}


def misses(label_file: Path) -> list[str]:
    """Lines naming each extracted fact no label matches, with the sentences it cites, and each
    labelled fact the loader did not find, with the sentence the label quotes."""
    gold, got = compare(label_file)
    same = matchers()
    lines = []
    for kind in KINDS:
        for fact, cited in sorted(got[kind].items(), key=str):
            if not any(same[kind](fact, x) for x in gold[kind]):
                lines.append(f"  {kind} extra {fact}")
                lines += [f"      | {_short(t)}" for t in cited[:3]]
        for fact, cited in sorted(gold[kind].items(), key=str):
            if not any(same[kind](g, fact) for g in got[kind]):
                lines.append(f"  {kind} missed {fact}")
                lines += [f"      | {_short(t)}" for t in cited[:1]]
    return lines


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    """Print a table of precision/recall per policy and overall (micro-averaged)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="*", type=Path, help="label files (default: all)")
    ap.add_argument("--heldout", action="store_true",
                    help="score the held-out policies (tests/data/heldout), which development never looks at")
    ap.add_argument("--misses", action="store_true",
                    help="after the table, list each extra and each missed fact with its sentence")
    args = ap.parse_args(argv)
    files = args.labels or sorted((HELDOUT if args.heldout else LABELS).glob("*.yaml"))
    totals = {k: [0.0, 0.0, 0, 0] for k in KINDS}
    print(f"{'policy':22}" + "".join(f"{k:>18}" for k in KINDS))
    for f in files:
        res = evaluate(f)
        cells = []
        for k in KINDS:
            p, r, n_got, n_gold = res[k]
            totals[k][0] += p * n_got
            totals[k][1] += r * n_gold
            totals[k][2] += n_got
            totals[k][3] += n_gold
            cells.append(f"P{p:5.2f} R{r:5.2f}".rjust(18))
        print(f"{f.stem:22}" + "".join(cells))
    cells = []
    for k in KINDS:
        hp, hr, n_got, n_gold = totals[k]
        cells.append(f"P{hp / max(n_got, 1):5.2f} R{hr / max(n_gold, 1):5.2f}".rjust(18))
    print(f"{'overall':22}" + "".join(cells))
    if args.misses:
        for f in files:
            print(f"\n{f.stem}")
            print("\n".join(misses(f)) or "  nothing extra, nothing missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
