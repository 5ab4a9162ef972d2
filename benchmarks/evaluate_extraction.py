"""Precision and recall of the policy reader against hand-labelled facts, beside a bag-of-mentions baseline.

    python benchmarks/evaluate_extraction.py [--blind] [--misses] [LABEL_FILE ...]

Each label names a fact in the policy's words and quotes the sentence that states it. Facts are
collected fields, recipient party kinds, trackers, (field, recipient) sharing facts and negatives
(fields stated *not* to be collected or shared). A labelled phrase is resolved through the vocabularies
to an id. A field phrase the vocabulary cannot resolve is read as an open data type with the reader's own
normaliser (``loaders/data_types.normalise_text``: "your contact details" → ``contact_detail``), so it
matches the open field the reader extracts from the same words; a label that is still unresolvable (no
noun in it) is a miss and ``--misses`` lists it as ``unresolved``.

Open fields match in two ways, and the script prints how many labels each found: exactly (the same
normalised phrase), or by one-sided containment with the same head (one phrase is the other with
premodifiers in front: an extracted "flyer detail" finds a labelled "frequent flyer detail", and the
other way round). Open fields the reader extracts that no label states are false positives as usual.

Recall: a label counts as found only if the reader states the same fact citing the sentence the label
quotes (the quote is found in, or holds, a sentence the fact cites; a list item's fact cites the item).
A recipient or tracker kind matches its parent or child kind ("payment processor" is found by an
extracted payment processor or service provider). Precision: an extracted fact (an id or id pair) is
right if the labels state it anywhere in the policy. Fields and sharing facts count personal data
only, on both sides; a field a definition only names as part of a term (``basis: definition``) is
not a collected field; fields the first party discloses count as collected (it holds them).

The baseline reads the same sentences as a bag of mentions: every vocabulary field, and every noun chunk
that names data by its head (``data_types.noun_chunks``, as an open field), in a sentence with a
collection or sharing verb is collected; every party in a sentence with a sharing verb receives every
field of that sentence; every tracker mentioned is used; every field of a sentence with a negation and
such a verb is a negative.

Development labels (``tests/data/labels``) are the policies the reader was tuned on. Blind rounds
(``tests/data/heldout/roundN``, ``--blind``) were labelled by reading only and scored before anyone
looked at the reader's output on them.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Records, slug
from flowaudit.loaders import data_types
from flowaudit.loaders.parse import parse
from flowaudit.loaders.policy import extract_policy, lexicon
from flowaudit.loaders.policy_text import read_policy

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "labels"
HELDOUT = ROOT / "tests" / "data" / "heldout"
POLICIES = ROOT / "tests" / "data" / "policies"
SHARE = ("SHARES_WITH", "DISCLOSES_TO")
TRACKER_ROOT = "tracking_technology"
TRACKER_NODES = ("cookie", "flash_cookie", "clear_gif", "tracker")
KINDS = ("fields", "recipients", "trackers", "sharing", "negatives")
BASELINE_COLLECT = ("collect", "store", "track", "use")
BASELINE_SHARE = ("share", "share_weak", "publish", "see", "transfer", "sell")


def squash(text: str) -> str:
    """Text compared for quoting: markup (bold, underscore emphasis), quote styles and spacing ignored,
    lower case.

    >>> squash("( _e.g._ , your  City)") == squash("( e.g. , your city)")
    True
    """
    text = re.sub(r"(?<!\w)_+|_+(?!\w)", "", text.replace("**", ""))
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def resolve(name: str, phrase: str | None) -> str | None:
    """The vocabulary id a labelled phrase names, by exact alias or by the longest phrase inside it.
    A bare "information" or "data" is personal information, as the reader reads it."""
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
    if found:
        return found[0].ids(name)[0]
    return open_id(phrase) if name == "fields" else None


@cache
def open_id(phrase: str) -> str | None:
    """The open field id of a phrase no vocabulary term resolves, as the reader would name it."""
    normal = data_types.normalise_text(phrase)
    if normal in data_types.GENERIC_HEADS:
        return "personal_information"  # "data that identifies your device" is data, as the reader reads it
    return slug(normal) if normal else None


def is_open(fid: str) -> bool:
    """True for an open field id (one the vocabulary does not list)."""
    return fid not in vocab.load("fields")


def field_match(a: str, b: str) -> str | None:
    """How extracted field ``a`` matches labelled field ``b``: "exact", "same head" (open fields only:
    one is the other with premodifiers in front), or None."""
    if a == b:
        return "exact"
    if is_open(a) and is_open(b) and (a.endswith("_" + b) or b.endswith("_" + a)):
        return "same head"
    return None


def near(parties: vocab.Vocabulary, a: str, b: str) -> bool:
    """Same party kind, or one directly above the other."""
    return a == b or parties[a].parent == b or parties[b].parent == a


# per kind: the labelled facts as (id or None when unresolved, phrase, quoted sentence)
Gold = dict[str, list[tuple[Any, str, str]]]
# per kind: each extracted id (or id pair) with the sentences it cites
Facts = dict[str, dict[Any, list[str]]]


def gold_facts(doc: dict) -> Gold:
    """The labelled facts of one label file."""
    def party(item: dict) -> str | None:
        kind = item.get("kind")
        return kind if kind in vocab.load("parties") else resolve("parties", item.get("recipient"))
    def name(item: dict) -> str:
        return " ".join(str(item.get("recipient", "")).lower().split())

    # a sharing fact's recipient takes the kind its recipient label gives in the same sentence, else
    # under the same name anywhere (one name may be labelled with two kinds in different sentences)
    kind_of: dict[Any, str | None] = {}
    for r in doc.get("recipients") or []:
        kind_of[name(r), squash(str(r.get("sentence", "")))] = kind_of[name(r)] = party(r)

    def receiver(item: dict) -> str | None:
        here = (name(item), squash(str(item.get("sentence", ""))))
        return kind_of.get(here) or kind_of.get(name(item)) or party(item)

    fields = vocab.load("fields")

    def personal(item: dict) -> bool:
        """False for a non-personal field ("non-personal information"): only personal fields are scored."""
        fid = resolve("fields", item["field"])
        if fid and is_open(fid):
            fid = data_types.ancestor(data_types.normalise_text(item["field"]))
        return not fid or fields.root(fid) != "non_personal_information"

    def pair(item: dict) -> tuple[str, str] | None:
        f, r = resolve("fields", item["field"]), receiver(item)
        return (f, r) if f and r else None

    keys: dict[str, tuple[Callable[[dict], bool], Callable[[dict], Any], Callable[[dict], str]]] = {
        "fields": (lambda f: personal(f) and f.get("basis") != "definition",
                   lambda f: resolve("fields", f["field"]), lambda f: f["field"]),
        "recipients": (lambda r: True, party, lambda r: str(r.get("recipient"))),
        "trackers": (lambda t: resolve("trackers", t["tracker"]) != TRACKER_ROOT,
                     lambda t: resolve("trackers", t["tracker"]), lambda t: t["tracker"]),
        "sharing": (personal, pair, lambda s: f"{s['field']} -> {s.get('recipient')}"),
        "negatives": (lambda n: True, lambda n: resolve("fields", n["field"]), lambda n: n["field"]),
    }
    out: Gold = {k: [] for k in KINDS}
    for kind, (scored, key, phrase) in keys.items():
        seen = set()
        for item in doc.get(kind) or []:
            if not scored(item):
                continue
            fact = (key(item), phrase(item), item.get("sentence", ""))
            if (fact[0] or fact[1], fact[2]) not in seen:
                seen.add((fact[0] or fact[1], fact[2]))
                out[kind].append(fact)
    return out


def extracted_facts(records: Records) -> Facts:
    """The reader's facts: per kind, each id (or id pair) with the sentences its flows and nodes cite."""
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
            # a recipient is named in the sentences of its flows and wherever its node was read
            add("recipients", kind_of[f.target], f.evidence + target.evidence)
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


