"""The seed policy audited by itself: each rule, the sentence it rests on, and its place in the file."""

from __future__ import annotations

import pytest
from flowaudit.graph.audit import audit_records, rules
from flowaudit.loaders.policy import extract_policy

from tests.conftest import SEED

# rule id → (a phrase of the sentence it rests on, a phrase of a sentence against it or None)
EXPECTED = {
    "FA101": ("including the username and password to support optional automatic logon", None),
    "FA102": ("Plimus cookies do not have an expiration date", None),
    "FA103": ("Cookie management tools provided by your browser will not remove Flash cookies", None),
    "FA104": ("We tie the information gathered by clear gifs to our customers’ personally identifiable", None),
    "FA105": ("may disclose personal information without notification", None),
    "FA106": ("as part of any corporate merger", "You will be notified via email"),
    "FA107": ("does not cover information collected through mobile applications", None),
    "FA108": ("Users cannot normally opt-out of this kind of email communication", None),
}


@pytest.fixture(scope="module")
def self_audit():
    return [f for f in audit_records(extract_policy(SEED)) if f["class"] == "policy"]


def test_every_rule_is_data_with_an_explanation():
    spec = rules()["rules"]
    assert set(spec) == set(EXPECTED)
    for rule in spec.values():
        assert rule["severity"] in ("error", "warning", "note") and rule["title"] and rule["explanation"]


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_rule_fires_on_the_seed_with_its_sentence(self_audit, rule_id):
    found = [f for f in self_audit if f["rule"] == rule_id]
    assert found, f"{rule_id} did not fire"
    phrase, against = EXPECTED[rule_id]
    lines = SEED.read_text(encoding="utf-8").splitlines()
    f = next(f for f in found if any(phrase in s["text"] for s in f["statements"]["for"]))
    assert f["severity"] == rules()["rules"][rule_id]["severity"]
    quote = next(s for s in f["statements"]["for"] if phrase in s["text"])
    assert quote["source"].endswith("policy.md") and quote["sentence"] and quote["section"] is not None
    assert phrase in lines[quote["line"] - 1]
    if against:
        assert any(against in s["text"] for s in f["statements"]["against"])


def test_credentials_rule_names_the_fields(self_audit):
    f = next(f for f in self_audit if f["rule"] == "FA101")
    assert "password" in f["message"] and "username" in f["message"]


def test_seal_gaps_name_each_channel_with_the_collection_it_leaves_uncovered(self_audit):
    gaps = {f["message"]: f for f in self_audit if f["rule"] == "FA107"}
    assert set(gaps) == {"practice the named seal or framework does not cover: TRUSTe program does not cover mobile",
                         "practice the named seal or framework does not cover: TRUSTe program does not cover software"}
    mobile = gaps["practice the named seal or framework does not cover: TRUSTe program does not cover mobile"]
    assert any("through mobile devices" in s["text"] for s in mobile["statements"]["against"])
    assert not any("TRUSTe" in s["text"] for f in gaps.values() for s in f["statements"]["against"])


def test_authority_rule_names_the_recipient(self_audit):
    f = next(f for f in self_audit if f["rule"] == "FA105")
    assert f["recipient"]["kind"] == "authority" and f["field"]["id"] == "field:personal_information"


def test_a_policy_without_these_practices_raises_none(tmp_path):
    policy = tmp_path / "policy.md"
    policy.write_text("# Privacy policy\n\nShop (\"we\") runs this web site. Shop collects your e-mail address "
                      "through the registration form. Our session cookies expire when you close your browser. "
                      "You may opt out of our newsletter at any time.\n")
    assert [f for f in audit_records(extract_policy(policy)) if f["class"] == "policy"] == []


def test_statement_facts_the_rules_read(tmp_path):
    records = extract_policy(SEED)
    facts = {n.properties["sentence"]: n.properties for n in records.nodes.values() if n.kind == "statement"}
    seal = next(p for p in facts.values() if p.get("program"))
    assert seal["program"] == "TRUSTe program"
    assert seal["excludes"] == ["collection_point:mobile", "collection_point:software"]
    assert {p.get("opt_out") for p in facts.values()} >= {"offered", "not offered"}
    notices = {(p["notice"], tuple(p.get("conditions", []))) for p in facts.values() if p.get("notice")}
    assert ("without", ("merger or acquisition",)) in notices and ("with", ("merger or acquisition",)) in notices
