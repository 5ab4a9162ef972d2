"""The seed policy (Plimus, 2012) as a graph: every stated element is a node citing its sentence.

The expected lists below were written by reading the policy sentence by sentence.
"""

import re

import pytest
from flowaudit.inventory.text import phrase_key

# (node id, a phrase of the sentence that states it)
STATED_NODES = [
    # data subjects
    ("data_subject:visitor", "casual web site visitors"),
    ("data_subject:customer", "completed by end Customers"),
    ("data_subject:seller", "when Product Suppliers or Affiliates register"),
    ("data_subject:affiliate_partner", "when Product Suppliers or Affiliates register"),
    ("data_subject:business_contact", "such as referrals or business leads"),
    ("data_subject:child", "never knowingly ask a child under 13"),
    ("data_subject:user", "software and online service users"),
    # collection points
    ("collection_point:registration_form", "including registration forms"),
    ("collection_point:inquiry_form", "Information is also collected from online forms"),
    ("collection_point:transaction_form", "from online transaction forms"),
    ("collection_point:api", "generated through Plimus APIs"),
    ("collection_point:mobile", "through mobile devices"),
    ("collection_point:email_channel", "from emails sent to Plimus"),
    ("collection_point:forum", "from our blog or community forum"),
    ("collection_point:software", "software and online services sold through Plimus"),
    # fields
    ("field:ip_address", "the IP address of the visiting machine"),
    ("field:name", "names and email addresses"),
    ("field:email_address", "names and email addresses"),
    ("field:phone_number", "name, email address, phone number and address"),
    ("field:postal_address", "name, email address, phone number and address"),
    ("field:personal_information", "personal and payment information"),
    ("field:payment_information", "personal and payment information"),
    ("field:credit_card_number", "Credit Card numbers"),
    ("field:bank_account", "bank account information"),
    ("field:username", "the username and password"),
    ("field:password", "the username and password"),
    ("field:pages_visited", "pages visited, country, dates and times"),
    ("field:country", "pages visited, country, dates and times"),
    ("field:visit_datetime", "pages visited, country, dates and times"),
    ("field:host_name", "the computer host name"),
    ("field:software_usage", "software actions and activities"),
    ("field:license_usage", "monitor license usage or login frequency"),
    ("field:login_frequency", "monitor license usage or login frequency"),
    ("field:email_open_event", "which emails have been opened"),
    ("field:non_personal_information", "basic non-personal information"),
    # trackers
    ("cookie:cookie", "Plimus employs cookies"),
    ("cookie:session_cookie_third_party", "use session ID cookies"),
    ("flash_cookie:flash_cookie", "also known as Flash cookies"),
    ("clear_gif:clear_gif", "called clear gifs"),
    ("tracker:clickstream", "clickstream tracking"),
    ("tracker:log_file", "automatic logging files"),
    # parties
    ("first_party:plimus", "Plimus collects information"),
    ("processor:payment_processor", "authorized payment processors"),
    ("processor:email_service_provider", "third party email service partner"),
    ("processor:analytics_provider", "tracking utility company"),
    ("processor:processor", "such as a service provider"),
    ("supplier:supplier", "with the specific Product Supplier"),
    ("affiliate:affiliate", "passed to the relevant Affiliate"),
    ("recipient:public", "becomes public knowledge"),
    ("recipient:authority", "law enforcement or government agencies"),
    ("recipient:acquirer", "as part of any corporate merger"),
    # purposes
    ("purpose:payment_processing", "in order to make payments"),
    ("purpose:fraud_prevention", "to facilitate fraud prevention"),
    ("purpose:piracy_protection", "for the purpose of piracy protection"),
    ("purpose:authentication", "optional automatic logon"),
    ("purpose:usage_analytics", "statistical purposes"),
]


@pytest.mark.parametrize("node_id, phrase", STATED_NODES)
def test_stated_node_cites_its_sentence(seed_records, node_id, phrase):
    node = seed_records.nodes.get(node_id)
    assert node is not None, f"{node_id} missing"
    assert any(phrase in ev.text for ev in node.evidence), f"{node_id} does not cite “{phrase}”"
    for ev in node.evidence:
        assert ev.source.endswith("policy.md") and ev.sentence and ev.line and ev.section is not None


