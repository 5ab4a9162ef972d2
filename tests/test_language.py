"""A policy in a language the reader does not read is refused by name (exit 2), unless --force."""

from __future__ import annotations

import pytest
from flowaudit.loaders import language

from flowaudit.cli import main
from tests.conftest import ROOT, SEED

FRENCH = """# Politique de confidentialité

Nous recueillons votre adresse électronique et votre nom lorsque vous vous inscrivez sur notre site.
Nous partageons ces données avec nos prestataires de paiement. Nous ne vendons jamais vos données
personnelles à des tiers. Les cookies nous permettent de reconnaître votre navigateur.
"""
GERMAN = """# Datenschutzerklärung

Wir erheben Ihre E-Mail-Adresse und Ihren Namen, wenn Sie sich auf unserer Website registrieren.
Wir geben diese Daten an unsere Zahlungsdienstleister weiter. Cookies helfen uns, Ihren Browser
wiederzuerkennen. Wir verkaufen Ihre personenbezogenen Daten niemals an Dritte.
"""


@pytest.mark.parametrize("path", [SEED, *sorted((ROOT / "tests" / "data" / "policies").glob("*-20*.md"))],
                         ids=lambda p: p.name)
def test_every_english_policy_is_english(path):
    assert language.detect(path.read_text(encoding="utf-8")) == "en"


def test_other_languages_are_named():
    assert language.detect(FRENCH) == "fr" and language.detect(GERMAN) == "de"
    assert language.unsupported(FRENCH) == "French" and language.unsupported(SEED.read_text()) is None
    assert language.detect("Privacy") is None  # too short to tell


@pytest.mark.parametrize("text, name", [(FRENCH, "French"), (GERMAN, "German")])
@pytest.mark.parametrize("args", [("extract", "{p}"), ("audit", "{p}"), ("load", "{p}", "--store", "{s}"),
                                  ("diff", str(SEED), "{p}")], ids=lambda a: a[0])
def test_a_foreign_policy_exits_2_naming_its_language(capsys, tmp_path, text, name, args):
    policy, store = tmp_path / "policy.md", tmp_path / "s.json"
    policy.write_text(text, encoding="utf-8")
    code = main([a.format(p=policy, s=store) for a in args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert f"{policy}:line 1: looks {name}; flowaudit reads English policies" in err and "--force" in err
    assert not store.exists()


def test_force_reads_it_anyway(capsys, tmp_path):
    policy = tmp_path / "policy.md"
    policy.write_text(FRENCH, encoding="utf-8")
    assert main(["extract", str(policy), "--force"]) == 0
    assert "flows" in capsys.readouterr().out
