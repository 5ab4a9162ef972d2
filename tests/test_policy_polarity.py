"""Polarity, scope and statements that state no practice, read from the dependency parse: the sentences
of issue 11 and variants of each form, on short made-up policies. The keyword-window reader read every
one of the first group as positive sharing."""

import pytest
from flowaudit.loaders.parse import parse
from flowaudit.loaders.polarity import denial, restricted
from flowaudit.loaders.practice import is_question

from tests.test_policy_grammar import flows, read


def shares(text: str) -> set[tuple[str, str, str]]:
    """(field, recipient, polarity) of every flow out of the first party."""
    return {(f, t, p) for f, rel, t, p in flows(read(text)) if rel in ("SHARES_WITH", "DISCLOSES_TO")}


DENIALS = [
    "Under no circumstances do we sell your email address to advertisers.",
    "Under no circumstances will we sell your email address to advertisers.",
    "At no time will your email address be sold to advertisers.",
    "It is not our practice to sell your email address to advertisers.",
    "It is not our policy to sell your email address to advertisers.",
    "It has never been our practice to sell your email address to advertisers.",
    "We never sell your email address to advertisers.",
    "We don’t sell your email address to advertisers.",
    "We do not knowingly or deliberately sell your email address to advertisers.",
    "We will not knowingly or intentionally sell your email address to advertisers.",
    "We will not sell or rent your email address to advertisers.",
    "Your email address is never sold to advertisers.",
    "We do not and will not sell your email address to advertisers.",
]


@pytest.mark.parametrize("text", DENIALS)
def test_a_denied_sale_is_a_negative_flow(text):
    got = shares(text)
    assert ("email_address", "advertiser", "-") in got, got
    assert not {g for g in got if g[2] == "+"}, got


@pytest.mark.parametrize("text", [
    "Neither your name nor your email address is shared with advertisers.",
    "We share neither your name nor your email address with advertisers.",
])
def test_neither_nor_denies_both(text):
    got = shares(text)
    assert {("name", "advertiser", "-"), ("email_address", "advertiser", "-")} <= got, got
    assert not {g for g in got if g[2] == "+"}, got


@pytest.mark.parametrize("text", [
    "We share your name with advertisers, but not your email address.",
    "We may share your name with advertisers but not your email address.",
    "We share your name with advertisers and not your email address.",
    "We may share your name with advertisers, but never your email address.",
])
def test_but_not_denies_only_its_own_object(text):
    got = shares(text)
    assert ("name", "advertiser", "+") in got and ("email_address", "advertiser", "-") in got, got
    assert ("email_address", "advertiser", "+") not in got and ("name", "advertiser", "-") not in got, got


def test_a_denied_sale_says_nothing_about_sharing():
    rec = read("We do not sell your personal information to advertisers.")
    assert {f.action for f in rec.flows.values() if f.polarity == "-"} == {"sell"}


def test_non_personal_data_without_only_says_nothing_about_personal_data():
    got = shares("We share anonymous usage data with our partners.")
    assert not {g for g in got if g[2] == "-"}, got


def test_only_non_personal_data_restricts_personal_data():
    got = shares("We only share aggregate information with advertisers.")
    assert ("personal_information", "advertiser", "-") in got, got


def test_except_with_a_party_is_conditional_sharing_and_a_denial_for_the_rest():
    rec = read("We do not share your personal information with third parties except with service providers.")
    got = {(f.field.split(":")[1], f.target.split(":")[1], f.polarity) for f in rec.flows.values()}
    assert ("personal_information", "third_party", "-") in got
    assert ("personal_information", "service_provider", "+") in got or \
        ("personal_information", "processor", "+") in got, got


def test_except_in_circumstances_denies_nothing():
    got = shares("We do not share your personal information except in the following limited circumstances:")
    assert not {g for g in got if g[2] == "-"}, got


@pytest.mark.parametrize("text", [
    "Do We Share Personal Data?",
    "Do we share your email address with advertisers?",
    "Will Acme sell my email address to advertisers?",
])
def test_questions_state_no_practice(text):
    assert not read(text).flows


@pytest.mark.parametrize("text", [
    "We cannot guarantee that your email address will never be disclosed to third parties.",
    "California law permits customers to request information about the disclosure of their email address "
    "to third parties.",
])
def test_disclaimers_and_descriptions_of_law_state_no_practice(text):
    assert not {g for g in shares(text) if g[2] == "-"}


def test_a_denied_tracker_property_is_not_set():
    rec = read("We do not tie the information gathered by clear gifs to your personally identifiable information.")
    gifs = [n for n in rec.nodes.values() if n.properties.get("tracker_kind") == "clear_gif"]
    assert gifs and all(n.properties.get("tied_to_personal_data") is not True for n in gifs)


def test_every_flow_names_the_rule_that_read_it():
    rec = read("We do not sell your email address to advertisers. We share your name with service providers.")
    rules = {e.rule for f in rec.flows.values() for e in f.evidence}
    assert None not in rules and any("neg." in r for r in rules) and any(r.startswith("frame.") for r in rules)


def test_the_polarity_pass_on_its_own():
    doc = parse(["We do not sell or rent your data, and we only share aggregate data."])[0]
    verbs = {t.lemma_: t for t in doc if t.lemma_ in ("sell", "rent", "share")}
    assert denial(verbs["sell"]) and denial(verbs["rent"]) and not denial(verbs["share"])
    assert restricted(verbs["share"]) and not restricted(verbs["sell"])
    assert is_question(parse(["What Information Do We Collect"])[0])
    assert not is_question(parse(["We collect your name."])[0])


@pytest.mark.parametrize("text", [
    "No additional personally identifying information (e.g., username or IP address) is stored.",
    "No additional personally identifying information is stored.",
    "No personally identifying information, such as your name, is kept.",
    "No personal information is collected when you browse the site.",
])
def test_a_sentence_opening_with_no_denies_its_verb(text):
    rec = read(text)
    assert rec.flows and all(f.polarity == "-" for f in rec.flows.values())


def test_a_clause_under_an_only_main_clause_is_restricted():
    got = shares("When we share demographic information with third parties, we will give them aggregate "
                 "information only.")
    assert ("demographics", "third_party", "-") in got and ("demographics", "third_party", "+") not in got, got


def test_the_items_of_an_exception_list_are_conditional():
    rec = read("Acme will not sell your personal information to anyone except that:\n\n"
               "- we may disclose your personal information to service providers.")
    positive = [f for f in rec.flows.values() if f.polarity == "+" and "SHARES" in f.relation]
    assert positive and all(f.conditions for f in positive)


@pytest.mark.parametrize("text", [
    "If you are using a public or shared computer, you should sign out to protect your personal data.",
    "For additional regional disclosures for residents of certain states, please review our state page.",
])
def test_action_words_that_name_no_act_state_no_practice(text):
    assert not shares(text)


@pytest.mark.parametrize("text", [
    "This Privacy Policy explains our policy regarding the collection, use and disclosure of your personal "
    "information.",
    "Except as described in this Privacy Policy, we will not disclose your personal information to third parties.",
])
def test_descriptions_of_the_policy_and_denials_with_leading_exceptions_state_no_denial(text):
    assert not {g for g in shares(text) if g[2] == "-"}
