"""Pass of the policy reader: data types named in a policy's own words (an open vocabulary).

The vocabulary (``inventory/vocab/fields.yaml``) cannot list every kind of data a policy names
("guest stay information", "business title"). As PoliGraph does, this pass reads them from the parse:
in the data role of a practice verb (its object or passive subject, the items listed with it, its
"such as" / "including" examples, the object of "this information can include ..." and an item of
a list a practice opened) each noun phrase that no mention covers becomes a field mention of its
own. The phrase is the noun and its premodifiers (compound, adjective, name parts), normalised by
:func:`~flowaudit.inventory.phrases.normal_phrase` with the parser's lemma of the head. It is kept
only if its head is a common noun (a capitalised one inside a sentence names a product or feature)
that names data (``lexicon/data_types.yaml``), and no pronoun, party, purpose, tracker or other
mention stands on its head.

The vocabulary comes first: a phrase that holds a vocabulary field anywhere ("frequent flyer
program number" holds "frequent flyer number" if the vocabulary lists it; "your e-mail preferences"
holds "e-mail") is left to the vocabulary mention, so an open field never replaces a known one. An
open field's id is ``slug(phrase)`` (``field:contact_detail``); its node has the phrase as label,
``vocabulary: open``, and a ``SUBSUMES`` link from the closest vocabulary field its words name (see
:func:`ancestor`), so the audit's broader and narrower fields reach it.

>>> from flowaudit.inventory.text import tokenize
>>> from flowaudit.loaders.parse import parse
>>> from flowaudit.loaders.policy import lexicon
>>> text = "We collect your guest stay information and business title."
>>> found = open_types(parse([text])[0], tokenize(text), lexicon().matcher.find(text))
>>> [(m.text, m.ids("field")) for m in found.mentions if m.has("field")]
[('guest stay information', ['guest_stay_information']), ('business title', ['business_title'])]
>>> found.fields["guest_stay_information"].parent
'personal_information'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.phrases import dropped_words, normal_phrase
from flowaudit.inventory.records import Link, Node, Records, node_id, slug
from flowaudit.inventory.text import Token as TextToken
from flowaudit.inventory.vocab_nodes import field_node as vocab_field_node
from flowaudit.inventory.vocabulary import Mention
from spacy.tokens import Doc, Span, Token

from .parse import head_of, parse

WORDS = Path(__file__).with_name("lexicon") / "data_types.yaml"
ROOT = "personal_information"
GENERIC_HEADS = ("information", "data", "datum", "info")
#: senses of a mention that may modify a data type and be dropped inside it ("advertising preferences")
MODIFIER_SENSES = frozenset({"purpose", "party", "subject", "point", "tracker", "org", "plain", "topic"})
CARRIER = "We collect"  # the sentence a labelled phrase is read in


@cache
def words() -> dict[str, frozenset[str]]:
    """The word lists of the pass, from ``lexicon/data_types.yaml``."""
    data = yaml.safe_load(WORDS.read_text(encoding="utf-8"))
    return {key: frozenset(str(w).lower() for w in value) for key, value in data.items()}


@dataclass(frozen=True)
class OpenField:
    """A data type the vocabulary does not list: its id, normalised phrase and closest vocabulary field."""

    id: str
    label: str
    parent: str


@dataclass
class OpenTypes:
    """A sentence's mentions with its open data types added, and those types by id."""

    mentions: list[Mention]
    fields: dict[str, OpenField] = field(default_factory=dict)


def _in_run(tok: Token) -> bool:
    """True for a word that can stand in a noun chunk before its head: a noun, name, adjective or
    number, a participle modifying a noun ("operating system"), or a hyphen inside a word ("e-mail")."""
    if tok.pos_ in ("NOUN", "PROPN", "ADJ", "NUM"):
        return tok.lower_ not in dropped_words()
    if tok.pos_ == "VERB" and tok.dep_ in words()["modifier_relations"]:
        return True
    doc = tok.doc
    return (tok.text in "-–/" and not tok.whitespace_ and 0 < tok.i < len(doc) - 1
            and not doc[tok.i - 1].whitespace_ and doc[tok.i - 1].pos_ != "PUNCT" and doc[tok.i + 1].pos_ != "PUNCT")


