"""The policy loader: a grammar over a lexicon and the parse that turns policy sentences into nodes and flows.

Each sentence is split into clauses; each clause into *frames*, one per action verb (collect,
share, transfer, sell, track, store, use). A frame gathers the fields, parties, data subjects,
collection points, trackers, purposes and conditions in its scope and emits flows that point the
way the data moves; where the verb's parsed frame (``frames.py``, table ``lexicon/frames.yaml``)
places a role, that decides it: a passive's agent, the actor of a controlled verb, the source, the
recipients, data withheld, and data that belongs to another verb of the sentence. Everything the
grammar knows of words lives in data: the vocabularies in ``inventory/vocab``, the verb and cue table
in ``lexicon/patterns.yaml`` and the frame table. Every node and flow records the rules that read it.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from flowaudit.inventory import organizations
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Evidence, Flow, Link, Node, Records, node_id, slug
from flowaudit.inventory.text import Token, tokenize
from flowaudit.inventory.vocab_nodes import field_node, party_kind_node, term_node
from flowaudit.inventory.vocabulary import Mention, PhraseMatcher, phrase_key
from spacy.tokens import Token as ParsedToken

from . import data_types, polarity, practice
from . import frames as parse_frames
from .parse import head_of, parse
from .policy_text import PolicyDocument, Sentence, read_policy

PATTERNS = Path(__file__).with_name("lexicon") / "patterns.yaml"
FIRST_PARTY = "first_party"
SHARE_ACTIONS = ("share", "share_weak", "see", "publish", "transfer", "sell")
# The verb position of a list item's restated frame: the whole item follows it.
_ITEM_START = Mention(0, 0, 0, 0, "", ())


def W(role: str) -> frozenset[str]:
    """The closed-class words of ``role`` in the lexicon's ``words`` table ("copula", "conjunctions"...)."""
    return lexicon().words[role]


@dataclass(frozen=True)
class Lexicon:
    """The vocabularies and the pattern table, compiled into one phrase matcher."""

    patterns: dict[str, Any]
    matcher: PhraseMatcher
    fields: vocab.Vocabulary
    parties: vocab.Vocabulary
    subjects: vocab.Vocabulary
    points: vocab.Vocabulary
    purposes: vocab.Vocabulary
    trackers: vocab.Vocabulary
    topics: PhraseMatcher
    cues: PhraseMatcher
    words: dict[str, frozenset[str]]


@cache
def lexicon() -> Lexicon:
    """The packaged lexicon, compiled once."""
    patterns = yaml.safe_load(PATTERNS.read_text(encoding="utf-8"))
    m = PhraseMatcher()
    vocabs = {
        "field": vocab.load("fields"),
        "party": vocab.load("parties"),
        "subject": vocab.load("subjects"),
        "point": vocab.load("collection_points"),
        "purpose": vocab.load("purposes"),
        "tracker": vocab.load("trackers"),
    }
    for category, v in vocabs.items():
        m.add_vocabulary(v, category)
    for action, spec in patterns["actions"].items():
        for phrase in spec["phrases"]:
            m.add(phrase, "verb", action)
    for word in patterns["negation"]:
        m.add(word, "neg", "neg")
    for phrase in patterns["not_data"]:
        m.add(phrase, "plain", "plain")
    simple = {"backrefs": "backref", "party_backrefs": "party_backref",
              "tracker_backrefs": "tracker_backref", "list_cues": "list", "exceptions": "except",
              "via": "via", "to": "to", "first_party_pronouns": "party"}
    for key, category in simple.items():
        for phrase in patterns[key]:
            m.add(phrase, category, FIRST_PARTY if category == "party" else category)
    for i, cond in enumerate(patterns["conditions"]):
        for phrase in cond["cues"]:
            m.add(phrase, "condition", str(i))
    for value, phrases in patterns["notice"].items():
        for phrase in phrases:
            m.add(phrase, "notice", value)
    for org in organizations.load():
        for name in (org.name, *org.aliases):
            m.add(name, "org", org.id)
    for i, prop in enumerate(patterns["tracker_properties"]):
        for phrase in prop["cues"]:
            m.add(phrase, "tprop", str(i))
    topics = PhraseMatcher()
    for topic, phrases in patterns["statement_topics"].items():
        for phrase in phrases:
            topics.add(phrase, "topic", topic)
    cues = PhraseMatcher()  # opt-out and seal-coverage cues, kept apart from the flow grammar
    for phrase in patterns["opt_out"]:
        cues.add(phrase, "opt_out", "opt_out")
    for phrase in patterns["coverage"]["exclusions"]:
        cues.add(phrase, "exclusion", "exclusion")
    return Lexicon(patterns, m, vocabs["field"], vocabs["party"], vocabs["subject"], vocabs["point"],
                   vocabs["purpose"], vocabs["tracker"], topics, cues,
                   {role: frozenset(words) for role, words in patterns["words"].items()})


def first_party_names(doc: PolicyDocument, lex: Lexicon) -> list[str]:
    """Names the policy uses for its own organisation, most frequent first.

    Candidates come from the first-party patterns (a company "owned and operated by", a defined
    alias, the site's own domain); a candidate counts only if the text uses it more than once.
    """
    head = " ".join(s.text for s in doc.sentences[:40])
    candidates: list[str] = []
    for pattern in lex.patterns["first_party_patterns"]:
        for m in re.finditer(pattern, head):
            for group in ("name", "alias", "domain"):
                value = m.groupdict().get(group)
                if value and len(value) > 2 and value.lower() not in W("not_first_party_names"):
                    candidates.append(value.strip(" .,"))
    text = doc.text
    counts: Counter[str] = Counter()
    for cand in dict.fromkeys(candidates):
        n = len(re.findall(rf"(?<![\w@.]){re.escape(cand)}(?![\w])", text, re.I))
        if n >= 2:
            counts[cand] = n
    return [name for name, _ in counts.most_common()]


@dataclass
class Frame:
    """One action verb of a clause and the token range it governs."""

    action: str
    verb: Mention
    scope: tuple[int, int]
    negated: bool = False
    actors: list[str] = field(default_factory=list)
    rule: str = ""  # the ids of the patterns that read this frame, recorded in its flows' evidence
    denied: list[tuple[int, int]] = field(default_factory=list)  # character spans denied on their own
    restricted: bool = False  # "only" restricts the frame to its data
    user_at: int | None = None  # the token "you" when the user is the verb's subject
    content: bool = False  # the verb is part of what the verb before it is about ("monitor how ...")
    parsed: parse_frames.Frame | None = None  # the verb's frame in the parse (lexicon/frames.yaml)
    found: dict[str, str] = field(default_factory=dict)  # party id → the table position that placed it
    coordinated: int | None = None  # the first verb of the words' coordination this verb is in ("post, … or submit")

    @property
    def by_user(self) -> bool:
        """True if the user, not an organisation, acts."""
        return self.user_at is not None


@dataclass
class Clause:
    """What one clause says besides its verbs, and the sentence it cites."""

    tokens: list[Token]
    mentions: list[Mention]
    ev: Evidence
    purposes: list[str]
    conditions: list[str]
    implied: list[str]
    points: list[Mention]
    trackers: list[Mention]
    subjects: list[Mention]


@dataclass
class Memory:
    """What earlier sentences of the section said, for back-references."""

    fields: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    frames: list[tuple[Frame, Clause, list[str]]] = field(default_factory=list)
    opens_list: bool = False
    excepted: bool = False  # the list being read holds the exceptions to a denial ("will not sell ... except that:")
    opener: list[str] = field(default_factory=list)  # fields of the statement that opened the current list
    item: bool = False  # the sentence being read is an item of a list
    trackers: list[str] = field(default_factory=list)  # tracker kinds a list's lead-in names, set by its items' parties
    named_trackers: list[str] = field(default_factory=list)  # the tracker kinds the section named last
    engaged: list[str] = field(default_factory=list)  # the fields of a lead-in engaging the parties its list names
    section: str = ""
    lead: str = ""


