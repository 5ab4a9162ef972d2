"""OpenWPM crawl databases and Tracker Radar Collector files, written from their public schemas."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from flowaudit.loaders.crawls import extract_openwpm, extract_tracker_radar
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.sources import detect_kind
from flowaudit.loaders.wec import extract_wec_beacons, extract_wec_storage

from flowaudit.cli import main

EMAIL = "jane.doe@example.org"
SESSION = "8f3a9c2e77b14d0a"

# The tables and columns of openwpm/storage/schema.sql that a crawl fills (a subset of the columns).
OPENWPM_SCHEMA = """
CREATE TABLE site_visits (visit_id INTEGER PRIMARY KEY, browser_id INTEGER NOT NULL, site_url VARCHAR(500) NOT NULL,
    site_rank INTEGER);
CREATE TABLE http_requests (id INTEGER PRIMARY KEY AUTOINCREMENT, incognito INTEGER, browser_id INTEGER NOT NULL,
    visit_id INTEGER NOT NULL, extension_session_uuid TEXT, event_ordinal INTEGER, window_id INTEGER, tab_id INTEGER,
    frame_id INTEGER, url TEXT NOT NULL, top_level_url TEXT, parent_frame_id INTEGER, frame_ancestors TEXT,
    method TEXT NOT NULL, referrer TEXT NOT NULL, headers TEXT NOT NULL, request_id INTEGER NOT NULL, is_XHR INTEGER,
    is_third_party_channel INTEGER, is_third_party_to_top_window INTEGER, triggering_origin TEXT,
    loading_origin TEXT, loading_href TEXT, req_call_stack TEXT, resource_type TEXT NOT NULL, post_body TEXT,
    post_body_raw TEXT, time_stamp DATETIME NOT NULL);
CREATE TABLE http_responses (id INTEGER PRIMARY KEY AUTOINCREMENT, incognito INTEGER, browser_id INTEGER NOT NULL,
    visit_id INTEGER NOT NULL, extension_session_uuid TEXT, event_ordinal INTEGER, window_id INTEGER, tab_id INTEGER,
    frame_id INTEGER, url TEXT NOT NULL, method TEXT NOT NULL, response_status INTEGER,
    response_status_text TEXT NOT NULL, is_cached INTEGER NOT NULL, headers TEXT NOT NULL, request_id INTEGER NOT NULL,
    location TEXT NOT NULL, time_stamp DATETIME NOT NULL, content_hash TEXT);
CREATE TABLE javascript_cookies (id INTEGER PRIMARY KEY ASC, browser_id INTEGER NOT NULL, visit_id INTEGER NOT NULL,
    extension_session_uuid TEXT, event_ordinal INTEGER, record_type TEXT, change_cause TEXT, expiry DATETIME,
    is_http_only INTEGER, is_host_only INTEGER, is_session INTEGER, host TEXT, is_secure INTEGER, name TEXT,
    path TEXT, value TEXT, same_site TEXT, first_party_domain TEXT, store_id STRING, time_stamp DATETIME);
