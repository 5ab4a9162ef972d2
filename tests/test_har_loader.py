"""The HAR loader: captures from Chrome, Firefox, WebPageTest and mitmproxy, broken files, and values never kept."""

import hashlib
import json
import logging
import re
import tracemalloc
from pathlib import Path

import pytest
from flowaudit.inventory.records import Records
from flowaudit.loaders import har, har_entries
from flowaudit.loaders.cookies import CookieRecords
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.har import Capture, extract_har
from flowaudit.loaders.observed import detect
from flowaudit.loaders.sources import detect_kind

from flowaudit.cli import main
from tests.conftest import ROOT

HARS = ROOT / "tests" / "data" / "evidence" / "har"
GOOD = ["chrome-checkout.har", "chrome-sanitized.har", "firefox-newsletter.har", "webpagetest-1.1.har",
        "mitmproxy-app.har"]
PLIMUS = ROOT / "examples" / "plimus" / "evidence"


def flows(records: Records, target: str | None = None, relation: str | None = None) -> dict[str, dict]:
    """field id (without ``field:``) → flow, for flows to ``target`` with ``relation``."""
    return {f.field.split(":", 1)[1]: f for f in records.flows.values()
            if (target is None or f.target == target) and (relation is None or f.relation == relation)}


@pytest.fixture(scope="module")
def chrome() -> Records:
    return extract_har(HARS / "chrome-checkout.har")


@pytest.fixture(scope="module")
def firefox() -> Records:
    return extract_har(HARS / "firefox-newsletter.har")


@pytest.mark.parametrize("name", GOOD)
def test_captures_load_with_observed_flows_citing_entries(name):
    records = extract_har(HARS / name)
    assert detect_kind(HARS / name) == "har"
    assert records.flows
    for f in records.flows.values():
        assert f.basis == "observed" and f.polarity == "+"
        assert {f.field, f.source, f.target} <= set(records.nodes)
        assert f.evidence and f.properties["observations"] >= len(f.evidence)
        for ev in f.evidence:
            assert ev.source == str(HARS / name) and re.fullmatch(r"entry \d+", ev.locator)
            assert ev.url is None or "?" not in ev.url or re.fullmatch(
                r"[^?]*\?([^=&]+(=\[[a-z0-9:]+\])?&)*[^=&]+(=\[[a-z0-9:]+\])?", ev.url)
    for link in records.links.values():
        assert link.source in records.nodes and link.target in records.nodes


def test_chrome_site_is_the_first_page_url(chrome):
    fp = chrome.nodes["first_party:lumenware_demo"]
    assert fp.kind == "first_party" and fp.properties["domains"] == ["lumenware-demo.com"]
    assert fp.evidence[0].locator == "log.pages[0].title"
    assert "organization:lumenware_demo" not in chrome.nodes   # static.lumenware-demo.com is first party


def test_every_third_party_request_discloses_ip_agent_and_page(chrome):
    for org in ("organization:google_tag_manager", "organization:stripe", "organization:doubleclick",
                "organization:widgetfabrik_io"):
        got = flows(chrome, org, "SHARES_WITH")
        assert {"ip_address", "user_agent", "pages_visited"} <= set(got), org
        assert all(f.source == "first_party:lumenware_demo" for f in got.values())
    assert flows(chrome, "organization:stripe")["pages_visited"].evidence[0].parameter == "Referer"


def test_facebook_pixel_receives_the_hashed_email(chrome):
    fb = flows(chrome, "organization:facebook", "SHARES_WITH")
    hashed = fb["hashed_email"]
    assert hashed.evidence[0].parameter == "ud[em]" and hashed.properties["hashed"] == ["sha256"]
    assert hashed.evidence[0].locator == "entry 5"
    assert hashed.evidence[0].text.startswith("GET https://www.facebook.com/tr/ (query parameters: id, ev, dl, rl")
    assert fb["referring_url"].evidence[0].parameter == "rl"
    assert fb["cookie_id"].evidence[0].parameter == "fr"
    gif = chrome.nodes["clear_gif:facebook"]
    assert gif.properties["context"] == "page" and gif.properties["operator"] == "organization:facebook"
    assert "hashed_email" in flows(chrome, "clear_gif:facebook", "TRACKS_WITH")
    assert "hashed_email" in flows(chrome, "organization:facebook", "TRACKS_WITH")
    assert chrome.nodes["organization:facebook"].properties["party_kind"] == "advertising_provider"


