"""The e-mail loader: clear gifs, click tracking and sending services in .eml files and mboxes."""

import hashlib
import json
from pathlib import Path

import pytest
from flowaudit.inventory import organizations
from flowaudit.inventory import vocabulary as vocab
from flowaudit.loaders.email import extract_email, parse_url, tracking_table
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.sources import detect_kind

from flowaudit.cli import main
from tests.conftest import ROOT

EMAIL = ROOT / "tests" / "data" / "evidence" / "email"
MAILCHIMP = EMAIL / "mailchimp_newsletter.eml"
SENDGRID = EMAIL / "sendgrid_receipt.eml"
MBOX = EMAIL / "two_messages.mbox"
PLIMUS_NEWSLETTER = ROOT / "examples" / "plimus" / "evidence" / "newsletter.eml"
OPEN_FIELDS = {"field:email_open_event", "field:ip_address", "field:email_reading_time"}
RECIPIENT = "data_subject:recipient_of_email"
# Personal values planted in the fixtures: the recipient's address, name, tracking ids, an order number.
PLANTED = ["casey.planted@example.org", "casey.planted", "Plantedname", "zq81planted77", "Qz7pLant3d",
           "LW-2013-55871", "ticket 48213", hashlib.md5(b"casey.planted@example.org").hexdigest(),
           "7d1e0c2b94a3f5e6b8c7d0a1f", "Rk9PQkFSYmF6cXV4"]


def flows(records, **match):
    """Flows whose attributes equal ``match``."""
    return [f for f in records.flows.values() if all(getattr(f, k) == v for k, v in match.items())]


def fields_of(records, **match):
    return {f.field for f in flows(records, **match)}


# --------------------------------------------------------------------- realistic messages


def test_mailchimp_newsletter_open_and_click_tracking():
    r = extract_email(MAILCHIMP)
    beacon = r.nodes["clear_gif:email_beacon_mailchimp"]
    assert beacon.kind == "clear_gif"
    assert beacon.properties["contexts"] == ["email"]
    assert beacon.properties["operator"] == "organization:mailchimp"
    assert fields_of(r, source=RECIPIENT, target=beacon.id, relation="TRACKS_WITH") == OPEN_FIELDS
    assert fields_of(r, source=beacon.id, target="organization:mailchimp", relation="COLLECTS") == OPEN_FIELDS
    assert all(f.basis == "observed" for f in r.flows.values())
    ev = flows(r, source=beacon.id, field="field:email_open_event")[0].evidence[0]
    assert ev.locator == "message 1 / part 2 (text/html) / img 2"
    assert "open-tracking URL of Mailchimp" in ev.text and "1x1 px image" in ev.text
    assert ev.url == "http://redacted.us5.list-manage.com/track/open.php?u=[hex:25]&id=[id:10]&e=[id:13]"

    clicks = "tracker:redirect_tracking_mailchimp"
    assert fields_of(r, source=RECIPIENT, target=clicks) == {"field:email_click", "field:ip_address"}
    locators = [e.locator for e in flows(r, source=clicks, field="field:email_click")[0].evidence]
    assert locators == ["message 1 / part 1 (text/plain) / url 1", "message 1 / part 2 (text/html) / a 1",
                        "message 1 / part 2 (text/html) / a 2"]
    second = flows(r, source=clicks, field="field:email_click")[0].evidence[2].text
    assert "link text shows lumenware.com but the link goes to redacted.us5.list-manage1.com" in second
    # The unsubscribe link and the plain account link are not tracking.
    assert not any("unsubscribe" in (e.url or "") for f in r.flows.values() for e in f.evidence)


def test_sender_and_sending_service():
    r = extract_email(MAILCHIMP)
    fp = r.nodes["first_party:lumenware"]
    assert fp.kind == "first_party" and fp.properties["domains"] == ["lumenware.com"]
    shared = flows(r, source=fp.id, target="organization:mailchimp", relation="SHARES_WITH")
    assert {f.field for f in shared} == {"field:email_address", "field:name"}
    text = shared[0].evidence[0].text
    assert "DKIM-Signature d=mcsv.net" in text and "Return-Path domain rsgsv.net" in text
    assert "X-MC-User header" in text and shared[0].evidence[0].locator == "message 1 / headers"
    # The organisation comes from the registry, with its owner and party kind.
    links = {(x.source, x.relation, x.target) for x in r.links.values()}
    assert ("organization:mailchimp", "IS_A", "processor:email_service_provider") in links
    assert ("organization:mailchimp", "OWNED_BY", "organization:intuit") in links
    assert ("processor:processor", "SUBSUMES", "processor:email_service_provider") in links


