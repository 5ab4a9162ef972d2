"""Pass 1 of the policy reader: sentences to dependency parses, with the project's own spaCy model.

The model (``loaders/model/``: tagger, lemmatizer and parser trained on UD English-EWT by
``scripts/train-parser``) ships in the package and is loaded from disk; nothing is downloaded.

>>> doc = parse(["We do not sell your email address."])[0]
>>> [(t.text, t.dep_) for t in doc if t.lemma_ == "not"]
[('not', 'advmod')]
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

MODEL = Path(__file__).with_name("model")


@cache
def pipeline() -> Language:
    """The packaged pipeline, loaded once per process."""
    if not (MODEL / "config.cfg").is_file():
        raise RuntimeError(f"the parser model is missing at {MODEL}; run scripts/train-parser")
    return spacy.load(MODEL)


def parse(texts: Iterable[str]) -> list[Doc]:
    """One parsed :class:`Doc` per text, in order."""
    return list(pipeline().pipe(texts, batch_size=64))


def tokens_in(doc: Doc, start: int, end: int) -> list[Token]:
    """The tokens of ``doc`` that overlap the character range [start, end)."""
    return [t for t in doc if t.idx < end and t.idx + len(t) > start]


def head_of(doc: Doc, start: int, end: int) -> Token | None:
    """The syntactic head of the character range [start, end): its token whose head lies outside it."""
    toks = tokens_in(doc, start, end)
    if not toks:
        return None
    inside = {t.i for t in toks}
    heads = [t for t in toks if t.head.i not in inside or t.head.i == t.i]
    return heads[0] if heads else toks[-1]


def subtree_span(token: Token) -> Span:
    """The contiguous span of ``token``'s subtree."""
    return token.doc[token.left_edge.i : token.right_edge.i + 1]