def test_payment_processor_receives_card_data(chrome):
    stripe = flows(chrome, "organization:stripe", "SHARES_WITH")
    assert {"credit_card_number", "cvv", "card_expiry", "name"} <= set(stripe)
    assert stripe["credit_card_number"].evidence[0].parameter == "card[number]"
    assert ("IS_A", "organization:stripe", "processor:payment_processor") in {
        (lk.relation, lk.source, lk.target) for lk in chrome.links.values()}


def test_data_typed_into_the_sites_own_form_is_collected(chrome):
    got = flows(chrome, "first_party:lumenware_demo", "COLLECTS")
    assert {"email_address", "name", "phone_number", "postal_address", "postal_code", "city"} <= set(got)
    assert got["name"].evidence[0].parameter == "customer.name"     # not items[].name, a product
    assert all(f.source == "data_subject:user" for k, f in got.items() if k != "cookie_id")


def test_beacons_and_session_recorders(chrome):
    ga = chrome.nodes["clear_gif:google_analytics"]                  # sendBeacon: _resourceType ping, 204
    assert ga.properties["endpoints"] == ["https://region1.google-analytics.com/g/collect"]
    assert "clear_gif:doubleclick" in chrome.nodes                    # 42-byte image
    assert "clear_gif:stripe" not in chrome.nodes and "clear_gif:widgetfabrik_io" not in chrome.nodes
    rec = chrome.nodes["tracker:hotjar_session_replay"]
    assert rec.properties["tracker_kind"] == "session_recorder"
    assert chrome.nodes["organization:hotjar"].properties["session_replay"] is True
    assert "account_id" in flows(chrome, "tracker:hotjar_session_replay", "TRACKS_WITH")


def test_unknown_third_party_is_an_unresolved_organisation(chrome):
    node = chrome.nodes["organization:widgetfabrik_io"]
    assert node.label == "widgetfabrik.io"
    assert node.properties["party_kind"] == "third_party" and node.properties["unresolved"] is True


def test_set_cookie_gives_cookie_nodes(chrome):
    session = chrome.nodes["cookie:shop.lumenware-demo.com/session"]
    assert session.properties["expiry"] == "session" and session.properties["party"] == "first"
    assert session.properties["http_only"] is True and session.properties["same_site"] == "Lax"
    ide = chrome.nodes["cookie:doubleclick.net/IDE"]
    assert ide.properties["party"] == "third" and ide.properties["set_by"] == ["organization:doubleclick"]
    assert ide.properties["expiry"] == "persistent" and ide.properties["lifetime_seconds"] == 34041592
    assert ide.properties["purpose"] == "marketing" and ide.properties["platform"] == "DoubleClick/Google Marketing"
    assert not chrome.warnings


def test_sanitised_capture_warns_that_cookie_evidence_is_missing():
    records = extract_har(HARS / "chrome-sanitized.har")
    assert len(records.warnings) == 1 and "cookie evidence missing" in records.warnings[0]
    assert "no cookies" not in records.warnings[0]
    assert not [n for n in records.nodes.values() if n.kind == "cookie"]


