"""The audit on the example evidence: a class for every organisation, from what the seed policy says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from flowaudit.graph.audit import FLOW_CLASSES, audit, audit_records, name_comparison, name_in_text
from flowaudit.graph.embedded import EmbeddedStore
from flowaudit.loaders.policy_text import read_policy
from flowaudit.loaders.sources import extract

from flowaudit.api import FlowGraph
from tests.conftest import ROOT, SEED

EVIDENCE = sorted((ROOT / "examples" / "plimus" / "evidence").iterdir())

# The class each organisation's flows get, read from the policy:
ORGANISATION_CLASSES = {
    # the Facebook pixel and its cookies: the policy names no advertising network or social network
    "Facebook": {"omitted"},
    # "basic non-personal information ... passed to the relevant Affiliate" says nothing of personal
    # data (no "only"), so nothing covers the hashed e-mail address CJ receives
    "CJ Affiliate": {"omitted"},
    # "Personal payment information such as Credit Card numbers ... passed on to authorized payment
    # processors": the card number is clear, the IP address and postal code only vague
    "Authorize.Net": {"clear", "vague"},
    # processors of other kinds are covered only by "a service provider ... only as necessary"
    "Google Analytics": {"vague"},
    "Kount": {"vague"},
    "LivePerson": {"vague"},
    "Mailchimp": {"vague"},
    "TrustArc": {"vague"},
}


@pytest.fixture(scope="module")
def example() -> FlowGraph:
    return FlowGraph.from_sources([SEED, *EVIDENCE])


@pytest.fixture(scope="module")
def findings(example):
    return example.findings()


def _of(findings, cls=None, org=None, field=None):
    out = []
    for f in findings:
        rec = f["recipient"] or {}
        if cls and f["class"] != cls:
            continue
        if org and (rec.get("organization") or {}).get("label") != org:
            continue
        if field and (f["field"] or {}).get("id") != f"field:{field}":
            continue
        out.append(f)
    return out


def test_every_organisation_gets_the_class_the_policy_implies(findings):
    seen: dict[str, set[str]] = {}
    for f in findings:
        org = (f["recipient"] or {}).get("organization")
        if org and f["class"] in FLOW_CLASSES:
            seen.setdefault(org["label"], set()).add(f["class"])
    assert seen == ORGANISATION_CLASSES


def test_omitted_the_facebook_pixel(findings):
    hashed = _of(findings, "omitted", "Facebook", "hashed_email")
    assert len(hashed) == 1
    f = hashed[0]
    assert f["severity"] == "error" and f["statements"] == {"for": [], "against": []}
    assert f["recipient"]["kind"] == "advertising_provider" and f["recipient"]["label"] == "Facebook"
    ev = f["evidence"][0]
    assert ev["source"].endswith("checkout.har") and ev["locator"].startswith("entry ") and ev["parameter"] == "ud[em]"
    assert ev["basis"] == "observed"


def test_personal_data_to_the_affiliate_network_is_omitted(findings):
    f = _of(findings, "omitted", "CJ Affiliate", "hashed_email")[0]
    assert f["statements"] == {"for": [], "against": []}
    assert f["evidence"][0]["parameter"] == "em"
    declared = _of(findings, "omitted", "CJ Affiliate", "email_address")[0]
    assert declared["evidence"][0]["source"].endswith("declared.yaml") and declared["evidence"][0]["line"]
    assert declared["recipient"]["organization"] == {"id": "organization:cj_affiliate", "label": "CJ Affiliate",
                                                     "parent": "Epsilon"}


def test_clear_the_card_number_to_the_payment_processor(findings):
    f = _of(findings, "clear", "Authorize.Net", "credit_card_number")[0]
    assert f["vagueness"] == 0 and f["conditions"] == []
    assert "passed on to authorized payment processors" in f["statements"]["for"][0]["text"]
    assert {e["basis"] for e in f["evidence"]} == {"observed", "declared"}


def test_vague_reports_how_far_up_and_under_which_condition(findings):
    f = _of(findings, "vague", "Authorize.Net", "postal_code")[0]
    assert f["vagueness"] == f["field_distance"] + f["recipient_distance"] > 0
    assert f["recipient_distance"] == 1  # "service provider" is one step above "payment processor"
    assert f["conditions"] == ["as necessary for the service"]
    assert "only as necessary for the third party" in f["statements"]["for"][0]["text"]
    name = _of(findings, "vague", "Authorize.Net", "first_name")[0]
    assert (name["field_distance"], name["recipient_distance"]) == (1, 0)


def test_first_party_flows_are_judged_only_by_first_party_statements(findings):
    own = [f for f in findings if (f["recipient"] or {}).get("id") == "first_party:plimus"
           and f["class"] in FLOW_CLASSES]
    assert own and {f["class"] for f in own} <= {"clear", "vague"}
    for f in own:
        assert {s["recipient"] for s in f["statements"]["for"]} == {"first_party:plimus"}
    # "we never knowingly ask a child under 13" concerns children, not the customer at checkout
    assert not _of(findings, "ambiguous")


def test_ambiguous_omitted_and_undisclosed_collection(tmp_path):
    policy = tmp_path / "policy.md"
    policy.write_text("# Privacy policy\n\nShop (\"we\") runs this web site. Shop shares your e-mail address with "
                      "advertising networks. Shop does not share your e-mail address with advertising networks. "
                      "Shop does not share personal information with advertising networks.\n")
    manifest = tmp_path / "declared.yaml"
    manifest.write_text("flowaudit: 1\norganization:\n  id: shop\n  name: Shop\nvendors:\n  - id: adnet\n"
                        "    name: AdNet\n    kind: advertising network\n  - id: helpdesk\n    name: HelpDesk\n"
                        "    kind: support provider\nsystems:\n  - id: web\n    name: Web\n    shares:\n"
                        "      - field: [e-mail address, postal address]\n        with: adnet\n"
                        "      - field: [e-mail address]\n        with: helpdesk\n")
    found = audit_records(extract([policy, manifest]))
    by = {(f["class"], f["recipient"]["label"], f["field"]["label"]) for f in found}
    assert ("ambiguous", "AdNet", "e-mail address") in by
    assert ("incorrect", "AdNet", "postal address") in by
    assert ("omitted", "HelpDesk", "e-mail address") in by
    assert ("undisclosed_collection", "Shop", "e-mail address") in by
    amb = next(f for f in found if f["class"] == "ambiguous")
    assert amb["statements"]["for"] and amb["statements"]["against"] and amb["severity"] == "warning"
    # both sides of an ambiguity are the equally specific statements: not the broader denial
    assert not any("personal information" in s["text"] for s in amb["statements"]["against"])


def _audit_text(tmp_path, text: str, shares: str = "[e-mail address]", kind: str = "advertising network"):
    policy = tmp_path / "policy.md"
    policy.write_text(f"# Privacy policy\n\nShop (\"we\") runs this web site. {text}\n")
    manifest = tmp_path / "declared.yaml"
    manifest.write_text("flowaudit: 1\norganization:\n  id: shop\n  name: Shop\nvendors:\n  - id: adnet\n"
                        f"    name: AdNet\n    kind: {kind}\nsystems:\n  - id: web\n    name: Web\n    shares:\n"
                        f"      - field: {shares}\n        with: adnet\n")
    return {f["field"]["label"]: f["class"] for f in audit_records(extract([policy, manifest]))
            if f["class"] in FLOW_CLASSES}


def test_a_specific_positive_wins_over_a_broader_denial(tmp_path):
    found = _audit_text(tmp_path, "Shop shares your e-mail address with advertising networks. Shop does not "
                                  "share personal information with third parties.")
    assert found == {"e-mail address": "clear"}


def test_a_specific_denial_wins_over_a_broader_positive(tmp_path):
    found = _audit_text(tmp_path, "Shop shares personal information with third parties. Shop does not share "
                                  "your e-mail address with advertising networks.")
    assert found == {"e-mail address": "incorrect"}


def test_a_denial_of_selling_does_not_forbid_sharing(tmp_path):
    found = _audit_text(tmp_path, "Shop shares personal information with advertising networks. Shop does not "
                                  "sell or rent your personal information.")
    assert found == {"e-mail address": "vague"}
    # and alone, it covers nothing: sharing is then simply undisclosed
    assert _audit_text(tmp_path, "Shop does not sell your personal information.") == {"e-mail address": "omitted"}


def test_a_denial_of_sharing_covers_selling_and_disclosing_covers_sharing(tmp_path):
    assert _audit_text(tmp_path, "Shop does not disclose your e-mail address to advertising networks.") == {
        "e-mail address": "incorrect"}


def test_purpose_findings(findings):
    f = _of(findings, "purpose", "CJ Affiliate", "email_address")[0]
    assert f["purposes"] == ["purpose:affiliate_commission_tracking"]
    assert f["evidence"][0]["basis"] == "declared"
    # payment processing is stated for the card number, so that declared purpose is no finding
    assert not _of(findings, "purpose", "Authorize.Net")


def test_unsupported_stated_flows(findings):
    unsupported = {(f["recipient"]["kind"], f["field"]["id"]) for f in _of(findings, "unsupported")}
    assert ("payment_processor", "field:bank_account") in unsupported
    assert ("authority", "field:personal_information") in unsupported
    # the processors that evidence shows are no "unsupported" stated flow
    assert ("payment_processor", "field:credit_card_number") not in unsupported
    assert all(f["severity"] == "note" for f in _of(findings, "unsupported"))


def test_findings_never_hold_the_personal_values_of_the_evidence(findings):
    har = json.loads((ROOT / "examples" / "plimus" / "evidence" / "checkout.har").read_text(encoding="utf-8"))
    posted = next(e["request"]["postData"]["text"] for e in har["log"]["entries"]
                  if e["request"].get("postData", {}).get("text", "").count("creditCardNumber"))
    values = {k: unquote_plus(v) for k, v in (p.split("=", 1) for p in posted.split("&"))}
    text = json.dumps(findings)
    for key in ("email", "creditCardNumber", "password", "lastName", "securityCode", "workPhone"):
        # a whole value, not a run of digits inside a hex id ("737" in "b737889f...")
        assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(values[key])}(?![0-9A-Za-z])", text), key


def test_the_same_findings_from_a_saved_store(tmp_path, findings):
    path = tmp_path / "store.json"
    EmbeddedStore(path).load(extract([SEED, *EVIDENCE]))
    assert audit(EmbeddedStore(path)) == findings


def test_api_frame(example, findings):
    frame = example.audit()
    assert len(frame) == len(findings)
    assert {"class", "severity", "recipient", "field", "vagueness", "statement", "evidence"} <= set(frame.columns)


def test_name_in_policy_comparison(example, findings):
    rows = {r["organization"]: r for r in name_comparison(example.records(), findings, read_policy(SEED).text)}
    assert rows["Facebook"]["flowaudit"] == "omitted" and rows["Facebook"]["name_in_policy"] == "undisclosed"
    assert rows["CJ Affiliate"]["flowaudit"] == "omitted"
    assert rows["CJ Affiliate"]["name_in_policy"] == "undisclosed"
    # the name check misses the payment processor the policy discloses by kind...
    assert rows["Authorize.Net"]["name_in_policy"] == "undisclosed"
    # ...and counts TrustArc as disclosed because its former name TRUSTe appears, as the seal
    assert rows["TrustArc"]["name_in_policy"] == "disclosed" and rows["TrustArc"]["names_found"] == ["TRUSTe"]
    assert list(example.name_comparison(Path(SEED))["organization"]) == list(rows)


def test_name_in_text_matches_whole_words():
    assert name_in_text("We use Google Analytics.", ["google"])
    assert not name_in_text("See googleplex.", ["Google"])


def _records(stated: list[tuple[str, str, str, str, dict, list[str]]], observed_purposes: list[str] | None = None):
    """A first party, an advertising network and one observed e-mail flow to it, with ``stated`` flows
    (field, recipient kind, action, polarity, properties, purposes) written as a reader would."""
    from flowaudit.inventory.records import Evidence, Flow, Node, Records
    r = Records()
    r.add_node(Node("first_party:shop", "first_party", "Shop", [], {"party_kind": "first_party"}))
    r.add_node(Node("organization:adnet", "organization", "AdNet", [], {"party_kind": "advertising_provider"}))
    for i, (field, kind, action, polarity, props, purposes) in enumerate(stated):
        r.add_node(Node(f"field:{field}", "field", field))
        r.add_node(Node(f"recipient:{kind}", "recipient", kind, [], {"party_kind": kind}))
        ev = Evidence("policy.md", f"sentence {i}", f"sentence {i}", sentence=i, statement=f"statement:{i}")
        r.add_flow(Flow(f"field:{field}", "first_party:shop", f"recipient:{kind}", action, "SHARES_WITH", polarity,
                        purposes, [], "stated", [ev], props))
    r.add_node(Node("field:email_address", "field", "e-mail address"))
    r.add_flow(Flow("field:email_address", "first_party:shop", "organization:adnet", "share", "SHARES_WITH", "+",
                    observed_purposes or [], [], "declared", [Evidence("declared.yaml", "line 1", "shares")]))
    return {f["class"] for f in audit_records(r) if f["class"] in FLOW_CLASSES}


SHARE_ADS = ("personal_information", "advertising_provider", "share", "+", {}, [])


def test_a_denial_for_a_purpose_covers_only_flows_for_that_purpose():
    deny = ("personal_information", "advertising_provider", "share", "-", {}, ["purpose:marketing"])
    assert _records([SHARE_ADS, deny]) == {"vague"}
    assert _records([SHARE_ADS, deny], ["purpose:email_marketing"]) == {"ambiguous"}


def test_a_denial_scoped_to_children_or_surveys_covers_only_that():
    for scope in ({"subject": "child"}, {"source": "survey"}):
        deny = ("personal_information", "advertising_provider", "share", "-", scope, [])
        assert _records([SHARE_ADS, deny]) == {"vague"}, scope
        assert _records([deny]) == {"omitted"}, scope
    assert _records([("personal_information", "advertising_provider", "share", "-", {"subject": "user"}, [])]) == {
        "incorrect"}


def test_a_denial_with_exceptions_yields_to_the_positive_it_excepts():
    deny = ("personal_information", "advertising_provider", "share", "-", {"exception": "as described below"}, [])
    assert _records([SHARE_ADS, deny]) == {"vague"}
    assert _records([deny]) == {"incorrect"}


def test_the_policys_own_definition_of_non_personal_data_bounds_its_denials(tmp_path):
    from flowaudit.inventory.records import Evidence, Flow, Link, Node, Records
    r = Records()
    r.add_node(Node("first_party:shop", "first_party", "Shop", [], {"party_kind": "first_party"}))
    r.add_node(Node("organization:adnet", "organization", "AdNet", [], {"party_kind": "advertising_provider"}))
    r.add_node(Node("recipient:third_party", "recipient", "third party", [], {"party_kind": "third_party"}))
    for f in ("ip_address", "personal_information", "non_personal_information"):
        r.add_node(Node(f"field:{f}", "field", f))
    ev = Evidence("policy.md", "sentence 1", "We do not share personal information with third parties.",
                  sentence=1, statement="statement:1")
    r.add_flow(Flow("field:personal_information", "first_party:shop", "recipient:third_party", "share",
                    "SHARES_WITH", "-", evidence=[ev]))
    r.add_flow(Flow("field:ip_address", "first_party:shop", "organization:adnet", "share", "SHARES_WITH", "+",
                    basis="observed", evidence=[Evidence("capture.har", "entry 1", "request")]))
    classes = {f["class"] for f in audit_records(r) if f["class"] in FLOW_CLASSES}
    assert classes == {"incorrect"}
    r.add_link(Link("field:non_personal_information", "field:ip_address", "SUBSUMES", "stated"))
    classes = {f["class"] for f in audit_records(r) if f["class"] in FLOW_CLASSES}
    assert classes == {"omitted"}


def test_the_policys_named_operator_and_the_sites_domains_are_one_first_party():
    from flowaudit.graph.audit import first_party_identity
    from flowaudit.inventory.records import Evidence, Flow, Node, Records
    r = Records()
    r.add_node(Node("first_party:the_new_york_times_company", "first_party", "The New York Times Company", ["NYT"],
                    {"party_kind": "first_party"}))
    r.add_node(Node("first_party:nyt", "first_party", "nyt.com", [], {"party_kind": "first_party",
                                                                      "domains": ["nyt.com"]}))
    r.add_node(Node("first_party:example", "first_party", "example.com", [], {"party_kind": "first_party",
                                                                              "domains": ["example.com"]}))
    same = first_party_identity(r)
    assert same["first_party:nyt"] == {"first_party:nyt", "first_party:the_new_york_times_company"}
    assert same["first_party:example"] == {"first_party:example"}
    r.add_node(Node("data_subject:user", "data_subject", "user"))
    r.add_node(Node("field:ip_address", "field", "IP address"))
    ev = Evidence("policy.md", "sentence 1", "We collect your IP address.", sentence=1, statement="statement:1")
    r.add_flow(Flow("field:ip_address", "data_subject:user", "first_party:the_new_york_times_company", "collect",
                    "COLLECTS", evidence=[ev]))
    r.add_flow(Flow("field:ip_address", "data_subject:user", "first_party:nyt", "collect", "COLLECTS",
                    basis="observed", evidence=[Evidence("capture.har", "entry 1", "request")]))
    r.add_flow(Flow("field:ip_address", "data_subject:user", "first_party:example", "collect", "COLLECTS",
                    basis="observed", evidence=[Evidence("capture.har", "entry 2", "request")]))
    by = {f["recipient"]["id"]: f["class"] for f in audit_records(r) if f["class"] in FLOW_CLASSES}
    assert by == {"first_party:nyt": "clear", "first_party:example": "omitted"}


def test_a_kind_the_manifest_declares_wins_over_the_registrys(tmp_path):
    policy = tmp_path / "policy.md"
    policy.write_text("# Privacy policy\n\nShop (\"we\") runs this web site. Shop shares your e-mail address with "
                      "its e-mail service providers.\n")
    manifest = tmp_path / "declared.yaml"
    manifest.write_text("flowaudit: 1\norganization:\n  id: shop\n  name: Shop\nvendors:\n  - id: mc\n"
                        "    name: Mailchimp\n    kind: email service provider\n    domains: [mailchimp.com]\n"
                        "systems:\n  - id: web\n    name: Web\n    shares:\n      - field: [e-mail address]\n"
                        "        with: mc\n")
    for sources in ([policy, manifest], [manifest, policy]):
        found = [f for f in audit_records(extract(sources)) if f["class"] in FLOW_CLASSES]
        assert [(f["class"], f["recipient"]["kind"]) for f in found] == [("clear", "email_service_provider")]


def test_a_host_the_registry_does_not_know_is_an_unknown_third_party_counted_in_the_summary():
    from flowaudit.graph.report_formats import to_markdown
    from flowaudit.inventory.records import Evidence, Flow, Node, Records

    from flowaudit.views import audit as audit_table
    r = Records()
    r.add_node(Node("first_party:shop", "first_party", "Shop", [], {"party_kind": "first_party"}))
    r.add_node(Node("organization:unheard_of_example", "organization", "unheard-of.example", [],
                    {"party_kind": "third_party", "unresolved": True, "domains": ["unheard-of.example"]}))
    r.add_node(Node("recipient:third_party", "recipient", "third party", [], {"party_kind": "third_party"}))
    r.add_node(Node("field:ip_address", "field", "IP address"))
    ev = Evidence("policy.md", "sentence 1", "We share your IP address with third parties.", sentence=1,
                  statement="statement:1")
    r.add_flow(Flow("field:ip_address", "first_party:shop", "recipient:third_party", "share", "SHARES_WITH",
                    evidence=[ev]))
    r.add_flow(Flow("field:ip_address", "first_party:shop", "organization:unheard_of_example", "share",
                    "SHARES_WITH", basis="observed", evidence=[Evidence("capture.har", "entry 1", "request")]))
    found = [f for f in audit_records(r) if f["class"] in FLOW_CLASSES]
    assert [(f["class"], f["recipient"]["kind_label"], f["recipient"]["unknown"]) for f in found] == [
        ("vague", "unknown third party", True)]
    line = "1 recipient unknown to the organisation registry"
    assert line in " ".join(audit_table(found).split()) and line in to_markdown(found)


def test_a_statement_naming_the_organisation_is_closer_than_one_about_its_kind():
    from flowaudit.inventory.records import Evidence, Flow, Node, Records
    r = Records()
    r.add_node(Node("first_party:shop", "first_party", "Shop", [], {"party_kind": "first_party"}))
    r.add_node(Node("organization:google", "organization", "Google", [], {"party_kind": "advertising_provider"}))
    r.add_node(Node("organization:doubleclick", "organization", "DoubleClick", [],
                    {"party_kind": "advertising_provider", "parent": "google"}))
    r.add_node(Node("recipient:advertising_provider", "recipient", "advertising network", [],
                    {"party_kind": "advertising_provider"}))
    r.add_node(Node("field:ip_address", "field", "IP address"))
    for i, (target, polarity) in enumerate([("organization:google", "+"), ("recipient:advertising_provider", "-")]):
        ev = Evidence("policy.md", f"sentence {i}", f"sentence {i}", sentence=i, statement=f"statement:{i}")
        r.add_flow(Flow("field:ip_address", "first_party:shop", target, "share", "SHARES_WITH", polarity,
                        evidence=[ev]))
    r.add_flow(Flow("field:ip_address", "first_party:shop", "organization:doubleclick", "share", "SHARES_WITH",
                    basis="observed", evidence=[Evidence("capture.har", "entry 1", "request")]))
    found = [f for f in audit_records(r) if f["class"] in FLOW_CLASSES]
    assert [(f["class"], f["statements"]["for"][0]["recipient"]) for f in found] == [
        ("clear", "organization:google")]