class PolicyReader:
    """Reads one policy document into :class:`Records`."""

    def __init__(self, doc: PolicyDocument, lex: Lexicon | None = None):
        self.doc = doc
        self.lex = lex or lexicon()
        self.records = Records()
        self.doc_key = slug(Path(doc.source).stem)
        names = first_party_names(doc, self.lex)
        self.first_party_label = names[0] if names else "first party"
        self.first_party = node_id("first_party", names[0] if names else FIRST_PARTY)
        self.matcher = self.lex.matcher.extended((name, "party", FIRST_PARTY) for name in names)
        self.memory = Memory()
        self.parsed: dict[int, Any] = {}  # sentence number → its dependency parse
        self.sentence_parse: Any = None  # the parse of the sentence being read
        self.flows_stated = 0  # flows stated so far, counting restatements of a known flow
        self.reading = "mention"  # the rule or pass being read, recorded on the nodes it cites
        self._heads_seen: dict[tuple[int, int], ParsedToken | None] = {}  # the sentence's mention heads
        self._words: tuple[list[Token], list[Mention]] = ([], [])  # the sentence's tokens and phrase matches
        self.open_fields: dict[str, data_types.OpenField] = {}  # data types in the policy's own words
        self._fp_node = Node(self.first_party, "first_party", self.first_party_label, aliases=names[1:],
                             properties={"party_kind": FIRST_PARTY})
        self._gives = {phrase_key(v) for v in self.lex.patterns["user_gives"]}
        self._glue = set(self.lex.patterns["list_glue"])

    # ----------------------------------------------------------------- records helpers

    def evidence(self, sent: Sentence) -> Evidence:
        """Evidence citing ``sent``."""
        where = f"{sent.section} / sentence {sent.number}" if sent.section else f"sentence {sent.number}"
        return Evidence(source=self.doc.source, locator=where, text=sent.text, section=sent.section or None,
                        sentence=sent.number, line=sent.line, statement=self.statement_id(sent))

    def statement_id(self, sent: Sentence) -> str:
        """Stable id of the statement node for ``sent``."""
        return f"statement:{self.doc_key}:{sent.number}"

    def field_node(self, term_id: str, ev: Evidence, surface: str | None = None) -> Node:
        """The node of field ``term_id`` (with its ancestors), citing ``ev``; an open field's under
        its closest vocabulary field."""
        if term_id in self.open_fields:
            return self._cite(data_types.field_node(self.records, self.open_fields[term_id]), ev, surface)
        return self._cite(field_node(self.records, term_id), ev, surface)

    def field_root(self, term_id: str) -> str:
        """The vocabulary root of field ``term_id`` (for an open field, its ancestor's)."""
        opened = self.open_fields.get(term_id)
        return self.lex.fields.root(opened.parent if opened else term_id)

    def party_node(self, term_id: str, ev: Evidence, surface: str | None = None) -> Node:
        """The node of party kind ``term_id`` (with its ancestors), or the first party, citing ``ev``."""
        if term_id == FIRST_PARTY:
            return self._cite(self.records.add_node(copy.deepcopy(self._fp_node)), ev, None)
        return self._cite(party_kind_node(self.records, term_id), ev, surface)

    def simple_node(self, kind: str, term_id: str, ev: Evidence, surface: str | None) -> Node:
        """A data-subject, collection-point or purpose node citing ``ev``."""
        return self._cite(term_node(self.records, kind, term_id), ev, surface)

    def tracker_node(self, term_id: str, third_party: bool, ev: Evidence, surface: str | None) -> Node:
        """The node of tracker ``term_id``, one for first-party and one for third-party use."""
        t = self.lex.trackers[term_id]
        kind = t.get("kind", "tracker")
        key = f"{term_id}_third_party" if third_party else term_id
        label = f"{t.label} (third party)" if third_party else t.label
        props: dict[str, Any] = {"tracker_kind": term_id, "set_by": [], "purposes": []}
        if t.get("expiry"):
            props["expiry"] = t.get("expiry")
        return self._cite(self.records.add_node(Node(node_id(kind, key), kind, label, _aliases(surface, t), props)),
                          ev, None)

    def _cite(self, node: Node, ev: Evidence, surface: str | None, rule: str | None = None) -> Node:
        """``node`` citing ``ev`` with the ``rule`` that read it (the pass being read if None), and with
        the words the text used for it as an alias. One citation per sentence; its rules accumulate."""
        rule = rule or self.reading
        for i, e in enumerate(node.evidence):
            if (e.source, e.locator, e.text) == (ev.source, ev.locator, ev.text):
                rules = (e.rule or "").split(", ") if e.rule else []
                if rule not in rules:
                    node.recite(i, replace(e, rule=", ".join([*rules, rule])))
                break
        else:
            node.cite(replace(ev, rule=rule))
        if surface and surface.lower() != node.label.lower() and surface not in node.aliases:
            node.aliases.append(surface)
        return node

    def flow(self, field_id: str, src: str, dst: str, action: str, relation: str, evs: list[Evidence],
             purposes: list[str], conditions: list[str], polarity: str = "+", rule: str = "",
             frame: Frame | None = None, **props: Any) -> None:
        """Add one stated flow citing ``evs``, each naming the ``rule`` that read it (with the table
        positions of ``frame`` that placed its field and parties); its field, source and target nodes
        cite the same rule."""
        self.flows_stated += 1
        if self.memory.item and self.memory.excepted:
            conditions = [*conditions, "as excepted from a stated denial"]
        if frame is not None:
            found = [frame.found.get(f"field:{field_id}")] + [frame.found.get(n.split(":", 1)[1]) for n in (src, dst)]
            head, _, rest = rule.partition("/")
            rule = "/".join(p for p in (head, *dict.fromkeys(x for x in found if x), rest) if p)
        if rule:
            evs = [replace(e, rule=rule) for e in evs]
            for nid in (node_id("field", field_id), src, dst):
                if nid in self.records.nodes:
                    self._cite(self.records.nodes[nid], evs[0], None, rule)
        self.records.add_flow(Flow(field=node_id("field", field_id), source=src, target=dst, action=action,
                                   relation=relation, polarity=polarity,
                                   purposes=[node_id("purpose", p) for p in purposes],
                                   conditions=conditions, basis="stated", evidence=list(dict.fromkeys(evs)),
                                   properties={k: v for k, v in props.items() if v is not None}))

    # ----------------------------------------------------------------- reading

    def read(self) -> Records:
        """Read every sentence; return the records."""
        self.parsed = dict(zip((s.number for s in self.doc.sentences),
                               parse(s.text for s in self.doc.sentences), strict=True))
        for sent in self.doc.sentences:
            self.sentence_parse = self.parsed[sent.number]
            self._heads_seen = {}
            tokens = tokenize(sent.text)
            self._words = (tokens, self.matcher.find(sent.text, tokens))
            if sent.section != self.memory.section:
                self.memory = Memory(section=sent.section)
            before = (len(self.records.nodes), len(self.records.flows))
            self.read_sentence(sent)
            topics = self._topics(sent)
            facts = self._statement_facts(sent)
            if topics or facts or (len(self.records.nodes), len(self.records.flows)) != before:
                self.records.add_node(Node(self.statement_id(sent), "statement", _short(sent.text), [], {
                    "text": sent.text, "section": sent.section, "sentence": sent.number, "line": sent.line,
                    "source": self.doc.source, **facts, **topics}, [replace(self.evidence(sent), rule="statement")]))
        return self.records

    def _statement_facts(self, sent: Sentence) -> dict[str, Any]:
        """What ``sent`` says as a whole: notice (with the conditions it speaks of), whether it offers
        an opt-out, and the collection points a named seal or framework does not cover."""
        p = self.lex.patterns
        tokens, mentions = self._words
        facts: dict[str, Any] = {}
        notice = [m.ids("notice")[0] for m in mentions if m.has("notice")]
        if notice:
            facts["notice"] = notice[0]
            conds = sorted({int(i) for m in mentions if m.has("condition") for i in m.ids("condition")})
            if conds:
                facts["conditions"] = [p["conditions"][i]["label"] for i in conds]
        cues = self.lex.cues.find(sent.text, tokens)
        for m in (c for c in cues if c.has("opt_out")):
            head = head_of(self.sentence_parse, m.char_start, m.char_end)
            negated = head is not None and any(polarity.denial(t) for t in polarity.governing(head))
            facts["opt_out"] = "not offered" if negated else facts.get("opt_out", "offered")
        exclusion = next((c for c in cues if c.has("exclusion")), None)
        program = re.search(p["coverage"]["program"], sent.text)
        if exclusion is not None and program is not None:
            points = [m.ids("point")[0] for m in mentions if m.has("point") and m.char_start >= exclusion.char_end]
            if points:
                facts["program"] = program.group("program")
                facts["excludes"] = [node_id("collection_point", pid) for pid in dict.fromkeys(points)]
        return facts

    def _topics(self, sent: Sentence) -> dict[str, list[str]]:
        """The record-of-processing topics (retention, security, transfer) ``sent`` speaks of."""
        found = sorted({m.ids("topic")[0] for m in self.lex.topics.find(sent.text, self._words[0])})
        return {"topics": found} if found else {}

    def read_sentence(self, sent: Sentence) -> None:
        """Read one sentence, clause by clause; a sentence that only lists what "this information"
        includes extends the statements of the sentence before it."""
        tokens, matched = self._words
        mentions = _drop_modifiers(_named_organisations(matched, sent.item))
        # data types in the policy's own words, in the data role of its practices
        found = data_types.open_types(self.sentence_parse, tokens, mentions, sent.item and self.memory.opens_list)
        mentions = self._tracker_backrefs(found.mentions)
        self.open_fields.update(found.fields)
        ev = self.evidence(sent)
        if practice.is_question(self.sentence_parse):
            return  # "Do We Share Personal Data?" asks; it states no practice
        self.memory.lead = sent.lead
        self.memory.item = sent.item
        if not sent.item:
            self.memory.excepted = False
        self.reading = "definition.list"
        if sent.definition and not any(FIRST_PARTY in m.ids("party") for m in mentions):
            # a glossary entry defines a term; unless it names the organisation, it states no practice
            if self._defines(mentions):
                self._fields(tokens, mentions, ev)
            return
        self.reading = "tracker.mention"
        trackers = self._tracker_facts(sent, tokens, mentions, ev)
        if _defines_tracker(tokens, mentions):
            return
        sentence_fields: list[str] = []
        sentence_recipients: list[str] = []
        emitted: list[tuple[Frame, Clause, list[str]]] = []
        for lo, hi in _clauses(tokens):
            inner = [m for m in mentions if lo <= m.start < hi]
            f, r, e = self.read_clause(tokens, inner, (lo, hi), ev)
            sentence_fields += f
            sentence_recipients += r
            emitted += e
        engaged = self._engaged(tokens, mentions, sentence_fields, sentence_recipients, ev)
        sentence_recipients += engaged
        if not emitted and self._defines(mentions):
            self.reading = "definition.list"
            self._fields(tokens, mentions, ev)
        others = [m for m in mentions if m.has("party") and FIRST_PARTY not in m.ids("party")]
        # an item that is a noun phrase ("information about your visit, including … methods used to
        # browse away") is what the lead-in is about, whatever verbs modify its nouns
        affirmed = not any(fr.negated for fr, _, _ in self.memory.frames)
        nominal = affirmed and any(t.dep_ == "ROOT" and t.pos_ in ("NOUN", "PROPN") for t in self.sentence_parse)
        if not emitted and sent.item and self.memory.trackers:
            self.reading = "list.item.setter"
            self._item_setters(mentions, ev)
        elif sent.item and self.memory.engaged and others and not engaged:
            # "We use the following service providers to process your personal information: - Amazon
            # Web Services for content storage;": each party an item names is engaged as its lead-in says
            for m in others:
                if m.ids("party")[0] not in sentence_recipients:
                    self._engage(m, self.memory.engaged, [], ev, "list.item.engaged")
        elif (not emitted or nominal) and sent.item and self.memory.opens_list and self.memory.frames:
            self.reading = "list.item"
            item_fields, item_recipients = self._list_item(tokens, mentions, ev)
            sentence_fields += item_fields
            sentence_recipients += item_recipients
        elif not emitted and sent.item and not self.memory.opens_list and (shared := self._heading_shares()):
            # "## Who we share your personal information with" + "- Service providers who host our site.":
            # the heading states the sharing, each item names who receives it
            action, fields = shared
            self.reading = "heading.item"
            frame = Frame(action, _ITEM_START, (0, len(tokens)), rule=f"frame.{action}/heading.item")
            for fid in fields:
                self.field_node(fid, ev)
            sentence_recipients += self._share(frame, self._clause(tokens, mentions, ev), fields, [ev])
        elif not emitted and self._continues(tokens, mentions):
            self.reading = "list.continued"
            fields = self._fields(tokens, mentions, ev)
            for fr, clause, _ in self.memory.frames:
                sentence_recipients += self._emit(fr, clause, fields, [ev, clause.ev])
            sentence_fields += fields
        # an item with statements of its own ("1.1 information you give us (and we record calls)") leaves
        # the list's lead-in to open the items after it (a denial's items end at the first that states its own)
        in_list = affirmed and sent.item and self.memory.opens_list and not sent.text.rstrip().endswith(":")
        if emitted and not in_list:
            self.memory.frames = emitted
            self.memory.opens_list = sent.text.rstrip().endswith(":")
        elif sent.text.rstrip().endswith(":") and (any(m.has("backref") for m in mentions[:3]) or (
                len(tokens) > 2 and tokens[0].norm in W("continuing_pronouns")
                and tokens[1].norm in W("continuing_verbs"))):
            # "This information can include:", "This includes:" open a list for the statement before
            self.memory.opens_list = True
        if not sent.item:
            self.memory.engaged = (sentence_fields or ["personal_information"]) if engaged and sent.text.rstrip(
                ).endswith(":") else []
            # "... please visit the website of each of the third parties below:": a lead-in naming
            # trackers and the parties that set them opens a list of those parties
            named = any(m.has("party") and FIRST_PARTY not in m.ids("party") for m in mentions)
            self.memory.trackers = trackers if named and sent.text.rstrip().endswith(":") else []
        if emitted and self.memory.opens_list and not in_list:
            self.memory.opener = list(dict.fromkeys(sentence_fields))
        elif not sent.item:
            self.memory.opener = []
        if sentence_fields:
            self.memory.fields = list(dict.fromkeys(sentence_fields))
        if sentence_recipients:
            self.memory.recipients = list(dict.fromkeys(sentence_recipients))
        specific = [m.ids("party")[0] for m in mentions if m.has("party")
                    and m.ids("party")[0] not in (FIRST_PARTY, "third_party")]
        if specific:
            self.memory.parties = list(dict.fromkeys(specific))

    def _engaged(self, tokens: list[Token], mentions: list[Mention], fields: list[str], known: list[str],
                 ev: Evidence) -> list[str]:
        """Parties the parse says the organisation engages ("we use Google Analytics", "we work with
        third party vendors", "these companies may have access to your personal information"), each
        receiving the data it works on: the fields under "access to", else the fields the sentence
        states, else personal information. A denied verb and a party already a recipient of the sentence
        add nothing. Returns the parties."""
        out: list[str] = []
        purposes = [m.ids("purpose")[0] for m in mentions if m.has("purpose")]
        for m in mentions:
            if not m.has("party") or m.has("tracker") or m.ids("party")[0] in (FIRST_PARTY, "third_party"):
                continue  # "we work with third parties" names no kind: it would cover every recipient
            pid, tok = m.ids("party")[0], self._head(m)
            hit = parse_frames.engaged_as(tok) if tok is not None else None
            if hit is None or pid in known or pid in out or polarity.denial(hit.verb) or practice.disclaimed(hit.verb):
                continue
            if hit.rule == "engage.agent" and self._reads(pid, ev):
                continue  # "collected by Bizrate.com", "cookies set by our partners": read already
            under = {t.i for t in hit.data.subtree} if hit.data is not None else set()
            own = [x for x in mentions if x.has("field") and (h := self._head(x)) is not None and h.i in under]
            self.reading = hit.rule
            use = (self._fields(tokens, own, ev) if own else []) or fields or ["personal_information"]
            self._engage(m, use, purposes, ev, hit.rule)
            out.append(pid)
        return out

    def _engage(self, m: Mention, fields: list[str], purposes: list[str], ev: Evidence, rule: str) -> None:
        """Flows of ``fields`` from the first party to the party of mention ``m``, which it engages."""
        rnode = self.party_node(m.ids("party")[0], ev, m.text)
        relation = "DISCLOSES_TO" if rnode.kind in self.lex.patterns["disclosure_kinds"] else "SHARES_WITH"
        fp = self.party_node(FIRST_PARTY, ev).id
        for fid in fields:
            self.field_node(fid, ev)
            self.flow(fid, fp, rnode.id, "share", relation, [ev], purposes, [], "+", f"{rule}/recipient.engaged")

    def _reads(self, pid: str, ev: Evidence) -> bool:
        """True if a flow citing ``ev`` reaches party ``pid``, or ``pid`` sets a tracker ``ev`` names."""
        nid = self.party_node(pid, ev).id
        return any(f.target == nid and any(e.text == ev.text for e in f.evidence) for f in self.records.flows.values()
                   ) or any(nid in n.properties.get("set_by", ()) and any(e.text == ev.text for e in n.evidence)
                            for n in self.records.nodes.values() if "tracker_kind" in n.properties)

    def _tracker_backrefs(self, mentions: list[Mention]) -> list[Mention]:
        """"Third parties may also use this technology": a tracker back-reference stands for each tracker
        the section named last (and is dropped if it named none); the kinds named are remembered."""
        out: list[Mention] = []
        for m in mentions:
            if m.has("tracker_backref") and not m.has("tracker"):
                out += [replace(m, senses=(("tracker", kind),)) for kind in self.memory.named_trackers]
            else:
                out.append(m)
        named = [m.ids("tracker")[0] for m in mentions if m.has("tracker")]
        if named:
            self.memory.named_trackers = [k for k in dict.fromkeys(named) if k != "tracking_technology"]
        return out

    def _item_setters(self, mentions: list[Mention], ev: Evidence) -> None:
        """An item of a list whose lead-in names trackers and the parties that set them ("Google",
        "Mixpanel"): each party it names sets each of those trackers."""
        parties = [m for m in mentions if m.has("party") and FIRST_PARTY not in m.ids("party")]
        for kind in self.memory.trackers if parties else []:
            node = self.tracker_node(kind, True, ev, None)
            for m in parties:
                pid = self.party_node(m.ids("party")[0], ev, m.text).id
                if pid not in node.properties["set_by"]:
                    node.properties["set_by"].append(pid)

    def _heading_shares(self) -> tuple[str, list[str]] | None:
        """The sharing action and the data a section heading states ("Who we share your personal
        information with", "Disclosure of personal data"), or None; a heading with a negation states none."""
        heading = self.memory.section
        if not heading:
            return None
        found = self.matcher.find(heading)
        words = {t.norm for t in tokenize(heading)}
        verbs = [m.ids("verb")[0] for m in found if m.has("verb") and m.ids("verb")[0] in ("share", "transfer", "sell")]
        if not verbs or words & set(self.lex.patterns["negation"]):
            return None
        fields = [m.ids("field")[0] for m in found if m.has("field") and not m.has("tracker")]
        if not fields and words & W("bare_data_nouns"):
            fields = ["personal_information"]
        return (verbs[0], list(dict.fromkeys(fields))) if fields else None

    def _defines(self, mentions: list[Mention]) -> bool:
        """'"Personal Data" can include A, B and C': a field, then a list cue, then fields, no verb.
        Reading the fields adds the stated SUBSUMES links from the defined field to each listed one."""
        heads = [i for i, m in enumerate(mentions) if m.has("field")]
        return bool(heads) and heads[0] + 1 < len(mentions) and mentions[heads[0] + 1].has("list") and any(
            m.has("field") for m in mentions[heads[0] + 2 :])

    def _continues(self, tokens: list[Token], mentions: list[Mention]) -> bool:
        """"This information can include A, B and C", "This may include data such as A and B",
        "Examples of this information are A and B", "Examples include A": a sentence without a verb
        whose back-reference and list cue (or examples) extend the statements of the sentence before it."""
        pronoun = (len(tokens) > 1 and tokens[0].norm in W("continuing_pronouns")
                   and tokens[1].norm in W("continuing_verbs") and any(m.has("list") and m.start <= 4
                                                                        for m in mentions))
        examples = bool(tokens) and tokens[0].norm in W("example_nouns") and any(
            t.norm in W("copula") or t.norm in W("continuing_verbs") for t in tokens[1:6])
        return (bool(self.memory.frames) and any(m.has("field") for m in mentions) and (examples or (
            (pronoun or any(m.has("backref") for m in mentions[:3])) and any(m.has("list") for m in mentions))))

    def _list_item(self, tokens: list[Token], mentions: list[Mention], ev: Evidence) -> tuple[list[str], list[str]]:
        """An item of a list that a sentence ending in a colon opened restates that sentence's
        statements with what the item adds: its fields ("the access logs record: - The browser being
        used."), its recipients and its conditions ("We may share information ... including: - to law
        enforcement authorities ... pursuant to a subpoena;"). Returns the fields and recipients."""
        own = self._fields(tokens, mentions, ev)
        named = any(m.has("party") and FIRST_PARTY not in m.ids("party") for m in mentions)
        item = self._clause(tokens, mentions, ev)
        fields_out: list[str] = []
        recipients: list[str] = []
        for fr, clause, fields in self.memory.frames:
            use = own or fields
            evs = [ev, clause.ev]
            if named:
                frame = Frame(fr.action, _ITEM_START, (0, len(tokens)), fr.negated, fr.actors,
                              rule=f"{fr.rule}/list.item")
                merged = replace(item, conditions=sorted(set(item.conditions) | set(clause.conditions)),
                                 implied=item.implied or clause.implied, subjects=item.subjects or clause.subjects)
                recipients += self._emit(frame, merged, use, evs)
            elif own or item.conditions:
                merged = replace(clause, conditions=sorted(set(item.conditions) | set(clause.conditions)),
                                 implied=item.implied or clause.implied)
                recipients += self._emit(fr, merged, use, evs)
            else:
                continue
            fields_out += use
        return fields_out, recipients

    def _frames(self, tokens: list[Token], mentions: list[Mention], span: tuple[int, int]) -> list[Frame]:
        verbs = [m for m in mentions if m.has("verb")]
        frames: list[Frame] = []
        for m in verbs:
            action = m.ids("verb")[0]
            before = tokens[m.start - 1].norm if m.start > 0 else ""
            us_to = m.start > 1 and any(x.end == m.start - 1 and FIRST_PARTY in x.ids("party") for x in mentions)
            if before == "to" and frames and frames[-1].action != "use" and not us_to:
                continue  # "we collect your e-mail address to send you news": a purpose ("allow us to publish" is not)
            if before in self.lex.patterns["nominal_markers"] or self._controls(tokens, m, verbs):
                continue
            following = tokens[m.end].norm if m.end < len(tokens) else ""
            if before in W("quote_marks") and following in W("quote_marks"):
                continue  # "otherwise submit ("Submit") a comment": a verb in quotation marks names a term
            if before == "," and following == "," and m.end - m.start == 1:
                continue  # "items for sale, store, feedback": an item of a list, not a verb
            if following in W("copula") and any(x.end == m.start and x.has("field") for x in mentions):
                continue  # "your education records are protected": a noun, not a verb
            if frames and m.text.lower() == "using" and before not in W("relative_gap"):
                continue  # "send your friend an e-mail using your name": how, not a new statement
            if m.text.lower().endswith("ed") and following == "by" and before not in W("relative_gap"):
                continue  # "the model clauses published by the EU": a reduced relative with its agent
            parsed = parse_frames.frame_of(self.sentence_parse, self._head(m))
            after_data = before in W("bare_data_nouns") or any(x.end == m.start and x.has("field") for x in mentions)
            if tokens[m.start].norm.endswith("ed") and after_data and (
                    frames or _predicate_follows(tokens, mentions, m) or m.text.lower().endswith(" to us")):
                continue  # "does not combine information collected through cookies": a reduced relative
            frames.append(Frame(action, m, (m.start, span[1]), user_at=self._user_subject(tokens, mentions, m, action),
                                parsed=parsed))
        for i, fr in enumerate(frames):
            lo = span[0] if i == 0 else frames[i - 1].verb.end
            if i and frames[i - 1].by_user:
                # "you are responsible for maintaining your password and verifying that the data we
                # maintain ...": the user's object stays with the user's verb
                bounds = [j for j in range(lo, fr.verb.start) if tokens[j].norm in W("clause_boundaries")]
                lo = bounds[-1] + 1 if bounds else lo
            hi = frames[i + 1].verb.start if i + 1 < len(frames) else span[1]
            rel = fr.verb.start - 1
            while rel > lo and tokens[rel].norm in W("relative_gap"):
                rel -= 1
            if rel > lo and tokens[rel].norm in W("relative_pronouns"):
                # "every piece of information that you provide us": a relative clause's object is the
                # noun it follows; in a passive one ("a transaction that may be requested") that noun
                # is all it is about
                head = [m for m in mentions if m.end == rel and m.has("field")]
                lo = head[0].start if head else rel + 1
                # "(2) update the information that you have provided to us, or (3) change your
                # preferences": the relative clause ends where the next numbered part starts
                hi = next((j for j in range(fr.verb.end, hi - 2) if tokens[j].norm == ","
                           and tokens[j + 1].norm in W("conjunctions") and tokens[j + 2].norm == "("), hi)
                if fr.verb.text.lower().endswith("ed") and any(
                        t.norm in W("copula") for t in tokens[rel : fr.verb.start]):
                    lo, hi = (head[0].start, head[0].end) if head else (fr.verb.end, fr.verb.end)
            fr.scope = (lo, hi)
            self._read_polarity(fr)
            fr.actors = self._actors(fr, mentions) or [
                p for m in mentions if lo <= m.start < fr.verb.start and m.has("party")
                and not _after(tokens, m, self._preps("to") | {"from"}) for p in m.ids("party")[:1]]
        coordination = W("verb_coordination")
        # "will not sell or disclose X to Y", "by storing, tracking, and analyzing user preferences":
        # coordinated verbs share their object and recipient (and, through the parse, their negation)
        verb_at = {i for m in mentions if m.has("verb") for i in range(m.start, m.end)}
        pairs = [(a, b) for a, b in pairwise(frames) if all(
            t.norm in coordination or i in verb_at
            for i, t in enumerate(tokens[a.verb.end : b.verb.start], start=a.verb.end))]
        for first, second in pairs:
            second.actors = second.actors or first.actors
            second.coordinated = first.verb.start if first.coordinated is None else first.coordinated
        for first, second in reversed(pairs):  # from the last verb back, so the object reaches the first
            first.scope = (first.scope[0], second.scope[1])
        owner = None
        for fr in frames:
            # "tells us how you use the Sites, such as ...", "monitor how many people are using our
            # website": a clause after "how" or "what" is what the verb before it is about
            wh = fr.user_at - 1 if fr.by_user else next(
                (j for j in range(fr.verb.start - 1, max(-1, fr.verb.start - 6), -1)
                 if tokens[j].norm in W("content_words") or tokens[j].norm in W("clause_boundaries")), None)
            fr.content = (owner is not None and wh is not None and wh >= 0
                          and tokens[wh].norm in W("content_words") | {"way"})
            if fr.content:
                owner.scope = (owner.scope[0], fr.scope[1])
            elif not fr.by_user:
                owner = fr
        return [fr for fr in frames if "practice." not in fr.rule]

    def _read_polarity(self, fr: Frame) -> None:
        """Polarity and scope of ``fr`` from the parse of its verb: denied, denied objects ("but not
        your e-mail address"), "only", and whether it is a practice at all (disclaimer, law)."""
        doc = self.sentence_parse
        verb = head_of(doc, fr.verb.char_start, fr.verb.char_end) if fr.verb.char_end else None
        if verb is None:
            return
        denial = polarity.denial(verb)
        fr.negated = denial is not None
        fr.denied = [(s.start_char, s.end_char) for s in polarity.denied_objects(verb)] if not denial else []
        fr.restricted = polarity.restricted(verb)
        if not denial and polarity.restricted_by_main_clause(verb):
            # "when we share demographic information with third parties, we will give them aggregate
            # information only": the clause's data reaches them only in the form the main clause allows
            denial, fr.negated = "restriction.main_clause", True
        not_practice = (practice.disclaimed(verb) or practice.describes_law(verb) or practice.names_no_act(verb)
                        or practice.describes_the_policy(verb))
        fr.rule = "/".join(r for r in (f"frame.{fr.action}", denial, "only" if fr.restricted else None,
                                       not_practice) if r)

    def _head(self, m: Mention) -> ParsedToken | None:
        """The parsed word that heads mention ``m`` of the sentence being read (looked up once per span)."""
        if not m.char_end:
            return None
        key = (m.char_start, m.char_end)
        if key not in self._heads_seen:
            self._heads_seen[key] = head_of(self.sentence_parse, m.char_start, m.char_end)
        return self._heads_seen[key]

    def _role(self, fr: Frame, m: Mention, role: str) -> str | None:
        """The table position by which ``m`` fills ``role`` in the parsed frame of ``fr``, or None (also
        when ``fr`` is the frame of an earlier sentence that a list item restates)."""
        tok = self._head(m) if fr.parsed is not None else None
        if fr.parsed is None or tok is None or tok.doc is not fr.parsed.verb.doc:
            return None
        return fr.parsed.fills(tok, role)

    def _heads(self, fr: Frame, m: Mention, role: str) -> str | None:
        """The table position if ``m`` is the word holding ``role`` in the parsed frame of ``fr`` (or one
        coordinated with it), not merely a word inside that role."""
        tok = self._head(m) if fr.parsed is not None else None
        if fr.parsed is None or tok is None or tok.doc is not fr.parsed.verb.doc:
            return None
        return fr.parsed.heads(tok, role)

    def _role_anywhere(self, m: Mention, roles: tuple[str, ...]) -> str | None:
        """The position by which ``m`` fills one of ``roles`` in any frame of the sentence, or None
        ("without your real name": withheld; "by your wireless carrier": the agent, an actor after "by";
        "post information to a user profile": a recipient)."""
        tok = self._head(m)
        if tok is None:
            return None
        if "agent" in roles and parse_frames.names_agent(tok):
            return "actor.agent_marker"
        for frame in parse_frames.frames(self.sentence_parse).values():
            hit = frame.role_of(tok)
            if hit is None:
                continue
            if hit[0] == "recipient" and "recipient" in roles:
                # only the word the recipient is ("to a user profile"), not words inside it
                if frame.heads(tok, "recipient"):
                    return hit[1]
            elif hit[0] in roles or ("agent" in roles and hit[1] == "actor.agent"):
                return hit[1]
        return None

    def _elsewhere(self, fr: Frame, m: Mention, frames: list[Frame]) -> bool:
        """True if the parse places ``m`` in the data of another of ``frames`` and in no role of ``fr``.
        The noun a relative clause modifies ("the screen name you provided") stays with the outer frame,
        and a frame whose data is a pronoun ("publish it") keeps what it may stand for."""
        tok = self._head(m) if fr.parsed is not None else None
        if tok is None or fr.parsed.role_of(tok) is not None:
            return False
        doc = self.sentence_parse
        if any(role == "data" and doc[i].pos_ == "PRON" for i, (role, _) in fr.parsed.holders.items()):
            return False
        # verbs in a coordination share the data of the one that has it ("collect, use, or disclose X")
        own = fr.parsed.has("data")
        def together(a: Frame, b: Frame) -> bool:  # coordinated in the words ("transmit and/or submit X")
            return a.coordinated is not None and a.coordinated in (b.coordinated, b.verb.start)
        return any(other is not fr and other.parsed is not None and not together(fr, other) and not together(other, fr)
                   and (own or not parse_frames.coordinated(fr.parsed.verb, other.parsed.verb))
                   and other.parsed.fills(tok, "data") not in (None, "data.modified") for other in frames)

    def _actors(self, fr: Frame, mentions: list[Mention]) -> list[str]:
        """The parties the parse places in the actor role of ``fr`` ("advertisers may receive",
        "collected by a survey company", "we allow advertisers to collect"), each noted in ``fr.found``."""
        out = []
        for m in mentions:
            pos = self._role(fr, m, "actor") if m.has("party") else None
            if pos and pos != "actor.subject":  # the subject is read from the words before the verb
                pid = m.ids("party")[0]
                fr.found.setdefault(pid, pos)
                out.append(pid)
        return list(dict.fromkeys(out))

    def _user_subject(self, tokens: list[Token], mentions: list[Mention], verb: Mention, action: str) -> int | None:
        """The token "you" when the user, not an organisation, is the subject of a collect, store,
        track or use verb ("if you are receiving our e-mails", "you are responsible for maintaining
        your password"). A passive ("you may be asked for") or another party or verb in between ("you
        agree that we collect") keeps the organisation as the actor."""
        if phrase_key(verb.text) in self._gives:
            # "if you provide such company with your log-in credentials": the user gives data to
            # another party, not to the organisation
            other = [m for m in mentions if verb.end <= m.start <= verb.end + 1 and (
                m.has("party_backref") or (m.has("party") and FIRST_PARTY not in m.ids("party")))]
            return verb.start if other and verb.text.lower().startswith("you") else None
        if action not in ("collect", "store", "track", "use"):
            return None
        covered = {i: m for m in mentions for i in range(m.start, m.end)}
        be = W("copula")
        passive = False
        for i in range(verb.start - 1, max(-1, verb.start - 8), -1):
            m = covered.get(i)
            if m is not None and (m.has("party") or m.has("verb")):
                return None
            norm = tokens[i].norm
            if norm in W("clause_boundaries") | {"("}:
                return None
            passive = passive or norm in be
            if norm == "you" and m is None:
                return None if passive and verb.text.lower().endswith("ed") else i
        return None

    @staticmethod
    def _controls(tokens: list[Token], m: Mention, verbs: list[Mention]) -> bool:
        """A verb that only governs the next one ("used to track"): the next verb states the action."""
        return m.end + 1 < len(tokens) and tokens[m.end].norm == "to" and any(v.start == m.end + 1 for v in verbs)

    def _preps(self, key: str) -> set[str]:
        return {p for p in self.lex.patterns[key] if " " not in p}

    def _fields(self, tokens: list[Token], mentions: list[Mention], ev: Evidence) -> list[str]:
        """Field ids of ``mentions``, coordinations expanded; items of a "such as" list get a stated
        SUBSUMES link from the field before the list."""
        out: list[str] = []
        head: str | None = None
        glue = self._glue
        in_list = examples = False
        prev_end = venue_end = None
        for m in mentions:
            if m.has("point") and self._as_point(tokens, m) and (venue_end is not None or any(
                    t.norm in W("venue_prepositions") for t in tokens[max(0, m.start - 2) : m.start])):
                venue_end = m.end  # "in our chat rooms, forums": a place, and the places listed with it
            if m.has("list"):
                in_list = head is not None
                # "activities on the Site such as chat, posting messages ...": examples of an activity
                examples = m.start > 0 and tokens[m.start - 1].norm in self.lex.patterns["example_heads"]
                prev_end = m.end
                continue
            if m.has("verb") and not m.has("field"):
                in_list = examples = False
            after_paren = m.end - m.start == 1 and m.start > 0 and tokens[m.start - 1].norm == ")"
            named_before = m.has("field") and (after_paren or _renamed(tokens, mentions, m))
            if (not m.has("field") or self._as_point(tokens, m) or _proper_name(tokens, m) or named_before
                    or _occasion(tokens, mentions, m)
                    or self._role_anywhere(m, ("agent", "recipient", "withheld", "condition"))):
                # "post information to a user profile" (a recipient), "we will post them without your real
                # name" (withheld), "provided by your carrier" (an actor), "if you connect your account to
                # a social media account" (the condition); the "address" of "Internet protocol ("IP") address"
                continue
            if venue_end is not None and _only(tokens, venue_end, m.start, glue, []):
                venue_end = m.end  # "in our chat rooms, forums, game comments": one more place, not data
                continue
            fid = self._possessed(tokens, mentions, m) or m.ids("field")[0]
            if m.start and tokens[m.start - 1].norm in W("aggregate"):
                fid = "aggregate_information"  # "aggregate website usage data" is no one's usage data
            if prev_end is not None and not _only(tokens, prev_end, m.start, glue, mentions):
                in_list = False
            if examples:  # gerund items ("posting messages, sending feedback") keep the list open
                prev_end = m.end
                continue
            self.field_node(fid, ev, m.text)
            if in_list and head is not None and head != fid:
                self.records.add_link(Link(node_id("field", head), node_id("field", fid), "SUBSUMES", "stated", [ev]))
            else:
                head = fid
            out.append(fid)
            for other in self._coordinated(tokens, m):
                self.field_node(other, ev)
                if in_list and head is not None and head != other:
                    self.records.add_link(Link(node_id("field", head), node_id("field", other), "SUBSUMES", "stated",
                                               [ev]))
                out.append(other)
            prev_end = m.end
        return list(dict.fromkeys(out))

    def _passive_agent(self, mentions: list[Mention], fr: Frame) -> str | None:
        """The agent of a passive, position ``actor.agent`` ("is collected by Bizrate.com"): a named
        party's kind, or "third_party" for a proper name the lexicon does not know; None for the first
        party or no agent."""
        holders = [i for i, (_, pos) in fr.parsed.holders.items() if pos == "actor.agent"] if fr.parsed else []
        if not holders:
            return None
        # a list item restates the frame of its lead-in, whose parse and mentions ``fr`` and ``mentions`` are
        doc = fr.parsed.verb.doc
        holder = doc[holders[0]]

        def head(m: Mention) -> ParsedToken | None:
            return self._head(m) if doc is self.sentence_parse else head_of(doc, m.char_start, m.char_end)
        # the party that heads the agent ("by us", "by our partners"), not one inside it ("by X, not us")
        named = [m.ids("party")[0] for m in mentions if m.has("party") and (h := head(m)) is not None
                 and h.i == holder.i]
        if named:
            fr.found.setdefault(named[0], "actor.agent")
            return None if named[0] == FIRST_PARTY else named[0]
        return "third_party" if holder.text[:1].isupper() else None

    def _possessed(self, tokens: list[Token], mentions: list[Mention], m: Mention) -> str | None:
        """"your friend's email address": a field the vocabulary names with its owner, when the data
        subject's possessive stands right before it."""
        owner = [x for x in mentions if x.end == m.start and x.has("subject")]
        if not owner:
            return None
        term = self.lex.fields.lookup(f"{tokens[m.start - 1].text} {m.text}")
        return term.id if term else None

    def _coordinated(self, tokens: list[Token], m: Mention) -> list[str]:
        """"personal and payment information", "financial, health or other identifiable information":
        each modifier before "and", "or" or a comma shares the head noun."""
        if m.end - m.start < 2:
            return []
        head = [t.text for t in tokens[m.start + 1 : m.end]]
        k = m.start - 1
        if k >= 0 and tokens[k].norm == "other":
            k -= 1
        out: list[str] = []
        while k >= 1 and tokens[k].norm in W("conjunctions") | {"&", ","} and tokens[k - 1].is_word:
            term = self.lex.fields.lookup(" ".join([tokens[k - 1].text, *head]))
            if not term:
                break
            out.append(term.id)
            k -= 2
        return out

    def _as_point(self, tokens: list[Token], m: Mention) -> bool:
        """A mention that is both a field and a collection point reads as a point after 'from/via/in'."""
        if not m.has("point"):
            return False
        if not m.has("field"):
            return True
        via = W("via_words")
        article = m.start > 0 and tokens[m.start - 1].norm in W("indefinite_articles")
        return article or any(t.norm in via for t in tokens[max(0, m.start - 3) : m.start])

    def read_clause(self, tokens: list[Token], mentions: list[Mention], span: tuple[int, int], ev: Evidence
                    ) -> tuple[list[str], list[str], list[tuple[Frame, Clause, list[str]]]]:
        """Emit the flows of one clause; return its fields, its recipients and the frames that emitted."""
        frames = self._frames(tokens, mentions, span)
        if not frames:
            return [], [], []
        self.reading = "clause.mention"
        clause = self._clause(tokens, mentions, ev)
        clause_fields: list[str] = []
        clause_recipients: list[str] = []
        emitted: list[tuple[Frame, Clause, list[str]]] = []
        last_fields: list[str] = []
        for fr in frames:
            scoped = [m for m in mentions if fr.scope[0] <= m.start < fr.scope[1]]
            if fr.content and not fr.by_user:
                continue
            self.reading = fr.rule
            if fr.by_user:  # the user's own act moves no data, but its lists still define fields
                objects_named = self._fields(tokens, scoped, ev)
                if not (objects_named and fr.action == "collect" and _of_another_user(tokens, scoped)):
                    last_fields = []
                    continue
                # "you may obtain another user's e-mail address": one user's data is disclosed to others
                fr = Frame("see", fr.verb, fr.scope, fr.negated, ["other_users"])
            # "Etsy cookies do not collect ...", "we use cookies": a word that names a tracker is the
            # tracker, not a field ("cookie information" stays a field), unless it is listed among
            # fields ("your IP address, cookies, and the pages you request")
            objects = [m for i, m in enumerate(scoped) if not m.has("tracker") or (
                m.has("field") and i > 0 and scoped[i - 1].has("field") and not scoped[i - 1].has("tracker")
                and _only(tokens, scoped[i - 1].end, m.start, self._glue, []))]
            # "we collect your name, and your e-mail address is shared with advertisers": data the parse
            # gives to another frame, and not to this one, is that frame's
            objects = [m for m in objects if not (m.has("field") and self._elsewhere(fr, m, frames))]
            # "This information, which may include your name ..., may be shared with ...": what the parse
            # puts in the frame's data, wherever it stands in the clause
            objects = sorted({*objects, *(m for m in mentions if m.has("field") and not m.has("tracker")
                                         and self._role(fr, m, "data") not in (None, "data.modified"))},
                             key=lambda m: (m.start, m.end))
            denied = [m for m in objects if any(a <= m.char_start < b for a, b in fr.denied)]
            if denied:
                # "we share your name with advertisers, but not your e-mail address": the denied
                # objects are read as a denial of their own
                objects = [m for m in objects if m not in denied]
                fields_denied = self._fields(tokens, denied, ev)
                if fields_denied:
                    self._emit(replace(fr, negated=True, denied=[], rule=fr.rule + "/neg.object"), clause,
                               fields_denied, [ev])
            fields = self._fields(tokens, objects, ev)
            for m in objects:
                if m.has("field"):
                    fr.found.setdefault(f"field:{m.ids('field')[0]}", self._role(fr, m, "data") or "data.in_scope")
            how = "data.in_scope"
            if not fields and any(m.has("backref") for m in scoped):
                # "except that: ... (iv) We may disclose such information ...": in a list, "such
                # information" is what the sentence opening the list was about
                fields = list(self.memory.opener if self.memory.item and self.memory.opener else self.memory.fields)
                how = "data.back_reference"
            if not fields:
                fields, how = last_fields, "data.previous_frame"
            bare = fr.action in (*SHARE_ACTIONS, "collect", "store") and fr.action != "see"
            if not fields and bare and _bare_information(tokens, fr.scope):
                fields, how = ["personal_information"], "data.bare_information"
            for fid in fields:
                fr.found.setdefault(f"field:{fid}", how)
            last_fields = fields
            if not fields:
                continue
            for fid in fields:
                self.field_node(fid, ev)
            clause_fields += fields
            before = self.flows_stated
            clause_recipients += self._emit(fr, clause, fields, [ev])
            # "we may share your information in certain circumstances, including:" names no recipient
            # itself; the items of the list it opens do ("- with tax authorities;")
            opens_items = fr.action in SHARE_ACTIONS and not fr.negated and tokens[-1].norm == ":"
            if self.flows_stated != before or opens_items:
                emitted.append((fr, clause, fields))
        return clause_fields, clause_recipients, emitted

    def _clause(self, tokens: list[Token], mentions: list[Mention], ev: Evidence) -> Clause:
        """What a clause says besides its verbs: purposes, conditions, points, trackers, subjects."""
        p = self.lex.patterns
        conds = sorted({int(i) for m in mentions if m.has("condition") for i in m.ids("condition")})
        candidates = [m for m in mentions if m.has("subject") and FIRST_PARTY not in m.ids("party")
                      and not _after(tokens, m, W("recipient_prepositions") - {"for", "by"})]
        clause = Clause(
            tokens=tokens, mentions=mentions, ev=ev,
            purposes=list(dict.fromkeys(m.ids("purpose")[0] for m in mentions if m.has("purpose"))),
            conditions=[p["conditions"][i]["label"] for i in conds],
            implied=[p["conditions"][i]["implies"] for i in conds if p["conditions"][i].get("implies")],
            points=[m for m in mentions if m.has("point") and self._as_point(tokens, m)],
            trackers=[m for m in mentions if m.has("tracker")],
            subjects=[m for m in candidates if not m.has("party")] or candidates,
        )
        for m in mentions:
            if m.has("party") and FIRST_PARTY not in m.ids("party") and not m.has("subject"):
                self.party_node(m.ids("party")[0], ev, m.text)
        for pid in clause.purposes:
            self.simple_node("purpose", pid, ev, None)
        return clause

    def _emit(self, fr: Frame, clause: Clause, fields: list[str], evs: list[Evidence]) -> list[str]:
        """The flows of frame ``fr`` for ``fields``, citing ``evs``; return the recipients."""
        giver = self._handed_over(fr, clause)
        if giver:
            # "you must give us your e-mail address", "you may be asked to provide your name": what the
            # user hands over to nobody else is collected by the organisation
            if not fr.negated:
                self._collect(replace(fr, action="collect", rule=f"{fr.rule}/{giver}"), clause, fields, evs)
            return []
        if fr.action in SHARE_ACTIONS:
            return self._share(fr, clause, fields, evs)
        mentions = clause.mentions
        if fr.action in ("collect", "store", "track") or (fr.action == "use" and (clause.trackers or any(
                m.has("purpose") for m in mentions if fr.verb.end <= m.start < fr.scope[1]))):
            self._collect(fr, clause, fields, evs)
        return []

    def _handed_over(self, fr: Frame, clause: Clause) -> str | None:
        """The table position (``giver.*``) if the parse makes the user the one who hands over the data
        of the weak sharing verb ``fr`` and no party but the organisation receives it; else None."""
        if fr.action != "share_weak" or fr.parsed is None:
            return None
        giver = next((pos for role, pos in fr.parsed.holders.values() if role == "giver"), None)
        if giver is None or self._recipients(fr, clause, fr.verb.end, fr.scope[1], fallback=False):
            return None
        if giver == "giver.asked" and polarity.denial(fr.parsed.verb.head):
            return None  # "you are not required to provide your phone number" states no collection
        return giver

    def _recipients(self, fr: Frame, clause: Clause, lo: int, hi: int, fallback: bool = True) -> list[str]:
        """Parties named in tokens [lo, hi) after the verb. With ``fallback``, a back-reference ("the
        third party", "such information") reaches back to earlier sentences, a condition may imply one
        (merger → acquirer), and a section heading may name them ("Third parties")."""
        tokens = clause.tokens
        scoped = [m for m in clause.mentions if fr.scope[0] <= m.start < fr.scope[1]]
        # a party the parse makes the source ("from NPR member stations") or the actor ("provided by
        # your carrier") of the frame receives nothing
        after = [m for m in scoped if max(lo, fr.verb.end) <= m.start < hi and m.has("party")
                 and FIRST_PARTY not in m.ids("party") and not self._heads(fr, m, "source")
                 and not self._heads(fr, m, "actor") and not self._role_anywhere(m, ("agent",))
                 and not (m.end < len(tokens) and tokens[m.end].norm == "purpose")]  # "member station purposes"
        for m in after:
            fr.found.setdefault(m.ids("party")[0], self._role(fr, m, "recipient") or "recipient.after_verb")
        ids = list(dict.fromkeys(m.ids("party")[0] for m in after))
        if after and after[0].ids("party") == ["third_party"]:
            # "third parties such as analytics companies": the listed parties are the recipients
            head = after[0]
            listed = [m for m in after[1:] if any(x.has("list") and head.end <= x.start < m.start for x in scoped)]
            ids = list(dict.fromkeys(m.ids("party")[0] for m in listed)) or ids
        if not fallback:
            return ids
        generic_only = set(ids) <= {"third_party"}
        party_backref = any(m.has("party_backref") and _names_party(clause.mentions, m) for m in scoped) or any(
            m.ids("party") == ["third_party"] and _after(tokens, m, W("anaphoric_determiners"), 1)
            for m in after)
        if party_backref and generic_only:
            # "In the example of shippers, we provide them ...": a party named earlier in the sentence
            # comes first, then the parties of the sentences before
            named = [m.ids("party")[0] for m in clause.mentions if m.start < fr.verb.start and m.has("party")
                     and FIRST_PARTY not in m.ids("party") and m.ids("party") != ["third_party"]]
            if named or self.memory.parties or self.memory.recipients:
                return named[-1:] or list(self.memory.parties or self.memory.recipients)
        if not ids and any(m.has("backref") for m in scoped) and self.memory.recipients:
            return list(self.memory.recipients)
        if generic_only and clause.implied:
            # "other parties ... in a merger": the condition says who they are
            return list(dict.fromkeys(clause.implied))
        if not ids:
            return self._heading_parties()
        return ids

    def _heading_parties(self) -> list[str]:
        """Third parties named by the paragraph's lead-in ("**With service providers:**"), else by
        the section heading."""
        for heading in (self.memory.lead, self.memory.section):
            found = [m.ids("party")[0] for m in self.matcher.find(heading) if m.has("party")] if heading else []
            found = [p for p in found if p != FIRST_PARTY]
            if found:
                return list(dict.fromkeys(found))
        return []

    def _share(self, fr: Frame, clause: Clause, fields: list[str], evs: list[Evidence]) -> list[str]:
        """Flows from the first party to each recipient. "We do not share X with Y except Z" gives a
        negative flow to Y and a positive one, under the conditions after "except", to Z (or Y)."""
        spec = self.lex.patterns["actions"][fr.action]
        end = fr.scope[1]
        allowed_ids: list[str] = []
        cut = next((m.start for m in clause.mentions if m.has("except") and fr.verb.end <= m.start < end), None)
        groups: list[tuple[list[str], str, list[str]]] = []
        if fr.negated and cut is None and any(m.has("except") and m.start < fr.verb.start for m in clause.mentions):
            # "Except as described in this policy, we will not disclose ...": a denial whose exceptions
            # stand before it names no party of its own and is conditional, like one that ends in them
            return []
        if fr.negated and cut is not None:
            denied = self._recipients(fr, clause, fr.verb.end, cut) or ["third_party"]
            named = any(m.has("party") and FIRST_PARTY not in m.ids("party")
                        for m in clause.mentions if cut <= m.start < end)
            allowed = self._recipients(fr, clause, cut, end, fallback=False) if named else denied
            after_cut = [m for m in clause.mentions if m.start >= cut and m.has("condition")]
            conds = [self.lex.patterns["conditions"][int(m.ids("condition")[0])]["label"] for m in after_cut]
            if not (named or conds):
                # "we do not share ... except in the following circumstances:": what follows says when
                # it is shared; the sentence by itself denies nothing and allows nothing, and the
                # items of a list it opens are the conditions of its exceptions
                self.memory.excepted = True
                return []
            # "we do not share ... except with service providers": conditional sharing with the
            # excepted parties, and a denial for the rest
            groups = [(denied, "-", []), (allowed, "+", conds)]
            allowed_ids = [self.party_node(a, clause.ev).id for a in allowed]
        elif spec.get("recipient_before"):
            recipients = [a for a in fr.actors if a != FIRST_PARTY]
            if not recipients:
                return []
            groups = [(recipients, "-" if fr.negated else "+", clause.conditions)]
        else:
            recipients = self._recipients(fr, clause, fr.verb.end, end)
            named_fields = fr.action == "share" and any(
                m.has("field") for m in clause.mentions if fr.verb.end <= m.start < end)
            if not recipients and spec.get("default_recipient"):
                recipients = [spec["default_recipient"]]
            if not recipients:
                if spec.get("needs_recipient") or not (fr.negated or named_fields):
                    return []
                recipients = list(self.memory.recipients) if not fr.negated and self.memory.recipients \
                    else ["third_party"]
            groups = [(recipients, "-" if fr.negated else "+", clause.conditions)]
        action = "share" if fr.action in ("share_weak", "see", "publish") else fr.action
        # "we only share aggregate data with them" restricts what reaches them; without "only" a
        # statement about non-personal data says nothing about personal data
        non_personal = [f for f in fields if self.field_root(f) in self.lex.patterns["restriction_fields"]]
        restricted = fr.restricted and bool(non_personal)
        if restricted:
            # "... we will give them aggregate information only": only the non-personal data reaches them
            fields = non_personal
        fp = self.party_node(FIRST_PARTY, clause.ev).id
        out: list[str] = []
        for recipients, sign, conditions in groups:
            for rid in recipients:
                rnode = self.party_node(rid, clause.ev)
                relation = "DISCLOSES_TO" if rnode.kind in self.lex.patterns["disclosure_kinds"] else spec["relation"]
                for fid in fields:
                    self.flow(fid, fp, rnode.id, action, relation, evs, clause.purposes, conditions, sign,
                              fr.rule, fr, except_for=allowed_ids if sign == "-" and allowed_ids else None)
                if restricted and sign == "+":
                    self.field_node("personal_information", clause.ev)
                    self.flow("personal_information", fp, rnode.id, action, relation, evs, [], [], "-",
                              fr.rule + "/restriction.only",
                              restriction="only non-personal information is stated to reach this recipient")
            out += recipients
        for pm in clause.points:
            cp = self.simple_node("collection_point", pm.ids("point")[0], clause.ev, pm.text).id
            for fid in fields:
                self.flow(fid, cp, fp, "collect", "COLLECTS", evs, clause.purposes, clause.conditions, rule=fr.rule,
                          frame=fr)
        return out

    def _collect(self, fr: Frame, clause: Clause, fields: list[str], evs: list[Evidence]) -> None:
        """Flows from the data subjects, through a collection point or tracker, to the collector."""
        sign = "-" if fr.negated else "+"
        if fr.action == "use" and sign == "-":
            return
        ev, tokens = clause.ev, clause.tokens
        action = {"track": "track", "store": "store", "use": "use"}.get(fr.action, "collect")
        # "These third parties may collect ...", "we use Google Analytics to collect ...": the party
        # that is the subject of the verb collects; otherwise the first party does
        fp = self.party_node(FIRST_PARTY, ev).id
        parsed_actors = [a for a in fr.actors if a in fr.found]
        if parsed_actors:
            third = [] if FIRST_PARTY in parsed_actors else parsed_actors
        else:
            gap = set(self.lex.patterns["subject_gap_words"])
            third = [m.ids("party")[0] for m in clause.mentions if fr.scope[0] <= m.start < fr.verb.start
                     and m.has("party") and not m.has("subject")
                     and not _after(tokens, m, self._preps("to") | {"from"})
                     and all(t.norm in gap for t in tokens[m.end : fr.verb.start])]
            if not third and fr.verb.start and tokens[fr.verb.start - 1].norm == "to" and FIRST_PARTY not in fr.actors:
                third = fr.actors  # "we use Amazon's S3 storage service to store": the service stores
        collectors = [fp] if FIRST_PARTY in fr.actors or FIRST_PARTY in third or not third else [
            self.party_node(p, ev).id for p in dict.fromkeys(third)]
        agent = self._passive_agent(clause.mentions, fr)
        if agent:
            # "Your feedback is collected by Bizrate.com, not us": the agent collects; "not us" denies it to us
            collectors = [self.party_node(agent, ev).id]
            if _denies_us(tokens, clause.mentions, fr.verb.end):
                for fid in fields:
                    self.flow(fid, node_id("data_subject", "user"), fp, action, "COLLECTS", evs, clause.purposes,
                              clause.conditions, "-", fr.rule + "/neg.agent")
        sources = [m for m in clause.mentions if m.has("party") and FIRST_PARTY not in m.ids("party")
                   and self._role(fr, m, "source")]
        subject_ids = [self.simple_node("data_subject", m.ids("subject")[0], ev, m.text).id
                       for m in clause.subjects]
        if not subject_ids:
            subject_ids = [node_id("data_subject", "user")]
            self.simple_node("data_subject", "user", ev, None)
        relation = self.lex.patterns["actions"][fr.action]["relation"]
        hops: list[tuple[str, str, str]] = []
        if clause.points:
            for pm in clause.points:
                cp = self.simple_node("collection_point", pm.ids("point")[0], ev, pm.text).id
                hops += [(s, cp, "COLLECTS") for s in subject_ids] + [(cp, c, "COLLECTS") for c in collectors]
        elif clause.trackers:
            for tm in clause.trackers:
                tnode, owners = self._tracker_for(tm, fr.actors, ev)
                store = tnode.kind in ("cookie", "flash_cookie") and fr.action in ("collect", "store")
                hops += [(s, tnode.id, "STORES" if store else "TRACKS_WITH") for s in subject_ids]
                hops += [(tnode.id, owner, "COLLECTS") for owner in owners]
                if store:
                    tnode.properties["stores"] = list(dict.fromkeys(
                        tnode.properties.get("stores", []) + [node_id("field", f) for f in fields]))
        elif sources:
            for sm in sources:
                hops += [(self.party_node(sm.ids("party")[0], ev, sm.text).id, c, relation) for c in collectors]
        else:
            hops += [(s, c, relation) for s in subject_ids for c in collectors]
        for fid in fields:
            for src, dst, rel in hops:
                self.flow(fid, src, dst, action, rel, evs, clause.purposes, clause.conditions, sign, fr.rule, fr)

    # ----------------------------------------------------------------- trackers

    def _tracker_for(self, m: Mention, actors: list[str], ev: Evidence) -> tuple[Node, list[str]]:
        """The tracker node of mention ``m`` set by ``actors`` (the first party if none), and their ids."""
        third = [a for a in actors if a != FIRST_PARTY]
        node = self.tracker_node(m.ids("tracker")[0], bool(third) and FIRST_PARTY not in actors, ev, m.text)
        owners = [self.party_node(owner, ev).id for owner in (actors or [FIRST_PARTY])]
        for oid in owners:
            if oid not in node.properties["set_by"]:
                node.properties["set_by"].append(oid)
        return node, owners

    def _setters(self, tokens: list[Token], tm: Mention, parties: list[Mention], ev: Evidence) -> list[str]:
        """The parties the parse makes set or read tracker mention ``tm`` ("cookies set by our partners",
        "our vendors may place web beacons"), each cited with its setter position."""
        head = self._head(tm)
        out = []
        last: tuple[Mention, str] | None = None
        for m in parties:
            tok = self._head(m)
            pos = parse_frames.setter_of(head, tok) if head is not None and tok is not None else None
            if not pos and last and _only(tokens, last[0].end, m.start, self._glue, []):
                pos = last[1]  # "by our partners, tracking utility company and service providers": the list goes on
            last = (m, pos) if pos else None
            if pos:
                pid = m.ids("party")[0]
                out.append(pid)
                self._cite(self.party_node(pid, ev, m.text), ev, None, pos)
        return list(dict.fromkeys(out))

    def _tracker_facts(self, sent: Sentence, tokens: list[Token], mentions: list[Mention], ev: Evidence
                       ) -> list[str]:
        """Tracker nodes of the sentence, with who sets them and the properties stated of them; returns
        the tracker kinds."""
        tms = [m for m in mentions if m.has("tracker")]
        named = {i for m in tms for i in range(m.start, m.end)}
        if not tms or all(i in named for i, t in enumerate(tokens) if t.is_word):
            return []  # a heading such as "Mobile Device Tracking." names a topic, not a practice
        frames = self._frames(tokens, mentions, (0, len(tokens)))
        actors = [a for fr in frames for a in fr.actors if fr.action in ("use", "track", "collect", "store")]
        actors += [m.ids("party")[0] for m in mentions if m.has("party") and m.start >= 1
                   and tokens[m.start - 1].norm == "by" and any(t.end == m.start - 1 for t in tms)]
        actors = list(dict.fromkeys(actors))
        props = self.lex.patterns["tracker_properties"]
        nearest = {}
        negators = set(polarity.rules()["negators"]) | {"cannot"}
        for m in mentions:
            if m.has("tprop"):
                prop = props[int(m.ids("tprop")[0])]
                head = head_of(self.sentence_parse, m.char_start, m.char_end)
                if head is not None and polarity.denial(head) and not negators & set(m.text.lower().split()):
                    # "we do not tie the information gathered by clear gifs to ...": a denied property
                    # is the opposite of a yes-or-no property, and nothing of any other
                    if prop["value"] is not True:
                        continue
                    prop = {**prop, "value": False}
                target = min(tms, key=lambda t: abs(t.start - m.start))
                nearest.setdefault(id(target), []).append(prop)
        purposes = [m.ids("purpose")[0] for m in mentions if m.has("purpose")]
        parties = [m for m in mentions if m.has("party") and not m.has("tracker")]
        for tm in tms:
            node, _ = self._tracker_for(tm, list(dict.fromkeys([*actors, *self._setters(tokens, tm, parties, ev)])), ev)
            for prop in nearest.get(id(tm), []):
                fixed_expiry = prop["property"] == "expiry" and node.properties.get("expiry") in ("session",
                                                                                               "persistent")
                if prop["property"] != "context" and not fixed_expiry:
                    node.properties[prop["property"]] = prop["value"]
                    node.properties.setdefault("stated_in", {}).setdefault(prop["property"], ev.statement)
            if node.kind == "clear_gif":
                contexts = node.properties.setdefault("contexts", [])
                for m in mentions:
                    prop = props[int(m.ids("tprop")[0])] if m.has("tprop") else None
                    if prop and prop["property"] == "context" and prop["value"] not in contexts:
                        contexts.append(prop["value"])
            for pid in purposes:
                pnode = self.simple_node("purpose", pid, ev, None)
                if pnode.id not in node.properties["purposes"]:
                    node.properties["purposes"].append(pnode.id)
        return list(dict.fromkeys(tm.ids("tracker")[0] for tm in tms))


