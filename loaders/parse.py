"""Pass 1 of the policy reader: sentences to dependency parses, with the project's own spaCy model.

The model (``loaders/model/``: tagger, lemmatizer and parser trained on UD English-EWT by
``scripts/train-parser``) ships in the package and is loaded from disk; nothing is downloaded.

>>> doc = parse(["We do not sell your email address."])[0]
>>> [(t.text, t.dep_) for t in doc if t.lemma_ == "not"]
[('not', 'advmod')]
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import IDX, LENGTH, LOWER
from spacy.language import Language
from spacy.tokens import Doc, Token
from thinc.api import use_ops

MODEL = Path(__file__).with_name("model")
_BOUNDS = "flowaudit_token_bounds"
_WORDS = "flowaudit_words"


@cache
def pipeline() -> Language:
    """The packaged pipeline, loaded once per process."""
    if not (MODEL / "config.cfg").is_file():
        raise RuntimeError(f"the parser model is missing at {MODEL}; run scripts/train-parser")
    with use_ops("numpy", use_blis=False):
        return spacy.load(MODEL)


def parse(texts: Iterable[str]) -> list[Doc]:
    """One parsed :class:`Doc` per text, in order."""
    return list(pipeline().pipe(texts, batch_size=64))


def _bounds(doc: Doc) -> tuple[list[int], list[int]]:
    """The character offsets where ``doc``'s tokens start and end, in token order; cached on the doc."""
    if _BOUNDS not in doc.user_data:
        cols = doc.to_array([IDX, LENGTH])
        starts = cols[:, 0].tolist()
        doc.user_data[_BOUNDS] = (starts, [a + n for a, n in zip(starts, cols[:, 1].tolist(), strict=True)])
    return doc.user_data[_BOUNDS]


def _token_range(doc: Doc, start: int, end: int) -> range:
    """The indices of the tokens of ``doc`` that overlap the character range [start, end): those that
    end after ``start`` and begin before ``end`` (a binary search, not a walk over the doc)."""
    starts, ends = _bounds(doc)
    return range(bisect_right(ends, start), bisect_left(starts, end))


def tokens_in(doc: Doc, start: int, end: int) -> list[Token]:
    """The tokens of ``doc`` that overlap the character range [start, end).

    >>> doc = parse(["We share your email address."])[0]
    >>> [t.text for t in tokens_in(doc, 14, 27)]
    ['email', 'address']
    """
    return [doc[i] for i in _token_range(doc, start, end)]


def head_of(doc: Doc, start: int, end: int) -> Token | None:
    """The syntactic head of the character range [start, end): its first token whose head lies outside
    it (or that is a root); the last token if none is, None if the range holds no token."""
    span = _token_range(doc, start, end)
    for i in span:
        tok = doc[i]
        head = tok.head.i
        if head not in span or head == i:
            return tok
    return doc[span[-1]] if span else None


def words_of(doc: Doc) -> frozenset[str]:
    """The lower-case forms of ``doc``'s tokens, read once and cached on the doc, to tell cheaply
    whether a pattern's cue word is there at all.

    >>> sorted(words_of(parse(["We do NOT sell it."])[0]))
    ['.', 'do', 'it', 'not', 'sell', 'we']
    """
    if _WORDS not in doc.user_data:
        strings = doc.vocab.strings
        doc.user_data[_WORDS] = frozenset(strings[h] for h in set(doc.to_array(LOWER).tolist()))
    return doc.user_data[_WORDS]


def cue_words(patterns: Iterable[list[dict[str, Any]]]) -> frozenset[str] | None:
    """The words of which a sentence must hold at least one for any of ``patterns`` (DependencyMatcher
    patterns) to match it: for each pattern, the words a node of it must be (``LOWER``); None if a
    pattern asks for no word.

    >>> cue_words([[{"RIGHT_ID": "v", "RIGHT_ATTRS": {"POS": "VERB"}},
    ...             {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "n", "RIGHT_ATTRS": {"LOWER": {"IN": ["not"]}}}]])
    frozenset({'not'})
    """
    out: set[str] = set()
    for pattern in patterns:
        lower = next((node["RIGHT_ATTRS"]["LOWER"] for node in pattern if "LOWER" in node["RIGHT_ATTRS"]), None)
        if isinstance(lower, str):
            out.add(lower)
        elif isinstance(lower, dict) and set(lower) == {"IN"}:
            out.update(lower["IN"])
        else:
            return None
    return frozenset(out)
