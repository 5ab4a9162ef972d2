"""``flowaudit scan`` against the local test shop: what fires before consent, after accept, after reject.

The shop (tests/scan_site.py) is served over HTTPS on 127.0.0.1; its third-party hosts are mapped to it
with --resolve. The browser tests skip without Chromium on a dev machine and fail in CI (CI=true).
"""

from __future__ import annotations

import io
import json
import shlex
import socket
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from flowaudit.inventory.records import CONSENT_STATES
from flowaudit.loaders.sources import detect_kind

from flowaudit.cli import main
from flowaudit.consent import platforms
from tests.conftest import ROOT, SEED
from tests.scan_site import PLANTED, ShopSite


def run(*argv: str) -> tuple[int, str, str]:
    """The CLI's exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_clean(text: str, where: str, pieces: bool = True) -> None:
    """No planted value in ``text``; with ``pieces``, not even the name "jane" (plotly.js, embedded in the
    HTML report, has words of its own that contain it)."""
    low = text.lower()
    for what, value in PLANTED.items():
        assert value.lower() not in low, f"{what} in {where}"
    assert not pieces or "jane" not in low, where


@pytest.fixture(scope="module")
def site(browser):
    with ShopSite() as s:
        yield s


@pytest.fixture(scope="module")
def scanned(site, tmp_path_factory):
    """One scan of the shop in the three consent states, audited against the seed policy."""
    out = tmp_path_factory.mktemp("scan")
    code, stdout, stderr = run("scan", site.url, *site.resolve, "--insecure", "--pages", "2", "--out", str(out),
                               "--policy", str(SEED), "--fail-on", "omitted,before_consent", "--format", "json")
    assert code in (0, 1), stderr
    return code, json.loads(stdout), out, stdout + stderr


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(doc: dict, name: str) -> dict:
    return next(s for s in doc["states"] if s["state"] == name)


def _orgs(doc: dict, name: str) -> set[str]:
    return {t["organization"] for t in _state(doc, name)["third_parties"]}


def test_before_consent_only_the_pixel_fires_after_accept_the_tags_after_reject_not(scanned):
    _, doc, _, _ = scanned
    assert _orgs(doc, "none") == {"Microsoft Advertising"}
    assert _orgs(doc, "reject") == {"Microsoft Advertising"}
    assert _orgs(doc, "accept") == {"Microsoft Advertising", "Facebook", "Google Analytics"}
    hosts = {t["host"] for t in _state(doc, "accept")["third_parties"]}
    assert {"connect.facebook.net", "www.facebook.com", "www.google-analytics.com"} <= hosts
    change = next(c for c in doc["changes"] if c["state"] == "accept")
    assert change["organizations_added"] == ["Facebook", "Google Analytics"]
    assert next(c for c in doc["changes"] if c["state"] == "reject")["organizations_added"] == []
    assert any(c["name"] == "_fbp" for c in _state(doc, "accept")["cookies"])
    assert not any(c["name"] == "_fbp" for c in _state(doc, "reject")["cookies"])


def test_the_consent_platform_is_found_and_the_click_works(scanned):
    _, doc, _, _ = scanned
    assert _state(doc, "none")["consent"] is None
    for name, state in (("accept", "accepted"), ("reject", "rejected")):
        s = _state(doc, name)
        assert s["consent"]["platform"] == "OneTrust" and s["consent"]["worked"], s["consent"]
        assert s["consent_state"] == state
    assert len(_state(doc, "accept")["visited"]) == 3 and not _state(doc, "accept")["failed"]


def test_the_audit_tags_consent_states_and_reports_flows_before_consent(scanned):
    code, doc, _, _ = scanned
    assert code == 1
    findings = doc["findings"]
    before = [f for f in findings if f["class"] == "before_consent"]
    assert {(f["recipient"]["label"], tuple(f["consent_states"])) for f in before} == {
        ("Microsoft Advertising", ("none",)), ("Microsoft Advertising", ("rejected",))}
    assert all(f["rule"] == "FA020" and f["severity"] == "error" for f in before)
    assert {"e-mail address", "IP address"} <= {x["label"] for x in before[0]["fields"]}
    facebook = [f for f in findings if (f.get("recipient") or {}).get("label") == "Facebook"]
    assert facebook and all(f["consent_states"] == ["accepted"] for f in facebook)
    assert all(e["consent_state"] == "accepted" for f in facebook for e in f["evidence"])


def test_the_files_are_har_cookies_storage_and_beacons(scanned):
    _, _, out, _ = scanned
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{s}.{k}" for s in ("none", "accept", "reject") for k in ("har", "cookies.json", "storage.json",
                                                                   "beacons.json"))
    har = json.loads((out / "accept.har").read_text())
    assert har["log"]["version"] == "1.2" and har["log"]["_consent_state"] == "accepted"
    assert all("text" not in e["response"]["content"] for e in har["log"]["entries"])
    cookies = json.loads((out / "accept.cookies.json").read_text())["cookies"]
    session = next(c for c in cookies if c["name"] == "session")
    assert session["httpOnly"] and session["secure"] and session["party"] == "first" and session["value"] == "[hex:16]"
    storage = json.loads((out / "accept.storage.json").read_text())["origins"][0]
    assert {"name": "_ga_visitor", "value": "[email]"} in storage["localStorage"]
    beacons = json.loads((out / "none.beacons.json").read_text())["beacons"]
    assert [(b["organization"], b["party"]) for b in beacons] == [("Microsoft Advertising", "third")]
    assert "/action/[email]/px.gif" in beacons[0]["url"]


def test_no_planted_value_in_anything_scan_or_audit_writes(scanned, tmp_path):
    _, _, out, printed = scanned
    assert_clean(printed, "the scan's output")
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    files = [str(p) for p in sorted(out.iterdir())]
    kinds = sorted({detect_kind(f) for f in files})
    assert kinds == ["cookies", "har", "scan-beacons", "scan-storage"]
    for fmt in ("json", "sarif", "markdown", "table"):
        code, stdout, stderr = run("audit", str(SEED), *files, "--format", fmt)
        assert code == 0, stderr
        assert_clean(stdout + stderr, f"audit --format {fmt}")
    code, _, stderr = run("export", str(SEED), *files, "--format", "html", "-o", str(tmp_path / "r.html"))
    assert code == 0, stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert_clean(html, "the HTML report", pieces=False)
    assert 'id="consent-filter"' in html and '<option value="rejected">' in html


def test_gpc_sends_the_header_and_sets_the_property_and_keep_values_keeps_them(site, tmp_path):
    site.server.seen.clear()
    code, stdout, stderr = run("scan", site.url, *site.resolve, "--insecure", "--gpc", "--consent", "none",
                               "--pages", "0", "--out", str(tmp_path), "--keep-values")
    assert code == 0, stderr
    assert any(host == "shop.example" and path == "/" and gpc == "1" for host, path, gpc in site.server.seen)
    assert ("shop.example", "/gpc-seen", "1") in site.server.seen
    assert "== none" in stdout
    har = json.loads((tmp_path / "none.har").read_text())
    assert har["log"]["_consent_state"] == "none"
    assert any(PLANTED["url-encoded e-mail"] in e["request"]["url"] for e in har["log"]["entries"])


def test_tls_errors_and_unreachable_hosts_exit_2(site, tmp_path):
    code, _, stderr = run("scan", site.url, *site.resolve, "--consent", "none", "--pages", "0", "--out",
                          str(tmp_path / "a"))
    assert code == 2 and "no page could be loaded" in stderr and "net::ERR_CERT" in stderr, stderr
    code, _, stderr = run("scan", f"https://nowhere.example:{closed_port()}/", "--resolve", "nowhere.example=127.0.0.1",
                          "--consent", "none", "--out", str(tmp_path / "b"))
    assert code == 2 and "net::ERR_CONNECTION_REFUSED" in stderr and "Traceback" not in stderr, stderr


def test_a_failing_page_is_reported_and_the_scan_goes_on(site, tmp_path):
    port = closed_port()
    code, stdout, stderr = run("scan", site.url, f"https://nowhere.example:{port}/", *site.resolve, "--resolve",
                               "nowhere.example=127.0.0.1", "--insecure", "--consent", "none", "--pages", "0",
                               "--out", str(tmp_path))
    assert code == 0, stderr
    assert "1 failed" in stdout and f"nowhere.example:{port}/: net::ERR_CONNECTION_REFUSED" in stdout


# ----------------------------------------------------------------- without a browser


def test_a_missing_browser_exits_2_saying_how_to_install_one(tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    code, _, stderr = run("scan", "https://shop.example/", "--out", str(tmp_path))
    assert code == 2 and "install Chromium" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("args, message", [
    (["--consent", "none,maybe"], "unknown consent state maybe"),
    (["--resolve", "shop.example"], "expected HOST=ADDR"),
    (["--fail-on", "omitted"], "needs --policy"),
    (["--policy", "no-such-policy.md"], "no-such-policy.md"),
])
def test_bad_usage_exits_2_before_the_browser_starts(args, message, tmp_path):
    code, _, stderr = run("scan", "https://shop.example/", "--out", str(tmp_path), *args)
    assert code == 2 and message in stderr, stderr


def test_not_a_url_exits_2(tmp_path):
    code, _, stderr = run("scan", "shop.example", "--out", str(tmp_path))
    assert code == 2 and "not an http:// or https:// URL" in stderr


def test_the_consent_rules_cover_the_common_platforms():
    names = {p.name for p in platforms()}
    assert {"OneTrust", "Cookiebot", "Didomi", "Quantcast Choice", "TrustArc", "Usercentrics", "Sourcepoint",
            "IAB TCF v2"} <= names
    for p in platforms():
        assert p.accept and p.reject and (p.detect or p.api), p.name
    assert CONSENT_STATES == ("none", "accepted", "rejected", "unknown")


def test_the_site_files_exist():
    assert (Path(__file__).parent / "data" / "scan-site" / "index.html").is_file()


def test_the_ci_example_scans_and_fails_on_omitted_and_before_consent(site, tmp_path, monkeypatch):
    workflow = yaml.safe_load((ROOT / "examples" / "ci" / "flowaudit-scan.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["scan"]["steps"]
    commands = [line.strip() for s in steps for line in s.get("run", "").replace("\\\n", " ").splitlines()
                if line.strip().startswith("flowaudit ")]
    assert [c.split()[1] for c in commands] == ["scan", "export"]
    monkeypatch.chdir(tmp_path)
    env = {"$STAGING_URL": site.url, "$POLICY": str(SEED)}
    scan_args = [env.get(w, w) for w in shlex.split(commands[0].split(">")[0])[1:]]
    assert "--fail-on" in scan_args and scan_args[scan_args.index("--fail-on") + 1] == "omitted,before_consent"
    code, stdout, stderr = run(*scan_args, *site.resolve, "--insecure", "--consent", "none", "--pages", "0")
    assert code == 1, stderr
    sarif = json.loads(stdout)
    assert sarif["version"] == "2.1.0"
    assert any(r["ruleId"] == "FA020" and r["properties"]["consent_states"] == ["none"]
               for r in sarif["runs"][0]["results"])
    assert "== none" in stderr  # the summary goes to stderr beside SARIF
    words = shlex.split(commands[1].replace('"$POLICY"', str(SEED)))[1:]
    args = [str(p) for w in words for p in (sorted(tmp_path.glob(w)) if "*" in w else [w])]
    assert run(*args)[0] == 0 and (tmp_path / "flowaudit-report.html").is_file()
