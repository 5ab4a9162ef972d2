"""Consent banners: find the consent platform on a page and click its accept or reject control.

What is known of each platform is data (``consent_rules.yaml``): the selectors that reveal its banner,
the steps that accept or reject, and the JavaScript object it defines. The IAB TCF v2 ``__tcfapi`` both
reveals a platform the rules do not name and tells whether the visitor's choice was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

RULES_FILE = Path(__file__).with_name("consent_rules.yaml")
CLICK_TIMEOUT_MS = 3000
SETTLE_MS = 600

_TCF_STATUS = """() => new Promise(resolve => {
  if (typeof window.__tcfapi !== 'function') { resolve(null); return; }
  const timer = setTimeout(() => resolve(null), 1000);
  try {
    window.__tcfapi('getTCData', 2, (data, ok) => { clearTimeout(timer);
      resolve(ok && data ? {cmpId: data.cmpId ?? null, eventStatus: data.eventStatus ?? null} : null); });
  } catch (e) { clearTimeout(timer); resolve(null); }
})"""


@dataclass(frozen=True)
class Platform:
    """One consent platform of the rules file."""

    name: str
    detect: tuple[str, ...]
    accept: tuple[tuple[str, ...], ...]
    reject: tuple[tuple[str, ...], ...]
    api: str | None


@dataclass
class ConsentResult:
    """What happened when the scan answered the banner: the platform found, and whether the click worked."""

    choice: str
    platform: str | None = None
    clicked: bool = False
    worked: bool = False
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form for the scan summary."""
        return {"choice": self.choice, "platform": self.platform, "clicked": self.clicked, "worked": self.worked,
                "detail": self.detail}


@cache
def platforms() -> tuple[Platform, ...]:
    """The consent platforms of the packaged rules file, in the order they are tried."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return tuple(Platform(p["name"], tuple(p.get("detect") or ()),
                          tuple(tuple(step) for step in p.get("accept") or ()),
                          tuple(tuple(step) for step in p.get("reject") or ()), p.get("api"))
                 for p in data["platforms"])


def _present(page: Any, selectors: tuple[str, ...], visible: bool = False) -> bool:
    for frame in page.frames:
        for sel in selectors:
            try:
                loc = frame.locator(sel)
                if loc.count() and (not visible or loc.first.is_visible()):
                    return True
            except Exception:  # a frame that navigated away or a selector the frame cannot run
                continue
    return False


def find_platform(page: Any) -> Platform | None:
    """The first platform whose banner markup is on the page, else the first whose JavaScript object is defined."""
    for p in platforms():
        if p.detect and _present(page, p.detect):
            return p
    for p in platforms():
        if p.api and page.evaluate("name => typeof window[name] !== 'undefined'", p.api):
            return p
    return None


def _click_first(page: Any, selectors: tuple[str, ...]) -> str | None:
    """Click the first visible element matching one of ``selectors`` in any frame; return the selector."""
    for frame in page.frames:
        for sel in selectors:
            try:
                loc = frame.locator(sel).first
                if loc.count() and loc.is_visible():
                    loc.click(timeout=CLICK_TIMEOUT_MS)
                    return sel
            except Exception:  # detached frame, element covered or gone: try the next one
                continue
    return None


def tcf_status(page: Any) -> dict[str, Any] | None:
    """``{"cmpId", "eventStatus"}`` from the page's ``__tcfapi``, or None without one."""
    try:
        return page.evaluate(_TCF_STATUS)
    except Exception:  # the page navigated while asking
        return None


def answer(page: Any, choice: str) -> ConsentResult:
    """Find the consent platform and click ``choice`` (``accept`` or ``reject``); report whether it worked.

    The click worked when the TCF API reports that the user's action is complete, or, for a platform
    known by its markup, when its banner is no longer visible afterwards.
    """
    result = ConsentResult(choice)
    platform = find_platform(page)
    if platform is None:
        result.detail = "no consent banner of a known platform found"
        return result
    result.platform = platform.name
    steps = platform.accept if choice == "accept" else platform.reject
    clicked = []
    for i, step in enumerate(steps):
        sel = _click_first(page, step)
        if sel is None:
            if i == 0:
                result.detail = f"{platform.name}: no visible {choice} control"
                return result
            break
        clicked.append(sel)
        page.wait_for_timeout(SETTLE_MS)
    result.clicked = True
    tcf = tcf_status(page)
    recorded = bool(tcf and tcf.get("eventStatus") == "useractioncomplete")
    if platform.detect:
        result.worked = recorded or not _present(page, platform.detect, visible=True)
    else:  # known only by its API: only the API can say the choice was recorded
        result.worked = recorded
    result.detail = f"clicked {' then '.join(clicked)}" + ("" if result.worked else "; the choice was not recorded")
    if tcf is not None:
        result.detail += f"; TCF CMP {tcf.get('cmpId')}: {tcf.get('eventStatus')}"
    return result
