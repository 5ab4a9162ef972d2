"""Data types in a policy's own words: the normaliser, the open data-type pass, and open fields read
with the same polarity, sharing and list rules as vocabulary fields."""

import json

import pytest
from flowaudit.inventory.phrases import normal_phrase
from flowaudit.inventory.text import tokenize
from flowaudit.loaders import data_types
from flowaudit.loaders.parse import parse
from flowaudit.loaders.policy import lexicon

from flowaudit.cli import main
from tests.test_policy_grammar import flows, read


@pytest.mark.parametrize(("phrase", "normal"), [
    ("your contact details", "contact detail"),
    ("Any of their guest stay information;", "guest stay information"),
    ("certain business titles,", "business title"),
    ("such frequent flyer details", "frequent flyer detail"),
    ("the browser types.", "browser type"),
    ("Your", ""),
    ("the above information", "information"),
    ("other available loyalty tiers", "loyalty tier"),
])
def test_normal_phrase(phrase, normal):
    assert normal_phrase(phrase) == normal


@pytest.mark.parametrize(("phrase", "normal"), [
    ("Your contact details", "contact detail"),
    ("guest stay information", "guest stay information"),
    ("activity on the site", "activity"),
    ("areas of the website that you visit", "area"),
    ("e-mail preferences", "e-mail preference"),
    ("without", ""),
])
def test_a_labelled_phrase_is_read_as_the_object_of_a_collection(phrase, normal):
    assert data_types.normalise_text(phrase) == normal


def open_fields(text: str) -> dict[str, str]:
    """Open field id → text of each open data type the pass finds in ``text``."""
    found = data_types.open_types(parse([text])[0], tokenize(text), lexicon().matcher.find(text))
    return {m.ids("field")[0]: m.text for m in found.mentions if m.has("field") and m.ids("field")[0] in found.fields}


def test_open_types_in_the_data_role_only():
    got = open_fields("We collect your guest stay information and business title when you visit our hotels.")
    assert got == {"guest_stay_information": "guest stay information", "business_title": "business title"}


def test_examples_after_such_as_are_data():
    got = open_fields("We collect information such as your loyalty tier and travel companions.")
    assert {"loyalty_tier", "travel_companion"} <= got.keys(), got


def test_the_vocabulary_comes_first():
    # "email address" is a vocabulary field; a chunk that holds it stays with the vocabulary
    assert open_fields("We collect your work email address and your business title.") == {
        "business_title": "business title"}


@pytest.mark.parametrize("text", [
    "We share your information with our hotel owners.",          # a party, after "with"
    "We use it to improve the Service.",                          # a pronoun and a product name
    "We collect information to provide customer support.",        # a purpose
    "We collect information when you register for an account.",   # a clause of its own
    "We may share your travel companions with investors and contest winners.",  # people by their role
    "We maintain databases and locked repositories of loyalty tiers.",                  # places, equipment
    "We may transfer your loyalty tier and other assets to a buyer.",                   # assets
    "We may disclose a portion of your loyalty tier or the majority of it.",            # quantities
    "We collect the above information and other available information.",    # words that do not classify
    "We track your experience and the impact of our marketing strategies.",  # acts and states
])
def test_no_open_type_outside_the_data_role(text):
    assert set(open_fields(text)) <= {"travel_companion", "loyalty_tier"}


def test_ancestor_is_the_closest_vocabulary_field():
    assert data_types.ancestor("contact detail") == "contact_information"
    assert data_types.ancestor("business title") == "personal_information"


def test_an_open_field_is_a_node_under_its_ancestor():
    rec = read("We collect your travel companions.")
    node = rec.nodes["field:travel_companion"]
    assert node.label == "travel companion" and node.properties["vocabulary"] == "open"
    assert any(link.source == "field:travel_itinerary" and link.target == node.id and link.relation == "SUBSUMES"
               for link in rec.links.values())
    assert ("travel_companion", "COLLECTS", "first_party", "+") in flows(rec)


def test_an_open_field_is_denied_like_a_vocabulary_field():
    rec = read("We never sell your guest stay information to advertisers.")
    got = {(f.field, f.action, f.polarity) for f in rec.flows.values()}
    assert ("field:guest_stay_information", "sell", "-") in got, got
    assert not any(f.polarity == "+" for f in rec.flows.values() if f.field == "field:guest_stay_information")


def test_an_open_field_is_shared_with_the_named_recipient():
    rec = read("We share your business title with our service providers.")
    got = {(f, t, p) for f, rel, t, p in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO")}
    assert ("business_title", "processor", "+") in got, got
    (flow,) = [f for f in rec.flows.values() if f.field == "field:business_title" and f.relation == "SHARES_WITH"]
    assert flow.evidence[0].rule.startswith("frame.share")


def test_list_items_under_a_lead_in_are_data():
    rec = read("We collect the following information:\n\n- Guest stay information\n- Loyalty tier\n")
    collected = {f[0] for f in flows(rec) if f[1] == "COLLECTS"}
    assert {"guest_stay_information", "loyalty_tier"} <= collected, collected


def test_trace_finds_an_open_field_by_its_words(tmp_path, capsys):
    policy = tmp_path / "acme.md"
    policy.write_text("# Acme privacy policy\n\nWe share your business titles with our service providers.\n",
                      encoding="utf-8")
    assert main(["trace", "Your business title", str(policy), "--format", "json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    assert paths and any(n["kind"] == "processor" for p in paths for n in p["nodes"]), paths


def test_a_verb_the_tagger_took_for_a_noun_stays_a_verb():
    rec = read("Acme automatically records information from your browser, including your IP address, cookies, "
               "and the pages you request.")
    got = {f.field.split(":", 1)[1] for f in rec.flows.values()}
    assert {"ip_address", "page"} <= got and "records_information" not in got, got


@pytest.mark.parametrize("text", [
    "You can access and edit certain loyalty tiers you have provided to us.",
    "Users may post, upload or share travel companions on the Site.",
    "We do not sell, rent, trade, license or disclose your loyalty tier.",
    "If Acme nevertheless discovers that it holds your loyalty tier, it deletes it.",
])
def test_a_verb_in_a_list_of_acts_is_no_data_type(text):
    assert set(open_fields(text)) <= {"loyalty_tier", "travel_companion"}, open_fields(text)
