"""Vocabularies as data: terms with labels, aliases and a parent, and a phrase matcher over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .compiled import YamlError, load_yaml
from .text import Token, phrase_key, tokenize

VOCAB_DIR = Path(__file__).with_name("vocab")
VOCABULARIES = ("fields", "parties", "subjects", "collection_points", "purposes", "trackers", "actions")


@dataclass(frozen=True)
class Term:
    """One vocabulary entry."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def get(self, key: str, default: Any = None) -> Any:
        """A kind-specific property (``kind``, ``fideslang``, ``opp115``, ``channel``...)."""
        return self.props.get(key, default)


class VocabularyError(ValueError):
    """A vocabulary file is malformed."""


class Vocabulary:
    """A set of terms forming a forest through ``parent``."""

    def __init__(self, name: str, terms: Iterable[Term]):
        self.name = name
        self.terms: dict[str, Term] = {}
        for term in terms:
            if term.id in self.terms:
                raise VocabularyError(f"{name}: duplicate id {term.id!r}")
            self.terms[term.id] = term
        for term in self.terms.values():
            if term.parent is not None and term.parent not in self.terms:
                raise VocabularyError(f"{name}: {term.id!r} has unknown parent {term.parent!r}")
        self._children: dict[str, list[str]] = {}
        for term in self.terms.values():
            if term.parent:
                self._children.setdefault(term.parent, []).append(term.id)
        self._by_phrase: dict[tuple[str, ...], str] = {}
        for term in self.terms.values():
            for phrase in (term.label, *term.aliases):
                self._by_phrase.setdefault(phrase_key(phrase), term.id)

    @classmethod
    def from_file(cls, path: Path, name: str | None = None) -> Vocabulary:
        """Read a vocabulary YAML list (see ``vocab/README.md``)."""
        try:
            entries = load_yaml(path) or []
        except YamlError as exc:
            raise VocabularyError(f"{path}: {exc}") from exc
        terms = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or "id" not in entry or "label" not in entry:
                raise VocabularyError(f"{path}: entry {i} needs an id and a label")
            props = {k: v for k, v in entry.items() if k not in ("id", "label", "aliases", "parent")}
            terms.append(
                Term(
                    id=str(entry["id"]),
                    label=str(entry["label"]),
                    aliases=tuple(str(a) for a in entry.get("aliases") or ()),
                    parent=entry.get("parent"),
                    props=props,
                )
            )
        return cls(name or path.stem, terms)

    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())

    def __len__(self) -> int:
        return len(self.terms)

    def __getitem__(self, term_id: str) -> Term:
        return self.terms[term_id]

    def lookup(self, phrase: str) -> Term | None:
        """The term whose label or alias is ``phrase`` (normalised), or None."""
        term_id = self._by_phrase.get(phrase_key(phrase))
        return self.terms[term_id] if term_id else None

    def ancestors(self, term_id: str) -> list[str]:
        """Parent, grandparent, ... up to the root."""
        out = []
        parent = self.terms[term_id].parent
        while parent is not None and parent not in out:
            out.append(parent)
            parent = self.terms[parent].parent
        return out

    def children(self, term_id: str) -> list[str]:
        """Direct children of ``term_id``."""
        return list(self._children.get(term_id, ()))

    def descendants(self, term_id: str) -> list[str]:
        """Every term below ``term_id``."""
        out, todo = [], list(self._children.get(term_id, ()))
        while todo:
            tid = todo.pop()
            out.append(tid)
            todo.extend(self._children.get(tid, ()))
        return out

    def root(self, term_id: str) -> str:
        """The topmost ancestor of ``term_id`` (itself for a root)."""
        chain = self.ancestors(term_id)
        return chain[-1] if chain else term_id


@cache
def load(name: str) -> Vocabulary:
    """The packaged vocabulary ``name`` (one of :data:`VOCABULARIES`), read once."""
    if name not in VOCABULARIES:
        raise KeyError(name)
    return Vocabulary.from_file(VOCAB_DIR / f"{name}.yaml", name)


@dataclass(frozen=True)
class Mention:
    """A phrase found in text: its token span and every (category, id) it can stand for."""

    start: int
    end: int
    char_start: int
    char_end: int
    text: str
    senses: tuple[tuple[str, str], ...]

    def ids(self, category: str) -> list[str]:
        """The ids this mention has in ``category``."""
        return [i for c, i in self.senses if c == category]

    def has(self, category: str) -> bool:
        """True if the mention can be read as ``category``."""
        return any(c == category for c, _ in self.senses)


class PhraseMatcher:
    """Longest-match phrase finder over normalised tokens; one phrase may carry several senses."""

    def __init__(self) -> None:
        self._trie: dict = {}

    def add(self, phrase: str, category: str, term_id: str) -> None:
        """Register ``phrase`` as meaning ``term_id`` in ``category``."""
        key = phrase_key(phrase)
        if not key:
            return
        node = self._trie
        for word in key:
            node = node.setdefault(word, {})
        senses = node.setdefault(None, [])
        if (category, term_id) not in senses:
            senses.append((category, term_id))

    def extended(self, phrases: Iterable[tuple[str, str, str]]) -> PhraseMatcher:
        """A matcher that also knows ``phrases`` (phrase, category, id); this one is left as it is.

        Only the trie nodes along the new phrases are copied, so extending a large matcher with a few
        phrases (a document's own names) is cheap.
        """
        out = PhraseMatcher()
        out._trie = dict(self._trie)
        for phrase, category, term_id in phrases:
            key = phrase_key(phrase)
            if not key:
                continue
            node = out._trie
            for word in key:
                node[word] = dict(node.get(word, {}))
                node = node[word]
            senses = list(node.get(None, []))
            if (category, term_id) not in senses:
                senses.append((category, term_id))
            node[None] = senses
        return out

    def add_vocabulary(self, vocab: Vocabulary, category: str) -> None:
        """Register every label and alias of ``vocab``."""
        for term in vocab:
            for phrase in (term.label, *term.aliases):
                self.add(phrase, category, term.id)

    def find(self, text: str, tokens: list[Token] | None = None) -> list[Mention]:
        """Non-overlapping longest matches, left to right."""
        tokens = tokenize(text) if tokens is None else tokens
        words = list(enumerate(tokens))
        out: list[Mention] = []
        k = 0
        while k < len(words):
            node, best, j = self._trie, None, k
            while j < len(words) and words[j][1].norm in node:
                node = node[words[j][1].norm]
                j += 1
                if None in node:
                    best = (j, node[None])
            if best is None:
                k += 1
                continue
            end_k, senses = best
            first, last = words[k], words[end_k - 1]
            out.append(
                Mention(
                    start=first[0],
                    end=last[0] + 1,
                    char_start=first[1].start,
                    char_end=last[1].end,
                    text=text[first[1].start : last[1].end],
                    senses=tuple(senses),
                )
            )
            k = end_k
        return out