def chunk(noun: Token) -> Span:
    """The noun chunk around ``noun``: the run of nouns, adjectives, numbers and hyphens it stands in,
    ending in its last noun (the head), without determiners, possessives and quantifiers.

    The run is read from the tags rather than from compound attachments, which the packaged parser
    gets wrong more often ("guest stay information" with "guest" as the object), and spaCy's own
    English ``noun_chunks`` does not read the UD labels of the packaged parser."""
    doc = noun.doc
    start = end = noun.i
    while start > 0 and _in_run(doc[start - 1]):
        start -= 1
    while end + 1 < len(doc) and _in_run(doc[end + 1]):
        end += 1
    while end > noun.i and doc[end].pos_ not in ("NOUN", "PROPN"):
        end -= 1
    while start < noun.i and (doc[start].is_punct or doc[start].pos_ not in ("NOUN", "PROPN", "ADJ", "NUM", "VERB")):
        start += 1
    return doc[start : end + 1]


def normalise(span: Span) -> str:
    """The normal form of a noun chunk: its words with the head noun's lemma (see ``inventory.phrases``)."""
    head = span[-1]
    before = span.doc.text[span.start_char : head.idx]
    return normal_phrase(before + head.text, head_lemma=_base(head))


def _base(noun: Token) -> str:
    """The base form of a noun: the lemma of a plural ("details" → "detail"), a singular as written,
    since the trained lemmatizer guesses at words it has not seen ("tier")."""
    plural = "Plur" in noun.morph.get("Number") and noun.lemma_
    return (noun.lemma_ if plural else noun.text).lower()


def normalise_text(phrase: str) -> str:
    """The normal form of a labelled or queried phrase, read as the reader reads a data role: as the
    object of "We collect ...", whose head and premodifiers the parse gives ("data that identifies
    your device" → "data", "your activity on the site" → "activity"); '' for a phrase without a noun.

    >>> normalise_text("Your contact details")
    'contact detail'
    """
    doc = parse([f"{CARRIER} {phrase.strip().rstrip('.')}."])[0]
    inside = [t for t in doc if t.idx >= len(CARRIER) + 1 and not t.is_punct]
    if not inside:
        return ""
    nouns = [t for t in inside if t.pos_ in ("NOUN", "PROPN")]
    return normalise(chunk(nouns[0])) if nouns else ""


def ancestor(phrase: str) -> str:
    """The closest vocabulary field a normalised phrase names: the longest of its word-final parts
    that the vocabulary lists ("home phone number" → phone number), then the phrase or a modifier
    with "information" or "data" as head ("contact detail" → contact information, "aggregated
    statistic" → aggregate information), else personal information."""
    fields = vocab.load("fields")
    ws = phrase.split()
    candidates = [" ".join(ws[k:]) for k in range(len(ws))]
    stem = ws[:-1] if ws[-1] in GENERIC_HEADS or len(ws) > 1 else ws
    candidates += [" ".join([*stem[k:], g]) for k in range(len(stem)) for g in GENERIC_HEADS]
    candidates += [f"{w} {g}" for w in stem for g in GENERIC_HEADS]
    for text in candidates:
        term = fields.lookup(text)
        if term:
            return term.id
    return ROOT