# --------------------------------------------------------------------- small helpers


def _aliases(surface: str | None, term: vocab.Term) -> list[str]:
    return [surface] if surface and surface.lower() != term.label.lower() else []


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _after(tokens: list[Token], m: Mention, words: set[str], reach: int = 3) -> bool:
    """True if one of ``words`` stands just before ``m`` (within ``reach`` tokens, no comma between)."""
    for t in reversed(tokens[max(0, m.start - reach) : m.start]):
        if t.norm in words:
            return True
        if t.norm in W("list_breaks"):
            return False
    return False






def _predicate_follows(tokens: list[Token], mentions: list[Mention], m: Mention) -> bool:
    """"your identifiers stored in active databases will be removed": a form of "be" after the
    participle, before any other verb, is the main predicate, so the participle only modifies."""
    verbs = [x.start for x in mentions if x.has("verb") and x.start >= m.end]
    stop = verbs[0] if verbs else len(tokens)
    return any(t.norm in W("copula") for t in tokens[m.end : stop])


def _denies_us(tokens: list[Token], mentions: list[Mention], after: int) -> bool:
    """", not us": a negation right before a first-party word within a few tokens after ``after``."""
    return any(m.has("neg") and any(x.start == m.end and FIRST_PARTY in x.ids("party") for x in mentions)
               for m in mentions if after <= m.start <= after + 8)