def baseline_facts(policy: Path) -> Facts:
    """The bag-of-mentions baseline's facts (see the module docstring)."""
    lex = lexicon()
    fields = lex.fields
    negation = set(lex.patterns["negation"])
    out: Facts = {k: {} for k in KINDS}

    def add(kind: str, fact: Any, text: str) -> None:
        cited = out[kind].setdefault(fact, [])
        if text not in cited:
            cited.append(text)

    for sent in read_policy(policy).sentences:
        mentions = lex.matcher.find(sent.text)
        verbs = {a for m in mentions for a in m.ids("verb")}
        found = [f for m in mentions for f in m.ids("field")[:1]
                 if fields.root(f) != "non_personal_information"]
        parties = [p for m in mentions for p in m.ids("party")[:1] if p != "first_party"]
        for m in mentions:
            for t in m.ids("tracker")[:1]:
                if t != TRACKER_ROOT:
                    add("trackers", t, sent.text)
        acts = verbs & {*BASELINE_COLLECT, *BASELINE_SHARE}
        if not acts:
            continue
        negated = bool(negation & {w.lower() for w in sent.text.replace(",", " ").split()})
        found += open_chunks(sent.text, mentions)
        for f in found:
            add("negatives" if negated else "fields", f, sent.text)
        if verbs & set(BASELINE_SHARE):
            for p in parties:
                add("recipients", p, sent.text)
                for f in ([] if negated else found):
                    add("sharing", (f, p), sent.text)
    return out


