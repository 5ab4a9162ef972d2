"""``flowaudit scan``: capture a site in a real Chromium, once per consent state, and write redacted evidence.

Each consent state gets a fresh browser profile (a new Playwright context). The scan visits the given
pages, answers the consent banner (``accept`` or ``reject``; nothing for ``none``; see
:mod:`flowaudit.consent`), waits for the network to settle, scrolls once, and follows up to ``pages``
same-site links ``depth`` levels deep. For each state it writes, under ``out``:

- ``STATE.har``: the HAR 1.2 capture, with ``log._consent_state`` (``none``, ``accepted``, ``rejected``;
  ``none`` too when the banner could not be answered);
- ``STATE.cookies.json``: the cookies the browser holds at the end (Playwright's storage-state shape, with
  expiry, flags and whether each is first or third party);
- ``STATE.storage.json``: the localStorage and sessionStorage keys of each origin visited;
- ``STATE.beacons.json``: the beacons seen (pings and tiny or empty images), with their organisations.

Everything is redacted by :mod:`flowaudit.loaders.redact` unless ``keep_values`` is set.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from flowaudit.consent import ConsentResult, answer
from flowaudit.graph.export import BrowserMissingError, browser_path
from flowaudit.inventory import organizations as orgs
from flowaudit.loaders.errors import InputError
from flowaudit.loaders.redact import redact_cookie_domain, redact_har, redact_host, redact_name, redact_url, shape

CHOICES = {"none": "none", "accept": "accepted", "reject": "rejected"}
BEACON_MAX_BYTES = 100
NAV_TIMEOUT_MS = 30_000
IDLE_TIMEOUT_MS = 5_000
GPC_SCRIPT = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
              "{get: () => true, configurable: true});")
_STORAGE = "() => ({local: Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]), " \
           "session: Object.keys(sessionStorage).map(k => [k, sessionStorage.getItem(k)])})"


class ScanError(InputError):
    """A scan that cannot run or captured nothing (no browser, every page failed): exit 2."""


@dataclass
class Options:
    """What to scan and how."""

    urls: list[str]
    out: Path
    states: list[str] = field(default_factory=lambda: ["none", "accept", "reject"])
    pages: int = 5
    depth: int = 1
    gpc: bool = False
    resolve: dict[str, str] = field(default_factory=dict)
    keep_values: bool = False
    insecure: bool = False
    timeout_ms: int = NAV_TIMEOUT_MS


@dataclass
class StateCapture:
    """What one consent state's visit saw, for the summary (every URL already redacted)."""

    choice: str
    consent_state: str
    consent: ConsentResult | None = None
    visited: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    third_parties: dict[str, str] = field(default_factory=dict)
    cookies: list[dict[str, Any]] = field(default_factory=list)
    beacons: list[dict[str, Any]] = field(default_factory=list)
    storage: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the summary."""
        return {"state": self.choice, "consent_state": self.consent_state,
                "consent": self.consent.to_dict() if self.consent else None, "visited": self.visited,
                "failed": self.failed, "third_parties": [{"host": h, "organization": o}
                                                         for h, o in sorted(self.third_parties.items())],
                "cookies": self.cookies, "beacons": self.beacons, "files": self.files}


def find_browser() -> str:
    """The Chromium to drive: ``BROWSER_PATH``, Debian's ``chromium`` or another Chrome on the PATH."""
    try:
        return browser_path()
    except BrowserMissingError as exc:
        raise ScanError("browser", str(exc)) from None