def _occasion(tokens: list[Token], mentions: list[Mention], m: Mention) -> bool:
    """"when you update your member profile", "in creating user profiles": the object of what the
    user does, in a clause saying when data is collected, names the occasion, not the data."""
    k = m.start - 1
    while k >= 0 and tokens[k].norm in W("occasion_modifiers"):
        k -= 1
    verb_at = {i for x in mentions if x.has("verb") for i in range(x.start, x.end)}
    if k < 1 or not tokens[k].is_word or k in verb_at:
        return False
    if tokens[k].norm.endswith("ing") and tokens[k - 1].norm in W("occasion_markers") | W("conjunctions"):
        return True  # "in creating user profiles", "by clicking on "Contact Information""
    return k >= 2 and tokens[k - 1].norm == "you" and tokens[k - 2].norm in W("occasion_markers") - {"in", "by"}


def _renamed(tokens: list[Token], mentions: list[Mention], m: Mention) -> bool:
    """"the identifier provided for your mobile device by your wireless carrier ("carrier
    identifier")": a field that a quoted name in parentheses soon after names more precisely."""
    for n in mentions:
        if n.start <= m.end or n.start > m.end + 12 or not n.has("field"):
            continue
        quoted = n.start >= 2 and tokens[n.start - 2].norm == "(" and tokens[n.start - 1].norm in ('"', "“", "'")
        between = [x for x in mentions if m.end <= x.start < n.start and (x.has("verb") or x.has("field"))]
        if quoted and not between:
            return n.ids("field")[0] != m.ids("field")[0]
    return False






