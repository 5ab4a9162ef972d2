"""Precision and recall of the policy loader against the hand-labelled facts in tests/data/labels.

Each labelled phrase is resolved through the vocabularies to an id; extracted facts are compared
as sets of ids per policy: collected fields, recipient party kinds, trackers, (field, recipient)
sharing facts and negatives. A recipient or tracker kind matches its parent or child kind (a
labelled "payment processor" is found by an extracted payment processor or service provider).
Recipients include the third parties that set a tracker; collected fields are those of collect,
store and track statements (not of statements that only say how data is used), the fields the
first party discloses (it holds them; the labels count them as collected), and the fields a policy
defines as part of a collected one ("Personal Data can include ...").

    python benchmarks/evaluate_extraction.py [LABEL_FILE ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Records
from flowaudit.loaders.policy import extract_policy

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "labels"
POLICIES = ROOT / "tests" / "data" / "policies"
SHARE = ("SHARES_WITH", "DISCLOSES_TO")
TRACKER_ROOT = "tracking_technology"
TRACKER_NODES = ("cookie", "flash_cookie", "clear_gif", "tracker")


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


def gold_facts(doc: dict) -> dict[str, set]:
    """The labelled facts as id sets."""
    def party(item: dict) -> str | None:
        kind = item.get("kind")
        return kind if kind in vocab.load("parties") else resolve("parties", item.get("recipient"))
    recipients = {party(r) for r in doc.get("recipients") or []}
    kind_of = {" ".join(str(r.get("recipient", "")).lower().split()): party(r) for r in doc.get("recipients") or []}

    def receiver(item: dict) -> str | None:
        return kind_of.get(" ".join(str(item.get("recipient", "")).lower().split())) or party(item)

    return {
        "fields": {resolve("fields", f["field"]) for f in doc.get("fields") or []} - {None},
        "recipients": recipients - {None},
        "trackers": {resolve("trackers", t["tracker"]) for t in doc.get("trackers") or []} - {None, TRACKER_ROOT},
        "sharing": {(resolve("fields", s["field"]), receiver(s)) for s in doc.get("sharing") or []},
        "negatives": {resolve("fields", n["field"]) for n in doc.get("negatives") or []} - {None},
    }


def extracted_facts(records: Records) -> dict[str, set]:
    """The loader's facts as id sets."""
    nodes = records.nodes
    kind_of = {n.id: n.properties.get("party_kind") for n in nodes.values()}
    fid = {n.id: n.id.split(":", 1)[1] for n in nodes.values() if n.kind == "field"}
    # a flow into a third party: shared by the first party, or collected by the third party itself
    shares = [f for f in records.flows.values() if f.relation in SHARE or (
        f.relation == "COLLECTS" and nodes[f.target].kind not in ("first_party", *TRACKER_NODES)
        and kind_of.get(f.target) and nodes[f.source].kind not in TRACKER_NODES)]
    trackers = [n for n in nodes.values() if "tracker_kind" in n.properties]
    setters = {kind_of[s] for n in trackers for s in n.properties.get("set_by", []) if kind_of.get(s)}
    # what the first party collects, and what it discloses (it must hold that too, as the labels count it)
    collected = {f.field for f in records.flows.values() if f.polarity == "+" and f.action != "use"
                 and (f.relation not in SHARE or nodes[f.source].kind == "first_party")}
    defined: dict[str, set[str]] = {}
    for link in records.links.values():
        if link.relation == "SUBSUMES" and link.basis == "stated" and link.source in fid:
            defined.setdefault(link.source, set()).add(link.target)
    todo = list(collected)
    while todo:
        for child in defined.get(todo.pop(), ()):
            if child not in collected:
                collected.add(child)
                todo.append(child)
    return {
        "fields": {fid[f] for f in collected if nodes[f].properties.get("personal", True)},
        "recipients": ({kind_of[f.target] for f in shares if kind_of.get(f.target)} | setters) - {"first_party"},
        "trackers": {n.properties["tracker_kind"] for n in trackers} - {TRACKER_ROOT},
        "sharing": {(fid[f.field], kind_of[f.target]) for f in shares
                    if f.polarity == "+" and nodes[f.field].properties.get("personal", True)},
        "negatives": {fid[f.field] for f in records.flows.values() if f.polarity == "-"},
    }


def score(gold: set, got: set, same) -> tuple[float, float, int, int]:
    """Precision, recall and the two set sizes, with ``same`` deciding a match."""
    hit_p = sum(1 for g in got if any(same(g, x) for x in gold))
    hit_r = sum(1 for x in gold if any(same(g, x) for g in got))
    p = hit_p / len(got) if got else 1.0
    r = hit_r / len(gold) if gold else 1.0
    return p, r, len(got), len(gold)


def evaluate(label_file: Path) -> dict[str, tuple[float, float, int, int]]:
    """Scores of one policy."""
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    gold = gold_facts(doc)
    got = extracted_facts(extract_policy(POLICIES / doc["policy"]))
    parties = vocab.load("parties")
    trackers = vocab.load("trackers")
    eq = lambda a, b: a == b  # noqa: E731
    tracker_eq = lambda a, b: a == b or trackers[a].parent == b or trackers[b].parent == a  # noqa: E731
    party_eq = lambda a, b: near(parties, a, b)  # noqa: E731
    pair_eq = lambda a, b: a[0] == b[0] and b[1] is not None and a[1] is not None and near(parties, a[1], b[1])  # noqa: E731
    return {
        "fields": score(gold["fields"], got["fields"], eq),
        "recipients": score(gold["recipients"], got["recipients"], party_eq),
        "trackers": score(gold["trackers"], got["trackers"], tracker_eq),
        "sharing": score(gold["sharing"], got["sharing"], pair_eq),
        "negatives": score(gold["negatives"], got["negatives"], eq),
    }


def main(argv: list[str] | None = None) -> int:
    """Print a table of precision/recall per policy and overall (micro-averaged)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="*", type=Path, help="label files (default: all)")
    args = ap.parse_args(argv)
    files = args.labels or sorted(LABELS.glob("*.yaml"))
    kinds = ("fields", "recipients", "trackers", "sharing", "negatives")
    totals = {k: [0.0, 0.0, 0, 0] for k in kinds}
    print(f"{'policy':22}" + "".join(f"{k:>18}" for k in kinds))
    for f in files:
        res = evaluate(f)
        cells = []
        for k in kinds:
            p, r, n_got, n_gold = res[k]
            totals[k][0] += p * n_got
            totals[k][1] += r * n_gold
            totals[k][2] += n_got
            totals[k][3] += n_gold
            cells.append(f"P{p:5.2f} R{r:5.2f}".rjust(18))
        print(f"{f.stem:22}" + "".join(cells))
    cells = []
    for k in kinds:
        hp, hr, n_got, n_gold = totals[k]
        cells.append(f"P{hp / max(n_got, 1):5.2f} R{hr / max(n_gold, 1):5.2f}".rjust(18))
    print(f"{'overall':22}" + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