def data_nouns(anchors: list[Token], item: Token | None = None) -> list[Token]:
    """The nouns in the data role of the practice verbs ``anchors``: the verb's object (or passive
    subject) and everything the parse hangs under it (its list items, "such as" and "including"
    examples, "information about X"), but not what a clause of its own, a subject, or a phrase with
    a preposition of place, party or manner ("of the website", "with partners", "for marketing")
    holds. ``item`` is the root of a list item that continues a practice.

    The walk follows the tree rather than single relations because the packaged parser often hangs
    a list's later items on an earlier one, or on the verb, with a wrong relation."""
    w = words()
    todo: list[Token] = []
    for verb in anchors:
        todo += [c for c in verb.children if c.dep_ not in w["skip_relations"] and not _blocked(c)]
        if verb.dep_ in ("acl", "acl:relcl") and verb.head.pos_ == "NOUN":
            todo.append(verb.head)  # "the details you provide", "data collected by cookies"
    if item is not None:
        todo.append(item)
    out: dict[int, Token] = {}
    while todo:
        tok = todo.pop()
        if tok.i in out:
            continue
        out[tok.i] = tok
        todo += [c for c in tok.children if c.dep_ not in w["skip_relations"] and not _blocked(c)]
    return [t for _, t in sorted(out.items()) if t.pos_ == "NOUN"]


def _blocked(tok: Token) -> bool:
    """True for a phrase whose preposition names a place, party, time or manner ("of the website")."""
    w = words()
    return tok.lemma_.lower() not in w["list_fillers"] and any(
        c.dep_ == "case" and c.lower_ in w["blocked_cases"] for c in tok.children)


@cache
def never_data() -> frozenset[str]:
    """Heads that never name data: ``not_data_heads`` and the classes ``not_data_classes`` lists."""
    w = words()
    return w["not_data_heads"].union(*(w[key] for key in w["not_data_classes"]))


@cache
def bare_not_data() -> frozenset[str]:
    """Heads that name data only with a modifier: ``bare_not_data`` and ``bare_acts``."""
    return words()["bare_not_data"] | words()["bare_acts"]


def _names_data(head: Token, span: Span, sentence_start: int) -> bool:
    lemma = _base(head).strip(".")
    if head.pos_ != "NOUN" or len(lemma) < 3 or lemma in never_data() or _predicate(head):
        return False
    if len(span) == 1 and (lemma in bare_not_data() or _act_in_list(head)):
        return False
    capitalised = span[0].text[:1].isupper() and span[0].i > sentence_start
    return not capitalised  # "the Service", "our Mobile Apps": the organisation's own names


def _predicate(noun: Token) -> bool:
    """True for a word tagged as a noun that the parse makes a clause's predicate ("If the company
    nevertheless discovers that ..."): it has a subordinator and no copula."""
    deps = {c.dep_ for c in noun.children}
    return bool(deps & words()["predicate_dependents"]) and "cop" not in deps


def _act_in_list(noun: Token) -> bool:
    """True for a bare singular word coordinated with a verb ("you can access and edit ...", "we do not
    sell, rent, trade, license ..."): a verb the tagger took for a noun, not data."""
    return (noun.dep_ == "conj" and noun.head.pos_ in ("VERB", "AUX") and "Plur" not in noun.morph.get("Number")
            and not any(c.dep_ in ("det", "nmod:poss", "amod", "compound") for c in noun.children))


def noun_chunks(doc: Doc) -> list[Span]:
    """Every noun chunk of ``doc`` that names data by its head (see :func:`chunk`), left to right."""
    start = next((t.i for t in doc if not t.is_punct), 0)
    out: list[Span] = []
    for tok in doc:
        if tok.pos_ == "NOUN" and (not out or tok.i >= out[-1].end):
            span = chunk(tok)
            if _names_data(span[-1], span, start):
                out.append(span)
    return out