def _proper_name(tokens: list[Token], m: Mention) -> bool:
    """"State of California", "Department of Commerce": a capitalised word and "of" before a
    capitalised name make a proper name, not a field."""
    after = tokens[m.end : m.end + 2]
    return (m.text[:1].isupper() and len(after) == 2 and after[0].norm == "of" and after[1].text[:1].isupper())


def _named_organisations(mentions: list[Mention], item: bool = False) -> list[Mention]:
    """A company the registry knows ("Google Analytics", "DoubleClick") is read as its party kind.

    A one-word name counts only when capitalised inside the sentence, so that a name that is also a
    word ("Square", "Impact") at the start of a sentence or in lower case is not taken for a company
    (an item of a list may start with one: "- Mixpanel"); the policy's own organisation stays the first
    party."""
    registry = organizations.load()
    out = []
    for m in mentions:
        orgs = m.ids("org")
        if not orgs:
            out.append(m)
            continue
        rest = tuple(x for x in m.senses if x[0] != "org")
        named = m.end - m.start > 1 or (m.text[:1].isupper() and (m.start > 0 or item))
        if named and not any(p == FIRST_PARTY for p in m.ids("party")):
            rest = (("party", registry.party_kind(orgs[0])), *rest)
        if rest:
            out.append(replace(m, senses=rest))
    return out


