"""Extraction quality over the labelled policies: no stated negative read as a positive flow (held-out
policies included: it is a safety property, not a score to tune), and accuracy floors on the
development labels that guard against regressions (the full table is benchmarks/evaluate_extraction.py)."""

import sys
from pathlib import Path

import pytest
import yaml
from flowaudit.loaders.policy import extract_policy

from tests.conftest import POLICIES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import evaluate_extraction

LABELS = sorted((ROOT / "tests" / "data" / "labels").glob("*.yaml"))
HELDOUT = sorted((ROOT / "tests" / "data" / "heldout").glob("*.yaml"))


def _squash(text: str) -> str:
    return " ".join(text.replace("**", "").split())


@pytest.mark.parametrize("label_file", LABELS + HELDOUT, ids=lambda p: Path(p).stem)
def test_every_label_quotes_its_policy(label_file):
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    text = _squash((POLICIES / doc["policy"]).read_text(encoding="utf-8"))
    quoted = [item["sentence"] for kind in ("fields", "recipients", "negatives", "trackers", "sharing")
              for item in doc.get(kind) or []]
    assert quoted and [q for q in quoted if _squash(q) not in text] == []


@pytest.mark.parametrize("label_file", LABELS + HELDOUT, ids=lambda p: Path(p).stem)
def test_no_stated_negative_becomes_an_unconditional_positive(label_file):
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    records = extract_policy(POLICIES / doc["policy"])
    for neg in doc.get("negatives") or []:
        fid = evaluate_extraction.resolve("fields", neg["field"])
        first = neg["recipient"].strip().lower() == "first party"
        rid = "first_party" if first else evaluate_extraction.resolve("parties", neg["recipient"])
        if fid is None or rid is None:
            continue
        covered = {f"field:{fid}"}
        quoted = _squash(neg["sentence"])
        for flow in records.flows.values():
            target = records.nodes[flow.target]
            kind = "first_party" if target.kind == "first_party" else target.properties.get("party_kind")
            if (flow.field in covered and kind == rid
                    and any(quoted in _squash(e.text) for e in flow.evidence)):
                assert flow.polarity == "-" or flow.conditions, (neg["sentence"], flow.to_dict())



def test_development_labels_meet_the_accuracy_targets():
    totals = {}
    for label_file in LABELS:
        for kind, (p, r, n_got, n_gold) in evaluate_extraction.evaluate(label_file).items():
            t = totals.setdefault(kind, [0.0, 0.0, 0, 0])
            t[0] += p * n_got
            t[1] += r * n_gold
            t[2] += n_got
            t[3] += n_gold
    score = {k: (t[0] / max(t[2], 1), t[1] / max(t[3], 1)) for k, t in totals.items()}
    # the targets: precision 0.95 and recall 0.85 for recipients, fields and trackers; 0.80 for sharing facts
    for kind in ("recipients", "fields", "trackers"):
        assert score[kind][0] >= 0.95 and score[kind][1] >= 0.85, (kind, score[kind])
    assert score["sharing"][0] >= 0.80 and score["sharing"][1] >= 0.80, score["sharing"]
