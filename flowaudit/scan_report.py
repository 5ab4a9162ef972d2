"""The scan's one-screen summary: per consent state what was found, then what changed between states."""

from __future__ import annotations

from typing import Any

from flowaudit.scan import StateCapture

MAX_LISTED = 12


def changes(captures: list[StateCapture]) -> list[dict[str, Any]]:
    """Each state beside the first one scanned (normally ``none``): organisations and cookies added or gone."""
    if len(captures) < 2:
        return []
    base = captures[0]
    out = []
    for cap in captures[1:]:
        orgs_a, orgs_b = set(base.third_parties.values()), set(cap.third_parties.values())
        cookies_a = {(c["name"], c["domain"]) for c in base.cookies}
        cookies_b = {(c["name"], c["domain"]) for c in cap.cookies}
        out.append({"state": cap.choice, "compared_with": base.choice,
                    "organizations_added": sorted(orgs_b - orgs_a), "organizations_gone": sorted(orgs_a - orgs_b),
                    "cookies_added": sorted(f"{n} ({d})" for n, d in cookies_b - cookies_a),
                    "cookies_gone": sorted(f"{n} ({d})" for n, d in cookies_a - cookies_b)})
    return out


def _listed(items: list[str]) -> str:
    more = f", … ({len(items) - MAX_LISTED} more)" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more if items else "none"


def summary_text(captures: list[StateCapture]) -> str:
    """The summary as text: consent platform and click, pages, third parties, cookies, beacons; then changes."""
    lines = []
    for cap in captures:
        lines.append(f"== {cap.choice} (flows recorded as consent state {cap.consent_state}) ==")
        if cap.consent is not None:
            c = cap.consent
            verdict = "the click worked" if c.worked else "the click did not work" if c.clicked else "not clicked"
            lines.append(f"consent: {c.platform or 'no platform found'}; {verdict} ({c.detail})")
        lines.append(f"pages: {len(cap.visited)} visited" + (f", {len(cap.failed)} failed" if cap.failed else ""))
        for fail in cap.failed:
            lines.append(f"  failed: {fail['url']}: {fail['error']}")
        by_org: dict[str, list[str]] = {}
        for host, org in sorted(cap.third_parties.items()):
            by_org.setdefault(org, []).append(host)
        lines.append(f"third parties: {len(by_org)} organisations, {len(cap.third_parties)} hosts")
        for org, hosts in sorted(by_org.items()):
            lines.append(f"  {org}: {_listed(hosts)}")
        third = [c for c in cap.cookies if c["party"] == "third"]
        lines.append(f"cookies: {len(cap.cookies)} ({len(cap.cookies) - len(third)} first party, {len(third)} third "
                     f"party): {_listed(sorted(c['name'] for c in cap.cookies))}")
        lines.append(f"beacons: {len(cap.beacons)}"
                     + (f": {_listed(sorted({b['organization'] for b in cap.beacons}))}" if cap.beacons else ""))
        keys = sum(len(o.get("localStorage", [])) + len(o.get("sessionStorage", [])) for o in cap.storage)
        lines.append(f"storage: {keys} keys in {len(cap.storage)} origins")
        lines.append("")
    for ch in changes(captures):
        lines.append(f"== {ch['state']} compared with {ch['compared_with']} ==")
        lines.append(f"organisations added: {_listed(ch['organizations_added'])}; "
                     f"gone: {_listed(ch['organizations_gone'])}")
        lines.append(f"cookies added: {_listed(ch['cookies_added'])}")
        lines.append("")
    files = [f for cap in captures for f in cap.files]
    lines.append(f"wrote {len(files)} files" + (f" to {files[0].rsplit('/', 1)[0]}" if files else ""))
    return "\n".join(lines)


def summary_data(captures: list[StateCapture]) -> dict[str, Any]:
    """The summary as JSON: every state and the changes between them."""
    return {"states": [c.to_dict() for c in captures], "changes": changes(captures)}