"""
T = "2026-01-05T10:00:00.000Z"


def _request(db, rid, visit, url, referrer="", resource="script", headers=(), body=None):
    db.execute("INSERT INTO http_requests (id, browser_id, visit_id, url, method, referrer, headers, request_id, "
               "resource_type, post_body, time_stamp) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (rid, visit, url, "POST" if body else "GET", referrer, json.dumps([list(h) for h in headers]), rid,
                resource, body, T))


def make_openwpm(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(OPENWPM_SCHEMA)
    db.execute("INSERT INTO site_visits VALUES (1, 1, 'https://www.lumen-lamps.example/', 1)")
    db.execute("INSERT INTO site_visits VALUES (2, 1, 'https://news.paper.example/', 2)")
    _request(db, 1, 1, "https://www.lumen-lamps.example/", resource="main_frame")
    _request(db, 2, 1, f"https://www.google-analytics.com/g/collect?v=2&tid=G-X1&uid={EMAIL}",
             referrer="https://www.lumen-lamps.example/checkout", resource="beacon",
             headers=[("User-Agent", "Mozilla/5.0"), ("Referer", "https://www.lumen-lamps.example/checkout")])
    _request(db, 3, 1, "https://www.facebook.com/tr/?id=1&ev=Purchase", referrer="https://www.lumen-lamps.example/",
             resource="image", body=json.dumps({"em": EMAIL}), headers=[("Content-Type", "application/json")])
    _request(db, 4, 2, "https://securepubads.g.doubleclick.net/gampad/ads?iu=/1/news", resource="xmlhttprequest")
    db.execute("INSERT INTO http_responses (browser_id, visit_id, url, method, response_status, response_status_text, "
               "is_cached, headers, request_id, location, time_stamp) "
               "VALUES (1, 1, ?, 'GET', 200, 'OK', 0, ?, 3, '', ?)",
               ("https://www.facebook.com/tr/?id=1&ev=Purchase",
                json.dumps([["Content-Type", "image/gif"], ["Content-Length", "43"],
                            ["Set-Cookie", f"fr={SESSION}; Domain=.facebook.com; Path=/; Max-Age=7776000"]]), T))
    db.execute("INSERT INTO javascript_cookies (browser_id, visit_id, record_type, change_cause, expiry, is_http_only, "
               "is_host_only, is_session, host, is_secure, name, path, value, same_site, time_stamp) VALUES "
               "(1, 1, 'added-or-changed', 'explicit', '2028-01-05T10:00:00.000Z', 0, 0, 0, '.lumen-lamps.example', "
               "0, '_ga', '/', ?, 'lax', ?)", ("GA1.2.1234567.1700000000", T))
    db.execute("INSERT INTO javascript_cookies (browser_id, visit_id, record_type, host, name, path, value, time_stamp)"
               " VALUES (1, 1, 'deleted', '.lumen-lamps.example', 'gone', '/', '', ?)", (T,))
    db.commit()
    db.close()
    return path


def test_openwpm_database(tmp_path):
    path = make_openwpm(tmp_path / "crawl-data.sqlite")
    assert detect_kind(path) == "openwpm"
    r = extract_openwpm(path)
    flows = {(f.source, f.target, f.field) for f in r.flows.values() if f.relation == "SHARES_WITH"}
    assert ("first_party:lumen_lamps", "organization:google_analytics", "field:email_address") in flows
    assert ("first_party:lumen_lamps", "organization:facebook", "field:email_address") in flows
    assert ("first_party:lumen_lamps", "organization:google_analytics", "field:pages_visited") in flows
    assert any(t == "organization:doubleclick" and s == "first_party:paper" for s, t, _ in flows)
    assert "cookie:lumen-lamps.example/_ga" in r.nodes and "cookie:facebook.com/fr" in r.nodes
    assert not any(n.endswith("/gone") for n in r.nodes)
    ga = next(f for f in r.flows.values() if f.target == "organization:google_analytics"
              and f.field == "field:email_address")
    assert ga.evidence[0].locator == "entry 2" and ga.consent_state == "unknown"
    text = json.dumps(r.to_dict())
    assert EMAIL not in text and SESSION not in text and "1234567.1700000000" not in text


TRC = {
    "initialUrl": "https://www.lumen-lamps.example/",
    "finalUrl": "https://www.lumen-lamps.example/",
    "timeout": False, "testStarted": 1767607200000, "testFinished": 1767607210000,
    "data": {
        "requests": [
            {"url": "https://www.lumen-lamps.example/", "method": "GET", "type": "Document", "status": 200,
             "size": 5120, "remoteIPAddress": "192.0.2.1", "responseHeaders": {"cache-control": "no-cache"},
             "initiators": [], "time": 0.2},
            {"url": f"https://bat.bing.com/action/0?ti=1&em={EMAIL}", "method": "GET", "type": "Image", "status": 204,
             "size": 0, "remoteIPAddress": "192.0.2.2", "responseHeaders": {}, "initiators": ["https://bat.bing.com/bat.js"]},
            {"url": "https://connect.facebook.net/en_US/fbevents.js", "method": "GET", "type": "Script", "status": 200,
             "size": 90000, "responseHeaders": {"set-cookie": f"fr={SESSION}; Domain=.facebook.com; Max-Age=600"}},
        ],
        "cookies": [{"name": "_uetsid", "domain": ".lumen-lamps.example", "path": "/", "expires": 1767693600,
                     "size": 40, "httpOnly": False, "secure": False, "session": False, "sameSite": "Lax"}],
        "apis": {"callStats": {}, "savedCalls": []},
    },
}


def test_tracker_radar_collector_file(tmp_path):
    path = tmp_path / "www.lumen-lamps.example_a1b2.json"
    path.write_text(json.dumps(TRC))
    assert detect_kind(path) == "tracker-radar"
    r = extract_tracker_radar(path)
    flows = {(f.target, f.field) for f in r.flows.values() if f.relation == "SHARES_WITH"}
    assert ("organization:microsoft_advertising", "field:email_address") in flows
    assert ("organization:facebook", "field:ip_address") in flows
    assert any(n.kind == "clear_gif" for n in r.nodes.values())
    assert "cookie:lumen-lamps.example/_uetsid" in r.nodes and "cookie:facebook.com/fr" in r.nodes
    text = json.dumps(r.to_dict())
    assert EMAIL not in text and SESSION not in text


@pytest.mark.parametrize("content, message, place", [
    ("", "empty file", "byte 0"),
    ('{"initialUrl": "https://a.example/", "data": {"requests": [', "not valid JSON", "line 1"),
    ('{"initialUrl": "https://a.example/", "data": []}', "data is not an object", "data"),
    ('{"initialUrl": "https://a.example/", "data": {"requests": {}}}', "data.requests is not a list", "data.requests"),
    ('{"initialUrl": "https://a.example/", "data": {"requests": [{"method": "GET"}]}}', "with a url",
     "data.requests[0]"),
    ('{"initialUrl": "https://a.example/", "data": {"cookies": [{"name": "x"}]}}', "a name and a domain",
     "data.cookies[0]"),
])
def test_broken_tracker_radar_files(tmp_path, content, message, place):
    path = tmp_path / "site.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        extract_tracker_radar(path)
    assert message in err.value.message and err.value.place.startswith(place) and err.value.path == str(path)


def _broken_db(tmp_path: Path, change: str) -> Path:
    path = make_openwpm(tmp_path / "crawl.sqlite")
    db = sqlite3.connect(path)
    db.executescript(change)
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("change, message, place", [
    ("UPDATE http_requests SET headers = '{not json' WHERE id = 2", "headers is not JSON", "http_requests row 2"),
    ("UPDATE http_requests SET headers = '[1, 2]' WHERE id = 3", "[name, value] pairs", "http_requests row 3"),
    ("UPDATE http_requests SET visit_id = 9 WHERE id = 4", "visit_id 9 is not in site_visits", "http_requests row 4"),
    ("DROP TABLE http_requests", "no table http_requests", "schema"),
    ("UPDATE site_visits SET site_url = '' WHERE visit_id = 2", "site_url is not a URL", "site_visits visit_id 2"),
])
def test_broken_openwpm_databases(tmp_path, change, message, place):
    path = _broken_db(tmp_path, change)
    with pytest.raises(InputError) as err:
        extract_openwpm(path)
    assert message in err.value.message and err.value.place == place


def test_not_sqlite_and_truncated(tmp_path):
    text = tmp_path / "crawl.sqlite"
    text.write_text("hello")
    with pytest.raises(InputError, match="not an SQLite database"):
        extract_openwpm(text)
    good = make_openwpm(tmp_path / "good.sqlite").read_bytes()
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(good[: len(good) // 3])
    with pytest.raises(InputError) as err:
        extract_openwpm(cut)
    assert err.value.path == str(cut)


def test_a_bad_crawl_exits_2_and_leaves_the_store_as_it_was(tmp_path, capsys):
    store = tmp_path / "store.json"
    good = make_openwpm(tmp_path / "good.sqlite")
    assert main(["load", str(good), "--store", str(store)]) == 0
    before = store.read_bytes()
    bad = _broken_db(tmp_path, "UPDATE http_requests SET headers = '{' WHERE id = 2")
    trc = tmp_path / "trc.json"
    trc.write_text(json.dumps(TRC))
    assert main(["load", str(trc), str(bad), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "crawl.sqlite:http_requests row 2: headers is not JSON" in err and "Traceback" not in err
    assert store.read_bytes() == before


# ----------------------------------------------------------------- Website Evidence Collector

QUOTED = EMAIL.replace("@", "%40")
WEC_BEACONS = f"""- url: https://www.google-analytics.com/g/collect?v=2&tid=G-X1&uid={QUOTED}&en=page_view
  query:
    v: 2
    tid: G-X1
    uid: {EMAIL}
    en: page_view
  filter: "||google-analytics.com^"
  listName: easyprivacy.txt
  log:
    stack:
      - fileName: https://www.lumen-lamps.example/checkout
        source: requested from https://www.lumen-lamps.example/checkout and matched with easyprivacy.txt
    timestamp: "2026-01-05T10:00:01.000Z"
  occurrances: 3