def test_every_cited_node_is_supported_by_its_sentences(seed_records):
    implied = {"data_subject:user", "field:personal_information", "recipient:acquirer", "recipient:authority"}
    for node in seed_records.nodes.values():
        if not node.evidence or node.kind in ("statement", "purpose") or node.id in implied:
            continue
        # a name may be split by a coordination: "browsing or purchasing history" names browsing history
        names = [r"(?: (?:and|or) \w+)? ".join(phrase_key(x)) for x in [node.label, *node.aliases]]
        texts = [" ".join(phrase_key(ev.text)) for ev in node.evidence]
        assert any(re.search(rf"\b{name}\b", text) for name in names for text in texts), node.id


def test_tracker_properties(seed_records):
    nodes = seed_records.nodes
    cookie = nodes["cookie:cookie"].properties
    assert cookie["expiry"] == "none"
    assert {"field:username", "field:password"} <= set(cookie["stores"])
    assert cookie["set_by"] == ["first_party:plimus"]
    session = nodes["cookie:session_cookie_third_party"].properties
    assert {"processor:analytics_provider", "processor:processor"} <= set(session["set_by"])
    assert "first_party:plimus" not in session["set_by"]
    flash = nodes["flash_cookie:flash_cookie"].properties
    assert flash["browser_removable"] is False
    assert "purpose:fraud_prevention" in flash["purposes"]
    gif = nodes["clear_gif:clear_gif"].properties
    assert set(gif["contexts"]) == {"page", "email"}
    assert set(gif["set_by"]) == {"first_party:plimus", "processor:email_service_provider"}
    assert gif["tied_to_personal_data"] is True


def test_local_such_as_lists_become_subsumes_links(seed_records):
    stated = {(link.source, link.target) for link in seed_records.links.values()
              if link.relation == "SUBSUMES" and link.basis == "stated"}
    for child in ("credit_card_number", "bank_account", "name", "email_address", "phone_number"):
        assert ("field:payment_information", f"field:{child}") in stated
    assert ("field:personal_information", "field:username") in stated


def _paths(graph, field):
    return graph.trace_paths(field)


def test_credit_card_number_reaches_payment_processors(seed_graph):
    paths = _paths(seed_graph, "credit card number")
    to_pp = [p for p in paths if p["recipient"]["id"] == "processor:payment_processor"]
    assert to_pp and all(p["polarity"] == "+" and p["match"] == "exact" for p in to_pp)
    starts = {p["nodes"][0]["id"] for p in to_pp}
    assert "data_subject:customer" in starts
    vias = {p["nodes"][1]["id"] for p in to_pp if p["nodes"][0]["id"] == "data_subject:customer"}
    assert {"collection_point:transaction_form", "collection_point:api"} <= vias
    assert any(p["nodes"][1]["id"] == "collection_point:mobile" for p in to_pp)
    hop = to_pp[0]["edges"][-1]
    assert "passed on to authorized payment processors" in hop["evidence"][0]["text"]


def test_email_reaches_processors_and_suppliers(seed_graph):
    df = seed_graph.recipients("e-mail address")
    status = dict(zip(df["recipient"], df["status"], strict=True))
    assert status["payment processor"] == "stated"
    assert status["supplier"] == "broader"


def test_affiliates_receive_only_what_the_sentence_names(seed_graph):
    """"basic non-personal information about the transaction will be tracked and passed to the relevant
    Affiliate": Affiliates receive non-personal information. Without "only" the sentence says nothing
    about personal data, so no personal field reaches them, positively or negatively."""
    for field in ("e-mail address", "credit card number", "personal information"):
        df = seed_graph.recipients(field)
        assert df[df["recipient"] == "affiliate"].empty, field
    df = seed_graph.recipients("non-personal information")
    assert list(df[df["recipient"] == "affiliate"]["status"]) == ["stated"]


def test_trace_dataframe_and_matrix(seed_graph):
    df = seed_graph.trace("Credit Card Numbers")
    assert {"path", "recipient", "match", "polarity", "evidence"} <= set(df.columns)
    assert (df["recipient"] == "payment processor").any()
    matrix = seed_graph.sharing_matrix()
    assert matrix.loc["credit card number", "payment processor"] == "stated"
    assert matrix.loc["e-mail address", "affiliate"] == ""
    assert matrix.loc["personal information", "acquiring company"] == "conditional"


def test_same_input_same_ids(seed_records):
    from flowaudit.loaders.policy import extract_policy

    from tests.conftest import SEED

    again = extract_policy(SEED)
    assert again.to_dict() == seed_records.to_dict()
