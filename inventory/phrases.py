"""The normal form of a data-type phrase, one for the policy reader, the evaluation and trace queries.

A data type named in a policy's own words ("your contact details", "any guest stay information") is
compared by its normal form: lower case, the determiners, possessives, quantifiers and non-classifying
adjectives in front of it dropped (``vocab/phrase_words.yaml``), trailing punctuation dropped, and the
head noun (the last word) in its base form: the parser's lemma where the caller has one, else the shared singular of
:func:`~flowaudit.inventory.text.singular`.

>>> normal_phrase("Your contact details.")
'contact detail'
>>> normal_phrase("any of their guest stay information")
'guest stay information'
>>> normal_phrase("the e-mail preferences", head_lemma="preference")
'e-mail preference'
"""

from __future__ import annotations

from functools import cache

import yaml

from .text import singular
from .vocabulary import VOCAB_DIR

WORDS = VOCAB_DIR / "phrase_words.yaml"
_EDGE_PUNCT = " \t\n.,;:!?()[]{}\"'“”‘’*-–—•"


@cache
def dropped_words() -> frozenset[str]:
    """Words dropped in front of a data-type phrase: determiners, possessives, quantifiers and adjectives
    that do not classify the data ("the above information")."""
    data = yaml.safe_load(WORDS.read_text(encoding="utf-8"))
    keys = ("determiners", "possessives", "quantifiers", "non_classifying")
    return frozenset(w.lower() for key in keys for w in data[key])


def normal_phrase(text: str, head_lemma: str | None = None) -> str:
    """The normal form of a data-type phrase (see the module docstring); '' when nothing is left.

    ``head_lemma`` is the base form of the last word when a parse gives it. Dropped words stand in
    front of the phrase, possibly with "of" ("any of their guest stay information").
    """
    words = [w.strip(_EDGE_PUNCT) for w in text.replace("’", "'").split()]
    words = [w.lower() for w in words if w]
    drop = dropped_words()
    while words and (words[0] in drop or words[0] == "of"):
        words.pop(0)
    if not words:
        return ""
    last = head_lemma.lower() if head_lemma else singular(words[-1])
    return " ".join([*words[:-1], last])
