"""The policy grammar, one kind of sentence at a time, on short made-up policies."""

import pytest
from flowaudit.loaders.frames import frames
from flowaudit.loaders.parse import parse
from flowaudit.loaders.policy import PolicyReader
from flowaudit.loaders.policy_text import parse_policy


def read(text: str):
    """The records of a one-paragraph policy of the organisation "Acme"."""
    return PolicyReader(parse_policy("acme.md", f"# Acme privacy policy\n\n{text}\n")).read()


def flows(records) -> set[tuple[str, str, str, str]]:
    """(field, relation, target, polarity) of every flow, ids without their kind prefix."""
    return {(f.field.split(":", 1)[1], f.relation, f.target.split(":", 1)[1], f.polarity)
            for f in records.flows.values()}


def fields(records) -> set[str]:
    return {f.field.split(":", 1)[1] for f in records.flows.values()}


def test_the_users_own_act_is_not_a_collection():
    rec = read("If you are receiving Acme newsletters and no longer wish to receive those email messages, "
               "you may opt out. You are responsible for maintaining your password and verifying that the "
               "personal information we maintain about you is accurate.")
    assert fields(rec) == {"personal_information"}
    assert ("personal_information", "STORES", "first_party", "+") in flows(rec)


def test_a_passive_with_you_is_still_a_collection():
    rec = read("You may be asked for your telephone number. We may require you to provide us with your name.")
    assert {"phone_number", "name"} <= fields(rec)


def test_another_users_data_reaching_you_is_disclosed_to_other_users():
    rec = read("As part of a sale, you may obtain another Acme user's email address and shipping address.")
    assert flows(rec) == {("email_address", "DISCLOSES_TO", "other_users", "+"),
                          ("shipping_address", "DISCLOSES_TO", "other_users", "+")}


def test_places_interests_and_business_sales_are_not_data():
    rec = read("Your personal information may be stored in the United States and in other countries. "
               "We may retain personal data if it is in our legitimate business interests. "
               "We may share personal information to facilitate a purchase or sale of all or part of our business.")
    assert fields(rec) == {"personal_information"}


def test_eg_in_parentheses_opens_a_list():
    rec = read("We collect government-issued identification (e.g., driver's license number, passport).")
    stated = {(link.source, link.target) for link in rec.links.values() if link.basis == "stated"}
    assert stated == {("field:government_ids", "field:drivers_license"),
                      ("field:government_ids", "field:passport_number")}


def test_a_heading_naming_a_tracker_states_no_practice():
    assert not [n for n in read("Mobile Device Tracking.").nodes.values() if "tracker_kind" in n.properties]
    rec = read("We use Flash LSOs and HTML5 LSOs to store your preferences.")
    assert {n.properties["tracker_kind"] for n in rec.nodes.values() if "tracker_kind" in n.properties} == {
        "flash_cookie", "local_storage"}


def test_a_back_reference_ending_in_a_colon_opens_a_list_for_the_statement_before():
    rec = read("The types of personal information we collect depend on the service you use. "
               "This information can include:\n\n- Social Security number and account balances\n"
               "- Credit history or credit scores")
    assert {"ssn", "account_balance", "credit_history"} <= fields(rec)


def test_a_sentence_saying_what_a_tracker_is_states_no_flow():
    rec = read("A cookie is a small amount of data, which often includes an anonymous unique identifier, that is "
               "sent to your browser and stored on your hard drive. Clear gifs are tiny graphics with a unique "
               "identifier and are used to track the online movements of Web users.")
    assert not rec.flows
    assert read("Cookies are used to collect your IP address.").flows


def test_a_tracker_listed_among_fields_is_a_field():
    rec = read("Acme automatically records information from your browser, including your IP address, cookies, "
               "and the pages you request.")
    assert {"ip_address", "cookie_id"} <= fields(rec)


def test_the_agent_after_by_is_not_data():
    rec = read("The access logs record the identifier provided for your mobile device by your wireless carrier.")
    assert "internet_service_provider" not in fields(rec)


def test_data_the_user_gives_another_party_is_not_collected():
    rec = read("You may connect your account to a financial services company, if you provide such company with "
               "your log-in credentials.")
    assert "credentials" not in fields(rec)


def test_a_relative_clause_has_the_noun_it_follows_as_object():
    rec = read("We attach a concept unique identifier to every piece of information that you provide us.")
    assert "persistent_identifier" not in fields(rec)


