"""Policy versions: the seed (2012) against the 2016 text of the same company."""

import pytest
from flowaudit.graph.policy_diff import CHANGES, diff_policies
from flowaudit.loaders.policy import extract_policy

from tests.conftest import POLICIES, SEED


@pytest.fixture(scope="module")
def changes(seed_records):
    return diff_policies(seed_records, extract_policy(POLICIES / "plimus-2016.md"))


def test_same_policy_has_no_changes(seed_records):
    assert diff_policies(seed_records, extract_policy(SEED)) == []


def test_changes_cite_both_texts(changes):
    assert changes
    for row in changes:
        assert row["change"] in CHANGES
        if row["change"] != "added":
            assert row["old_evidence"] and all(e["source"].endswith("policy.md") for e in row["old_evidence"])
        if row["change"] != "removed":
            assert row["new_evidence"] and all(e["source"].endswith("plimus-2016.md") for e in row["new_evidence"])


def test_first_party_rename_is_not_a_change(changes):
    # Plimus became BlueSnap: flows to the payment processors are in both versions.
    kept = {(r["field"], r["recipient"]) for r in changes if r["change"] in ("added", "removed")}
    assert ("credit card number", "payment processor") not in kept


def test_known_differences(changes):
    rows = {(r["change"], r["field"], r["recipient"]) for r in changes}
    # 2016 adds "Transaction details may also be passed to relevant taxation authorities".
    assert ("added", "transaction history", "government authority") in rows
    # 2016 adds "We do not sell your personal information to third parties" next to a positive
    # "will share your personal information with third parties only in the ways ... described".
    assert ("added", "personal information", "third party") in rows
    negative = [r for r in changes if r["recipient"] == "third party" and r["new"] and r["new"]["polarity"] == "-"]
    assert negative and "do not sell" in negative[0]["new_evidence"][0]["text"]


def _policy(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(f"# Acme privacy policy\n\n{text}\n", encoding="utf-8")
    return extract_policy(path)


def test_polarity_condition_and_removal(tmp_path):
    old = _policy(tmp_path, "old.md", "We share your e-mail address with advertisers. "
                  "We may disclose your personal information to law enforcement agencies. "
                  "We share your phone number with payment processors.")
    new = _policy(tmp_path, "new.md", "We do not share your e-mail address with advertisers. "
                  "We may disclose your personal information to law enforcement agencies when required by law.")
    rows = {(r["change"], r["field"], r["recipient"]) for r in diff_policies(old, new)}
    assert ("polarity", "e-mail address", "advertiser") in rows
    assert ("conditions", "personal information", "government authority") in rows
    assert ("removed", "phone number", "payment processor") in rows
