"""The parse pass's lookups give what a plain walk over the parse gives, only faster."""

from pathlib import Path

import pytest
from flowaudit.loaders import polarity
from flowaudit.loaders.parse import cue_words, head_of, parse, tokens_in, words_of
from flowaudit.loaders.policy_text import read_policy

POLICY = Path(__file__).parent / "data" / "policies" / "plimus-2012.md"
SENTENCES = [
    "We do not sell or rent your e-mail address to advertisers (such as Google, Inc.).",
    "Under no circumstances do we share your name, but we may share aggregate data.",
    "  Cookies  are small files.",
]


def _walk_tokens(doc, start, end):
    return [t for t in doc if t.idx < end and t.idx + len(t) > start]


def _walk_head(doc, start, end):
    toks = _walk_tokens(doc, start, end)
    if not toks:
        return None
    inside = {t.i for t in toks}
    heads = [t for t in toks if t.head.i not in inside or t.head.i == t.i]
    return heads[0] if heads else toks[-1]


@pytest.mark.parametrize("text", SENTENCES)
def test_tokens_and_heads_of_every_character_range_match_a_walk(text):
    doc = parse([text])[0]
    for start in range(len(text) + 1):
        for end in range(start, len(text) + 2):
            assert tokens_in(doc, start, end) == _walk_tokens(doc, start, end), (start, end)
            assert head_of(doc, start, end) == _walk_head(doc, start, end), (start, end)


def test_cue_words_are_the_words_every_pattern_needs_or_none():
    verb = {"RIGHT_ID": "v", "RIGHT_ATTRS": {"POS": "VERB"}}
    nor = {"LEFT_ID": "v", "REL_OP": ">>", "RIGHT_ID": "n", "RIGHT_ATTRS": {"LOWER": "nor"}}
    no = {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "d", "RIGHT_ATTRS": {"LOWER": {"IN": ["no", "neither"]}}}
    assert cue_words([[verb, nor], [verb, no]]) == {"nor", "no", "neither"}
    assert cue_words([[verb, nor], [verb]]) is None  # a pattern that needs no word: nothing can be skipped


def test_negation_patterns_match_no_sentence_without_a_cue_word():
    """The negation matcher is skipped where no cue word stands; on a real policy it finds nothing there."""
    cues = polarity._cues()
    assert cues is not None and {"not", "never", "no", "nor"} <= cues
    docs = parse(s.text for s in read_policy(POLICY).sentences)
    skipped = [doc for doc in docs if not words_of(doc) & cues]
    assert skipped and len(skipped) < len(docs)
    assert all(polarity._matcher()(doc) == [] for doc in skipped)
