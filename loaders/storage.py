"""Web storage (localStorage, sessionStorage) as trackers: one node per origin, kept by whoever owns it.

Shared by the loaders of storage dumps (the Website Evidence Collector's ``local-storage.yml``, the
``STATE.storage.json`` that ``flowaudit scan`` writes). A key whose name and value hold personal data
(an e-mail address, a phone number) or an identifier is stored there by the user (``STORES``) and
collected by the origin's owner (``COLLECTS``). Values are tested and dropped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flowaudit.inventory import organizations as orgs
from flowaudit.inventory.records import Evidence, Node, Records, node_id

from .cookies import CookieRecords
from .observed import Observations, detect, identifier_like, subject_node
from .redact import redact_host, redact_name


def origin_host(origin: Any) -> str | None:
    """The host of an origin URL, or None."""
    try:
        return urlsplit(origin).hostname if isinstance(origin, str) else None
    except ValueError:
        return None


def storage_records(source: str, origins: dict[str, dict[str, Any]], site_host: str,
                    registry: orgs.Registry | None = None, consent_state: str | None = None,
                    what: str = "localStorage") -> Records:
    """Records for ``origins`` (origin URL → key → value) of the site at ``site_host``."""
    records = Records()
    reg = registry or orgs.load()
    site = orgs.registrable_domain(site_host)
    orgs.add_first_party(records, reg, site, Evidence(source, "site", f"site {site} (first-party storage)"))
    observations = Observations(consent_state=consent_state)
    owners = CookieRecords(records, reg, site, observations)
    user = subject_node(records).id
    for origin, keys in origins.items():
        host = origin_host(origin) or ""
        shown = redact_host(host)
        place = f"origin {shown}"
        names = [redact_name(str(k)) for k in keys]
        ev = Evidence(source, place, f"{what} of {shown}: keys {', '.join(names)}")
        party, owner = owners.setter(host, ev)
        tracker = records.add_node(Node(node_id("tracker", f"local_storage_{host}"), "tracker", f"{what} of {shown}",
                                        [], {"tracker_kind": "local_storage", "context": "page", "party": party,
                                             "set_by": [owner], "keys": names}, [ev]))
        for key, value in keys.items():
            name = str(key)
            text = "" if value is None else value if isinstance(value, str) else str(value)
            held = [(f.field, f.parameter, f.hashed) for f in detect(name, text)]
            if text and identifier_like(text):
                held.append(("device_identifier", redact_name(name), None))
            at = f"{place} / key {redact_name(name)}"
            for fid, param, hashed in held:
                def cite(p: str | None, at: str = at, text: str = ev.text) -> Evidence:
                    return Evidence(source, at, text, parameter=p)
                observations.add("STORES", "store", user, tracker.id, fid, cite, param, hashed)
                observations.add("COLLECTS", "collect", tracker.id, owner, fid, cite, param, hashed)
    observations.emit(records)
    return records