def _launch_args(opts: Options) -> list[str]:
    args = ["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    if opts.resolve:
        rules = ", ".join(f"MAP {host} {addr}" for host, addr in sorted(opts.resolve.items()))
        args.append(f"--host-resolver-rules={rules}")
    return args


def scan(opts: Options) -> list[StateCapture]:
    """Scan every URL in every consent state of ``opts``; write the evidence files; return what each state saw."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    executable = find_browser()
    opts.out.mkdir(parents=True, exist_ok=True)
    registry = orgs.load()
    site = orgs.registrable_domain(urlsplit(opts.urls[0]).hostname or "")
    captures = []
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=executable, headless=True, args=_launch_args(opts))
        except PlaywrightError as exc:
            raise ScanError(executable, f"the browser does not start: {str(exc).splitlines()[0]}") from None
        try:
            for choice in opts.states:
                captures.append(_scan_state(browser, opts, choice, registry, site))
        except PlaywrightError as exc:
            raise ScanError(opts.urls[0], f"the browser failed: {_short_error(exc)}") from None
        finally:
            browser.close()
    if not any(c.visited for c in captures):
        first = next((f for c in captures for f in c.failed), {"url": opts.urls[0], "error": "nothing loaded"})
        raise ScanError(first["url"], f"no page could be loaded: {first['error']}")
    return captures


def _scan_state(browser: Any, opts: Options, choice: str, registry: orgs.Registry, site: str) -> StateCapture:
    """One consent state in a fresh profile."""
    cap = StateCapture(choice, CHOICES[choice])
    work = Path(tempfile.mkdtemp(prefix="flowaudit-scan-"))
    try:
        har_tmp = work / "capture.har"
        headers = {"Sec-GPC": "1"} if opts.gpc else None
        context = browser.new_context(record_har_path=str(har_tmp), record_har_content="omit",
                                      ignore_https_errors=opts.insecure, extra_http_headers=headers)
        if opts.gpc:
            context.add_init_script(GPC_SCRIPT)
        context.set_default_navigation_timeout(opts.timeout_ms)
        page = context.new_page()
        raw_beacons: list[tuple[str, str]] = []
        page.on("requestfinished", lambda req: _maybe_beacon(req, raw_beacons))
        storage: dict[str, dict[str, list]] = {}
        todo = [(u, 0) for u in opts.urls]
        seen: set[str] = set()
        followed = 0
        while todo:
            url, level = todo.pop(0)
            if url in seen:
                continue
            seen.add(url)
            links = _visit(page, url, cap, storage)
            if links is None:
                continue
            if choice != "none" and cap.consent is None:
                cap.consent = answer(page, choice)
                _settle(page)
                _read_storage(page, storage)
            if level < opts.depth:
                for link in links:
                    host = urlsplit(link).hostname or ""
                    if followed < opts.pages and link not in seen and orgs.registrable_domain(host) == site:
                        todo.append((link, level + 1))
                        followed += 1
        cookies = context.cookies()
        context.close()
        if choice != "none" and not (cap.consent and cap.consent.worked):
            cap.consent_state = "none"
        _write_outputs(opts, cap, har_tmp, cookies, storage, raw_beacons, registry, site)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return cap


def _settle(page: Any) -> None:
    with contextlib.suppress(Exception):  # a page that keeps polling never settles; what it sent is captured
        page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)


def _visit(page: Any, url: str, cap: StateCapture, storage: dict[str, dict[str, list]]) -> list[str] | None:
    """Load ``url``, settle, scroll once; the page's links, or None when it failed (recorded in ``cap``)."""
    try:
        response = page.goto(url, wait_until="load")
    except Exception as exc:  # timeout, unreachable host, TLS error: reported, the scan goes on
        cap.failed.append({"url": redact_url(url), "error": _short_error(exc)})
        return None
    if response is not None and response.status >= 400:
        cap.failed.append({"url": redact_url(url), "error": f"HTTP {response.status}"})
    _settle(page)
    try:
        page.mouse.wheel(0, 4000)
        page.evaluate("window.scrollTo(0, document.body ? document.body.scrollHeight : 0)")
    except Exception:  # nothing to scroll
        pass
    _settle(page)
    cap.visited.append(redact_url(url))
    _read_storage(page, storage)
    try:
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    except Exception:  # the page navigated away while being read
        hrefs = []
    return list(dict.fromkeys(urldefrag(h)[0] for h in hrefs if h.startswith(("http://", "https://"))))


def _short_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for marker in ("net::", "Timeout"):
        if marker in text:
            return text[text.index(marker):].split(" at ")[0]
    return text[:200]


def _read_storage(page: Any, storage: dict[str, dict[str, list]]) -> None:
    try:
        got = page.evaluate(_STORAGE)
        origin = page.evaluate("location.origin")
    except Exception:  # opaque origins and pages that navigated away have no storage to read
        return
    mine = storage.setdefault(origin, {"local": [], "session": []})
    for kind in ("local", "session"):
        for key, value in got[kind]:
            if key not in {k for k, _ in mine[kind]}:
                mine[kind].append((key, value))


def _maybe_beacon(request: Any, out: list[tuple[str, str]]) -> None:
    """Remember pings and tiny or empty images (their URL and resource type)."""
    try:
        rtype = request.resource_type
        if rtype == "ping":
            out.append((request.url, rtype))
            return
        if rtype != "image":
            return
        response = request.response()
        if response is None:
            return
        length = response.headers.get("content-length")
        if response.status == 204 or (length is not None and length.isdigit() and int(length) <= BEACON_MAX_BYTES):
            out.append((request.url, rtype))
    except Exception:  # the page closed before the response could be read
        return


def _org_label(registry: orgs.Registry, host: str) -> str:
    org = registry.resolve(host)
    return org.name if org is not None else orgs.registrable_domain(host)


def _write_outputs(opts: Options, cap: StateCapture, har_tmp: Path, cookies: list[dict[str, Any]],
                   storage: dict[str, dict[str, list]], beacons: list[tuple[str, str]], registry: orgs.Registry,
                   site: str) -> None:
    keep = opts.keep_values
    doc = json.loads(har_tmp.read_text(encoding="utf-8")) if har_tmp.exists() else {"log": {"entries": []}}
    log = doc.get("log", {})
    head = {"version": "1.2", "creator": log.get("creator", {"name": "flowaudit scan", "version": "1"}),
            "browser": log.get("browser", {}), "_consent_state": cap.consent_state}
    doc = {"log": {**head, "pages": log.get("pages", []), "entries": log.get("entries", [])}}
    for entry in doc["log"]["entries"]:
        host = urlsplit(entry.get("request", {}).get("url", "")).hostname or ""
        if host and not registry.same_owner(host, site):
            cap.third_parties[redact_host(host)] = _org_label(registry, host)
    if not keep:
        doc = redact_har(doc)
    stem = opts.out / cap.choice
    files = {".har": doc}
    cap.cookies = [_cookie(c, registry, site, keep) for c in cookies]
    files[".cookies.json"] = {"site": site, "consent_state": cap.consent_state, "cookies": cap.cookies, "origins": []}
    cap.storage = [{"origin": origin if keep else redact_url(origin),
                    **{f"{kind}Storage": [_stored(k, v, keep) for k, v in pairs] for kind, pairs in kinds.items()}}
                   for origin, kinds in sorted(storage.items())]
    files[".storage.json"] = {"site": site, "consent_state": cap.consent_state, "origins": cap.storage}
    cap.beacons = []
    for url, rtype in dict.fromkeys(beacons):
        host = urlsplit(url).hostname or ""
        third = not registry.same_owner(host, site)
        cap.beacons.append({"url": url if keep else redact_url(url), "type": rtype,
                            "party": "third" if third else "first", "organization": _org_label(registry, host)})
    files[".beacons.json"] = {"site": site, "consent_state": cap.consent_state, "beacons": cap.beacons}
    for suffix, data in files.items():
        path = Path(f"{stem}{suffix}")
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        cap.files.append(str(path))


def _stored(key: str, value: str | None, keep: bool) -> dict[str, str]:
    """A storage item: its key and the shape of its value."""
    return {"name": key, "value": value or ""} if keep else {"name": redact_name(key), "value": shape(value or "")}


def _cookie(c: dict[str, Any], registry: orgs.Registry, site: str, keep: bool) -> dict[str, Any]:
    """A browser cookie in Playwright's storage-state shape, value redacted, with its party."""
    domain = str(c.get("domain", ""))
    third = not registry.same_owner(domain.lstrip("."), site)
    return {"name": c["name"] if keep else redact_name(c["name"]),
            "value": c.get("value", "") if keep else shape(c.get("value", "")),
            "domain": domain if keep else redact_cookie_domain(domain), "path": c.get("path", "/"),
            "expires": c.get("expires", -1), "httpOnly": bool(c.get("httpOnly")), "secure": bool(c.get("secure")),
            "sameSite": c.get("sameSite", "Lax"), "party": "third" if third else "first"}
