"""The cookie loader: browser exports and cookie scans, the Open Cookie Database, and broken files."""

import json
from importlib import resources

import pytest
from flowaudit.inventory.records import Records
from flowaudit.loaders.cookies import Cookie, cookie_database, extract_cookies
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.sources import detect_kind

from flowaudit.cli import main
from tests.conftest import ROOT

COOKIES = ROOT / "tests" / "data" / "evidence" / "cookies"
PLIMUS = ROOT / "examples" / "plimus" / "evidence" / "cookies.json"


def cookies(records: Records) -> dict[str, dict]:
    """cookie node id → properties."""
    return {n.id: n.properties for n in records.nodes.values() if n.kind == "cookie"}


@pytest.mark.parametrize(("name", "site", "count"), [
    ("editthiscookie.json", "first_party:lumenware_demo", 8),
    ("playwright-state.json", "first_party:tagesblick_news", 5),
    ("tough-cookie-jar.json", "first_party:trailmate_app", 3),
    ("devtools-export.csv", "first_party:lumenware_demo", 5),
    ("curl-cookies.txt", "first_party:lumenware_demo", 3),
    ("wec-inspection.json", "first_party:tagesblick_news", 3),
    ("blacklight-inspection.json", "first_party:pinewood_outdoors", 4),
])
def test_every_format_loads(name, site, count):
    path = COOKIES / name
    assert detect_kind(path) == "cookies"
    records = extract_cookies(path)
    assert site in records.nodes and len(cookies(records)) == count
    for props in cookies(records).values():
        assert props["party"] in ("first", "third") and props["expiry"] in ("session", "persistent", "no expiry")
        assert props["purpose"] in ("functional", "marketing", "analytics", "security", "necessary",
                                    "personalization", "unclassified")
    for f in records.flows.values():
        assert f.basis == "observed" and {f.field, f.source, f.target} <= set(records.nodes)
        assert f.evidence[0].source == str(path)


def test_editthiscookie_export():
    got = cookies(extract_cookies(COOKIES / "editthiscookie.json"))
    assert got["cookie:lumenware-demo.com/_ga"]["purpose"] == "analytics"                   # exact name
    assert got["cookie:lumenware-demo.com/_ga_7XK2LQ9ZP4"]["purpose"] == "analytics"        # wildcard _ga_
    assert got["cookie:shop.lumenware-demo.com/session"]["expiry"] == "session"
    remember = got["cookie:shop.lumenware-demo.com/remember_email"]
    assert remember["expiry"] == "no expiry" and remember["purpose"] == "unclassified"     # 2038: no capture time
    fr = got["cookie:facebook.com/fr"]
    assert fr["party"] == "third" and fr["set_by"] == ["organization:facebook"] and fr["same_site"] == "None"
    assert got["cookie:cdn.widgetfabrik.io/wf_vid"]["set_by"] == ["organization:widgetfabrik_io"]


def test_personal_data_in_a_cookie_value_is_a_flow_without_the_value():
    records = extract_cookies(COOKIES / "editthiscookie.json")
    stored = {(f.relation, f.target, f.field) for f in records.flows.values()}
    assert ("STORES", "cookie:shop.lumenware-demo.com/remember_email", "field:email_address") in stored
    assert ("COLLECTS", "first_party:lumenware_demo", "field:email_address") in stored
    text = json.dumps(records.to_dict())
    assert "jordan.mills" not in text and "GA1.1.1843227710" not in text and "AHWqTUmZ3kq8Rr1vLb7yQ2" not in text


def test_scans_name_their_site_and_capture_time():
    wec = cookies(extract_cookies(COOKIES / "wec-inspection.json"))
    assert wec["cookie:tagesblick-news.de/_gid"]["lifetime_seconds"] == 86399     # from the cookie's log timestamp
    assert wec["cookie:scorecardresearch.com/UID"]["party"] == "third"
    assert wec["cookie:www.tagesblick-news.de/tb_uid"]["expiry"] == "no expiry"
    bl = cookies(extract_cookies(COOKIES / "blacklight-inspection.json"))
    assert bl["cookie:www.clarity.ms/MUID"]["set_by"] == ["organization:microsoft_clarity"]
    assert bl["cookie:pinewood-outdoors.com/_clck"]["party"] == "first"
    assert bl["cookie:quantserve.com/mc"]["lifetime_seconds"] == 34560002          # from start_time


