"""The storage and beacon files of ``flowaudit scan``, read back as evidence (no browser needed)."""

from __future__ import annotations

import json

import pytest
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.scan_files import extract_scan_beacons, extract_scan_storage
from flowaudit.loaders.sources import detect_kind

STORAGE = {"site": "shop.example", "consent_state": "accepted", "origins": [
    {"origin": "https://shop.example", "localStorage": [{"name": "_ga_visitor", "value": "[email]"},
                                                          {"name": "theme", "value": "[text:4]"}],
     "sessionStorage": [{"name": "cart", "value": "[id:6]"}]},
    {"origin": "https://widget.intercom.io", "localStorage": [{"name": "intercom-id", "value": "[uuid]"}]}]}
BEACONS = {"site": "shop.example", "consent_state": "none", "beacons": [
    {"url": "https://bat.bing.com/action/[email]/px.gif", "type": "image", "party": "third",
     "organization": "Microsoft Advertising"}]}


def test_storage_and_beacons(tmp_path):
    storage, beacons = tmp_path / "accept.storage.json", tmp_path / "none.beacons.json"
    storage.write_text(json.dumps(STORAGE))
    beacons.write_text(json.dumps(BEACONS))
    assert detect_kind(storage) == "scan-storage" and detect_kind(beacons) == "scan-beacons"
    s = extract_scan_storage(storage)
    first = "tracker:local_storage_shop_example"
    assert {(f.source, f.target, f.field, f.consent_state) for f in s.flows.values()} >= {
        ("data_subject:user", first, "field:email_address", "accepted"),
        (first, "first_party:shop", "field:email_address", "accepted")}
    third = next(n for n in s.nodes.values() if n.kind == "tracker" and n.properties["party"] == "third")
    assert any(f.source == third.id and f.field == "field:device_identifier" for f in s.flows.values())
    b = extract_scan_beacons(beacons)
    shared = {(f.target, f.field, f.consent_state) for f in b.flows.values() if f.relation == "SHARES_WITH"}
    assert ("organization:microsoft_advertising", "field:email_address", "none") in shared
    assert "clear_gif:microsoft_advertising" in b.nodes


@pytest.mark.parametrize("doc, message, place", [
    ({**STORAGE, "consent_state": "maybe"}, "consent_state must be one of", "consent_state"),
    ({**STORAGE, "site": 3}, "site is not a domain", "site"),
    ({**STORAGE, "origins": {}}, "origins is not a list", "origins"),
    ({**STORAGE, "origins": [{"origin": "nowhere"}]}, "with an origin URL", "origins[0]"),
    ({**STORAGE, "origins": [{"origin": "https://a.example", "localStorage": [{"value": "x"}]}]},
     "list of objects with a name", "origins[0].localStorage"),
])
def test_broken_storage_files(tmp_path, doc, message, place):
    path = tmp_path / "none.storage.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        extract_scan_storage(path)
    assert message in err.value.message and err.value.place == place and err.value.path == str(path)


@pytest.mark.parametrize("text, message, place", [
    ('{"site": "shop.example", "consent_state": "none", "beacons": [', "not valid JSON", "line 1, column 63"),
    ('{"site": "shop.example", "consent_state": "none", "beacons": [{"url": "/x"}]}', "absolute url", "beacons[0]"),
    ("", "empty file", "byte 0"),
])
def test_broken_beacon_files(tmp_path, text, message, place):
    path = tmp_path / "none.beacons.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        extract_scan_beacons(path)
    assert message in err.value.message and err.value.place == place
