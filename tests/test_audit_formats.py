"""Audit output: SARIF 2.1.0 against its schema, JUnit, Markdown, JSON, exit codes and a stable order."""

from __future__ import annotations

import contextlib
import io
import json
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from flowaudit.cli import main
from tests.conftest import ROOT, SEED

EVIDENCE = [str(p) for p in sorted((ROOT / "examples" / "plimus" / "evidence").iterdir())]
SOURCES = [str(SEED), *EVIDENCE]
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def run(capsys, *args):
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def outputs():
    """Each format printed once, through the CLI's entry point."""
    out = {}
    for fmt in ("json", "sarif", "junit", "markdown", "table"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = main(["audit", *SOURCES, "--format", fmt, "--fail-on", "omitted,incorrect"])
        out[fmt] = (code, buf.getvalue())
    return out


def test_json_contract(outputs):
    code, text = outputs["json"]
    assert code == 1
    doc = json.loads(text)
    assert set(doc) == {"findings"} and doc["findings"]
    for f in doc["findings"]:
        assert {"class", "field", "recipient", "statements", "evidence", "severity", "rule"} <= set(f)
        assert f["severity"] in ("error", "warning", "note")
        if f["recipient"]:
            assert {"label", "kind"} <= set(f["recipient"])
    orgs = {f["recipient"]["organization"]["label"] for f in doc["findings"]
            if f["recipient"] and "organization" in f["recipient"]}
    assert {"Facebook", "CJ Affiliate", "Authorize.Net"} <= orgs


def test_sarif_is_valid_2_1_0(outputs):
    _, text = outputs["sarif"]
    doc = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    assert doc["version"] == "2.1.0"
    run_ = doc["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    for r in run_["results"]:
        assert run_["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] in rule_ids
        assert r["level"] in ("error", "warning", "note")


def test_sarif_points_at_the_policy_line_and_the_evidence_file(outputs):
    results = json.loads(outputs["sarif"][1])["runs"][0]["results"]
    vague = next(r for r in results if r["properties"]["class"] == "vague"
                 and r["properties"]["field"]["id"] == "field:postal_code")
    primary = vague["locations"][0]["physicalLocation"]
    assert primary["artifactLocation"]["uri"].endswith("examples/plimus/policy.md")
    line = primary["region"]["startLine"]
    assert "only as necessary" in SEED.read_text(encoding="utf-8").splitlines()[line - 1]
    related = [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in vague["relatedLocations"]]
    assert any(u.endswith("examples/plimus/evidence/checkout.har") for u in related)
    fb = next(r for r in results if r["properties"]["class"] == "omitted")
    assert fb["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".har")
    assert not any(r["properties"]["class"] == "clear" for r in results)


def test_junit_one_testcase_per_recipient_and_field(outputs):
    _, text = outputs["junit"]
    root = ET.fromstring(text)
    cases = root.findall("./testsuite/testcase")
    names = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(names) == len(set(names))
    failed = {n for c, n in zip(cases, names, strict=True) if c.find("failure") is not None}
    assert ("Facebook (advertising_provider)", "hashed e-mail address") in failed
    assert ("CJ Affiliate (marketing_affiliate)", "hashed e-mail address") in failed
    assert ("Authorize.Net (payment_processor)", "credit card number") not in failed
    suite = root.find("testsuite")
    assert int(suite.get("tests")) == len(cases) and int(suite.get("failures")) == len(failed)
    failure = next(c for c in cases if c.get("classname").startswith("CJ")).find("failure")
    assert failure.get("type") == "omitted"


def test_markdown_report(outputs):
    _, text = outputs["markdown"]
    assert text.startswith("# flowaudit audit\n")
    assert "| Facebook | advertising_provider | omitted | undisclosed |" in text
    assert "| TrustArc | consent_manager | vague | disclosed |" in text
    assert "## The policy audited by itself" in text
    assert "“Plimus cookies do not have an expiration date.”" in text


def test_table(outputs):
    code, text = outputs["table"]
    lines = text.splitlines()
    assert code == 1 and re.match(r"\d+ findings: \d+ errors", lines[0])
    facebook = next(line.split() for line in lines if line.startswith("Facebook "))
    assert facebook[1] == "omitted"


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "table"])
def test_output_is_deterministic(capsys, fmt):
    first = run(capsys, *SOURCES, "--format", fmt)
    second = run(capsys, *SOURCES, "--format", fmt)
    assert first == second and first[1]


def test_exit_codes(capsys, tmp_path):
    assert run(capsys, *SOURCES)[0] == 0  # no --fail-on: findings are reported, the gate is open
    assert run(capsys, *SOURCES, "--fail-on", "omitted,incorrect")[0] == 1
    assert run(capsys, *SOURCES, "--fail-on", "ambiguous")[0] == 0  # the example has no ambiguous flow
    assert run(capsys, str(SEED), "--fail-on", "omitted")[0] == 0  # the policy alone: nothing observed
    code, _, err = run(capsys, *SOURCES, "--fail-on", "omitted,bogus")
    assert code == 2 and "bogus" in err
    code, _, err = run(capsys, str(tmp_path / "missing.har"))
    assert code == 2 and "missing.har" in err
    code, _, err = run(capsys, EVIDENCE[-1])
    assert code == 2 and "no policy statements" in err
    with pytest.raises(SystemExit) as exc:
        main(["audit", *SOURCES, "--format", "pdf"])
    assert exc.value.code == 2


def test_audit_a_saved_store(capsys, tmp_path):
    store = str(tmp_path / "store.json")
    assert main(["load", *SOURCES, "--store", store]) == 0
    capsys.readouterr()
    assert run(capsys, "--store", store, "--format", "json") == run(capsys, *SOURCES, "--format", "json")


def test_output_does_not_depend_on_source_order(capsys):
    from flowaudit.cli import main
    from tests.conftest import EXAMPLE_EVIDENCE, SEED

    outputs = []
    for sources in ([SEED, *EXAMPLE_EVIDENCE], [*reversed(EXAMPLE_EVIDENCE), SEED]):
        main(["audit", *map(str, sources), "--format", "json"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_sarif_regions_start_where_the_sentence_starts_in_a_wrapped_policy(capsys, tmp_path, newline):
    """The seed with its paragraphs wrapped at 72 columns: every region starts at its sentence."""
    import textwrap

    wrapped = []
    for para in SEED.read_text(encoding="utf-8").split("\n\n"):
        wrapped.append(para if para.startswith(("#", "-", "|", ">")) else textwrap.fill(para, 72))
    policy = tmp_path / "policy.md"
    policy.write_bytes(newline.join("\n\n".join(wrapped).split("\n")).encode("utf-8"))
    assert main(["audit", str(policy), *EVIDENCE, "--format", "sarif"]) == 0
    lines = policy.read_text(encoding="utf-8").splitlines()
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    findings = {f["id"]: f for f in _findings(policy)}
    checked = 0
    for r in results:
        quotes = [q for side in ("for", "against") for q in findings[r["partialFingerprints"]["flowauditFinding/v1"]]
                  ["statements"][side]]
        place = r["locations"][0]["physicalLocation"]
        region = place.get("region")
        if not quotes or not region or not place["artifactLocation"]["uri"].endswith("policy.md"):
            continue
        first_words = " ".join(quotes[0]["text"].split()[:2])
        at = lines[region["startLine"] - 1][region["startColumn"] - 1:]
        assert at.startswith(first_words.split()[0]), (region, first_words, at)
        end = lines[region["endLine"] - 1][: region["endColumn"] - 1]
        assert end.rstrip("*_ ").endswith(quotes[0]["text"].split()[-1].rstrip("*_")[-3:]), (region, end)
        checked += 1
    assert checked >= 20 and any(r["locations"][0]["physicalLocation"]["region"].get("startColumn", 1) > 1
                                 for r in results if "region" in r["locations"][0]["physicalLocation"])


def _findings(policy):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main(["audit", str(policy), *EVIDENCE, "--format", "json"])
    return json.loads(buf.getvalue())["findings"]
