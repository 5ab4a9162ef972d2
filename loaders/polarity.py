"""Pass 4 of the policy reader: polarity and scope of a practice, read from the dependency parse.

A verb is denied by a negator among its dependents ("do not sell", "will never share"), by a negative
determiner or pronoun on one of its arguments ("under no circumstances do we sell", "no data is sold",
"none of it is sold"), or by inheritance: a coordinated verb without a subject of its own ("we do not
sell or rent"), a verb completing a denied control verb ("we do not allow them to collect") or a denied
intent noun ("it is not our practice to sell"). The patterns are data (``lexicon/polarity.yaml``,
spaCy ``DependencyMatcher``); each result names the rule that decided it.

>>> from flowaudit.loaders.parse import parse
>>> doc = parse(["We do not sell or rent your personal data."])[0]
>>> [denial(t) for t in doc if t.lemma_ in ("sell", "rent")]
['neg.adverb', 'neg.inherited']
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Span, Token

from .parse import cue_words, pipeline, words_of

RULES = Path(__file__).with_name("lexicon") / "polarity.yaml"


@cache
def rules() -> dict[str, Any]:
    """The polarity table."""
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


@cache
def _matcher() -> DependencyMatcher:
    by_id: dict[str, list[list[dict[str, Any]]]] = {}
    for spec in rules()["negation_patterns"]:
        by_id.setdefault(spec["id"], []).append(spec["pattern"])  # one rule may have several forms
    m = DependencyMatcher(pipeline().vocab)
    for rule, patterns in by_id.items():
        m.add(rule, patterns)
    return m


@cache
def _cues() -> frozenset[str] | None:
    """The words without one of which no negation pattern can match a sentence."""
    return cue_words(spec["pattern"] for spec in rules()["negation_patterns"])


_DENIED = "flowaudit_denied"


def _own_denials(doc: Doc) -> dict[int, str]:
    """Token index → rule id, for the words the negation patterns deny directly; cached on the doc."""
    if _DENIED in doc.user_data:
        return doc.user_data[_DENIED]
    r = rules()
    skip_next = set(r["not_negation_next"])
    out: dict[int, str] = {}
    words, cues = words_of(doc), _cues()
    for match_id, ids in _matcher()(doc) if cues is None or words & cues else ():
        rule = doc.vocab.strings[match_id]
        neg = doc[ids[-1]]
        if rule == "neg.adverb":
            nxt = doc[neg.i + 1] if neg.i + 1 < len(doc) else None
            if nxt is not None and nxt.lower_ in skip_next:
                continue  # "not only ... but also", "not limited to"
        out.setdefault(ids[0], rule)
    negators, reach = set(r["negators"]), r["misattached_reach"]
    for tok in doc if words & negators else ():
        if tok.lower_ in negators and tok.head.pos_ in ("PRON", "ADP", "DET", "PART", "PUNCT"):
            nxt = next((t for t in doc[tok.i + 1 : tok.i + 1 + reach] if t.pos_ == "VERB"), None)
            if nxt is not None:
                out.setdefault(nxt.i, "neg.misattached")
    doc.user_data[_DENIED] = out
    return out


def _has_subject(tok: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubj:pass", "expl") for c in tok.children)


def denial(tok: Token, depth: int = 0) -> str | None:
    """The id of the rule that denies ``tok`` (a verb, or a noun that names an action), or None."""
    own = _own_denials(tok.doc).get(tok.i)
    if own or depth > 4 or tok.head.i == tok.i:
        return own
    r = rules()
    head = tok.head
    if tok.dep_ in r["inherit_relations"] and not _has_subject(tok) and denial(head, depth + 1):
        return "neg.inherited"
    if tok.dep_ in r["control_relations"] and head.lemma_.lower() in r["control_verbs"] \
            and denial(head, depth + 1):
        return "neg.control"
    if tok.dep_ in r["intent_relations"] and head.lemma_.lower() in r["intent_nouns"] \
            and denial(head, depth + 1):
        return "neg.intent"
    return None


def denied_objects(verb: Token) -> list[Span]:
    """Objects of an affirmed ``verb`` that are denied on their own ("we share your name, but not
    your e-mail address"): the spans to read with the opposite polarity."""
    negators = set(rules()["negators"])
    out = []
    for tok in verb.subtree:
        if tok.i == verb.i or tok.pos_ not in ("NOUN", "PROPN", "PRON"):
            continue
        if any(c.dep_ == "advmod" and c.lower_ in negators for c in tok.children):
            out.append(verb.doc[tok.left_edge.i : tok.right_edge.i + 1])
    return out


def restricted_by_main_clause(verb: Token) -> bool:
    """True for a verb in an adverbial clause ("when we share X with Y, ...") whose main clause is
    restricted by "only": what the clause names is not what reaches them."""
    return verb.dep_ == "advcl" and verb.head.i != verb.i and restricted(verb.head)


def restricted(verb: Token) -> bool:
    """True when "only" (or "solely", "exclusively") restricts ``verb`` or its object: "we only share
    aggregate data", "we share only anonymous data"."""
    words = set(rules()["restrictors"])
    near = [verb, *[c for c in verb.children if c.dep_ in ("obj", "iobj", "nsubj:pass", "obl")]]
    return any(c.lower_ in words for t in near for c in t.children)


def governing(tok: Token) -> list[Token]:
    """``tok`` and the words above it up to the first clause that only modifies its head (an adverbial or
    relative clause): a denial above that clause does not reach into it.

    >>> from flowaudit.loaders.parse import parse
    >>> doc = parse(["We will not write to you again once you use the unsubscribe link."])[0]
    >>> [t.text for t in governing(doc[-2])]
    ['link', 'use']
    """
    chain = [tok]
    while tok.dep_ not in rules()["modifier_clauses"] and tok.head.i != tok.i:
        tok = tok.head
        chain.append(tok)
    return chain