def open_chunks(text: str, mentions: list[vocab.Mention]) -> list[str]:
    """The baseline's open fields: every noun chunk of the sentence that names data, that no field
    mention touches and no other mention stands on the head of (as the reader keeps them)."""
    out = []
    for span in data_types.noun_chunks(parse([text])[0]):
        lo, hi, head = span.start_char, span.end_char, span[-1].idx
        over = [m for m in mentions if m.char_start < hi and m.char_end > lo]
        normal = data_types.normalise(span)
        if normal and not any(m.has("field") or m.char_end > head for m in over):
            out.append(slug(normal))
    return out


def matchers() -> dict[str, Callable[[Any, Any], bool]]:
    """Per kind, when an extracted fact matches a labelled one."""
    parties = vocab.load("parties")
    trackers = vocab.load("trackers")
    return {
        "fields": lambda a, b: field_match(a, b) is not None,
        "recipients": lambda a, b: near(parties, a, b),
        "trackers": lambda a, b: a == b or trackers[a].parent == b or trackers[b].parent == a,
        "sharing": lambda a, b: a[0] == b[0] and near(parties, a[1], b[1]),
        "negatives": lambda a, b: field_match(a, b) is not None,
    }


def open_matches(gold: list[tuple[Any, str, str]], got: dict[Any, list[str]]) -> Counter[str]:
    """How many labelled open fields were found in their sentence, by each matching rule (exact first)."""
    out: Counter[str] = Counter()
    for g, _, sent in gold:
        if g is None or not is_open(g):
            continue
        rules = {field_match(fact, g) for fact, cited in got.items() if quotes(sent, cited)} - {None}
        if rules:
            out["exact" if "exact" in rules else "same head"] += 1
    return out


def same_text(label: str, text: str) -> bool:
    """True if ``text`` (a sentence the reader cites) holds the labelled quote or the quote holds it. A
    quoted table row ("Registering | Name and e-mail address") is held by the sentence the reader
    makes of that row ("Activity: Registering; Examples: Name and e-mail address") if it holds each cell.

    >>> same_text("Registering | Name", "Activity: Registering; Data collected: Name")
    True
    """
    q, t = squash(label), squash(text)
    cells = [c.strip() for c in q.split("|") if c.strip()]
    if len(cells) > 1:
        return all(c in t for c in cells)
    return q in t or t in q


def quotes(label: str, cited: list[str]) -> bool:
    """True if a cited sentence holds the labelled quote, or the quote holds the cited sentence."""
    return any(same_text(label, c) for c in cited if c)


Score = tuple[int, int, int, int]  # right extracted, extracted, found labels, labels


def score(gold: list[tuple[Any, str, str]], got: dict[Any, list[str]], same: Callable[[Any, Any], bool]) -> Score:
    """Counts for precision (extracted ids the labels state) and recall (labels found in their sentence)."""
    keys = [g for g, _, _ in gold if g is not None]
    right = sum(1 for fact in got if any(same(fact, g) for g in keys))
    found = sum(1 for g, _, sent in gold if g is not None and any(
        same(fact, g) and quotes(sent, cited) for fact, cited in got.items()))
    return right, len(got), found, len(gold)


def load(label_file: Path) -> tuple[dict, Path]:
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    return doc, POLICIES / doc["policy"]


def evaluate(label_file: Path, reader: str = "reader", rules: Counter[str] | None = None) -> dict[str, Score]:
    """Counts per kind for one policy, for the ``reader`` or the ``baseline``; ``rules`` counts the
    labelled open fields found by each matching rule."""
    doc, policy = load(label_file)
    gold = gold_facts(doc)
    got = extracted_facts(extract_policy(policy)) if reader == "reader" else baseline_facts(policy)
    same = matchers()
    if rules is not None:
        rules.update(open_matches(gold["fields"], got["fields"]))
    return {k: score(gold[k], got[k], same[k]) for k in KINDS}


