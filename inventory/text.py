"""Tokens and normal forms shared by every matcher, so vocabulary and text are compared alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Dotted abbreviations ("e.g.", "i.e.", "U.S.") are one token; then words, then single marks.
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}(?![A-Za-z])|[A-Za-z0-9]+(?:[’'][A-Za-z]+)?|[^\sA-Za-z0-9]")
_KEEP_S = ("ss", "us", "is", "os", "as")


@dataclass(frozen=True)
class Token:
    """A word or punctuation mark with its normal form and character span."""

    text: str
    norm: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        """True for words and numbers, False for punctuation."""
        return self.norm[:1].isalnum()


def singular(word: str) -> str:
    """A crude but symmetric singular: applied to vocabulary and text alike."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_KEEP_S):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


def normal(word: str) -> str:
    """Normal form of one word: lower case, possessive dropped, singular."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    elif "'" in w:
        w = w.split("'")[0] if w.endswith("'") else w
    return singular(w) if w.isalpha() else w


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into words and punctuation; hyphens separate words ("e-mail" → e, mail)."""
    tokens = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        if raw in "-–—‐":
            continue
        tokens.append(Token(raw, normal(raw), m.start(), m.end()))
    return tokens


@lru_cache(maxsize=65536)
def phrase_key(text: str) -> tuple[str, ...]:
    """The normalised word sequence used to compare a vocabulary phrase with text."""
    return tuple(t.norm for t in tokenize(text) if t.is_word or t.norm in "&/")
