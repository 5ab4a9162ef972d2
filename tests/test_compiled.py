"""Compiled copies of packaged data files: the same values as reading the sources, rebuilt when they change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flowaudit.inventory import compiled
from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.compiled import YamlError, cached, load_yaml
from flowaudit.loaders import cookies, redact
from publicsuffixlist import PublicSuffixList


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("FLOWAUDIT_CACHE_DIR", str(where))
    return where


def test_build_runs_once_per_source_content(cache: Path, tmp_path: Path) -> None:
    src = tmp_path / "a.yaml"
    src.write_text("- one\n- two\n")
    calls: list[int] = []

    def build() -> list[str]:
        calls.append(1)
        return src.read_text().split()

    assert cached("words", [src], build) == ["-", "one", "-", "two"]
    assert cached("words", [src], build) == ["-", "one", "-", "two"]
    assert len(calls) == 1
    src.write_text("- three\n")
    assert cached("words", [src], build) == ["-", "three"]
    assert len(calls) == 2
    assert len(list(cache.glob("words-*.msgpack"))) == 1   # the stale copy is gone


def test_yaml_round_trip_and_errors(cache: Path, tmp_path: Path) -> None:
    src = tmp_path / "v.yaml"
    src.write_text("a: [1, 2.5, true, null, x]\nb: {c: d}\n")
    first = load_yaml(src)
    assert first == {"a": [1, 2.5, True, None, "x"], "b": {"c": "d"}}
    assert load_yaml(src) == first and list(cache.glob("yaml-*"))
    src.write_text("a: [1, 2\n")
    with pytest.raises(YamlError, match="line 2"):
        load_yaml(src)


def test_value_that_msgpack_changes_is_not_kept(cache: Path, tmp_path: Path) -> None:
    src = tmp_path / "d.yaml"
    src.write_text("when: 2012-11-15\n")   # a date: MessagePack has no date type
    assert str(load_yaml(src)["when"]) == "2012-11-15"
    assert not list(cache.glob("yaml-*"))


def test_damaged_or_unwritable_cache_gives_the_same_value(cache: Path, tmp_path: Path) -> None:
    src = tmp_path / "e.yaml"
    src.write_text("[a, b]\n")
    assert load_yaml(src) == ["a", "b"]
    (copy,) = cache.glob("yaml-*")
    copy.write_bytes(b"\xc1 not msgpack")
    assert load_yaml(src) == ["a", "b"]
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    os.environ["FLOWAUDIT_CACHE_DIR"] = str(blocked / "sub")
    assert load_yaml(src) == ["a", "b"]


def test_icann_rules_answer_as_the_library(cache: Path) -> None:
    full = PublicSuffixList(only_icann=True)
    fast = orgs._psl()
    hosts = ["www.bbc.co.uk", "a.b.city.kawasaki.jp", "x.kawasaki.jp", "shop.example.com", "foo.blogspot.com",
             "xn--80ak6aa92e.com", "sub.пример.рф", "a.b.c.d.nom.br", "s3.amazonaws.com", "localhost", "x.unknowntld"]
    for host in hosts:
        assert fast.privatesuffix(host) == full.privatesuffix(host), host
        assert fast.publicsuffix(host) == full.publicsuffix(host), host


def test_word_list_and_cookie_database_match_their_sources(cache: Path) -> None:
    from english_words import get_english_words_set

    redact.dictionary.cache_clear()
    words = redact.dictionary()
    source = get_english_words_set(["web2"], lower=False, alpha=True)
    for w in ("cat", "Paris", "checkout", "zzzzq", ""):
        assert (w in words) == (w in source), w
    cookies.cookie_database.cache_clear()
    db = cookies.cookie_database()
    assert db.exact["_ga"][0].category == "Analytics"
    assert any(prefix.startswith("_gat") for prefix, _ in db.prefixes)
    cookies.cookie_database.cache_clear()
    assert cookies.cookie_database() == db   # decoded from the compiled copy
    assert compiled.cache_dir() == cache


@pytest.mark.parametrize("module", [compiled, orgs, redact], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_docstring_examples(cache: Path, module) -> None:
    import doctest

    result = doctest.testmod(module)
    assert result.attempted and not result.failed