def _names_party(mentions: list[Mention], backref: Mention) -> bool:
    """"they" stands for parties; so does "them", unless the nearest noun before it is data ("we may
    print the User Materials ... or publish them")."""
    if backref.text.lower() != "them":
        return True
    before = [m for m in mentions if m.end <= backref.start
              and (m.has("field") or (m.has("party") and FIRST_PARTY not in m.ids("party")))]
    return not before or not before[-1].has("field")


def _defines_tracker(tokens: list[Token], mentions: list[Mention]) -> bool:
    """"A cookie is a small amount of data ...", "Clear gifs are tiny graphics ...": a sentence that
    says what a tracker is states no practice ("Cookies are used to ..." does)."""
    if not mentions or not mentions[0].has("tracker") or mentions[0].start > 2 or mentions[0].end >= len(tokens):
        return False
    if tokens[mentions[0].end].norm not in W("copula"):
        return False
    k = mentions[0].end + 1
    while k < len(tokens) and tokens[k].norm in W("frequency_adverbs"):
        k += 1
    return not any(m.start == k and m.has("verb") for m in mentions)


def _of_another_user(tokens: list[Token], mentions: list[Mention]) -> bool:
    """A data subject named as "another (Etsy) user" or "other members"."""
    return any(m.has("subject") and any(t.norm in W("other_words") for t in tokens[max(0, m.start - 2) : m.start])
               for m in mentions)


