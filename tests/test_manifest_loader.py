"""Inventory manifests: flowaudit's own YAML format and Fides manifests, read into declared flows."""

import gc
import json
import textwrap
from importlib import resources

import jsonschema
import pytest
from flowaudit.loaders.email import extract_email
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.fides import crosswalk, extract_fides
from flowaudit.loaders.manifest import extract_manifest
from flowaudit.loaders.sources import detect_kind, extract
from flowaudit.loaders.yamlmap import _fast_validator, read_yaml, schema

from flowaudit.cli import main
from tests.conftest import ROOT

DECLARED = ROOT / "examples" / "plimus" / "evidence" / "declared.yaml"
NEWSLETTER = ROOT / "examples" / "plimus" / "evidence" / "newsletter.eml"
FIDES = ROOT / "tests" / "data" / "evidence" / "fides"
FIDES_SYSTEM = FIDES / "system.yml"
FIDES_DATASET = FIDES / "dataset.yml"


def flows(records, **match):
    return [f for f in records.flows.values() if all(getattr(f, k) == v for k, v in match.items())]


def line_of(path, text, after=None):
    """1-based line of the first line containing ``text`` (after the line containing ``after``)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def write(tmp_path, text, name="manifest.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip())
    return p


# --------------------------------------------------------------------- the Plimus declared inventory


@pytest.fixture(scope="module")
def declared():
    return extract_manifest(DECLARED)


def test_declared_flows_cite_their_line(declared):
    assert declared.flows and all(f.basis == "declared" for f in declared.flows.values())
    card = flows(declared, field="field:credit_card_number", target="organization:authorize_net")
    assert len(card) == 1 and card[0].relation == "SHARES_WITH" and card[0].source == "system:checkout"
    ev = card[0].evidence[0]
    line = line_of(DECLARED, "- field: [card_pan, card_exp, card_cvv2, name, bill_to]")
    assert ev.locator == f"line {line}" and ev.line == line
    assert ev.text == "system checkout shares credit card number with vendor authorize_net for payment processing"
    assert card[0].purposes == ["purpose:payment_processing"]
    assert card[0].properties["system"] == "checkout"


def test_collections_go_through_the_collection_point(declared):
    hops = {(f.source, f.target) for f in flows(declared, field="field:credit_card_number", relation="COLLECTS")}
    assert hops == {("data_subject:customer", "collection_point:transaction_form"),
                    ("data_subject:customer", "collection_point:api"),
                    ("collection_point:transaction_form", "system:checkout"),
                    ("collection_point:api", "system:checkout")}
    retention = flows(declared, field="field:credit_card_number", relation="COLLECTS")[0].properties["retention"]
    assert retention.startswith("7 years")


def test_systems_and_datastores_are_nodes_of_the_first_party(declared):
    systems = {n.id: n for n in declared.nodes.values() if n.kind == "system"}
    assert set(systems) == {"system:checkout", "system:shopper_accounts", "system:newsletter", "system:live_chat",
                            "system:analytics"}
    assert systems["system:checkout"].label == "Web shop checkout"
    assert systems["system:checkout"].properties["owner"] == "e-commerce platform team"
    stores = {n.id: n for n in declared.nodes.values() if n.kind == "datastore"}
    assert set(stores) == {"datastore:orders_db", "datastore:data_warehouse"}
    assert stores["datastore:orders_db"].properties["retention"] == "7 years after the last transaction"
    assert stores["datastore:data_warehouse"].properties["country"] == "IL"
    part_of = {(x.source, x.target) for x in declared.links.values() if x.relation == "PART_OF"}
    assert part_of == {(n, "first_party:plimus") for n in [*systems, *stores]}
    line = line_of(DECLARED, "- id: orders_db")
    assert stores["datastore:orders_db"].evidence[0].locator == f"line {line}"


def test_stores_and_sends_are_flows_between_systems(declared):
    (kept,) = flows(declared, field="field:email_address", source="system:checkout", target="datastore:orders_db")
    assert kept.relation == "STORES" and kept.properties["location"] == "orders, customers"
    assert kept.properties["retention"] == "7 years after the last transaction"  # the datastore's
    (sent,) = flows(declared, field="field:email_address", source="system:checkout", target="system:newsletter")
    assert sent.relation == "SHARES_WITH" and sent.action == "send"
    assert sent.conditions == ["the shopper opted in on the order page"]
    assert sent.evidence[0].text == "system checkout sends e-mail address to system newsletter for newsletters and " \
                                    "e-mail marketing"
    (accounts,) = flows(declared, field="field:password", target="datastore:orders_db")
    assert accounts.properties["retention"] == "while the account is active"  # the entry's own


def test_local_names_and_vocabulary_labels_resolve(declared):
    # card_pan, card_exp and ship_email are names declared under `fields:`; "holiday campaign" under `purposes:`.
    assert flows(declared, field="field:card_expiry", target="organization:authorize_net")
    to_esp = flows(declared, field="field:email_address", target="organization:mailchimp")
    assert to_esp and "purpose:email_marketing" in to_esp[0].purposes


def test_vendors_resolve_through_the_registry(declared):
    cj = declared.nodes["organization:cj_affiliate"]
    assert cj.properties["vendor_id"] == "cj" and "cj" in cj.aliases
    links = {(x.source, x.relation, x.target, x.basis) for x in declared.links.values()}
    assert ("organization:cj_affiliate", "IS_A", "affiliate:marketing_affiliate", "declared") in links
    assert ("organization:mailchimp", "OWNED_BY", "organization:intuit", "vocabulary") in links
    assert declared.nodes["organization:kount"].properties["safeguards"] == ["PCI DSS", "data processing agreement"]


def test_an_undisclosed_flow_is_declared(declared):
    # The policy says Affiliates receive non-personal information only; the inventory says otherwise.
    (flow,) = flows(declared, field="field:email_address", target="organization:cj_affiliate")
    assert flow.purposes == ["purpose:affiliate_commission_tracking"]
    assert flow.evidence[0].text == ("system checkout shares e-mail address with vendor cj for affiliate "
                                     "commission tracking")


def test_declared_and_observed_meet_on_the_same_nodes(declared):
    observed = extract_email(NEWSLETTER)
    both = {"organization:mailchimp", "first_party:plimus"}
    assert both <= set(declared.nodes) and both <= set(observed.nodes)
    merged = extract([DECLARED, NEWSLETTER])
    bases = {f.basis for f in merged.flows.values() if f.target == "organization:mailchimp"}
    assert bases == {"declared", "observed"}


def test_cli_extract_json(capsys):
    assert main(["extract", str(DECLARED), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {f["basis"] for f in doc["flows"]} == {"declared"}
    assert all(f["evidence"][0]["locator"].startswith("line ") for f in doc["flows"])


# --------------------------------------------------------------------- the schema


def test_schema_is_packaged_and_valid():
    text = resources.files("flowaudit.inventory").joinpath("schemas", "manifest.schema.json").read_text()
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


# --------------------------------------------------------------------- bad manifests

GOOD = """
    flowaudit: 1
    organization:
      name: Lumenware
      domains: [lumenware.com]
    vendors:
      - id: acme_pay
        name: Acme Payments
        kind: payment processor
    systems:
      - id: shop
        name: Web shop
        collects:
          - field: [name, e-mail address]
            from: customer
            via: checkout
        shares:
          - field: credit card number
            with: acme_pay
    """

STORE = "    datastores:\n      - id: orders_db\n        name: Orders\n"

BROKEN = [
    # (name, manifest, a text on the line the error names, message part)
    ("unknown key", GOOD.replace("via: checkout", "via: checkout\n            retension: 2 years"), "retension:",
     "unknown key 'retension' in systems[0].collects[0]"),
    ("unknown top-level key", GOOD.rstrip(" ") + "    owner: legal\n", "owner:", "unknown key 'owner' in the document"),
    ("unknown field", GOOD.replace("field: credit card number", "field: shoe size"), "shoe size",
     "unknown field 'shoe size'"),
    ("unknown field in a list", GOOD.replace("[name, e-mail address]", "[name,\n                    favourite colour]"),
     "favourite colour", "unknown field 'favourite colour'"),
    ("unknown subject", GOOD.replace("from: customer", "from: martian"), "martian", "unknown data subject 'martian'"),
    ("unknown collection point", GOOD.replace("via: checkout", "via: carrier pigeon"), "carrier pigeon",
     "unknown collection point 'carrier pigeon'"),
    ("unknown party kind", GOOD.replace("kind: payment processor", "kind: wizard"), "wizard",
     "unknown party kind 'wizard'"),
    ("unknown vendor", GOOD.replace("with: acme_pay", "with: globex"), "globex", "unknown recipient 'globex'"),
    ("wrong type", GOOD.replace("with: acme_pay", "with: 42"), "with: 42",
     "systems[0].shares[0].with: expected text or a list, found a number"),
    ("missing required key", GOOD.replace("        name: Web shop\n", ""), "- id: shop",
     "systems[0]: 'name' is a required property"),
    ("wrong version", GOOD.replace("flowaudit: 1", "flowaudit: 2"), "flowaudit: 2", "flowaudit: 1 was expected"),
    ("bad domain", GOOD.replace("[lumenware.com]", "[https://lumenware.com/]"), "https://",
     "organization.domains[0]"),
    ("duplicate key", GOOD.replace("    name: Web shop", "    name: Web shop\n        name: Shop"), "name: Shop",
     "duplicate key 'name'"),
    ("duplicate system", GOOD.rstrip(" ") + "      - id: shop  # again\n        name: Again\n", "# again",
     "duplicate system id 'shop'"),
    ("unknown system in sends", GOOD.replace("    shares:", "    sends:\n          - field: name\n"
                                              "            to: crm\n        shares:"), "to: crm",
     "unknown system 'crm': not declared under systems: (shop)"),
    ("a system sends to itself", GOOD.replace("    shares:", "    sends:\n          - field: name\n"
                                               "            to: [shop]\n        shares:"), "to: [shop]",
     "system 'shop' sends to itself"),
    ("unknown datastore", GOOD.replace("    shares:", "    stores:\n          - field: name\n"
                                        "            datastore: vault\n        shares:"), "datastore: vault",
     "unknown datastore 'vault': not declared under datastores: (none declared)"),
    ("a datastore without a name", GOOD.replace("    systems:", "    datastores:\n      - id: orders_db\n"
                                                 "        country: US\n    systems:"), "- id: orders_db",
     "datastores[0]: 'name' is a required property"),
    ("unknown datastore key", GOOD.replace("    systems:", STORE + "        retain: forever\n    systems:"), "retain:",
     "unknown key 'retain' in datastores[0]"),
    ("bad datastore country", GOOD.replace("    systems:", STORE + "        country: Israel\n    systems:"),
     "country: Israel",
     "datastores[0].country"),
]


@pytest.mark.parametrize(("name", "text", "marker", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_bad_manifests_name_the_line(tmp_path, name, text, marker, message):
    path = write(tmp_path, text)
    line = line_of(path, marker)
    with pytest.raises(InputError) as info:
        extract_manifest(path)
    assert info.value.path == str(path)
    assert info.value.place == f"line {line}", info.value
    assert message in info.value.message, info.value


READABLE = [(b[0], b[1]) for b in BROKEN if b[0] != "duplicate key"] + [("good", GOOD)]


@pytest.mark.parametrize(("name", "text"), READABLE, ids=[r[0] for r in READABLE])
def test_the_compiled_validator_passes_what_jsonschema_passes(tmp_path, name, text):
    # A document the compiled validator passes is not checked again: it must never pass a bad one.
    data = read_yaml(write(tmp_path, text)).data
    valid = not list(jsonschema.Draft202012Validator(schema("manifest")).iter_errors(data))
    assert _fast_validator("manifest").is_valid(data) == valid


def test_what_only_the_compiled_validator_refuses_is_read_as_before(tmp_path):
    # Python's $ matches before a final newline, the compiled validator's does not: jsonschema decides.
    text = GOOD.replace("domains: [lumenware.com]", 'domains: [lumenware.com]\n      country: "US\\n"')
    path = write(tmp_path, text)
    assert not _fast_validator("manifest").is_valid(read_yaml(path).data)
    assert extract_manifest(path).nodes["first_party:lumenware"].properties["country"] == "US\n"


def test_a_yaml_date_where_text_is_expected_names_its_line(tmp_path):
    path = write(tmp_path, GOOD.replace("via: checkout", "via: checkout\n            retention: 2020-01-01"))
    with pytest.raises(InputError) as info:
        extract_manifest(path)
    assert info.value.place == f"line {line_of(path, '2020-01-01')}"
    assert "retention: expected text, found a date" in info.value.message
    assert gc.isenabled()   # the collector paused for the load is running again


def test_good_manifest_reads(tmp_path):
    records = extract_manifest(write(tmp_path, GOOD))
    assert flows(records, field="field:credit_card_number", target="organization:acme_pay", source="system:shop")
    assert records.nodes["first_party:lumenware"].label == "Lumenware"


@pytest.mark.parametrize(("name", "data", "place", "message"), [
    ("empty", b"", "line 1", "empty file"),
    ("only a comment", b"# nothing here\n", "line 1", "empty file"),
    ("binary", bytes(range(256)) * 4, "byte 128", "not UTF-8 text"),
    ("syntax", b"flowaudit: 1\norganization: {name: Lumenware\nsystems: []\n", "line 3, column 8", "invalid YAML"),
    ("a list", b"- flowaudit\n- systems\n", "line 1", "expected a mapping, found a list"),
])
def test_unreadable_manifests(tmp_path, name, data, place, message):
    path = tmp_path / "manifest.yaml"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        extract_manifest(path)
    assert info.value.place == place and message in info.value.message, info.value


def test_an_alias_inside_its_own_value_names_the_line(tmp_path):
    path = write(tmp_path, GOOD.replace("from: customer", "from: customer\n            conditions: *x")
                 .replace("    collects:", "    collects: &x"))
    with pytest.raises(InputError) as info:
        extract_manifest(path)
    assert info.value.place == f"line {line_of(path, 'collects: &x')}" and "alias" in info.value.message


def test_bad_manifest_exits_2_with_the_line_on_stderr(tmp_path, capsys):
    path = write(tmp_path, BROKEN[0][1])
    assert main(["extract", str(path), "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"{path}:line {line_of(path, 'retension')}: unknown key 'retension'" in err


def test_yaml_of_neither_kind_is_refused(tmp_path, capsys):
    path = write(tmp_path, "services:\n  - web\n")
    assert main(["extract", str(path)]) == 2
    assert f"{path}:line 1: YAML that is neither a flowaudit manifest" in capsys.readouterr().err


def test_detection():
    assert detect_kind(DECLARED) == "manifest"
    assert detect_kind(FIDES_SYSTEM) == "fides" and detect_kind(FIDES_DATASET) == "fides"


# --------------------------------------------------------------------- Fides


@pytest.fixture(scope="module")
def fides_system():
    return extract_fides(FIDES_SYSTEM)


def test_fides_declarations_collect_from_their_subjects(fides_system):
    fp = "first_party:lumenware"
    assert fides_system.nodes[fp].label == "Lumenware Software"
    card = flows(fides_system, field="field:credit_card_number", relation="COLLECTS")
    assert [(f.source, f.target) for f in card] == [("data_subject:customer", "system:lumenware_checkout")]
    assert card[0].purposes == ["purpose:payment_processing"] and card[0].basis == "declared"
    line = line_of(FIDES_SYSTEM, "- name: Charge the customer for the order")
    assert card[0].evidence[0].locator == f"line {line}"
    assert "(user.financial.credit_card)" in card[0].evidence[0].text
    # anonymous_user is a visitor; prospect is not in the vocabulary's subjects and reads as user.
    assert flows(fides_system, source="data_subject:visitor", field="field:ip_address")
    assert flows(fides_system, source="data_subject:user", field="field:email_address")


def test_fides_systems_are_nodes_of_the_organization(fides_system):
    systems = {n.id: n for n in fides_system.nodes.values() if n.kind == "system"}
    assert set(systems) == {"system:lumenware_checkout", "system:lumenware_crm"}
    checkout = systems["system:lumenware_checkout"]
    assert checkout.label == "Checkout service" and checkout.properties["system_type"] == "Service"
    assert checkout.properties["owner"] == "E-commerce"
    assert checkout.evidence[0].locator == f"line {line_of(FIDES_SYSTEM, '- fides_key: lumenware_checkout')}"
    part_of = {(x.source, x.target) for x in fides_system.links.values() if x.relation == "PART_OF"}
    assert ("system:lumenware_checkout", "first_party:lumenware") in part_of


def test_fides_egress_to_a_third_party_system_is_sharing(fides_system):
    shared = flows(fides_system, relation="SHARES_WITH", target="organization:stripe")
    assert {f.field for f in shared} == {"field:credit_card_number", "field:name", "field:email_address"}
    assert {f.source for f in shared} == {"system:lumenware_checkout"}
    assert all(f.purposes == ["purpose:payment_processing"] for f in shared)
    # Stripe is known to the registry from its privacy policy URL.
    assert fides_system.nodes["organization:stripe"].properties["party_kind"] == "payment_processor"
    # The retargeting network is unknown; its data use makes it an advertising network.
    ads = fides_system.nodes["organization:retarget_ads"]
    assert ads.properties["party_kind"] == "advertising_provider"
    assert {(f.source, f.field) for f in flows(fides_system, target=ads.id)} == {
        ("system:lumenware_crm", "field:email_address")}


def test_fides_egress_between_our_systems_is_an_internal_flow(fides_system):
    sent = flows(fides_system, source="system:lumenware_checkout", target="system:lumenware_crm")
    assert {f.field for f in sent} == {"field:email_address", "field:name"}
    assert all(f.relation == "SHARES_WITH" and f.action == "send" for f in sent)
    # The checkout's egress and the CRM's ingress state the same flow: one flow citing both lines.
    lines = {ev.line for f in sent for ev in f.evidence}
    assert lines == {line_of(FIDES_SYSTEM, "- fides_key: lumenware_crm", after="egress:"),
                     line_of(FIDES_SYSTEM, "- fides_key: lumenware_checkout", after="ingress:")}
    assert not flows(fides_system, target="organization:lumenware_crm")


def test_a_fides_project_folder_joins_systems_and_datasets():
    r = extract([FIDES])
    stores = {n.id: n for n in r.nodes.values() if n.kind == "datastore"}
    assert set(stores) == {"datastore:orders_db", "datastore:marketing_warehouse"}
    orders = stores["datastore:orders_db"]
    assert orders.label == "Orders database" and orders.properties["retention"] == "7 years after the order"
    assert {(h["location"], h["field"]) for h in orders.properties["fields"]} == {
        ("customers.email", "email_address"), ("customers.full_name", "name"),
        ("customers.address.street", "postal_address"), ("customers.address.postcode", "postal_code"),
        ("customers.last_login_ip", "ip_address"), ("orders.total", "financial_information")}
    warehouse = stores["datastore:marketing_warehouse"]
    assert warehouse.properties["country"] == "IE" and "retention" not in warehouse.properties
    kept = flows(r, relation="STORES", source="system:lumenware_checkout", target="datastore:orders_db")
    assert {f.properties["location"] for f in kept} == {h["location"] for h in orders.properties["fields"]}
    assert {f.field for f in flows(r, relation="STORES", target=warehouse.id)} == {"field:email_address",
                                                                                  "field:first_name"}
    assert {f.source for f in flows(r, relation="STORES", target=warehouse.id)} == {"system:lumenware_crm"}


def test_fides_dataset_fields_are_stored():
    # Alone, the datasets are referenced by no system: they keep their data subjects' fields.
    r = extract_fides(FIDES_DATASET)
    stored = {f.properties["location"]: f.field for f in flows(r, relation="STORES", target="datastore:orders_db")}
    assert {f.source for f in flows(r, relation="STORES")} == {"data_subject:user"}
    assert stored == {"customers.email": "field:email_address", "customers.full_name": "field:name",
                      "customers.address.street": "field:postal_address",
                      "customers.address.postcode": "field:postal_code",
                      "customers.last_login_ip": "field:ip_address", "orders.total": "field:financial_information"}
    assert all(f.properties["retention"] == "7 years after the order"
               for f in flows(r, relation="STORES", target="datastore:orders_db"))


def test_fides_crosswalk():
    cw = crosswalk()
    assert cw.field("user.contact.email", {}) == "email_address"
    assert cw.field("user.contact.address.street", {}) == "postal_address"  # nearest ancestor
    assert cw.field("user.provided.identifiable.contact.email", {}) == "email_address"  # fideslang 1.x
    assert cw.field("user.derived.nonidentifiable.sensor", {}) is None
    assert cw.field("system.operations", {}) is None
    assert cw.field("user", {}) == "personal_information"
    assert cw.field("custom.loyalty_email", {"custom.loyalty_email": "user.contact.email"}) == "email_address"
    assert cw.purpose("essential.service.payment_processing") == "payment_processing"
    assert cw.purpose("marketing.communications.email") == "email_marketing"
    assert cw.purpose("improve.system") == "service_improvement"  # fideslang 1.x
    assert cw.recipient_kind("marketing.advertising.third_party.targeted") == "advertising_provider"


def test_fides_legacy_manifest(tmp_path):
    path = write(tmp_path, """
        system:
          - fides_key: analytics_system
            name: Analytics
            system_type: Service
            privacy_declarations:
              - name: Analyze customer behaviour
                data_categories: [user.derived.identifiable.device.cookie_id, user.provided.identifiable.contact]
                data_use: improve.system
                data_subjects: [customer]
                data_qualifier: aggregated.anonymized.unlinked_pseudonymized.pseudonymized.identified
        """, "legacy.yml")
    r = extract_fides(path)
    got = {(f.field, tuple(f.purposes)) for f in flows(r, relation="COLLECTS")}
    assert got == {("field:cookie_id", ("purpose:service_improvement",)),
                   ("field:contact_information", ("purpose:service_improvement",))}
    assert r.nodes["first_party:first_party"].kind == "first_party"


SYSTEM_A = "system:\n  - fides_key: a\n    system_type: Service\n"


@pytest.mark.parametrize(("text", "line", "message"), [
    (SYSTEM_A + "    privacy_declarations:\n      - data_categories: [user.name]\n", 5,
     "system[0].privacy_declarations[0]: 'data_use' is a required property (fideslang)"),
    ("system:\n  - fides_key: a\n    privacy_declarations: []\n", 2,
     "system[0]: 'system_type' is a required property (fideslang)"),
    (SYSTEM_A + "    privacy_declarations: []\n    egress:\n      - fides_key: b\n        type: cloud\n", 7,
     "system[0].egress[0].type: 'type' must be one of dataset, system, user"),
    ("dataset:\n  - fides_key: d\n    collections:\n      - name: c\n        fields: {name: x}\n", 5,
     "expected a list, found a mapping"),
    ("system:\n  - fides_key: two words\n    system_type: Service\n    privacy_declarations: []\n", 2,
     "system[0].fides_key: FidesKeys must only contain"),
    (SYSTEM_A + "    privacy_declarations: []\n    egress:\n      - fides_key: a  # itself\n        type: system\n",
     6, "system 'a' names itself in its egress"),
    (SYSTEM_A + "    privacy_declarations:\n      - data_categories: [user.name]\n        data_use: marketing\n"
     "        egress: [b]\n", 2, "defines egress with one or more resources"),
    (((SYSTEM_A + "    privacy_declarations: []\n") * 2).replace("[]\nsystem:\n", "[]\n"), 5,
     "duplicate system 'a'"),
    ("services:\n  - web\n", 1, "no fideslang resources"),
])
def test_bad_fides_manifests_name_the_line(tmp_path, text, line, message):
    path = tmp_path / "fides.yml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        extract_fides(path)
    assert info.value.place == f"line {line}" and message in info.value.message, info.value


def test_fides_categories_and_uses_outside_the_vocabularies(tmp_path):
    path = tmp_path / "fides.yml"
    path.write_text(SYSTEM_A + "    privacy_declarations:\n      - data_use: astrology.readings\n"
                    "        data_categories: [user.shoe_size, system.operations]\n")
    r = extract_fides(path)
    # An unknown user category is read as its nearest known ancestor (here: personal information).
    assert {f.field for f in r.flows.values()} == {"field:personal_information"}
    assert r.warnings == [f"{path}:line 5: data use 'astrology.readings' has no purpose in the vocabulary"]
