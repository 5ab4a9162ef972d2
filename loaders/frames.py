"""Pass 3 of the policy reader: practice frames from dependency patterns kept as data.

Every verb of an action in ``lexicon/frames.yaml`` (collect, share, sell, store …) opens a frame; the
table's positions say where each role sits in the parse (the actor as subject or "by" agent, the data as
object or passive subject, the recipient after "to"/"with" or as indirect object, the source after
"from", the purpose, the condition). spaCy's ``DependencyMatcher`` matches all positions at once, once
per sentence. A mention fills the role whose holding word is its nearest ancestor below the verb, so any
mention in that word's subtree fills it (a relative clause under the object included), and a mention
under another frame's verb belongs to that frame.

>>> from flowaudit.loaders.parse import parse
>>> doc = parse(["Your address may be shared with our partners if you agree."])[0]
>>> frame = frames(doc)[4]
>>> frame.verb.text, frame.action, frame.passive
('shared', 'share', True)
>>> for t in doc:
...     if t.pos_ in ("NOUN", "VERB") and frame.role_of(t):
...         print(t.text, *frame.role_of(t))
address data data.passive_subject
partners recipient recipient.with
agree condition condition.clause
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Token

from .parse import pipeline

TABLE = Path(__file__).with_name("lexicon") / "frames.yaml"
_FRAMES = "flowaudit_frames"
_SETTERS = "flowaudit_setters"
_ENGAGED = "flowaudit_engaged"


@cache
def table() -> dict[str, Any]:
    """The frame table."""
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


@cache
def action_of() -> dict[str, str]:
    """Verb lemma → the action it states."""
    return {lemma: action for action, lemmas in table()["actions"].items() for lemma in lemmas}


@cache
def _positions() -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in table()["positions"]}


@cache
def _matcher() -> DependencyMatcher:
    """One matcher holding every position of the table, its verb node narrowed as the position says."""
    m = DependencyMatcher(pipeline().vocab)
    acts = table()["actions"]
    for pos in table()["positions"]:
        lemmas = pos.get("lemmas") or [lemma for a in pos.get("actions", acts) for lemma in acts[a]]
        verb = {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"LEMMA": {"IN": sorted(set(lemmas))}, **pos.get("verb", {})}}
        m.add(pos["id"], [[verb, *pos["pattern"]]])
    for pos in (*table()["setters"], *table()["engagements"]):
        m.add(pos["id"], [pos["pattern"]])
    return m


@cache
def _node_names(kind: str) -> dict[str, list[str]]:
    """Position id → the names of its pattern's nodes, in match order, for the table's ``kind``
    ("setters", "engagements")."""
    return {p["id"]: [node["RIGHT_ID"] for node in p["pattern"]] for p in table()[kind]}


@dataclass(frozen=True)
class Engagement:
    """A party the organisation engages ("we use Google Analytics"): the verb, the word heading the
    party, the word whose subtree holds the data it works on (None if the pattern names none), and the
    position id."""

    verb: Token
    party: Token
    data: Token | None
    rule: str


@dataclass
class Frame:
    """One verb of an action and the words that hold its roles, each with the position that found it."""

    verb: Token
    action: str
    passive: bool
    holders: dict[int, tuple[str, str]] = field(default_factory=dict)  # token index → (role, position id)

    def role_of(self, tok: Token) -> tuple[str, str] | None:
        """The (role, position id) ``tok`` fills in this frame: the role of its nearest holding
        ancestor below the verb; None if it lies under another frame's verb, outside the frame, or in
        another sentence (a list item restating its lead-in's frame)."""
        if tok.doc is not self.verb.doc:
            return None
        verbs = tok.doc.user_data[_FRAMES]
        t = tok
        while t.i != self.verb.i:
            if t.i in self.holders:
                return self.holders[t.i]
            if t.i in verbs or t.head.i == t.i or contrasted(t):
                return None
            t = t.head
        return None

    def heads(self, tok: Token, role: str) -> str | None:
        """The position id if ``tok`` is the word holding ``role`` or one coordinated with it ("to a
        user profile", "to advertisers and partners"), not merely a word inside it; else None."""
        if tok.doc is not self.verb.doc:
            return None
        t = tok
        while (t.i not in self.holders and t.dep_ in table()["coordination"] and t.head.i != t.i
               and not contrasted(t)):
            t = t.head
        hit = self.holders.get(t.i)
        return hit[1] if hit and hit[0] == role else None

    def fills(self, tok: Token, role: str) -> str | None:
        """The position id if ``tok`` fills ``role``, else None."""
        hit = self.role_of(tok)
        return hit[1] if hit and hit[0] == role else None

    def has(self, role: str) -> bool:
        """True if the parse gives this frame a word in ``role``."""
        return any(r == role for r, _ in self.holders.values())


def contrasted(tok: Token) -> bool:
    """True for a conjunct set against the word it joins by a negator of its own ("we share your name
    with advertisers but not your e-mail address"): it takes none of that word's roles, wherever the
    parser attached it.

    >>> from flowaudit.loaders.parse import parse
    >>> doc = parse(["We share your name with advertisers but not your email address."])[0]
    >>> [t.text for t in doc if contrasted(t)]
    ['address']
    """
    return tok.dep_ == "conj" and any(
        c.dep_ == "advmod" and c.lower_ in table()["contrast_negators"] for c in tok.children)


def _passive(verb: Token) -> bool:
    t = table()
    if any(c.dep_ in t["passive_dependents"] for c in verb.children):
        return True
    morph = verb.morph.to_dict()
    return verb.dep_ in ("acl", "acl:relcl") and all(morph.get(k) == v for k, v in t["participle"].items())


def frames(doc: Doc) -> dict[int, Frame]:
    """Verb token index → its :class:`Frame`, for every verb of an action in ``doc``; the matcher runs
    once per sentence and the result is cached on the doc."""
    if _FRAMES in doc.user_data:
        return doc.user_data[_FRAMES]
    acts = action_of()
    # a verb, or a word the tagger took for a noun where the parse makes it the sentence's predicate
    out = {t.i: Frame(t, acts[t.lemma_.lower()], _passive(t)) for t in doc
           if t.lemma_.lower() in acts and (t.pos_ in ("VERB", "AUX") or t.dep_ == "ROOT")}
    doc.user_data[_FRAMES] = out
    setters: dict[int, dict[int, str]] = {}
    engaged: list[Engagement] = []
    doc.user_data[_SETTERS], doc.user_data[_ENGAGED] = setters, engaged
    positions, setter_positions, engagements = _positions(), _node_names("setters"), _node_names("engagements")
    for match_id, ids in _matcher()(doc):
        name = doc.vocab.strings[match_id]
        if name in engagements:
            at = dict(zip(engagements[name], ids, strict=True))
            if "case" not in at and any(c.dep_ == "case" for c in doc[at["party"]].children):
                continue  # "we use cookies with our partners": not the object of the verb
            if name == "engage.agent" and _gives_to(doc[at["verb"]]):
                continue  # "made available to you by your employer": the agent gives, someone else receives
            data = doc[at["data"]] if "data" in at else None
            engaged.append(Engagement(doc[at["verb"]], doc[at["party"]], data, name))
            continue
        if name in setter_positions:
            at = dict(zip(setter_positions[name], ids, strict=True))
            setters.setdefault(at["tracker"], {}).setdefault(at["party"], name)
            continue
        pos = positions[name]
        frame = out.get(ids[0])
        if frame is None:
            continue
        voice = pos.get("voice")
        if voice and (voice == "passive") != frame.passive:
            continue
        names = ["verb", *(node["RIGHT_ID"] for node in pos["pattern"])]
        holder = ids[names.index(pos["take"])]
        frame.holders.setdefault(holder, (pos["role"], pos["id"]))
    return out


def setter_of(tracker: Token, party: Token) -> str | None:
    """The setter position by which the parse makes ``party`` (or the word it is coordinated with) set
    or read ``tracker`` ("cookies set by our partners and vendors"), or None.

    >>> from flowaudit.loaders.parse import parse
    >>> doc = parse(["Our advertising partners may place web beacons on our pages."])[0]
    >>> setter_of(doc[6], doc[2])
    'setter.subject'
    """
    frames(tracker.doc)
    found = tracker.doc.user_data[_SETTERS].get(tracker.i, {})
    if not found:
        return None
    t = party
    while t.i not in found and t.dep_ in table()["coordination"] and t.head.i != t.i:
        t = t.head
    return found.get(t.i)


def _gives_to(verb: Token) -> bool:
    """True if ``verb`` (or its complement: "made available to you") names who receives."""
    words = [verb, *(c for c in verb.children if c.dep_ == "xcomp")]
    return any(c.dep_ == "iobj" or (c.dep_ == "obl" and any(g.dep_ == "case" and g.lower_ == "to" for g in c.children))
               for w in words for c in w.children)


def engaged_as(party: Token) -> Engagement | None:
    """The engagement by which the parse makes ``party`` (or the word it is coordinated with) a party
    the organisation engages, or None.

    >>> from flowaudit.loaders.parse import parse
    >>> doc = parse(["We may engage market research firms to assist us."])[0]
    >>> engaged_as(doc[5]).rule
    'engage.object'
    """
    frames(party.doc)
    found = {e.party.i: e for e in party.doc.user_data[_ENGAGED]}
    t = party
    while t.i not in found and t.dep_ in table()["coordination"] and t.head.i != t.i:
        t = t.head
    return found.get(t.i)


def coordinated(a: Token, b: Token) -> bool:
    """True if verbs ``a`` and ``b`` are conjuncts of one another ("collect, use, or disclose"), which
    share their arguments."""
    def first(t: Token) -> Token:
        while t.dep_ == "conj" and t.head.i != t.i:
            t = t.head
        return t
    return first(a).i == first(b).i


def names_agent(tok: Token) -> bool:
    """True if ``tok`` is introduced by an agent marker ("by your wireless carrier")."""
    return any(c.dep_ == "case" and c.lower_ in table()["agent_markers"] for c in tok.children)


def frame_of(doc: Doc, tok: Token | None) -> Frame | None:
    """The frame whose verb is ``tok``, if any."""
    return None if tok is None else frames(doc).get(tok.i)