def _drop_modifiers(mentions: list[Mention]) -> list[Mention]:
    """Drop a party word that only modifies the party named right after it ("our partners",
    "third party e-mail service partner", "Plimus Affiliates")."""
    out = []
    for i, m in enumerate(mentions):
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        modifier = m.ids("party") in (["third_party"], [FIRST_PARTY])
        if modifier and nxt is not None and nxt.start == m.end and nxt.has("party"):
            continue
        out.append(m)
    return out


def _only(tokens: list[Token], lo: int, hi: int, glue: set[str], mentions: list[Mention]) -> bool:
    """True if every token in [lo, hi) is list glue (commas, 'and', articles...) or part of a
    mention that is not a verb (a list item the vocabulary reads as a purpose or party)."""
    inside = {i for m in mentions if not m.has("verb") for i in range(m.start, m.end)}
    return all(t.norm in glue or i in inside for i, t in enumerate(tokens[lo:hi], start=lo))


def _bare_information(tokens: list[Token], scope: tuple[int, int]) -> bool:
    return any(t.norm in W("bare_data_nouns") for t in tokens[scope[0] : scope[1]])


def _clauses(tokens: list[Token]) -> list[tuple[int, int]]:
    """Token ranges of the clauses of a sentence, split at semicolons; a parenthesis that keeps
    something private ("(your email address will be kept private)") is a clause of its own."""
    out, lo = [], 0
    for i, t in enumerate(tokens):
        if t.norm == ";":
            out.append((lo, i))
            lo = i + 1
        elif t.norm == "(":
            close = next((j for j in range(i + 1, len(tokens)) if tokens[j].norm in (")", ";")), None)
            if close is not None and tokens[close].norm == ")" and any(
                    x.norm in W("privacy_words") for x in tokens[i + 1 : close]):
                out += [(lo, i), (i + 1, close)]
                lo = close + 1
    out.append((lo, len(tokens)))
    return [c for c in out if c[1] > c[0]]


def extract_policy(path: str | Path) -> Records:
    """Read the policy at ``path`` into records (nodes, flows, links), each citing its sentence."""
    return PolicyReader(read_policy(path)).read()
