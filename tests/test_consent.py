"""The consent rules on each platform's banner markup, in a real Chromium (one page per platform and choice)."""

from __future__ import annotations

import pytest

from flowaudit.consent import answer

HIDE = """<script>
document.addEventListener('click', e => {
  const b = e.composedPath().find(n => n.tagName === 'BUTTON'); if (!b) return;
  document.body.dataset.choice = b.dataset.choice || '';
  for (const id of %s) { const el = document.getElementById(id); if (el) el.style.display = 'none'; }
}, true);
</script>"""

BANNERS = {
    "Cookiebot": ('<div id="CybotCookiebotDialog"><button id="CybotCookiebotDialogBodyButtonDecline" '
                  'data-choice="reject">Use necessary cookies only</button><button '
                  'id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" data-choice="accept">Allow all</button>'
                  '</div>', ["CybotCookiebotDialog"]),
    "Didomi": ('<div id="didomi-host"><div id="didomi-notice"><button id="didomi-notice-disagree-button" '
               'data-choice="reject">Disagree</button><button id="didomi-notice-agree-button" data-choice="accept">'
               'Agree and close</button></div></div>', ["didomi-host"]),
    "Quantcast Choice": ('<div id="qc-cmp2-container"><div class="qc-cmp2-summary-buttons"><button mode="secondary" '
                         'data-choice="reject">I do not agree</button><button mode="primary" data-choice="accept">'
                         'Agree</button></div></div>', ["qc-cmp2-container"]),
    "TrustArc": ('<div id="truste-consent-track"><button id="truste-consent-required" data-choice="reject">Required '
                 'only</button><button id="truste-consent-button" data-choice="accept">Accept all</button></div>',
                 ["truste-consent-track"]),
    "Usercentrics": ('<div id="usercentrics-root"></div><script>document.getElementById("usercentrics-root")'
                     '.attachShadow({mode: "open"}).innerHTML = \'<div data-testid="uc-default-banner"><button '
                     'data-testid="uc-deny-all-button" data-choice="reject">Deny</button><button '
                     'data-testid="uc-accept-all-button" data-choice="accept">Accept all</button></div>\';</script>',
                     ["usercentrics-root"]),
    "Sourcepoint": ('<iframe id="sp_message_iframe_1" srcdoc="<body><button class=&quot;sp_choice_type_13&quot; '
                    'onclick=&quot;parent.document.body.dataset.choice=\'reject\';frameElement.style.display=\'none\'&quot;>'
                    'Reject</button><button class=&quot;sp_choice_type_11&quot; onclick=&quot;parent.document.body'
                    '.dataset.choice=\'accept\';frameElement.style.display=\'none\'&quot;>Accept</button></body>">'
                    '</iframe>', []),
    "IAB TCF v2": ('<div id="my-cmp"><button data-choice="reject">Reject all</button><button data-choice="accept">'
                   'Accept all</button></div><script>let status = "cmpuishown";'
                   'document.addEventListener("click", () => { status = "useractioncomplete"; });'
                   'window.__tcfapi = (cmd, v, cb) => cb({cmpId: 300, eventStatus: status}, true);</script>',
                   ["my-cmp"]),
}


@pytest.fixture(scope="module")
def chromium(browser):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=browser, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(chromium):
    """A page in a fresh context (no globals left by another banner's script)."""
    context = chromium.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", list(BANNERS))
def test_each_platform_is_found_and_answered(chromium, name):
    markup, hidden = BANNERS[name]
    for choice in ("accept", "reject"):
        page = chromium.new_context().new_page()
        page.set_content(f"<html><body><p>A site.</p>{markup}{HIDE % hidden}</body></html>")
        page.wait_for_timeout(200)  # the srcdoc frame loads
        result = answer(page, choice)
        assert (result.platform, result.clicked, result.worked) == (name, True, True), result
        assert page.evaluate("document.body.dataset.choice") == choice, result.detail
        page.context.close()


def test_a_page_without_a_banner(page):
    page.set_content("<html><body><button>Buy</button></body></html>")
    result = answer(page, "accept")
    assert result.platform is None and not result.clicked and "no consent banner" in result.detail


def test_a_banner_whose_click_does_nothing_did_not_work(page):
    page.set_content('<div id="onetrust-banner-sdk"><button id="onetrust-accept-btn-handler">Accept</button></div>')
    result = answer(page, "accept")
    assert result.platform == "OneTrust" and result.clicked and not result.worked
