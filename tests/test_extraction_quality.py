"""Extraction quality over the labelled policies: no stated negative read as a positive flow (blind
rounds included: it is a safety property, not a score to tune), and floors on the development figures
that guard against regressions (the full tables are benchmarks/evaluate_extraction.py; the evidence is
the blind figure, not these floors)."""

import sys
from pathlib import Path

import pytest
import yaml
from flowaudit.loaders.policy import extract_policy

from tests.conftest import POLICIES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import evaluate_extraction

LABELS = sorted((ROOT / "tests" / "data" / "labels").glob("*.yaml"))
BLIND = sorted((ROOT / "tests" / "data" / "heldout").glob("round*/*.yaml"))


def _squash(text: str) -> str:
    return " ".join(text.replace("**", "").split())


@pytest.mark.parametrize("label_file", LABELS + BLIND, ids=lambda p: Path(p).stem)
def test_every_label_quotes_its_policy(label_file):
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    text = _squash((POLICIES / doc["policy"]).read_text(encoding="utf-8"))
    quoted = [item["sentence"] for kind in ("fields", "recipients", "negatives", "trackers", "sharing")
              for item in doc.get(kind) or []]
    assert quoted and [q for q in quoted if _squash(q) not in text] == []


# Known failures, each with what the reader does not read yet
NEGATIVE_READ_AS_POSITIVE = {
    # blind round 7: these two failures were seen when the round was first run through the suite, after
    # its score was recorded; the reader was not changed for them
    "matrix.org-2025": "\"the encryption keys are stored only on your devices\": a restriction by \"only\" to the "
                       "user's own devices denies that the organisation holds the keys; the reader has no "
                       "negation word there and reads the storing as the organisation's",
    "onetimesecret.com-2024": "\"We do not intentionally collect information that is stored in your secret\": the "
                              "relative clause's verb (\"is stored\") is read as a practice of its own, outside "
                              "the denial of collecting",
    "zotero.org-2019": "the denial is carried by \"never touch Zotero servers\", a verb the lexicon does not "
                       "read as collection; the positive comes from \"when you enter your full name ...\"",
}


@pytest.mark.parametrize("label_file", [
    pytest.param(f, marks=pytest.mark.xfail(reason=NEGATIVE_READ_AS_POSITIVE[f.stem], strict=True))
    if f.stem in NEGATIVE_READ_AS_POSITIVE else f for f in LABELS + BLIND], ids=lambda p: Path(p).stem)
def test_no_stated_negative_becomes_an_unconditional_positive(label_file):
    doc = yaml.safe_load(label_file.read_text(encoding="utf-8"))
    records = extract_policy(POLICIES / doc["policy"])
    for neg in doc.get("negatives") or []:
        fid = evaluate_extraction.resolve("fields", neg["field"])
        first = str(neg.get("recipient", "")).strip().lower() == "first party"
        rid = "first_party" if first else evaluate_extraction.resolve("parties", neg.get("recipient"))
        if fid is None or rid is None:
            continue
        quoted = _squash(neg["sentence"])
        for flow in records.flows.values():
            target = records.nodes[flow.target]
            kind = "first_party" if target.kind == "first_party" else target.properties.get("party_kind")
            if (flow.field == f"field:{fid}" and kind == rid
                    and any(quoted in _squash(e.text) for e in flow.evidence)):
                assert flow.polarity == "-" or flow.conditions, (neg["sentence"], flow.to_dict())


def test_development_figures_do_not_regress():
    totals = {}
    for label_file in LABELS:
        for kind, counts in evaluate_extraction.evaluate(label_file).items():
            totals[kind] = [a + b for a, b in zip(totals.get(kind, [0, 0, 0, 0]), counts, strict=True)]
    score = {k: (t[0] / max(t[1], 1), t[2] / max(t[3], 1)) for k, t in totals.items()}
    for kind, (p, r) in FLOORS.items():
        assert score[kind][0] >= p and score[kind][1] >= r, (kind, score[kind])


# precision and recall floors, a little under the development figures the README reports
# (fields, sharing and negatives precision fell when the reader began to state data types in the
# policies' own words, which the labels list only in part; recall rose; they rose again when the open
# data-type pass learnt which heads and forms name no data, and recall when the reader learnt givers,
# list lead-ins and examples, and the parties the organisation engages (which receive the data of their
# sentence, or personal information if it names none: sharing precision fell a little there))
# Rounds 4 and 5 joined the development labels when their misses were read (27 policies): the floors
# sit just under those figures (fields P 0.76 R 0.65, recipients R 0.73, trackers P 0.98 R 0.91,
# sharing P 0.70 R 0.58, negatives P 0.59 R 0.56).
FLOORS = {"fields": (0.74, 0.63), "recipients": (0.95, 0.71), "trackers": (0.95, 0.89),
          "sharing": (0.68, 0.56), "negatives": (0.56, 0.54)}
