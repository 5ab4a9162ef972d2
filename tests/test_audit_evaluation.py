"""The audit against an auditor's labels on real captures of real sites (benchmarks/evaluate_audit.py
prints the full table). Skips where the paired captures are absent: they live beside the repository
in ../shared/paired-dev, or wherever $FLOWAUDIT_PAIRED_DEV points."""

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import evaluate_audit

pytestmark = pytest.mark.skipif(not (evaluate_audit.PAIRS / "labels.yaml").is_file(),
                                reason=f"the paired captures are not here ({evaluate_audit.PAIRS})")


@pytest.fixture(scope="module")
def verdicts():
    labels = evaluate_audit.load_labels(evaluate_audit.PAIRS)
    return [v for site, spec in labels.items() for v in evaluate_audit.evaluate_site(evaluate_audit.PAIRS, site, spec)]


def test_every_labelled_organisation_gets_a_verdict(verdicts):
    assert len(verdicts) == 126
    assert [v.org for v in verdicts if v.flowaudit == evaluate_audit.NONE] == []


def test_a_denial_of_selling_or_an_exception_is_never_read_as_forbidding_all_sharing(verdicts):
    # no label is incorrect or ambiguous: none of the seven policies denies the observed sharing
    assert {v.flowaudit for v in verdicts} <= {"clear", "vague", "omitted"}


def test_the_audit_is_ahead_of_the_name_in_policy_rule_overall(verdicts):
    ours = sum(v.disclosed_agrees for v in verdicts)
    names = sum(v.name_disclosed_agrees for v in verdicts)
    assert ours > names and sum(v.class_agrees for v in verdicts) > sum(v.name_class_agrees for v in verdicts)
    # a floor under the development figures (72% and 67% with the reader of this commit)
    assert ours / len(verdicts) >= 0.70 and sum(v.class_agrees for v in verdicts) / len(verdicts) >= 0.65


def test_the_audit_cites_the_statements_it_used(verdicts):
    for v in verdicts:
        if v.flowaudit in ("clear", "vague"):
            assert all(f["statements"]["for"] for f in v.findings if f["class"] == v.flowaudit), v.org