def test_sendgrid_branded_links_hashes_and_other_trackers():
    r = extract_email(SENDGRID)
    # Branded link domains (url4412.lumenware.com) still belong to SendGrid by their URL pattern.
    assert fields_of(r, source="clear_gif:email_beacon_sendgrid", target="organization:sendgrid") == OPEN_FIELDS
    assert fields_of(r, source="tracker:redirect_tracking_sendgrid") == {"field:email_click", "field:ip_address"}
    assert flows(r, target="organization:sendgrid", relation="SHARES_WITH", field="field:email_address")
    # The recipient is not addressed by name, so no name goes to the sending service.
    assert not flows(r, target="organization:sendgrid", relation="SHARES_WITH", field="field:name")
    # A first-party pixel hidden in a display:none block carries the MD5 of the recipient's address.
    own = "clear_gif:email_beacon_lumenware"
    assert "field:hashed_email" in fields_of(r, source=own, target="first_party:lumenware")
    ev = flows(r, source=own, field="field:hashed_email")[0].evidence[0]
    assert ev.parameter == "h" and "inside an element with display:none" in ev.text
    assert ev.url == "https://stats.lumenware.com/o.gif?order=[id:13]&h=[hex:32]"
    # A 1x1 image sized by inline style only.
    assert fields_of(r, source="clear_gif:email_beacon_doubleclick", target="organization:doubleclick") == OPEN_FIELDS
    # A link whose text shows another host, and a link with an encoded destination.
    unknown = r.nodes["organization:lumenware_mail_net"]
    assert unknown.properties["unresolved"] is True
    assert flows(r, source="tracker:redirect_tracking_lumenware_mail_net", target=unknown.id)
    rakuten = flows(r, source="tracker:redirect_tracking_rakuten_advertising", field="field:email_click")
    assert "parameter murl carries the destination address" in rakuten[0].evidence[0].text


def test_mbox_messages_are_numbered_and_read_alike():
    r = extract_email(MBOX)
    assert fields_of(r, source="clear_gif:email_beacon_mailgun", target="organization:mailgun") == OPEN_FIELDS
    ev = flows(r, source="clear_gif:email_beacon_mailgun")[0].evidence[0]
    assert ev.locator == "message 2 / part 1 (text/html) / img 1"
    assert flows(r, source="first_party:lumenware", target="organization:mailgun", relation="SHARES_WITH")
    # Message 1 is a plain support reply: no tracker, no sending service.
    assert not any(e.locator.startswith("message 1 /") and "/ part" in e.locator
                   for f in r.flows.values() for e in f.evidence)


@pytest.mark.skipif(not PLIMUS_NEWSLETTER.exists(), reason="the Plimus example newsletter is not there")
def test_plimus_newsletter_open_event_reaches_the_esp():
    r = extract_email(PLIMUS_NEWSLETTER)
    beacon = "clear_gif:email_beacon_mailchimp"
    assert "field:email_open_event" in fields_of(r, source=beacon, target="organization:mailchimp")
    assert r.nodes["organization:mailchimp"].properties["party_kind"] == "email_service_provider"
    # The sender is Plimus, the first party of the seed policy.
    assert "first_party:plimus" in r.nodes
    own = fields_of(r, source="clear_gif:email_beacon_plimus", target="first_party:plimus")
    assert "field:email_address" in own


# --------------------------------------------------------------------- no personal values


@pytest.mark.parametrize("path", [MAILCHIMP, SENDGRID, MBOX], ids=lambda p: p.name)
def test_planted_personal_values_never_reach_the_output(path, capsys):
    assert main(["extract", str(path), "--format", "json"]) == 0
    out = capsys.readouterr().out
    json.loads(out)
    assert "@" not in out  # no address at all
    for value in PLANTED:
        assert value.lower() not in out.lower(), value