def test_age_limits_and_the_act_of_buying_are_not_data():
    rec = read("We do not collect personal information from anyone under the age of 13. Your address may be "
               "collected when making a purchase.")
    assert fields(rec) == {"personal_information", "postal_address"}


def test_a_passive_relative_clause_is_about_the_noun_it_follows():
    rec = read("We may use personal information to send announcements about a transaction that may be requested, "
               "or about developments that may affect use of the Site.")
    assert "site_usage" not in fields(rec)


def test_examples_of_an_activity_are_not_data():
    rec = read("You provide your name and email address to Acme when you take part in activities on the Site "
               "such as chat, posting messages in our forums or sending feedback.")
    assert fields(rec) == {"name", "email_address"}


def test_places_listed_with_places_are_places():
    rec = read("You may disclose personal information in our chat rooms, forums, game comments or profiles.")
    assert "comment" not in fields(rec)


def test_a_message_a_feature_sends_is_not_a_posted_message():
    rec = read("Acme will ask for the information needed to send the message, such as your friend's email address.")
    assert "posted_message" not in fields(rec)


def test_a_field_named_with_its_owner():
    rec = read("We will ask you for your name and your friend's email address.")
    assert {"name", "friend_contact_information"} <= fields(rec)


def test_need_and_requires_state_collection():
    rec = read("To subscribe, we need your contact information. The forum requires a public nickname.")
    assert {"contact_information", "nickname"} <= fields(rec)


def test_modifiers_in_a_series_share_their_head_noun():
    rec = read("We may collect financial, health or other identifiable information from other sources.")
    assert {"financial_information", "health_information"} <= fields(rec)


