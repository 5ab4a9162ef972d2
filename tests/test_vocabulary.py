"""The vocabularies: size, coverage, crosswalks, hierarchy and alias matching."""

from flowaudit.inventory import vocabulary as vocab

CATEGORIES = {"identifiers", "contact_information", "financial_information", "payment_information", "credentials",
              "device_information", "online_activity", "location_information", "commercial_information",
              "communications", "demographics", "government_ids", "health_information", "childrens_information"}


def test_fields_have_categories_crosswalks_and_enough_leaves():
    fields = vocab.load("fields")
    leaves = [t for t in fields if not fields.children(t.id)]
    assert len(leaves) >= 80
    assert set(fields.terms) >= CATEGORIES
    for t in fields:
        if fields.root(t.id) == "personal_information":
            assert t.get("fideslang", "").startswith("user"), t.id
            assert t.get("opp115"), t.id


def test_aliases_resolve():
    fields = vocab.load("fields")
    assert fields.lookup("Credit Card numbers").id == "credit_card_number"
    assert fields.lookup("e-mail addresses").id == "email_address"
    assert fields.lookup("email address").id == "email_address"
    assert "contact_information" in fields.ancestors("email_address")


def test_party_kinds_and_hierarchy():
    parties = vocab.load("parties")
    for pid in ("first_party", "payment_processor", "email_service_provider", "support_provider",
                "hosting_provider", "analytics_provider", "supplier", "marketing_affiliate", "group_company",
                "authority", "acquirer", "public"):
        assert pid in parties
    for pid in ("payment_processor", "email_service_provider", "support_provider", "hosting_provider",
                "analytics_provider"):
        assert "processor" in parties.ancestors(pid)
    assert {t.get("kind") for t in parties} <= {"first_party", "processor", "supplier", "affiliate", "recipient"}


def test_purposes_map_to_fideslang_uses_and_trackers_have_kinds():
    for t in vocab.load("purposes"):
        assert t.get("opp115") and t.get("fideslang"), t.id
    assert {t.get("kind") for t in vocab.load("trackers")} <= {"cookie", "flash_cookie", "clear_gif", "tracker"}


def test_an_extended_matcher_leaves_the_original_alone():
    base = vocab.PhraseMatcher()
    base.add("payment processor", "party", "payment_processor")
    more = base.extended([("Acme Pay", "party", "first_party"), ("payment processor", "party", "other")])
    assert [m.senses for m in more.find("Acme Pay uses a payment processor")] == [
        (("party", "first_party"),), (("party", "payment_processor"), ("party", "other"))]
    assert [m.senses for m in base.find("Acme Pay uses a payment processor")] == [
        (("party", "payment_processor"),)]
