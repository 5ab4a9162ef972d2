"""No phrase of the policy reader's vocabularies or lexicon comes from a single document.

The rule: every label, alias or lexicon phrase of three or more words (after
:func:`flowaudit.inventory.text.phrase_key`, the normalisation the reader matches with) must occur in
the policies of at least two publishers in ``tests/data/policies/``, or be listed with a reason as general English in
``inventory/vocab/general_english.yaml``. The lexicon is ``loaders/lexicon/patterns.yaml``,
``loaders/lexicon/polarity.yaml`` and ``loaders/lexicon/frames.yaml``; regular expressions in it are skipped.

- A phrase found in **exactly one** publisher's policy and not listed fails: it was probably copied
  from that policy and flatters the development figures. Versions of one publisher's policy count
  once (``plimus-2012.md`` is the seed and ``plimus-2016.md`` its later version: one document's
  wording, twice).
- A phrase found in **no** policy of the set was not copied from one of them, so it does not fail;
  the test prints how many there are (run with ``-s`` to see the count). Nor does a phrase found only
  in a blind round's policy (``tests/data/heldout/roundN``): those texts were added after the phrase
  and nobody tuned on them, so it cannot have been copied from them.
- Occurrence is counted on the policy's normalised words (the same tokens and normal forms as the
  phrase), as a run of whole words; punctuation between words is ignored, as the reader's matcher
  ignores it. The dataset's own header lines (source comment, snapshot note) are not policy text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml
from flowaudit.inventory.text import phrase_key
from flowaudit.inventory.vocabulary import VOCAB_DIR, VOCABULARIES
from flowaudit.loaders.frames import TABLE as FRAMES
from flowaudit.loaders.polarity import RULES
from flowaudit.loaders.policy import PATTERNS

from tests.conftest import POLICY_FILES, ROOT

GENERAL_ENGLISH = VOCAB_DIR / "general_english.yaml"
# The policy reader's lexicon: cue phrases and word lists, and the polarity and frame rules on the parse.
LEXICON = (PATTERNS, RULES, FRAMES)
MIN_WORDS = 3
# Lines the dataset adds to every policy: the source comment and the Wayback snapshot note.
_HEADER_PREFIXES = ("<!--", "> *The following text is extracted")


def _is_regex(text: str) -> bool:
    """True for the lexicon's regular expressions (named groups, escapes), which are not phrases."""
    return "(?" in text or "\\" in text


def _strings(node: object) -> Iterator[str]:
    """Every string inside the lists of a parsed YAML document, at any depth."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str):
                yield item
            else:
                yield from _strings(item)


def _file_phrases(path: Path) -> Iterator[str]:
    """The label and alias phrases of a vocabulary file, or the phrase lists of the lexicon."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if path in LEXICON:
        yield from (s for s in _strings(data) if not _is_regex(s))
        return
    for entry in data:
        yield str(entry["label"])
        yield from (str(a) for a in entry.get("aliases") or ())


@cache
def phrases() -> dict[tuple[str, ...], list[tuple[str, str]]]:
    """Normalised phrase of three or more words → every (file, phrase as written) it comes from."""
    out: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    root = VOCAB_DIR.parent.parent
    for path in [*(VOCAB_DIR / f"{name}.yaml" for name in VOCABULARIES), *LEXICON]:
        for phrase in _file_phrases(path):
            key = phrase_key(phrase)
            if len(key) >= MIN_WORDS:
                out.setdefault(key, []).append((str(path.relative_to(root)), phrase))
    return out


def _policy_words(path: Path) -> tuple[str, ...]:
    """The normalised words of one policy, the dataset's header lines left out."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith(_HEADER_PREFIXES)]
    return phrase_key("\n".join(lines))


def blind_publishers() -> set[str]:
    """The publishers of the blind rounds' policies, read from their label files."""
    labels = (ROOT / "tests" / "data" / "heldout").glob("round*/*.yaml")
    return {publisher(Path(yaml.safe_load(p.read_text(encoding="utf-8"))["policy"])) for p in labels}


def publisher(path: Path) -> str:
    """The publisher a policy file belongs to: its name without the year ("plimus-2016.md" → "plimus")."""
    return re.sub(r"-\d{4}$", "", path.stem)


@cache
def occurrences() -> dict[tuple[str, ...], list[str]]:
    """Normalised phrase → the publishers whose policies it occurs in."""
    wanted = phrases()
    lengths = {len(k) for k in wanted}
    found: dict[tuple[str, ...], set[str]] = {k: set() for k in wanted}
    for path in POLICY_FILES:
        words = _policy_words(path)
        grams = {words[i : i + n] for n in lengths for i in range(len(words) - n + 1)}
        for key in wanted.keys() & grams:
            found[key].add(publisher(path))
    return {k: sorted(v) for k, v in found.items()}


def general_english() -> dict[tuple[str, ...], str]:
    """The listed general-English phrases (normalised) and their reasons."""
    entries = yaml.safe_load(GENERAL_ENGLISH.read_text(encoding="utf-8"))
    return {phrase_key(e["phrase"]): e["reason"] for e in entries}


def test_the_counter_matches_whole_words_after_normalisation():
    # "credit card numbers" is the alias "credit card number"; "debit cardholder" is no "debit card".
    words = phrase_key("We collect credit-card numbers, debit cardholder names.")
    assert words == ("we", "collect", "credit", "card", "number", "debit", "cardholder", "name")
    assert _is_regex(r"owned and operated by (?P<name>[A-Z]\w*)") and not _is_regex("such as")
    assert publisher(Path("plimus-2016.md")) == publisher(Path("plimus-2012.md")) == "plimus"
    assert publisher(Path("webmd.com-2010.md")) == "webmd.com"


def test_the_general_english_list_is_well_formed():
    entries = yaml.safe_load(GENERAL_ENGLISH.read_text(encoding="utf-8"))
    known = phrases()
    seen: set[tuple[str, ...]] = set()
    for entry in entries:
        assert set(entry) == {"phrase", "reason"}, entry
        assert len(str(entry["reason"]).split()) >= 3, f"{entry['phrase']!r}: give a reason"
        key = phrase_key(entry["phrase"])
        assert key not in seen, f"{entry['phrase']!r} is listed twice"
        seen.add(key)
        assert key in known, f"{entry['phrase']!r} is in no vocabulary or lexicon any more: remove it from the list"


def test_no_phrase_comes_from_a_single_policy():
    listed = general_english()
    found = occurrences()
    blind = blind_publishers()
    single = sorted(
        (file, phrase, policies[0])
        for key, policies in found.items()
        if len(policies) == 1 and key not in listed and policies[0] not in blind
        for file, phrase in phrases()[key]
    )
    unseen = sum(1 for policies in found.values() if not policies)
    print(f"{len(found)} phrases of {MIN_WORDS}+ words; {unseen} occur in no policy of the set; "
          f"{len(listed)} listed as general English")
    assert not single, f"{len(single)} phrases occur in one publisher's policy only:\n" + "\n".join(
        f"{file} | {phrase} | {policy}" for file, phrase, policy in single
    )