def open_types(doc: Doc, tokens: list[TextToken], mentions: list[Mention], item: bool = False) -> OpenTypes:
    """``mentions`` with a field mention added for each open data type in the data role of a practice
    verb (a verb mention, or a list verb such as "include"); ``item``: the sentence is an item of a
    list a practice opened, so its root noun is data too. Mentions inside an added one (a purpose word
    modifying it: "advertising preferences") are dropped; a field mention anywhere in the noun chunk
    keeps the chunk for the vocabulary."""
    w = words()
    verbs = [(head_of(doc, m.char_start, m.char_end), m.ids("verb")[0]) for m in mentions if m.has("verb")]
    anchors = [t for t, action in verbs if t is not None and not _purpose(t, action)]
    anchors += [t for t in doc if t.pos_ == "VERB" and t.lemma_.lower() in w["list_verbs"] and _lists_data(t, mentions)]
    root = next((t for t in doc if t.head.i == t.i), None)
    item_root = root if item and root is not None and root.pos_ == "NOUN" and not any(
        c.dep_ == "case" for c in root.children) else None
    if not anchors and item_root is None:
        return OpenTypes(mentions)
    out = OpenTypes(list(mentions))
    start = next((t.i for t in doc if not t.is_punct), 0)
    for noun in data_nouns(anchors, item_root):
        span = chunk(noun)
        noun = span[-1]
        # a verb, cue or condition word the tagger took for a modifier ("records information") stays
        # itself; the chunk starts after it
        cut = max((m.char_end for m in out.mentions if m.char_start < noun.idx and m.char_end > span.start_char
                   and not {c for c, _ in m.senses} <= MODIFIER_SENSES), default=span.start_char)
        span = doc[next(t.i for t in span if t.idx >= cut or t.i == noun.i) : span.end]
        if not _names_data(noun, span, start):
            continue
        lo, hi = span.start_char, span.end_char
        over = [m for m in out.mentions if m.char_start < hi and m.char_end > lo]
        if any(m.has("field") or m.char_end > noun.idx for m in over):
            continue  # the vocabulary names it, or the head is a party, purpose, tracker or verb
        inner = [i for i, t in enumerate(tokens) if t.start >= lo and t.end <= hi]
        phrase = normalise(span)
        if not inner or not phrase or phrase in bare_not_data() | never_data():
            continue  # "other information" is no data type of its own
        fid = slug(phrase)
        if fid not in vocab.load("fields"):
            out.fields.setdefault(fid, OpenField(fid, phrase, ancestor(phrase)))
        m = Mention(inner[0], inner[-1] + 1, tokens[inner[0]].start, tokens[inner[-1]].end,
                    doc.text[tokens[inner[0]].start : tokens[inner[-1]].end], (("field", fid),))
        out.mentions = sorted([x for x in out.mentions if x not in over] + [m], key=lambda x: (x.start, x.end))
    return out


def _purpose(verb: Token, action: str) -> bool:
    """True for a verb of a purpose ("to send you updates", "To maintain the security of the Site"); one
    that completes "use" ("we use cookies to collect ...") still collects."""
    if not any(c.dep_ == "mark" and c.lower_ == "to" for c in verb.children):
        return False
    completes_use = verb.head.i != verb.i and verb.head.lemma_.lower() in words()["use_verbs"]
    return not (completes_use and action in ("collect", "track", "store"))


def _lists_data(verb: Token, mentions: list[Mention]) -> bool:
    """True for "include" whose subject is data ("This information may include ..."), not "This
    includes court orders"."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubj:pass")]
    return any(m.char_start <= s.idx < m.char_end and (m.has("field") or m.has("backref"))
               for s in subjects for m in mentions)


def field_node(records: Records, open_field: OpenField) -> Node:
    """The node of an open field, added to ``records`` under its vocabulary ancestor (with theirs)."""
    parent = vocab_field_node(records, open_field.parent)
    props: dict[str, Any] = {"vocabulary": "open", "category": parent.properties.get("category", ROOT),
                             "personal": parent.properties.get("personal", True)}
    node = records.add_node(Node(node_id("field", open_field.id), "field", open_field.label, [], props))
    records.add_link(Link(parent.id, node.id, "SUBSUMES"))
    return node