- url: https://bat.bing.com/action/0?ti=1
  filter: "||bat.bing.com^"
  listName: easyprivacy.txt
  log:
    stack:
      - fileName: https://www.lumen-lamps.example/
  occurrances: 1
"""

WEC_STORAGE = f"""https://www.lumen-lamps.example:
  visitor_email:
    value: {EMAIL}
    firstPartyStorage: true
    log:
      type: Storage.LocalStorage
  theme:
    value: dark
    firstPartyStorage: true
https://widget.intercom.io:
  intercom-id:
    value: 6f1c2a7e-93b4-4a1d-8c55-0e9f7b3d2a14
    firstPartyStorage: false
"""


def test_wec_beacons_and_local_storage(tmp_path):
    beacons = tmp_path / "beacons.yml"
    beacons.write_text(WEC_BEACONS)
    storage = tmp_path / "local-storage.yml"
    storage.write_text(WEC_STORAGE)
    assert detect_kind(beacons) == "wec-beacons" and detect_kind(storage) == "wec-storage"
    r = extract_wec_beacons(beacons)
    flows = {(f.source, f.target, f.field) for f in r.flows.values() if f.relation == "SHARES_WITH"}
    assert ("first_party:lumen_lamps", "organization:google_analytics", "field:email_address") in flows
    assert ("first_party:lumen_lamps", "organization:microsoft_advertising", "field:pages_visited") in flows
    assert {n.id for n in r.nodes.values() if n.kind == "clear_gif"} >= {"clear_gif:google_analytics"}
    s = extract_wec_storage(storage)
    stored = {(f.source, f.target, f.field) for f in s.flows.values()}
    first = "tracker:local_storage_www_lumen_lamps_example"
    assert ("data_subject:user", first, "field:email_address") in stored
    assert (first, "first_party:lumen_lamps", "field:email_address") in stored
    third = next(n for n in s.nodes.values() if n.kind == "tracker" and n.properties["party"] == "third")
    assert any(f.source == third.id and f.field == "field:device_identifier" for f in s.flows.values())
    text = json.dumps(r.to_dict()) + json.dumps(s.to_dict())
    assert EMAIL not in text and "6f1c2a7e" not in text and "dark" not in text


@pytest.mark.parametrize("name, content, message, place", [
    ("beacons.yml", "- url: https://a.example/x\n  listName: easyprivacy.txt\n- url: [unclosed\n", "not valid YAML",
     "line 4, column 1"),
    ("beacons.yml", "- url: /relative\n  listName: easyprivacy.txt\n", "with an absolute url", "item 0"),
    ("local-storage.yml", "https://a.example:\n  key: just a string\n", "a mapping with a value",
     "origin a.example / key key"),
    ("local-storage.yml", "https://a.example: [1, 2]\n", "must map keys", "origin a.example"),
])
def test_broken_wec_files(tmp_path, name, content, message, place):
    path = tmp_path / name
    path.write_text(content)
    loader = extract_wec_beacons if name == "beacons.yml" else extract_wec_storage
    with pytest.raises(InputError) as err:
        loader(path)
    assert message in err.value.message and err.value.place == place and err.value.path == str(path)
