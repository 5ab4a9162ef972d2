"""Every policy in the corpus gives a sensible graph: recipients and fields a reader would agree
with, and every node supported by its own text."""

import pytest
from flowaudit.loaders.policy import extract_policy
from flowaudit.loaders.policy_text import read_policy

from tests.conftest import POLICIES

# What a reader of each policy agrees it states: recipient party kinds and collected fields.
EXPECTED = {
    "etsy.com-2009.md": {
        "first_party": "Etsy",
        "recipients": {"recipient:public", "recipient:other_users", "affiliate:affiliate", "supplier:supplier"},
        "fields": {"email_address", "name", "credit_card_number", "shipping_address", "ip_address"},
    },
    "kayak.com-2015.md": {
        "first_party": "kayak",
        "recipients": {"supplier:travel_supplier", "affiliate:group_company", "recipient:authority"},
        "fields": {"email_address", "password", "home_airport", "travel_itinerary", "ip_address"},
    },
    "kongregate.com-2012.md": {
        "first_party": "kongregate",
        "recipients": {"recipient:public", "recipient:authority"},
        "fields": {"email_address", "ip_address", "browser_type", "referring_url", "password"},
    },
    "npr.org-2013.md": {
        "first_party": "npr",
        "recipients": {"affiliate:affiliate", "recipient:social_network", "recipient:public"},
        "fields": {"email_address", "name", "postal_address", "credit_card_number", "comment"},
    },
    "paypal.com-2018.md": {
        "first_party": "paypal",
        "recipients": {"affiliate:group_company", "recipient:authority", "recipient:financial_institution"},
        "fields": {"email_address", "ip_address", "phone_number", "postal_address", "credit_card_number"},
    },
    "plimus-2016.md": {
        "first_party": "BlueSnap",
        "recipients": {"processor:payment_processor", "supplier:supplier", "recipient:authority",
                       "recipient:acquirer"},
        "fields": {"credit_card_number", "bank_account", "email_address", "ip_address", "password"},
    },
    "webmd.com-2010.md": {
        "first_party": "webmd",
        "recipients": {"recipient:advertiser", "affiliate:group_company", "recipient:business_partner"},
        "fields": {"email_address", "date_of_birth", "health_information", "postal_code", "password"},
    },
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def policy(request):
    return request.param, extract_policy(POLICIES / request.param)


def test_first_party_is_named(policy):
    name, records = policy
    (fp,) = [n for n in records.nodes.values() if n.kind == "first_party"]
    assert fp.label.lower() == EXPECTED[name]["first_party"].lower()


def test_recipients_a_reader_agrees_with(policy):
    name, records = policy
    reached = {f.target for f in records.flows.values() if f.relation in ("SHARES_WITH", "DISCLOSES_TO")}
    missing = EXPECTED[name]["recipients"] - reached
    assert not missing, missing


def test_fields_a_reader_agrees_with(policy):
    name, records = policy
    carried = {f.field.split(":", 1)[1] for f in records.flows.values()}
    missing = EXPECTED[name]["fields"] - carried
    assert not missing, missing


def test_every_node_cites_its_own_text(policy):
    name, records = policy
    sentences = {s.number: s for s in read_policy(POLICIES / name).sentences}
    lines = (POLICIES / name).read_text(encoding="utf-8").splitlines()
    for node in records.nodes.values():
        for ev in node.evidence:
            assert ev.source.endswith(name)
            assert sentences[ev.sentence].text == ev.text
            first_word = ev.text.split()[0].strip("*_\"“(")
            assert first_word in " ".join(lines[ev.line - 1 : ev.line + 3]), (node.id, ev.line, first_word)


def test_no_flow_without_evidence(policy):
    _, records = policy
    for flow in records.flows.values():
        assert flow.evidence and all(e.text and e.sentence for e in flow.evidence)
        assert {flow.source, flow.target, flow.field} <= set(records.nodes)
