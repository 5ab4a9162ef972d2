"""The organisation registry: registrable domains, owners, party kinds and the records it adds."""

import os
from pathlib import Path

import pytest
from flowaudit.inventory import organizations as orgs
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Records


@pytest.fixture(scope="module")
def registry() -> orgs.Registry:
    return orgs.load()


@pytest.mark.parametrize(("host", "domain"), [
    ("www.plimus.com", "plimus.com"),
    ("plimus.com", "plimus.com"),
    ("news.bbc.co.uk", "bbc.co.uk"),
    ("SSL.Google-Analytics.COM:443", "google-analytics.com"),
    ("www.example.com.", "example.com"),
    ("192.0.2.1", "192.0.2.1"),
    ("[2001:db8::1]", "2001:db8::1"),
    ("localhost", "localhost"),
    ("d1z2jf7jlzjs58.cloudfront.net", "cloudfront.net"),
])
def test_registrable_domain(host, domain):
    assert orgs.registrable_domain(host) == domain


def test_site_label_and_first_party_id():
    assert orgs.site_label("www.plimus.com") == "plimus"
    assert orgs.site_label("news.bbc.co.uk") == "bbc"
    assert orgs.first_party_id("checkout.plimus.com") == "first_party:plimus"
    assert orgs.first_party_id("shop.lumenware-demo.com") == "first_party:lumenware_demo"


def test_first_party_id_lines_up_with_the_policy(seed_records):
    policy_first = [n.id for n in seed_records.nodes.values() if n.kind == "first_party"]
    assert policy_first == [orgs.first_party_id("www.plimus.com")]


def test_packaged_registry_is_consistent(registry):
    parties = vocab.load("parties")
    assert len(registry) >= 300
    for org in registry:
        assert org.kind in parties
        assert registry.chain(org.id)[0] is org
        for domain in org.domains:
            assert registry.by_domain(domain) is org


def test_resolve_and_ownership_chain(registry):
    fb = registry.resolve("connect.facebook.net")
    assert fb is not None and fb.id == "facebook"
    assert [o.id for o in registry.chain("facebook")] == ["facebook", "meta"]
    assert registry.owner("google_analytics").id == "google"
    assert registry.party_kind("authorize_net") == "payment_processor"
    assert registry.resolve("cdn.widgetfabrik.io") is None


@pytest.mark.parametrize(("a", "b", "same"), [
    ("www.google-analytics.com", "ad.doubleclick.net", True),    # both Google
    ("www.plimus.com", "checkout.bluesnap.com", True),           # sister domains of BlueSnap
    ("connect.facebook.net", "www.facebook.com", True),
    ("www.facebook.com", "www.google.com", False),
    ("a.widgetfabrik.io", "b.widgetfabrik.io", True),            # unknown, same registrable domain
    ("widgetfabrik.io", "widgetfabrik.com", False),
])
def test_same_owner(registry, a, b, same):
    assert registry.same_owner(a, b) is same


def test_add_organization_links_kind_and_owner(registry):
    records = Records()
    node = orgs.add_organization(records, registry, "facebook")
    assert node.id == "organization:facebook" and node.kind == "organization" and node.label == "Facebook"
    assert node.properties["party_kind"] == "advertising_provider"
    assert node.properties["parent"] == "meta"
    assert "facebook.com" in node.properties["domains"]
    links = {(lk.relation, lk.source, lk.target) for lk in records.links.values()}
    assert ("IS_A", "organization:facebook", "recipient:advertising_provider") in links
    assert ("OWNED_BY", "organization:facebook", "organization:meta") in links
    assert ("SUBSUMES", "recipient:third_party", "recipient:advertising_provider") in links
    is_a = next(lk for lk in records.links.values() if lk.relation == "IS_A" and lk.source == node.id)
    assert is_a.evidence and is_a.evidence[0].source.endswith("organizations.yaml")
    for link in records.links.values():
        assert link.source in records.nodes and link.target in records.nodes


def test_session_replay_organisations_are_flagged(registry):
    records = Records()
    node = orgs.add_organization(records, registry, "hotjar")
    assert node.properties["session_replay"] is True
    assert ("IS_A", "organization:hotjar", "processor:session_replay_provider") in {
        (lk.relation, lk.source, lk.target) for lk in records.links.values()}


def test_unknown_host_is_an_unresolved_third_party(registry):
    records = Records()
    node = orgs.add_host_organization(records, registry, "cdn.widgetfabrik.io")
    assert node.id == "organization:widgetfabrik_io"
    assert node.properties == {"domains": ["widgetfabrik.io"], "party_kind": "third_party", "unresolved": True}
    assert ("IS_A", node.id, "recipient:third_party") in {
        (lk.relation, lk.source, lk.target) for lk in records.links.values()}


def test_first_party_node_names_the_owner(registry):
    records = Records()
    node = orgs.add_first_party(records, registry, "www.plimus.com")
    assert node.id == "first_party:plimus"
    assert node.properties == {"party_kind": "first_party", "domains": ["plimus.com"], "organization": "bluesnap"}


ENTRY = "- {{id: {id}, name: {name}, domains: [{domains}], parent: {parent}, kind: {kind}}}\n"