def rules_by_sentence(records: Records) -> dict[str, set[str]]:
    """Each cited sentence (squashed) → the ids of the reader's rules that stated something from it."""
    out: dict[str, set[str]] = {}
    for item in [*records.flows.values(), *records.nodes.values()]:
        for e in item.evidence:
            if e.rule and e.text:
                out.setdefault(squash(e.text), set()).update(e.rule.split(", "))
    return out


def fired(label: str, rules: dict[str, set[str]]) -> str:
    """The rules that read the sentence a label quotes, or a note that none did."""
    found = sorted({r for text, rs in rules.items() if same_text(label, text) for r in rs} - {"statement"})
    return f"[rules: {', '.join(found)}]" if found else "[no rule read this sentence]"


def misses(label_file: Path) -> list[str]:
    """Each extracted fact no label states (with the sentences it cites and the rules that stated it),
    each label the reader did not find in its sentence (with the rules that read that sentence, or
    none), and each label the vocabularies cannot express."""
    doc, policy = load(label_file)
    records = extract_policy(policy)
    gold, got, rules = gold_facts(doc), extracted_facts(records), rules_by_sentence(records)
    same = matchers()
    lines = []
    for kind in KINDS:
        keys = [g for g, _, _ in gold[kind] if g is not None]
        for fact, cited in sorted(got[kind].items(), key=str):
            if not any(same[kind](fact, g) for g in keys):
                lines.append(f"  {kind} extra {fact}")
                lines += [f"      | {_short(t)} {fired(t, rules)}" for t in cited[:3]]
        for fact, phrase, sent in gold[kind]:
            if fact is None:
                lines.append(f"  {kind} unresolved {phrase!r}")
            elif not any(same[kind](g, fact) and quotes(sent, cited) for g, cited in got[kind].items()):
                where = [c for g, c in got[kind].items() if same[kind](g, fact)]
                lines.append(f"  {kind} missed {fact}" + (" (found in another sentence)" if where else ""))
            else:
                continue
            lines.append(f"      | {_short(sent)} {fired(sent, rules)}")
    return lines


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _cell(s: list[int]) -> str:
    p = s[0] / s[1] if s[1] else 1.0
    r = s[2] / s[3] if s[3] else 1.0
    return f"P{p:5.2f} R{r:5.2f}".rjust(18)


def table(title: str, files: list[Path], per_policy: bool = True) -> dict[str, dict[str, list[int]]]:
    """Print one table (reader per policy, then reader and baseline overall); return the totals."""
    totals = {who: {k: [0, 0, 0, 0] for k in KINDS} for who in ("reader", "baseline")}
    rules: dict[str, Counter[str]] = {"reader": Counter(), "baseline": Counter()}
    print(f"\n{title}\n{'policy':24}" + "".join(f"{k:>18}" for k in KINDS))
    for f in files:
        for who in ("reader", "baseline"):
            res = evaluate(f, who, rules[who])
            for k in KINDS:
                totals[who][k] = [a + b for a, b in zip(totals[who][k], res[k], strict=True)]
            if who == "reader" and per_policy:
                print(f"{f.stem:24}" + "".join(_cell(list(res[k])) for k in KINDS))
    for who in ("reader", "baseline"):
        print(f"{'overall ' + who:24}" + "".join(_cell(totals[who][k]) for k in KINDS))
    labelled = sum(1 for f in files for g, _, _ in gold_facts(load(f)[0])["fields"] if g is not None and is_open(g))
    for who in ("reader", "baseline"):
        print(f"open field labels found by the {who}: {rules[who]['exact']} exact, {rules[who]['same head']} "
              f"by same-head containment, of {labelled}")
    return totals


def main(argv: list[str] | None = None) -> int:
    """Print precision/recall per policy and overall (micro-averaged), reader and baseline."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="*", type=Path, help="label files (default: the development labels)")
    ap.add_argument("--blind", action="store_true", help="score each blind round of tests/data/heldout")
    ap.add_argument("--misses", action="store_true",
                    help="after the tables, list each extra, missed and unresolved fact with its sentence")
    args = ap.parse_args(argv)
    if args.labels:
        groups = [("given labels", args.labels)]
    elif args.blind:
        groups = [(f"blind {d.name}", sorted(d.glob("*.yaml"))) for d in sorted(HELDOUT.glob("round*"))]
    else:
        groups = [("development", sorted(LABELS.glob("*.yaml")))]
    for title, files in groups:
        table(title, files)
    if args.misses:
        for _, files in groups:
            for f in files:
                print(f"\n{f.stem}")
                print("\n".join(misses(f)) or "  nothing extra, nothing missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