def test_firefox_capture(firefox):
    assert "first_party:tagesblick_news" in firefox.nodes           # page title is not a URL: first entry
    consent = firefox.nodes["cookie:www.tagesblick-news.de/tb_consent"].properties
    uid = firefox.nodes["cookie:www.tagesblick-news.de/tb_uid"].properties
    assert consent["expiry"] == "persistent" and consent["lifetime_seconds"] == 31536000   # Max-Age
    assert uid["expiry"] == "no expiry"                                                    # 40 years
    assert "clear_gif:comscore" in firefox.nodes                                           # 204
    assert "clear_gif:mailwirbel_tracking_de" in firefox.nodes                             # 1x1 gif
    leak = flows(firefox, "organization:mailwirbel_tracking_de", "SHARES_WITH")
    assert leak["email_address"].evidence[0].parameter == "email"
    got = flows(firefox, "first_party:tagesblick_news", "COLLECTS")
    assert {"email_address", "first_name", "postal_code"} <= set(got)


def test_har_1_1_from_webpagetest():
    records = extract_har(HARS / "webpagetest-1.1.har")
    assert "first_party:pinewood_outdoors" in records.nodes
    assert {"clear_gif:quantcast", "clear_gif:comscore"} <= set(records.nodes)
    assert flows(records, "organization:quantcast")["pages_visited"].properties["parameters"] == ["url"]


def test_mitmproxy_app_capture():
    records = extract_har(HARS / "mitmproxy-app.har")
    assert "first_party:trailmate_app" in records.nodes                 # no pages: the first request's host
    seg = flows(records, "organization:segment", "SHARES_WITH")
    assert {"email_address", "account_id", "first_name"} <= set(seg)
    assert seg["email_address"].evidence[0].parameter == "batch[].traits.email"
    assert ("OWNED_BY", "organization:segment", "organization:twilio") in {
        (lk.relation, lk.source, lk.target) for lk in records.links.values()}
    assert {"email_address", "password"} <= set(flows(records, "first_party:trailmate_app", "COLLECTS"))


def test_site_can_be_given():
    records = extract_har(HARS / "mitmproxy-app.har", site="trailmate-cdn.com")
    assert "first_party:trailmate_cdn" in records.nodes
    assert "organization:trailmate_app_com" in records.nodes


BROKEN = [
    ("broken-truncated.har", "truncated JSON", "byte 21424 (after entry 7)"),
    ("broken-version.har", "unsupported HAR version '2.0'", "log.version"),
    ("broken-binary.har", "not valid JSON", "byte 0"),
    ("broken-empty.har", "empty file", "byte 0"),
    ("broken-no-entries.har", "no entries list", "log"),
    ("broken-unknown.har", "no \"log\" object", "top level"),
    ("broken-entry.har", "request has no url", "entry 3"),
    ("broken-syntax.har", "not valid JSON (lexical error", "(after entry 2)"),
]


@pytest.mark.parametrize(("name", "message", "place"), BROKEN)
def test_broken_captures_name_file_and_place(name, message, place):
    path = HARS / name
    with pytest.raises(InputError) as info:
        extract_har(path)
    assert info.value.path == str(path) and message in info.value.message and place in (info.value.place or "")