def test_publishing_shares_with_the_public_and_them_can_stand_for_data():
    rec = read("Our partners receive your email address. We may print your comments, or otherwise publish them, "
               "together with your name and location (city, state and/or country).")
    shared = {(f, t) for f, rel, t, _ in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO")}
    assert ("city", "public") in shared and ("name", "public") in shared
    assert not {t for _, t in shared} - {"public"}


def test_a_participle_with_its_agent_is_not_a_statement():
    rec = read("Transfers follow the model clauses published by the European Commission.")
    assert not rec.flows


def test_what_a_monitor_statement_is_about_belongs_to_it():
    rec = read("The information collected by web beacons allows us to monitor how many people are using our "
               "website and which emails have been opened.")
    assert "email_open_event" in fields(rec)


def test_a_party_sending_to_users_is_not_a_recipient():
    rec = read("The information is provided only for delivering communications from Acme or Acme member stations "
               "to users who have opted in. Acme does not share personal information, except with member "
               "stations.")
    shared = {(f, t) for f, rel, t, p in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO") and p == "+"}
    assert shared == {("personal_information", "affiliate")}


def test_this_may_include_continues_the_statement_before():
    rec = read("When you use the Services, we automatically receive certain information from your device. "
               "This may include data such as your IP address and the date and time of your activities.")
    assert {"ip_address", "visit_datetime"} <= fields(rec)
    assert "geolocation" not in fields(read("We collect your location. Such technologies may include GPS signals."))


def test_aggregate_and_destinations_and_named_parts_are_not_personal_fields():
    rec = read("We may disclose aggregate website usage data to third parties. We may share information when you "
               "post information to a user profile. We log your Internet protocol (\"IP\") address.")
    assert not {"site_usage", "user_profile", "postal_address"} & fields(rec)


def test_allowing_us_to_publish_is_publication():
    rec = read("If you send us your review, you authorize us to publish it on our Platforms under "
               "the screen name you provided.")
    shared = {(f, t) for f, rel, t, _ in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO")}
    assert shared == {("review", "public"), ("nickname", "public")}


def test_including_but_not_limited_to_is_a_list_not_a_negation():
    rec = read("You will be prompted to provide to us certain personal information, including but not limited to "
               "your name, shipping and billing address, and phone number.")
    assert {"name", "shipping_address", "billing_address", "phone_number"} <= fields(rec)
    assert all(p == "+" for *_, p in flows(rec))


def test_a_passive_agent_collects_and_not_us_denies_it():
    rec = read("Your feedback is collected by Bizrate.com, not us, and is governed by their privacy policy.")
    assert flows(rec) == {("feedback", "COLLECTS", "first_party", "-"), ("feedback", "COLLECTS", "third_party", "+")}


def test_the_object_of_what_the_user_does_names_the_occasion():
    rec = read("We collect your name and zip code when you register and when you update your member profile.")
    assert fields(rec) == {"name", "postal_code"}


def test_a_participle_before_the_main_predicate_only_modifies():
    rec = read("Your personal health identifiers stored in active databases will be removed. We may conduct "
               "research on demographics and interests based on the information provided to us.")
    assert not rec.flows


def test_an_acronym_among_glossary_entries_is_a_glossary_entry():
    rec = read("**browser:** Short for web browser.\n\n**SSL (Secure Sockets Layer):** A security protocol. Many "
               "Web sites use the protocol to obtain confidential user information, such as credit card numbers.")
    assert not rec.flows


def test_them_stands_for_the_party_named_earlier_in_the_sentence():
    rec = read("We work with payment processors. In the example of shippers, we provide them your name and "
               "shipping address.")
    shared = {(f, t) for f, rel, t, _ in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO")}
    # the first sentence engages payment processors (personal information); "them" are the shippers
    assert shared == {("name", "fulfillment_provider"), ("shipping_address", "fulfillment_provider"),
                      ("personal_information", "payment_processor")}


def test_logging_is_a_log_file_and_logging_in_is_not():
    rec = read("We may log the IP address and browser software used by each user. When you log in, we greet you.")
    assert {n.properties["tracker_kind"] for n in rec.nodes.values() if "tracker_kind" in n.properties} == {"log_file"}
    assert ("ip_address", "TRACKS_WITH", "log_file", "+") in flows(rec)


def test_a_service_we_use_to_store_data_receives_it():
    rec = read("We use Amazon's S3 storage service to store some of your information.")
    assert flows(rec) == {("personal_information", "STORES", "hosting_provider", "+")}


def test_fields_after_without_are_withheld():
    rec = read("If we re-post your postings, we will post them without your real name and e-mail.")
    assert not {"name", "email_address"} & fields(rec)


def test_in_a_list_such_information_is_what_the_list_opener_was_about():
    rec = read("We do not disclose your financial information to anyone other than to affiliates, except that:\n\n"
               "(i) We may share your name with shippers.\n\n"
               "(ii) We may disclose such information in response to requests from law enforcement officials.")
    shared = {(f, t) for f, rel, t, p in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO") and p == "+"}
    assert ("financial_information", "authority") in shared and ("name", "authority") not in shared


def test_using_after_a_statement_says_how_and_an_agent_is_not_a_recipient():
    rec = read("We will send your friend an email using your name and email address. If your account is no longer "
               "made available to you by your employer, you keep access to your record.")
    shared = {(f, t) for f, rel, t, p in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO")}
    assert {("name", "other_users"), ("email_address", "other_users")} <= shared
    assert not {t for _, t in shared} - {"other_users"}


def test_a_parenthesis_keeping_data_private_is_its_own_clause():
    rec = read("If you submit a review, your geographic location will be visible to other users (your email "
               "address will be kept private).")
    shared = {(f, t) for f, rel, t, p in flows(rec) if rel in ("SHARES_WITH", "DISCLOSES_TO") and p == "+"}
    assert ("email_address", "other_users") not in shared


def test_negations_reach_through_adverbs_and_coordinated_verbs():
    rec = read("Acme does not solicit or knowingly collect personally identifiable information from children. "
               "We use cookies to count visitors (as cookies do not in themselves carry any personal data). "
               "This website will not collect any personal information about you unless you provide it.")
    positive = {(f, c) for f in rec.flows.values() if f.polarity == "+" for c in [tuple(f.conditions)]}
    assert all(conds for _, conds in positive), positive


def test_a_noun_that_looks_like_a_verb_before_a_copula():
    rec = read("Please note that your education records are protected by law.")
    assert not rec.flows


def test_occasions_introduced_by_a_gerund_are_not_data():
    rec = read("You can edit the personal information you have provided to us by logging in to your account and "
               "clicking on \"Contact Information\". You may disclose information about yourself in our forums or "
               "in creating user \"profiles\".")
    assert not {"contact_information", "user_profile"} & fields(rec)


def test_a_chain_of_coordinated_verbs_shares_its_object():
    rec = read("We improve our services by storing, tracking, and analyzing user preferences and trends.")
    assert ("preferences", "STORES", "first_party", "+") in flows(rec)


def test_a_relative_clause_ends_where_the_next_numbered_part_starts():
    rec = read("If you want to (1) update the personal information that you have provided to us, or (2) change "
               "your preferences, contact us.")
    assert fields(rec) == {"personal_information"}


# Practice frames from the dependency patterns of loaders/lexicon/frames.yaml: each role is read from
# where the parse puts it, so a verb takes only its own arguments.


def shared(records) -> set[tuple[str, str]]:
    """(field, recipient) of every positive sharing flow."""
    return {(f, t) for f, rel, t, p in flows(records) if rel in ("SHARES_WITH", "DISCLOSES_TO") and p == "+"}


@pytest.mark.parametrize("text", [
    "This form requires certain personally identifiable information that may include, without limitation, "
    "your name, email address and telephone number.",
    "The registration form asks for details that may include, without limitation, your name, email address and "
    "telephone number.",
    "We collect information that includes, without limitation, your name, email address and telephone number.",
])
def test_data_in_a_relative_clause_under_the_object_is_collected(text):
    rec = read(text)
    assert {"name", "email_address", "phone_number"} <= fields(rec)


def test_a_passive_shares_its_own_subject_and_not_the_data_before_it():
    rec = read("We collect your name, and your e-mail address is shared with advertisers.")
    assert shared(rec) == {("email_address", "advertiser")}
    assert ("name", "COLLECTS", "first_party", "+") in flows(rec)


def test_y_may_receive_x_gives_y_only_x():
    rec = read("We collect your name, and advertisers may receive your IP address.")
    assert ("ip_address", "COLLECTS", "advertiser", "+") in flows(rec)
    assert ("name", "COLLECTS", "advertiser", "+") not in flows(rec)


def test_we_provide_x_to_y_shares_only_x():
    rec = read("We collect your name and provide your e-mail address to advertisers.")
    assert shared(rec) == {("email_address", "advertiser")}


def test_we_allow_y_to_collect_x_makes_y_the_collector():
    rec = read("We allow advertisers to collect your IP address.")
    assert flows(rec) == {("ip_address", "COLLECTS", "advertiser", "+")}


def test_every_node_and_flow_records_the_rule_that_read_it():
    rec = read("Your e-mail address may be shared with advertisers. We use cookies.")
    assert all(e.rule for item in [*rec.nodes.values(), *rec.flows.values()] for e in item.evidence)
    (flow,) = rec.flows.values()
    assert flow.evidence[0].rule == "frame.share/data.passive_subject/recipient.with"
    assert flow.evidence[0].rule in rec.nodes["recipient:advertiser"].evidence[0].rule.split(", ")
    assert rec.nodes["cookie:cookie"].evidence[0].rule == "tracker.mention"


def _set_by(rec) -> dict[str, set[str]]:
    """Tracker kind → the party ids that set it."""
    return {n.properties["tracker_kind"]: {s.split(":", 1)[1] for s in n.properties["set_by"]}
            for n in rec.nodes.values() if "tracker_kind" in n.properties}


def test_the_parse_names_who_sets_a_tracker():
    rec = read("The use of web beacons by our vendors, analytics companies and partners is described here. "
               "Our advertising partners may place cookies on your device. "
               "You may refuse pixel tags that may be served by network advertisers.")
    set_by = _set_by(rec)
    assert set_by["clear_gif"] >= {"advertising_provider"}
    assert set_by["cookie"] == {"advertising_provider"}
    rec = read("The use of web beacons by our vendors, analytics companies and partners is described here.")
    assert _set_by(rec)["clear_gif"] == {"processor", "analytics_provider", "business_partner"}
    rec = read("We or our service providers may set analytics cookies.")
    assert _set_by(rec)["analytics_cookie"] == {"first_party", "processor"}


def _recipients(rec) -> set[str]:
    """Party ids that receive a positive flow from the first party."""
    return {f.target.split(":", 1)[1] for f in rec.flows.values()
            if f.source.startswith("first_party:") and f.polarity == "+"
            and f.relation in ("SHARES_WITH", "DISCLOSES_TO")}


def test_a_party_the_organisation_engages_receives_the_data_it_works_on():
    assert _recipients(read("We use a web analytics service to understand how visitors use the site.")) == {
        "analytics_provider"}
    assert _recipients(read("We may engage market research firms to help us survey our customers.")) == {
        "research_provider"}
    assert _recipients(read("Acme works with ad networks that show you offers.")) == {"advertising_provider"}
    assert _recipients(read("We may outsource certain functions to outside contractors.")) == {"processor"}
    rec = read("Our hosting providers may have access to your email address and billing address.")
    assert flows(rec) >= {("email_address", "SHARES_WITH", "hosting_provider", "+"),
                          ("billing_address", "SHARES_WITH", "hosting_provider", "+")}


def test_a_party_that_handles_data_as_the_agent_receives_it():
    assert _recipients(read("Your orders may be checked by fraud prevention services.")) == {
        "fraud_prevention_provider"}
    assert _recipients(read("We keep your files on servers managed by our hosting providers.")) == {"hosting_provider"}
    # a party that already collects or sets a tracker in the sentence is not also a recipient
    assert not _recipients(read("Your email address is collected by a survey company, not us."))
    assert not _recipients(read("The use of cookies by our partners is covered by this statement."))


def test_an_engagement_denied_or_with_a_preposition_engages_no_one():
    assert not _recipients(read("We do not use advertising networks."))
    assert not _recipients(read("We use cookies with our partners to remember your settings."))


def test_items_of_a_list_whose_lead_in_names_trackers_set_them():
    rec = read("If you do not want Acme and its marketing partners to follow your usage via cookies, please visit "
               "the website of each of the third parties below:\n\n  * Google\n  * Mixpanel\n  * comScore")
    assert _set_by(rec)["cookie"] >= {"advertising_provider", "analytics_provider"}


def test_these_technologies_stands_for_the_trackers_named_before():
    rec = read("We use cookies and web beacons to remember you. "
               "Our service providers may use these technologies to measure traffic.")
    set_by = _set_by(rec)
    assert "processor" in set_by["cookie"] and "processor" in set_by["clear_gif"]
    assert not _set_by(read("Our service providers may use these technologies to measure traffic."))


def test_items_of_a_list_whose_lead_in_engages_parties_are_engaged():
    rec = read("We use the following service providers to process your email address:\n\n"
               "  * Amazon Web Services for content storage;\n  * Mixpanel for usage analysis;")
    assert {("email_address", "SHARES_WITH", "hosting_provider", "+"),
            ("email_address", "SHARES_WITH", "analytics_provider", "+")} <= flows(rec)


def test_general_names_of_parties():
    assert _recipients(read("We provide your postal address to the postal service.")) == {"fulfillment_provider"}
    assert _recipients(read("We share your card number with credit card processing companies.")) == {
        "payment_processor"}


def test_an_item_with_statements_of_its_own_leaves_the_list_open():
    rec = read("We may share your email address with third parties as follows:\n\n"
               "  * With service providers, including processing information that you provide to us.\n"
               "  * With affiliates of Acme, or with successors in the event of a merger.")
    assert {("email_address", "SHARES_WITH", "affiliate", "+"),
            ("email_address", "DISCLOSES_TO", "acquirer", "+")} <= flows(rec)



def test_a_frame_places_nothing_in_another_sentence():
    # a list item restates its lead-in's frame; that frame's parse places none of the item's words
    from flowaudit.loaders.frames import frames
    from flowaudit.loaders.parse import parse
    lead, item = parse(["We may share your email address with advertisers.", "Your name and postal address."])
    frame = frames(lead)[2]
    assert frame.role_of(lead[5]) == ("data", "data.object")
    assert all(frame.role_of(t) is None and frame.heads(t, "data") is None for t in item)


def test_without_limitation_withholds_nothing():
    doc = parse(["Our form asks for information that may include, without limitation, your name and phone number, "
                 "and we post reviews without your email address."])[0]
    withheld = {doc[i].text for f in frames(doc).values() for i, (role, _) in f.holders.items() if role == "withheld"}
    assert withheld == {"address"}


def test_data_the_user_hands_over_to_nobody_else_is_collected():
    rec = read("To order a gift box, you must give us your postal address. You may be asked to provide your "
               "date of birth. We may ask you to submit your phone number. You may also upload a photo.")
    collected = {(f, r) for f, r, _, p in flows(rec) if p == "+"}
    assert {("postal_address", "COLLECTS"), ("date_of_birth", "COLLECTS"), ("phone_number", "COLLECTS"),
            ("photo", "COLLECTS")} <= collected
    rules = {f.field: f.evidence[0].rule for f in rec.flows.values()}
    assert "giver.user" in rules["field:postal_address"] and "giver.asked" in rules["field:date_of_birth"]


def test_data_the_user_gives_another_party_or_need_not_give_is_not_collected():
    rec = read("You are not required to provide your phone number. If you provide such company with your "
               "password, it may use it.")
    assert not rec.flows


def test_an_item_with_statements_of_its_own_leaves_the_lead_in_to_open_the_next_items():
    rec = read("Here is the information that we may collect about you:\n\n"
               "- information you give us when you call us (and we record calls);\n"
               "- technical information, including your IP address and browser type;\n"
               "- your date of birth")
    assert {"ip_address", "browser_type", "date_of_birth"} <= fields(rec)


def test_processing_data_is_holding_it():
    rec = read("The types of personal information that we process include:\n\n- your name and gender;\n"
               "- your passport number")
    assert {("name", "COLLECTS", "first_party", "+"), ("passport_number", "COLLECTS", "first_party", "+")} <= flows(rec)


def test_examples_after_a_statement_extend_it():
    rec = read("We collect information when you register. Examples of this information are your name and "
               "phone number. We may share information with our affiliates. Examples include your e-mail address.")
    assert {("name", "COLLECTS", "first_party", "+"), ("phone_number", "COLLECTS", "first_party", "+"),
            ("email_address", "SHARES_WITH", "affiliate", "+")} <= flows(rec)


def test_a_sharing_lead_in_without_a_recipient_opens_items_that_name_them():
    rec = read("We may share your information in certain circumstances, including:\n\n"
               "- with our affiliates to run the service;\n- with tax authorities;")
    assert {("personal_information", "SHARES_WITH", "affiliate", "+"),
            ("personal_information", "DISCLOSES_TO", "authority", "+")} <= flows(rec)
    assert all("list.item" in f.evidence[0].rule for f in rec.flows.values())


def test_an_item_that_is_a_noun_phrase_is_data_of_the_lead_in_whatever_verbs_modify_it():
    rec = read("We may collect the following information about you:\n\n"
               "- information about your visit, including your clickstream and the methods used to leave the page;\n"
               "- your phone number")
    assert {("clickstream_data", "COLLECTS", "first_party", "+"),
            ("phone_number", "COLLECTS", "first_party", "+")} <= flows(rec)


def test_a_giving_verb_coordinated_with_the_users_verb_is_handed_over():
    rec = read("You may register an account and provide your date of birth.")
    assert ("date_of_birth", "COLLECTS", "first_party", "+") in flows(rec)
    assert "giver.coordinated" in next(iter(rec.flows.values())).evidence[0].rule


def test_announcing_data_publishes_it():
    assert ("username", "DISCLOSES_TO", "public", "+") in flows(read("We announce your username on our blog."))
    assert not read("We announce new features on our blog.").flows


def test_a_list_item_restating_a_passive_lead_in_reads_the_agent_of_the_lead_in():
    rec = read("The following information may be collected by our payment processor:\n\n"
               "- your card number, which is checked when you pay;\n- your billing address")
    assert {("credit_card_number", "COLLECTS", "payment_processor", "+"),
            ("billing_address", "COLLECTS", "payment_processor", "+")} <= flows(rec)


def test_items_under_a_heading_that_states_the_sharing_name_its_recipients():
    rec = PolicyReader(parse_policy("acme.md", "# Acme privacy policy\n\n## Who we share your personal information "
                                    "with\n\n- Service providers who host our website.\n- Law enforcement agencies.\n\n"
                                    "## We do not sell your information\n\n- Advertisers\n")).read()
    assert {("personal_information", "SHARES_WITH", "processor", "+"),
            ("personal_information", "DISCLOSES_TO", "authority", "+")} <= flows(rec)
    assert not any(f.target == "party:advertiser" or "advertiser" in f.target for f in rec.flows.values())


def test_verbs_coordinated_in_the_words_share_their_data_whatever_the_parse_says():
    rec = read("We ask visitors for their e-mail address when they post, upload, transmit and/or otherwise submit "
               "a comment, photo or other material.")
    assert {"comment", "photo"} <= fields(rec)
    # a verb in quotation marks names a term, it opens no statement of its own
    rec = read('We ask visitors for their e-mail address when they post, upload, transmit and/or otherwise submit '
               '("Submit") a photo or other material.')
    assert "photo" in fields(rec)