@pytest.mark.skipif(not PLIMUS_NEWSLETTER.exists(), reason="the Plimus example newsletter is not there")
def test_plimus_newsletter_output_has_no_personal_values(capsys):
    assert main(["extract", str(PLIMUS_NEWSLETTER), "--format", "json"]) == 0
    out = capsys.readouterr().out.lower()
    for value in ("dana.whitfield", "dana", "whitfield", "5e3c1f07a2", "1c3f9e7a2b8d4e6f0a5b19c27"):
        assert value not in out, value


def test_urls_keep_host_path_words_parameter_names_and_value_shapes_only():
    url = parse_url("https://t.example.com/o/8d2f1c4e/dana.whitfield%40example.net/px.gif?em=a%40b.com&c=x#frag")
    assert url.redacted == "https://t.example.com/o/[id:8]/[email]/px.gif?em=[email]&c=[text:1]#[text:4]"
    assert parse_url("cid:logo@01D0") is None and parse_url("mailto:a@b.com") is None
    assert parse_url("//cdn.example.com/a.gif").host == "cdn.example.com"


# --------------------------------------------------------------------- the tracking table is data


def test_tracking_table_names_known_kinds_and_registry_organisations():
    table = tracking_table()
    parties = vocab.load("parties")
    registry = organizations.load()
    assert len(table.providers) >= 10
    for p in table.providers:
        assert p.kind in parties, p.name
        assert registry.resolve(p.domain) is not None, p.domain
    assert table.match("plimus.us2.list-manage.com/track/open.php", "open").name == "Mailchimp"
    assert table.match("url4412.lumenware.com/wf/click", "click").name == "SendGrid"
    assert table.match("www.lumenware.com/track/open.php", "open") is None


# --------------------------------------------------------------------- detection


def test_detection_by_extension_and_content(tmp_path):
    assert detect_kind(MAILCHIMP) == "email" and detect_kind(MBOX) == "email"
    inbox = tmp_path / "Inbox"
    inbox.write_bytes(MBOX.read_bytes())
    assert detect_kind(inbox) == "email"
    saved = tmp_path / "message.txt"
    saved.write_bytes(SENDGRID.read_bytes())
    assert detect_kind(saved) == "email"
    assert detect_kind(ROOT / "examples" / "plimus" / "policy.md") == "policy"


# --------------------------------------------------------------------- bad input


def broken_files(tmp_path: Path) -> list[tuple[str, Path, str, str]]:
    """(name, file, expected message part, expected place)"""
    out = []

    def put(name: str, data: bytes, message: str, place: str) -> None:
        p = tmp_path / name
        p.write_bytes(data)
        out.append((name, p, message, place))

    put("empty.eml", b"", "empty file", "byte 0")
    put("blank.eml", b"\n\n  \n", "empty file", "byte 0")
    put("garbage.eml", bytes(range(256)) * 8, "binary data", "byte 0")
    put("image.eml", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04", "binary data", "byte 7")
    put("prose.eml", b"Dear customer,\n\nThank you for your order.\n", "does not start with header fields",
        "message 1 (line 1)")
    text = MAILCHIMP.read_bytes()
    put("truncated.eml", text[: len(text) // 2], "closing MIME boundary is missing",
        "message 1 (line 1) / multipart/alternative")
    mbox = MBOX.read_bytes()
    cut = mbox.index(b"From trials@")
    put("truncated.mbox", mbox[:cut] + b"From trials@lumenware.com Wed Mar 20 16:00:03 2013\nthis is not a header\n",
        "does not start with header fields", "message 2 (line 20)")
    put("noheaders.eml", b"X-Custom: 1\nX-Other: 2\n\nbody\n", "none of From, To, Subject", "message 1 (line 1)")
    return out


def test_broken_input_raises_input_error_naming_file_and_place(tmp_path):
    for name, path, message, place in broken_files(tmp_path):
        with pytest.raises(InputError) as info:
            extract_email(path)
        err = info.value
        assert err.path == str(path), name
        assert message in err.message, (name, err.message)
        assert err.place == place, (name, err.place)


def test_broken_input_exits_2_on_the_cli(tmp_path, capsys):
    for name, path, message, place in broken_files(tmp_path):
        assert main(["extract", str(path), "--format", "json"]) == 2, name
        out, err = capsys.readouterr()
        assert out == ""
        assert f"{path}:{place}" in err and message in err, err


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "nowhere.eml"
    assert main(["extract", str(path)]) == 2
    assert f"{path}: no such file" in capsys.readouterr().err