def _write(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "orgs.yaml"
    path.write_text("".join(ENTRY.format(**{"parent": "null", "kind": "processor", **e}) for e in entries))
    return path


@pytest.mark.parametrize(("entries", "message"), [
    ([{"id": "a", "name": "A", "domains": "a.com"}, {"id": "b", "name": "B", "domains": "a.com"}], "already belongs"),
    ([{"id": "a", "name": "A", "domains": "a.com"}, {"id": "a", "name": "A2", "domains": "b.com"}], "duplicate"),
    ([{"id": "a", "name": "A", "domains": "a.com", "parent": "nobody"}], "unknown parent"),
    ([{"id": "a", "name": "A", "domains": "a.com", "parent": "b"},
      {"id": "b", "name": "B", "domains": "b.com", "parent": "a"}], "cycle"),
    ([{"id": "a", "name": "A", "domains": "a.com", "kind": "wizard"}], "unknown party kind"),
    ([{"id": "a", "name": "A", "domains": "www.a.com"}], "not a registrable domain"),
])
def test_bad_registry_files_are_refused(tmp_path, entries, message):
    path = _write(tmp_path, *entries)
    with pytest.raises(orgs.RegistryError, match=message) as info:
        orgs.Registry.from_file(path)
    assert str(path) in str(info.value)


def test_unknown_keys_are_refused(tmp_path):
    path = tmp_path / "orgs.yaml"
    path.write_text("- {id: a, name: A, domains: [a.com], kind: processor, ceo: Someone}\n")
    with pytest.raises(orgs.RegistryError, match="entry 0: unknown keys ceo"):
        orgs.Registry.from_file(path)


# the paired development captures: ../shared/paired-dev beside the repository, or $FLOWAUDIT_PAIRED_DEV
PAIRS = Path(os.environ.get("FLOWAUDIT_PAIRED_DEV") or Path(__file__).resolve().parents[2] / "shared" / "paired-dev")


def test_the_registry_covers_hundreds_of_organisations_with_every_kind_it_needs(registry):
    assert len(registry) >= 600
    kinds = {org.kind for org in registry}
    assert {"data_broker", "credit_bureau", "content_delivery"} <= kinds
    assert registry.party_kind("equifax") == registry.party_kind("transunion") == "credit_bureau"


@pytest.mark.parametrize("host", ["fonts.googleapis.com", "fonts.gstatic.com", "ajax.googleapis.com"])
def test_google_fonts_and_hosted_libraries_are_content_delivery_not_advertising(registry, host):
    org = registry.resolve(host)
    assert org.kind == "content_delivery" and registry.owner(org.id).id == "google"
    assert registry.resolve("stats.g.doubleclick.net").kind == "advertising_provider"


@pytest.mark.parametrize(("host", "site", "vendor"), [
    ("ebayinc.demdex.net", "ebay.com", "adobe_audience_manager"),
    ("bskyb.demdex.net", "sky.com", "adobe_audience_manager"),
    ("nytimes.activate.ensighten.com", "nytimes.com", "ensighten"),
    ("pnytimes.chartbeat.net", "nytimes.com", "chartbeat"),
])
def test_a_vendor_subdomain_named_after_the_site_belongs_to_the_vendor(registry, host, site, vendor):
    assert registry.resolve(host).id == vendor
    assert not registry.same_owner(host, site)


@pytest.mark.parametrize(("a", "b"), [("www.nyt.com", "nytimes.com"), ("static01.nyt.net", "www.nytimes.com"),
                                      ("cdn.bstatic.com", "booking.com"), ("ir.ebaystatic.com", "ebay.com"),
                                      ("codecanyon.net", "themeforest.net"), ("www.skyassets.com", "sky.com")])
def test_an_owners_sister_domains_are_first_party(registry, a, b):
    assert registry.same_owner(a, b)


def test_names_find_their_organisation(registry):
    assert registry.by_name("The New York Times Company").id == "nyt"
    assert registry.by_name("google analytics").id == "google_analytics"
    assert registry.by_name("P.O. Box") is None


def _har_hosts(path: Path) -> set[str]:
    import json
    from urllib.parse import urlsplit
    entries = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    return {orgs.normal_host(urlsplit(e["request"]["url"]).hostname or "") for e in entries
            if e["request"]["url"].startswith("http")}


def test_every_third_party_host_of_the_paired_captures_is_known_or_reported_unknown(registry):
    """Hosts the registry does not know become unknown third parties; in the development captures
    that is one host whose operator nobody could identify (smct.co, see the labels)."""
    if not PAIRS.is_dir():
        pytest.skip(f"the paired captures are not here ({PAIRS})")
    import yaml
    labels = yaml.safe_load((PAIRS / "labels.yaml").read_text(encoding="utf-8"))
    unknown = set()
    for spec in labels.values():
        for h in _har_hosts(PAIRS / spec["har"]):
            if not registry.same_owner(h, spec["policy"].removesuffix(".md")) and registry.resolve(h) is None:
                unknown.add(orgs.registrable_domain(h))
    assert unknown <= {"smct.co"}, sorted(unknown)