@pytest.mark.parametrize(("name", "message", "place"), BROKEN)
def test_broken_captures_exit_2_from_the_cli(capsys, name, message, place):
    code = main(["extract", str(HARS / name), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2 and not out
    assert f"{HARS / name}:" in err and place in err and message in err


def test_version_after_the_entries_is_still_checked(tmp_path):
    doc = json.loads((HARS / "webpagetest-1.1.har").read_text())
    log = doc["log"]
    reordered = {"log": {"entries": log["entries"], "pages": log["pages"], "version": log["version"]}}
    path = tmp_path / "late-version.har"
    path.write_text(json.dumps(reordered))
    assert "clear_gif:quantcast" in extract_har(path).nodes
    reordered["log"]["version"] = "0.9"
    path.write_text(json.dumps(reordered))
    with pytest.raises(InputError, match=re.escape("unsupported HAR version '0.9'")):
        extract_har(path)


def test_whitespace_only_file_is_empty(tmp_path):
    path = tmp_path / "blank.har"
    path.write_text("\n   \n")
    with pytest.raises(InputError, match="empty file"):
        extract_har(path)


def test_syntax_error_offset_is_the_offending_byte():
    path = HARS / "broken-syntax.har"
    with pytest.raises(InputError) as info:
        extract_har(path)
    offset = int(re.search(r"byte (\d+)", info.value.place or "").group(1))
    assert path.read_bytes()[offset:offset + 4] == b"ping"


def test_a_failed_load_leaves_the_store_as_it_was(tmp_path, capsys):
    store = tmp_path / "store.json"
    assert main(["load", str(HARS / "chrome-checkout.har"), "--store", str(store)]) == 0
    before = store.read_bytes()
    assert main(["load", str(HARS / "firefox-newsletter.har"), str(HARS / "broken-truncated.har"),
                 "--store", str(store)]) == 2
    assert store.read_bytes() == before
    capsys.readouterr()


def test_entries_are_streamed(tmp_path):
    """Peak Python memory stays far below the file size: the file is never parsed as a whole."""
    template = json.loads((HARS / "chrome-checkout.har").read_text())
    path = tmp_path / "big.har"
    entries = template["log"]["entries"]
    with path.open("w") as fh:
        head = dict(template["log"], entries=[])
        fh.write(json.dumps({"log": head})[:-3] + "\n")
        for k in range(1500):
            fh.write(("," if k else "") + json.dumps(dict(entries[k % len(entries)], _padding="x" * 12000)) + "\n")
        fh.write("]}}")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        records = extract_har(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 15_000_000 and peak < size / 3
    assert flows(records, "organization:facebook")["hashed_email"].properties["observations"] == 125
    assert len(flows(records, "organization:facebook")["hashed_email"].evidence) == 5


# --------------------------------------------------------------------- planted personal values

EMAIL = "zelda.quintrell@example.org"
PLANTED = {
    "email": EMAIL,
    "email (encoded)": "zelda.quintrell%40example.org",
    "phone": "415 555 0199",
    "card": "4111111111111111",
    "sha256": hashlib.sha256(EMAIL.encode()).hexdigest(),
    "md5": hashlib.md5(EMAIL.encode()).hexdigest(),
    "first name": "Zelda",
    "last name": "Quintrell",
    "user id": "uid-77Xq93Lk",
    "postal code": "02139",
    "password": "Marigold-Gazebo-42",
}


def _planted_har(path: Path) -> None:
    site = "https://www.quillbrook-books.com"
    ref = {"name": "Referer", "value": f"{site}/account/{EMAIL}/orders?email={PLANTED['email (encoded)']}"}

    def entry(method, url, status=200, mime="text/html", size=1200, post=None, cookies=(), set_cookie=None):
        e = {"startedDateTime": "2024-06-01T10:00:00.000Z", "time": 20,
             "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "User-Agent", "value": "Mozilla/5.0"}, ref],
                         "cookies": list(cookies), "queryString": [], "headersSize": -1, "bodySize": 0},
             "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                          "content": {"size": size, "mimeType": mime}, "redirectURL": "", "headersSize": -1,
                          "bodySize": size},
             "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 1}}
        if post is not None:
            e["request"]["postData"] = post
        if set_cookie:
            e["response"]["headers"].append({"name": "Set-Cookie", "value": set_cookie})
        return e

    entries = [
        entry("GET", f"{site}/account/{EMAIL}/orders?email={PLANTED['email (encoded)']}"),
        entry("POST", f"{site}/checkout", post={"mimeType": "application/x-www-form-urlencoded", "params": [
            {"name": "first_name", "value": PLANTED["first name"]},
            {"name": "last_name", "value": PLANTED["last name"]},
            {"name": "email", "value": EMAIL}, {"name": "phone", "value": PLANTED["phone"]},
            {"name": "cc_number", "value": PLANTED["card"]}, {"name": "zip", "value": PLANTED["postal code"]},
            {"name": "password", "value": PLANTED["password"]}]},
            set_cookie=f"qb_user={PLANTED['email (encoded)']}; Path=/; Max-Age=86400"),
        entry("GET", f"https://www.facebook.com/tr?id=90211&ev=Purchase&ud[em]={PLANTED['sha256']}"
                     f"&ud[fn]={PLANTED['first name']}&ud[ph]={PLANTED['phone'].replace(' ', '')}",
              status=204, size=0),
        entry("GET", f"https://www.emjcd.com/u?CID=1&em={PLANTED['md5']}&uid={PLANTED['user id']}", mime="image/gif",
              size=43, cookies=[{"name": "LCLK", "value": f"cjo!{EMAIL}"}]),
        entry("POST", "https://api.segment.io/v1/t", mime="application/json", post={
            "mimeType": "application/json",
            "text": json.dumps({"userId": PLANTED["user id"],
                                "traits": {"email": EMAIL, "lastName": PLANTED["last name"],
                                           "postalCode": PLANTED["postal code"]},
                                EMAIL: {"card": PLANTED["card"]}})}),
        entry("GET", f"https://cdn.pagekite-widgets.net/u/{EMAIL}/w.js?c={PLANTED['card']}"),
    ]
    doc = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                   "pages": [{"id": "page_1", "title": f"{site}/account", "startedDateTime": "2024-06-01T10:00:00.000Z",
                              "pageTimings": {}}], "entries": entries}}
    path.write_text(json.dumps(doc, indent=1))