def test_csv_and_netscape_jars():
    csv_ = cookies(extract_cookies(COOKIES / "devtools-export.csv"))
    assert csv_["cookie:shop.lumenware-demo.com/session"]["http_only"] is True
    assert csv_["cookie:lumenware-demo.com/_fbp"]["purpose"] == "marketing"
    jar = cookies(extract_cookies(COOKIES / "curl-cookies.txt"))
    session = jar["cookie:shop.lumenware-demo.com/session"]
    assert session["http_only"] is True and session["expiry"] == "session" and session["host_only"] is True


def test_site_rule():
    majority = extract_cookies(COOKIES / "editthiscookie.json")
    assert "first_party:lumenware_demo" in majority.nodes
    given = extract_cookies(COOKIES / "editthiscookie.json", site="https://www.facebook.com/")
    assert "first_party:facebook" in given.nodes
    assert cookies(given)["cookie:facebook.com/fr"]["party"] == "first"


def test_open_cookie_database():
    db = cookie_database()
    assert db.purpose("__utma", "plimus.com")["purpose"] == "analytics"
    assert db.purpose("JSESSIONID", "example.com")["purpose"] == "functional"          # wildcard row
    assert db.purpose("_gac_UA-1234", "example.com")["purpose"] == "marketing"         # longest wildcard prefix
    assert db.purpose("not_a_known_cookie", "example.com") == {"purpose": "unclassified"}
    assert db.purpose("token", "adnxs.com")["purpose"] == "functional"                 # rows disagree: the domain
    assert db.purpose("token", "example.com") == {"purpose": "unclassified",
                                                  "purpose_candidates": ["functional", "marketing"]}
    data = resources.files("flowaudit.inventory") / "data"
    assert (data / "LICENSE").is_file() and (data / "NOTICE.md").is_file()
    assert "Apache License" in (data / "LICENSE").read_text()


def test_lifetime_classes():
    assert Cookie("a", "x.com").lifetime() == ("session", None)
    assert Cookie("a", "x.com", expires=2000.0, reference=1000.0).lifetime() == ("persistent", 1000)
    assert Cookie("a", "x.com", expires=1000.0 + 11 * 365 * 86400, reference=1000.0).lifetime()[0] == "no expiry"
    assert Cookie("a", "x.com", max_age=60, expires=1.0, reference=1000.0).lifetime() == ("persistent", 60)
    assert Cookie("a", "x.com", expires=2145916799.0).lifetime() == ("no expiry", None)
    assert Cookie("a", "x.com", expires=500.0, reference=1000.0).lifetime()[0] == "expired"


BROKEN = [
    ("broken-truncated.json", "not valid JSON", "line 35, column 9"),
    ("broken-binary.json", "binary", "byte 1"),
    ("broken-empty.json", "empty file", "byte 0"),
    ("broken-unknown.json", "not a cookie export", "top level"),
    ("broken-nameless.json", "cookie has no name", "cookie 1"),
    ("broken-columns.csv", "expected 3 columns, found 1", "line 3"),
]


@pytest.mark.parametrize(("name", "message", "place"), BROKEN)
def test_broken_files_name_file_and_place(name, message, place):
    path = COOKIES / name
    with pytest.raises(InputError) as info:
        extract_cookies(path)
    assert info.value.path == str(path) and message in info.value.message and info.value.place == place


@pytest.mark.parametrize(("name", "message", "place"), BROKEN)
def test_broken_files_exit_2_from_the_cli(capsys, name, message, place):
    code = main(["extract", str(COOKIES / name), "--kind", "cookies", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2 and not out and f"{COOKIES / name}:{place}:" in err and message in err


def test_unknown_json_is_refused_by_kind_detection(capsys):
    assert main(["extract", str(COOKIES / "broken-unknown.json")]) == 2
    assert "cannot tell what kind of source" in capsys.readouterr().err


def test_plimus_cookie_export():
    if not PLIMUS.exists():
        pytest.skip("examples/plimus/evidence/cookies.json is not there")
    records = extract_cookies(PLIMUS)
    got = cookies(records)
    assert "first_party:plimus" in records.nodes
    auto = got["cookie:plimus.com/PLIMUS_AUTOLOGIN"]
    assert auto["expiry"] == "no expiry" and auto["party"] == "first"
    assert got["cookie:plimus.com/__utma"]["purpose"] == "analytics"
    assert got["cookie:plimus.com/_fbp"]["purpose"] == "marketing"
    for name in ("datr", "fr"):
        fb = got[f"cookie:facebook.com/{name}"]
        assert fb["party"] == "third" and fb["set_by"] == ["organization:facebook"] and fb["purpose"] == "marketing"
    assert "dwhitfield" not in json.dumps(records.to_dict())
