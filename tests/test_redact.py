"""The allow-list redactor: planted personal values in every place a capture can hold them never survive."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from flowaudit.loaders.email import extract_email
from flowaudit.loaders.har import extract_har
from flowaudit.loaders.redact import (
    redact_body,
    redact_cookie_header,
    redact_har,
    redact_header,
    redact_host,
    redact_name,
    redact_path,
    redact_set_cookie,
    redact_url,
    shape,
)

EMAIL = "jane.doe@example.org"
B64_EMAIL = base64.b64encode(EMAIL.encode()).decode()
PLANTED = {
    "email": EMAIL,
    "phone": "555-123-4567",
    "name in path": "jane-doe-smith",
    "personal sub-domain": "jane-doe",
    "base64 e-mail": B64_EMAIL.rstrip("="),
    "url-encoded e-mail": quote(EMAIL),
    "card": "4111 1111 1111 1111",
    "session id": "8f3a9c2e77b14d0a",
    "token": "eyJhbGciOiJIUzI1NiJ9",
    "postal address": "12 Elm Street",
}
FRAGMENTS = ("jane", "doe", "4567", "elm street", "8f3a9c2e")


def _clean(text: str) -> None:
    low = text.lower()
    for what, value in PLANTED.items():
        assert value.lower() not in low, what
    for piece in FRAGMENTS:
        assert piece not in low, piece


@pytest.mark.parametrize("value, expected", [
    (EMAIL, "[email]"),
    (quote(EMAIL), "[email]"),
    (quote(quote(EMAIL)), "[email]"),
    (B64_EMAIL, "[email:b64]"),
    ("555-123-4567", "[digits:10]"),
    ("+1 (555) 123-4567", "[digits:11]"),
    ("4111 1111 1111 1111", "[card]"),
    ("d41d8cd98f00b204e9800998ecf8427e", "[hex:32]"),
    ("123e4567-e89b-42d3-a456-426614174000", "[uuid]"),
    (base64.b64encode(b"hello there world").decode(), "[b64:24]"),
    ("GA1.2.12345.6789", "[id:16]"),
    ("https://shop.example/checkout", "[url]"),
    ("/checkout/step-2", "[path]"),
    ("Jane Doe", "[text:8]"),
    ("", ""),
])
def test_shapes(value, expected):
    assert shape(value) == expected


def test_hosts_keep_the_registrable_domain_and_service_labels():
    assert redact_host("jane-doe.ct.sendgrid.net") == "redacted.ct.sendgrid.net"
    assert redact_host("www.google-analytics.com") == "www.google-analytics.com"
    assert redact_host("region1.google-analytics.com") == "region1.google-analytics.com"
    assert redact_host("connect.facebook.net") == "connect.facebook.net"
    assert redact_host("jane-doe.example.co.uk") == "redacted.example.co.uk"
    assert redact_host("jane12.blog.example.com") == "redacted.blog.example.com"
    assert redact_host("127.0.0.1") == "127.0.0.1"


def test_paths_keep_words_and_routes_only():
    assert redact_path("/privacy-policy/") == "/privacy-policy/"
    assert redact_path("/gtag/js") == "/gtag/js"
    assert redact_path("/tr/collect.php") == "/tr/collect.php"
    assert redact_path("/u/jane-doe-smith/") == "/u/[text:14]/"
    assert redact_path("/profile/smith") == "/profile/[text:5]"    # a dictionary word, but after a person route
    assert redact_path("/orders/48213907/items") == "/orders/[digits:8]/items"
    assert redact_path(f"/px/{quote(EMAIL)}/open.gif") == "/px/[email]/open.gif"
    assert redact_path(f"/o/{B64_EMAIL}") == "/o/[email:b64]"


def test_names_holding_values_are_replaced():
    assert redact_name("ud[em]") == "ud[em]" and redact_name("_ga_G-ABC123") == "_ga_G-ABC123"
    assert redact_name(EMAIL) == "[name]" and redact_name("u48213907") == "[name]"
    assert redact_name(B64_EMAIL.rstrip("=")) == "[name]" and redact_name("a b") == "[name]"


def test_urls_with_values_in_every_place():
    url = (f"https://jane-doe.ct.sendgrid.net:8443/u/jane-doe-smith/{B64_EMAIL.rstrip('=')}/open.gif"
           f"?e={quote(EMAIL)}&tel=555-123-4567&cc=4111+1111+1111+1111&{quote(EMAIL)}=1#name=Jane+Doe&zip=12%20Elm%20Street")
    out = redact_url(url)
    _clean(out)
    assert out == ("https://redacted.ct.sendgrid.net:8443/u/[text:14]/[email:b64]/open.gif"
                   "?e=[email]&tel=[digits:10]&cc=[card]&[name]=[digits:1]#name=[text:8]&zip=[text:13]")
    assert redact_url("https://user:secret@shop.example/") == "https://shop.example/"
    _clean(redact_url(f"https://shop.example/thanks#/{EMAIL}"))


def test_headers_cookies_and_bodies():
    _clean(redact_header("Referer", f"https://shop.example/u/jane-doe-smith?email={EMAIL}"))
    assert redact_header("User-Agent", "Mozilla/5.0 X") == "Mozilla/5.0 X"
    assert redact_header("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9") == "[text:27]"
    assert redact_header("X-User-Email", EMAIL) == "[email]"
    assert redact_cookie_header(f"sid=8f3a9c2e77b14d0a; em={quote(EMAIL)}") == "sid=[hex:16]; em=[email]"
    assert redact_set_cookie("sid=8f3a9c2e77b14d0a; Domain=.jane-doe.shop.example; Path=/u/jane-doe-smith; "
                             "Secure; HttpOnly") == ("sid=[hex:16]; Domain=.redacted.shop.example; Path=/u/[text:14]; "
                                                    "Secure; HttpOnly")
    body = json.dumps({"user": {"email": EMAIL, "phone": "555-123-4567", "address": "12 Elm Street",
                                "card": "4111 1111 1111 1111", EMAIL: True}, "items": [{"sku": "48213907"}]})
    out = redact_body(body, "application/json")
    _clean(out)
    assert json.loads(out)["user"] == {"email": "[email]", "phone": "[digits:10]", "address": "[text:13]",
                                       "card": "[card]", "[name]": True}
    form = f"email={quote(EMAIL)}&name=Jane+Doe&b={B64_EMAIL}"
    assert redact_body(form, "application/x-www-form-urlencoded") == "email=[email]&name=[text:8]&b=[email:b64]"
    _clean(redact_body(f"free text from {EMAIL}", "text/plain"))


def _planted_har() -> dict:
    page = "https://jane-doe.shop.example/u/jane-doe-smith/"
    entry = {
        "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 5, "_consent_state": "none",
        "request": {
            "method": "POST",
            "url": f"https://www.facebook.com/tr/{quote(EMAIL)}?ud[em]={B64_EMAIL}&ph=555-123-4567#u=jane-doe-smith",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Referer", "value": page}, {"name": "Cookie", "value": "sid=8f3a9c2e77b14d0a"},
                        {"name": "X-Token", "value": "eyJhbGciOiJIUzI1NiJ9"}],
            "queryString": [{"name": "ud[em]", "value": B64_EMAIL}, {"name": "ph", "value": "555-123-4567"}],
            "cookies": [{"name": "sid", "value": "8f3a9c2e77b14d0a"}],
            "postData": {"mimeType": "application/x-www-form-urlencoded",
                         "text": f"email={quote(EMAIL)}&address=12+Elm+Street&cc=4111111111111111",
                         "params": [{"name": "email", "value": EMAIL}]},
            "headersSize": -1, "bodySize": 10},
        "response": {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Set-Cookie", "value": "uid=jane.doe; Domain=.facebook.com; Max-Age=600"},
                        {"name": "Location", "value": f"https://shop.example/?e={EMAIL}"}],
            "cookies": [{"name": "uid", "value": "jane.doe", "domain": ".facebook.com"}],
            "content": {"size": 43, "mimeType": "image/gif", "text": f"hello {EMAIL}"},
            "redirectURL": f"https://shop.example/?e={EMAIL}", "headersSize": -1, "bodySize": 43},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 1}}
    return {"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
                    "pages": [{"startedDateTime": "2026-01-01T00:00:00.000Z", "id": "page_1", "title": page,
                               "pageTimings": {}}], "entries": [entry]}}


def test_a_redacted_har_holds_no_planted_value_and_still_shows_the_flows(tmp_path):
    red = redact_har(_planted_har())
    text = json.dumps(red)
    _clean(text)
    path = tmp_path / "red.har"
    path.write_text(text)
    records = extract_har(path)
    fields = {(f.target, f.field) for f in records.flows.values() if f.relation == "SHARES_WITH"}
    assert ("organization:facebook", "field:email_address") in fields
    assert ("organization:facebook", "field:phone_number") in fields
    _clean(json.dumps(records.to_dict()))


def test_the_har_loader_keeps_no_planted_value(tmp_path):
    path = tmp_path / "raw.har"
    path.write_text(json.dumps(_planted_har()))
    records = extract_har(path)
    assert any(f.field == "field:email_address" for f in records.flows.values())
    _clean(json.dumps(records.to_dict()))


def test_the_email_loader_keeps_no_planted_value(tmp_path):
    path = tmp_path / "m.eml"
    path.write_text(
        "From: Shop <news@shop.example>\nTo: Jane Doe <" + EMAIL + ">\nSubject: hi\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\n\n"
        f'<a href="https://jane-doe.ct.sendgrid.net/ls/click?upn={B64_EMAIL}&e={quote(EMAIL)}">Shop</a>'
        f'<img src="https://jane-doe.ct.sendgrid.net/wf/open/jane-doe-smith?tel=555-123-4567" width="1" height="1">\n')
    records = extract_email(path)
    assert any(n.kind == "clear_gif" for n in records.nodes.values())
    _clean(json.dumps(records.to_dict()))
