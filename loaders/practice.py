"""Pass 3 of the policy reader: which sentences and clauses state a practice at all.

Questions ("Do We Share Personal Data?", "What information do we collect"), disclaimers ("we cannot
guarantee that information will never be disclosed") and descriptions of law ("California law
permits customers to request ...") state no practice of the organisation. Headings and glossary
entries are recognised by the text pass (``policy_text``). Word lists live in
``lexicon/polarity.yaml``.

>>> from flowaudit.loaders.parse import parse
>>> is_question(parse(["Do We Share Personal Data?"])[0])
True
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from .polarity import denial, rules


def is_question(doc: Doc) -> bool:
    """A question, or a heading phrased as one ("What Information Do We Collect")."""
    text = doc.text.strip()
    if text.endswith("?"):
        return True
    if text.endswith((".", ":", ";")):
        return False
    words = [t for t in doc if not t.is_punct]
    return bool(words) and words[0].lower_ in rules()["question_words"] and len(words) <= 12


def _ancestors(tok: Token) -> list[Token]:
    out = []
    while tok.head.i != tok.i and len(out) < 8:
        tok = tok.head
        out.append(tok)
    return out


def disclaimed(verb: Token) -> str | None:
    """"practice.disclaimer" when ``verb`` sits under a denied guarantee ("we cannot guarantee that
    ... will never be disclosed", "there is no guarantee that ...")."""
    heads = set(rules()["disclaimer_heads"])
    for anc in _ancestors(verb):
        if anc.lemma_.lower() in heads and (denial(anc) or any(c.lower_ == "cannot" for c in anc.children)):
            return "practice.disclaimer"
    return None


def describes_law(verb: Token) -> str | None:
    """"practice.law" when the subject of ``verb`` or of a verb above it is a law ("California law
    permits customers to request ...")."""
    laws = set(rules()["law_subjects"])
    for tok in (verb, *_ancestors(verb)):
        for c in tok.children:
            if c.dep_ in ("nsubj", "nsubj:pass") and (
                    c.lemma_.lower() in laws or any(g.lemma_.lower() in laws and g.dep_ == "compound"
                                                    for g in c.children)):
                return "practice.law"
    return None


def names_no_act(verb: Token) -> str | None:
    """"practice.modifier" for an action word that only describes a noun ("a public or shared
    computer"), "practice.nominal" for one that names documents ("additional regional disclosures")."""
    if verb.dep_ == "amod" or (verb.dep_ == "conj" and verb.head.dep_ == "amod"):
        return "practice.modifier"
    if verb.pos_ == "NOUN" and "Plur" in verb.morph.get("Number") and any(c.dep_ == "amod" for c in verb.children):
        return "practice.nominal"
    return None


def describes_the_policy(verb: Token) -> str | None:
    """"practice.about_policy" for an action the policy only says it explains ("This Privacy Policy
    explains our policy regarding the collection, use and disclosure of ...", "we have developed this
    policy to explain how we may collect, share ...")."""
    heads = set(rules()["describing_verbs"])
    return "practice.about_policy" if any(a.lemma_.lower() in heads for a in _ancestors(verb)) else None