def test_planted_values_never_leave_the_loader(tmp_path, capsys, caplog):
    path = tmp_path / "planted.har"
    _planted_har(path)
    caplog.set_level(logging.DEBUG)
    code = main(["extract", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0
    doc = json.loads(out)
    got = {(f["target"], f["field"]) for f in doc["flows"]}
    # the values were seen for what they are ...
    assert ("organization:facebook", "field:hashed_email") in got
    assert ("organization:facebook", "field:phone_number") in got
    assert ("organization:cj_affiliate", "field:hashed_email") in got
    assert ("organization:cj_affiliate", "field:email_address") in got      # in a cookie value
    assert ("organization:segment", "field:email_address") in got
    assert ("organization:segment", "field:credit_card_number") in got
    assert ("organization:pagekite_widgets_net", "field:credit_card_number") in got
    assert ("organization:pagekite_widgets_net", "field:email_address") in got     # in the Referer
    assert {("first_party:quillbrook_books", f"field:{k}") for k in (
        "email_address", "first_name", "last_name", "phone_number", "credit_card_number", "postal_code", "password",
    )} <= got
    assert any(n["id"] == "cookie:www.quillbrook-books.com/qb_user" for n in doc["nodes"])
    # ... and none of them is kept anywhere
    text = "\n".join([out, err, caplog.text, json.dumps(doc["warnings"])])
    for what, value in PLANTED.items():
        assert value not in text, what
        assert value.lower() not in text.lower(), what
    assert "[name]" in out or "[email]" in out


# --------------------------------------------------------------------- the Plimus example evidence

PLIMUS_VALUES = ["dana.whitfield", "4111111111111111", "408 555 0147", "Whitfield", "Serra Way", "Tulip-Harbor-93",
                 "f14c425c8c92cd26e945ea02536d89fd0dd09178f4d898f62c1d772cd86b41ff",
                 "46af1eaf2c87b1f8da6d7e368e92bede", "dwhitfield", "31874265", "8F3B2C1A9D4E7F60A1B2C3D4E5F60718"]


@pytest.fixture(scope="module")
def plimus() -> Records:
    path = PLIMUS / "checkout.har"
    if not path.exists():
        pytest.skip("examples/plimus/evidence/checkout.har is not there")
    return extract_har(path)


def test_plimus_first_party_is_the_policys(plimus, seed_records):
    assert "first_party:plimus" in plimus.nodes and "first_party:plimus" in seed_records.nodes


def test_plimus_facebook_pixel_is_an_advertiser_receiving_a_hashed_email(plimus):
    fb = plimus.nodes["organization:facebook"]
    assert fb.properties["party_kind"] == "advertising_provider"
    assert flows(plimus, "organization:facebook", "SHARES_WITH")["hashed_email"].evidence[0].parameter == "ud[em]"
    assert "clear_gif:facebook" in plimus.nodes


def test_plimus_affiliate_network_receives_the_email(plimus):
    cj = plimus.nodes["organization:cj_affiliate"]
    assert cj.properties["party_kind"] == "marketing_affiliate"
    assert {"email_address", "hashed_email"} & set(flows(plimus, "organization:cj_affiliate", "SHARES_WITH"))


def test_plimus_payment_processor_receives_card_data(plimus):
    got = flows(plimus, "organization:authorize_net", "SHARES_WITH")
    assert {"credit_card_number", "cvv", "card_expiry"} <= set(got)
    assert plimus.nodes["organization:authorize_net"].properties["party_kind"] == "payment_processor"
    assert "credit_card_number" in flows(plimus, "first_party:plimus", "COLLECTS")


def test_plimus_auto_login_cookie_has_no_expiry(plimus):
    node = plimus.nodes["cookie:plimus.com/PLIMUS_AUTOLOGIN"]
    assert node.properties["expiry"] == "no expiry" and node.properties["party"] == "first"


def test_plimus_output_holds_none_of_the_customers_values(plimus):
    text = json.dumps(plimus.to_dict())
    for value in PLIMUS_VALUES:
        assert value not in text


# --------------------------------------------------------------------- the detection lexicon


@pytest.mark.parametrize(("name", "value", "field", "hashed"), [
    ("email", "a.b@example.com", "email_address", None),
    ("x_email", "a.b%40example.com", "email_address", None),
    ("ud[em]", hashlib.sha256(b"a.b@example.com").hexdigest(), "hashed_email", "sha256"),
    ("em", hashlib.md5(b"a.b@example.com").hexdigest(), "hashed_email", "md5"),
    ("email", hashlib.sha1(b"a.b@example.com").hexdigest(), "hashed_email", "sha1"),
    ("creditCardNumber", "4111 1111 1111 1111", "credit_card_number", None),
    ("q", "4111111111111111", "credit_card_number", None),          # by value alone
    ("workPhone", "+1 (415) 555-0132", "phone_number", None),
    ("x_first_name", "Dana", "first_name", None),
    ("fn", "Dana", "first_name", None),
    ("customer_name", "Dana Whitfield", "name", None),
    ("zipCode", "95035", "postal_code", None),
    ("billing_address1", "218 Serra Way", "postal_address", None),
    ("x_cust_id", "31874265", "account_id", None),
    ("userName", "dwhitfield", "username", None),
])
def test_detection(name, value, field, hashed):
    found = {f.field: f for f in detect(name, value)}
    assert field in found and found[field].hashed == hashed and found[field].parameter == name


@pytest.mark.parametrize(("name", "value", "parent"), [
    ("ts", "1710148503021", None),              # a timestamp, not a card (Luhn aside, no card scheme starts with 1)
    ("card_number", "4111111111111112", None),  # fails the Luhn check
    ("company_name", "Lumenware", None),
    ("name", "Lumen Lamp", "items"),            # a product's name inside a JSON list of items
    ("phone", "yes", None),
    ("email", "", None),
    ("email", "undefined", None),
    ("x_login", "7wYB5c6Rk2", None),            # a merchant's API login, not the user's
    ("em", "not-a-digest", None),
])
def test_no_detection(name, value, parent):
    assert detect(name, value, parent) == []


# --------------------------------------------------------------------- the fast entry reader


def _general_parser_only(monkeypatch) -> None:
    """Make the fast reader bow out at once, so the general ijson parser reads the file."""
    def refuse(*_args, **_kwargs):
        raise har_entries.Unexpected("refused for the test")
        yield  # pragma: no cover - makes this a generator

    monkeypatch.setattr(har_entries, "iter_entries", refuse)


@pytest.mark.parametrize("name", GOOD)
def test_fast_reader_gives_what_the_general_parser_gives(monkeypatch, name):
    fast = extract_har(HARS / name).to_dict()
    _general_parser_only(monkeypatch)
    assert extract_har(HARS / name).to_dict() == fast


def test_fast_reader_decodes_runs_and_is_not_fooled_by_separators_inside_strings(monkeypatch, tmp_path):
    """Compact and pretty-printed files with the entry separator, brackets and escapes inside values."""
    doc = json.loads((HARS / "chrome-checkout.har").read_text())
    entries = doc["log"]["entries"]
    tricky = dict(entries[0], _note='}, {"_initiator": [{"x": "\\"}]"}] ,{')
    doc["log"]["entries"] = [dict(e, _seq=k) for k in range(300) for e in ([tricky] if k % 7 == 0 else entries)]
    for indent in (None, 2):
        path = tmp_path / f"runs-{indent}.har"
        path.write_text(json.dumps(doc, indent=indent, separators=(",", ":") if indent is None else None))
        got = list(har_entries.iter_entries(path, ("_resourceType",)))
        assert len(got) == len(doc["log"]["entries"])
        assert [g["request"]["url"] for g in got] == [e["request"]["url"] for e in doc["log"]["entries"]]
        fast = extract_har(path).to_dict()
        with monkeypatch.context() as m:
            _general_parser_only(m)
            assert extract_har(path).to_dict() == fast


def test_fast_reader_keeps_only_what_the_loader_reads(tmp_path):
    path = tmp_path / "one.har"
    doc = json.loads((HARS / "chrome-checkout.har").read_text())
    path.write_text(json.dumps(doc))
    first = next(har_entries.iter_entries(path, ("_resourceType",)))
    assert set(first) <= {"request", "response", "startedDateTime", "_resourceType"}
    assert "queryString" not in first["request"] and "timings" not in first
    gif = [e for e in har_entries.iter_entries(path, ()) if e["response"].get("content", {}).get("text")]
    assert gif and all(e["response"]["content"]["text"].startswith("R0lGOD") for e in gif)


def test_entry_end_is_found_past_escaped_quotes_and_not_inside_a_cut_off_string():
    assert har_entries.value_end(b'{"a": "x\\"}"}, {', 0) == 13
    assert har_entries.value_end(b'{"a": "x\\"}{[' + b'\\"' * 5000, 0) is None


_COUNT_COOKIE = CookieRecords.count


@pytest.mark.parametrize("name", ["chrome-checkout.har", "firefox-newsletter.har", "mitmproxy-app.har"])
def test_entries_past_the_first_few_of_their_kind_are_counted_as_if_read(monkeypatch, tmp_path, name):
    """A capture repeating its entries: each flow is observed as many times more, and the records are those of
    reading every entry in full, of memos emptied every few entries, and of the general parser."""
    doc = json.loads((HARS / name).read_text())
    copies = 8
    doc["log"]["entries"] = doc["log"]["entries"] * copies
    path = tmp_path / "repeated.har"
    path.write_text(json.dumps(doc))
    only_counted = []
    with monkeypatch.context() as m:
        m.setattr(CookieRecords, "count",
                  lambda self, cid, flows: only_counted.append(cid) or _COUNT_COOKIE(self, cid, flows))
        counted = extract_har(path).to_dict()
    original = extract_har(HARS / name).to_dict()
    once = {f["id"]: f["properties"]["observations"] for f in original["flows"]}
    assert {f["id"]: f["properties"]["observations"] for f in counted["flows"]} == {
        fid: n * copies for fid, n in once.items()}
    cookies_once = {n["id"]: n["properties"]["observations"] for n in original["nodes"] if n["kind"] == "cookie"}
    assert {n["id"]: n["properties"]["observations"] for n in counted["nodes"] if n["kind"] == "cookie"} == {
        cid: n * copies for cid, n in cookies_once.items()}
    assert bool(only_counted) == bool(cookies_once)   # cookies set again were only counted
    with monkeypatch.context() as m:   # every entry and every cookie read in full
        m.setattr(Capture, "signature", lambda self, key, refs: [1, refs, None])
        m.setattr(CookieRecords, "settled", lambda self, cookie: None)
        assert extract_har(path).to_dict() == counted
    with monkeypatch.context() as m:
        m.setattr(har, "MEMO_ITEMS", 3)
        assert extract_har(path).to_dict() == counted
    with monkeypatch.context() as m:
        _general_parser_only(m)
        assert extract_har(path).to_dict() == counted


def test_extracting_a_har_imports_no_graph_notebook_or_policy_library(tmp_path):
    """`flowaudit extract capture.har` loads the loaders only: not pandas, plotly, networkx, spaCy or fideslang."""
    import subprocess
    import sys

    code = ("import sys, io, contextlib, json\n"
            "from flowaudit.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main(['extract', {str(HARS / 'chrome-checkout.har')!r}, '--format', 'json'])\n"
            "print(rc, json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    rc, modules = out.split(" ", 1)
    assert rc == "0"
    loaded = set(json.loads(modules))
    assert "msgspec" in loaded
    assert not loaded & {"pandas", "plotly", "networkx", "spacy", "fideslang", "neo4j", "rapidfuzz", "kaleido"}


def test_an_empty_or_truncated_har_is_refused_by_the_mapped_reader_and_named_by_the_general_one(tmp_path):
    doc = (HARS / "chrome-checkout.har").read_bytes()
    cut = tmp_path / "cut.har"
    cut.write_bytes(doc[: len(doc) // 2])
    with pytest.raises(har_entries.Unexpected):
        list(har_entries.iter_entries(cut, ()))
    with pytest.raises(InputError, match=r"cut\.har"):
        extract_har(cut)
    empty = tmp_path / "empty.har"
    empty.write_bytes(b"")
    with pytest.raises(har_entries.Unexpected, match="cannot map"):
        list(har_entries.iter_entries(empty, ()))


def test_a_cookie_set_again_after_its_expiry_is_a_deletion_even_once_only_counted(monkeypatch, tmp_path):
    """A Set-Cookie whose Expires the capture time passes stops being observed, on the counting path too."""
    def entry(k: int) -> dict:
        return {"startedDateTime": f"2025-01-01T00:00:{k:02d}.000Z",
                "request": {"method": "GET", "url": f"https://pixel.tracker-example.net/p?n={k % 2}",
                            "headers": [{"name": "Referer", "value": "https://shop.example.com/"}]},
                "response": {"status": 200, "headers": [
                    {"name": "Set-Cookie", "value": "uid=a1b2c3d4e5f6a7b8c9d0; Expires=Wed, 01 Jan 2025 00:00:12 GMT"}],
                    "content": {"size": 0, "mimeType": "text/plain"}}}
    doc = {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                   "pages": [{"title": "https://shop.example.com/"}], "entries": [entry(k) for k in range(20)]}}
    path = tmp_path / "expiring.har"
    path.write_text(json.dumps(doc))
    only_counted = []
    with monkeypatch.context() as m:
        m.setattr(CookieRecords, "count",
                  lambda self, cid, flows: only_counted.append(cid) or _COUNT_COOKIE(self, cid, flows))
        counted = extract_har(path).to_dict()
    cookie = next(n for n in counted["nodes"] if n["kind"] == "cookie")
    assert cookie["properties"]["observations"] == 12   # set at 00:00:00 … 00:00:11; expired from 00:00:12 on
    assert only_counted
    with monkeypatch.context() as m:
        m.setattr(CookieRecords, "settled", lambda self, cookie: None)
        assert extract_har(path).to_dict() == counted
