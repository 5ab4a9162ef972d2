"""The data map as a Fides manifest: the organisation, its systems (privacy declarations, egress and
ingress), the vendors they share with (as third-party systems) and its datastores (as datasets).

What Fides can say is written; collection points (Fides has none: a subject's data enters a system
directly) and flows that no system declares (a policy's statements, observed captures) are not. Fields,
purposes and data subjects are written as their fideslang keys where the key names that term alone,
else as custom ``data_category``, ``data_use`` and ``data_subject`` records named by the term's label,
so that flowaudit reads them back as the same terms. Datastore facts Fides has no key for (type,
country, retention, security measures, safeguards, owner) go in the dataset's ``meta``; a vendor's
domains, country, safeguards and party kind in the system's ``meta``. Every document is checked with
``fideslang``'s models before it is written.

>>> from flowaudit.inventory.records import Records
>>> to_fides(Records())["system"]
[]
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY
from fideslang.models import Taxonomy
from flowaudit.inventory import vocabulary
from flowaudit.inventory.records import Flow, Node, Records

UNSPECIFIED_USE = "unspecified"
RECEIVED_KINDS = ("organization", "processor", "supplier", "affiliate", "recipient")


@cache
def _keys() -> tuple[dict[str, str], dict[str, str]]:
    """Field id → fideslang category and purpose id → data use, where the key names that term alone."""
    fields = vocabulary.load("fields")
    counts = Counter(t.get("fideslang") for t in fields)
    categories = {t.id: t.get("fideslang") for t in fields if t.get("fideslang") and counts[t.get("fideslang")] == 1}
    purposes = vocabulary.load("purposes")
    use_counts = Counter(u for t in purposes for u in t.get("fideslang") or ())
    uses = {t.id: next(u for u in t.get("fideslang") if use_counts[u] == 1)
            for t in purposes if any(use_counts[u] == 1 for u in t.get("fideslang") or ())}
    return categories, uses


def _suffix(node_id: str) -> str:
    return node_id.split(":", 1)[1]


class _Writer:
    """Builds the Fides document of one record set."""

    def __init__(self, records: Records):
        self.records = records
        self.nodes = records.nodes
        self.categories, self.uses = _keys()
        self.fields = vocabulary.load("fields")
        self.purposes = vocabulary.load("purposes")
        self.custom_categories: dict[str, dict[str, Any]] = {}
        self.custom_uses: dict[str, dict[str, Any]] = {}
        self.custom_subjects: dict[str, dict[str, Any]] = {}
        self.default_subjects = {s.fides_key for s in DEFAULT_TAXONOMY.data_subject}
        flows = sorted((f for f in records.flows.values() if f.polarity == "+"), key=lambda f: f.id)
        self.systems = sorted((n for n in self.nodes.values() if n.kind == "system"), key=lambda n: n.id)
        self.stores = sorted((n for n in self.nodes.values() if n.kind == "datastore"), key=lambda n: n.id)
        own = {n.id for n in self.systems}
        self.into: dict[str, list[Flow]] = {}
        self.out: dict[str, list[Flow]] = {}
        for f in flows:
            if f.source in own:
                self.out.setdefault(f.source, []).append(f)
            if f.target in own:
                self.into.setdefault(f.target, []).append(f)
        self.collected = {s: [f for f in fs if self.nodes[f.source].kind not in ("system", "datastore")]
                          for s, fs in self.into.items()}
        self.subject_flows = [f for f in flows if self.nodes[f.source].kind == "data_subject"]

    # ------------------------------------------------------------ terms

    def category(self, field_id: str) -> str:
        """The fideslang data category that reads back as ``field_id``."""
        term = _suffix(field_id)
        if term in self.categories:
            return self.categories[term]
        node = self.nodes.get(field_id)
        parent = self.fields[term].get("fideslang") if term in self.fields else None
        parent = parent or "user"
        key = f"{parent}.{term}"
        self.custom_categories.setdefault(key, {"fides_key": key, "name": node.label if node else term,
                                                "parent_key": parent})
        return key

    def use(self, purpose_id: str | None) -> str:
        """The fideslang data use that reads back as ``purpose_id`` (``unspecified`` for none)."""
        if purpose_id is None:
            self.custom_uses.setdefault(UNSPECIFIED_USE, {"fides_key": UNSPECIFIED_USE,
                                                          "name": "no purpose declared", "parent_key": None})
            return UNSPECIFIED_USE
        term = _suffix(purpose_id)
        if term in self.uses:
            return self.uses[term]
        node = self.nodes.get(purpose_id)
        listed = self.purposes[term].get("fideslang") if term in self.purposes else None
        parent = listed[0] if listed else None
        key = f"{parent}.{term}" if parent else term
        self.custom_uses.setdefault(key, {"fides_key": key, "name": node.label if node else term,
                                          "parent_key": parent})
        return key

    def subject(self, subject_id: str) -> str:
        """The fideslang data subject that reads back as ``subject_id``."""
        term = _suffix(subject_id)
        if term not in self.default_subjects:
            node = self.nodes.get(subject_id)
            self.custom_subjects.setdefault(term, {"fides_key": term, "name": node.label if node else term})
        return term

    def subjects_of(self, flow: Flow) -> list[str]:
        """The data subjects a collection flow comes from (through its collection point)."""
        if self.nodes[flow.source].kind == "data_subject":
            return [flow.source]
        return sorted({f.source for f in self.subject_flows if f.target == flow.source and f.field == flow.field})

    # ------------------------------------------------------------ resources

    def organization(self) -> list[dict[str, Any]]:
        firsts = sorted((n for n in self.nodes.values() if n.kind == "first_party"), key=lambda n: n.id)
        owners = {link.target for link in self.records.links.values() if link.relation == "PART_OF"}
        chosen = [n for n in firsts if n.id in owners] or firsts
        return [_clean({"fides_key": _suffix(n.id), "name": n.label,
                        "description": n.properties.get("description")}) for n in chosen[:1]]

    def system(self, node: Node) -> dict[str, Any]:
        """One of our systems: a declaration per (purpose, data subjects) of what it collects, one per (purpose,
        destination) of what it passes on (no data subjects: it collects nothing), then egress and ingress."""
        groups: dict[tuple[str | None, tuple[str, ...]], list[str]] = {}
        for f in self.collected.get(node.id, []):
            subjects = tuple(self.subjects_of(f)) or ("data_subject:user",)
            for p in f.purposes or [None]:
                fields = groups.setdefault((p, subjects), [])
                if f.field not in fields:
                    fields.append(f.field)
        declarations = []
        for (p, subjects), fields in sorted(groups.items(), key=lambda g: (g[0][0] or "~", g[0][1])):
            declarations.append({
                "name": f"{self.label(p)}: collected from {', '.join(self.nodes[s].label for s in subjects)}",
                "data_categories": [self.category(fid) for fid in fields], "data_use": self.use(p),
                "data_subjects": [self.subject(s) for s in subjects]})
        out_flows = self.out.get(node.id, [])
        passed: dict[tuple[str | None, str], list[str]] = {}
        for f in out_flows:
            for p in f.purposes or ([None] if self.is_kind(f.target) else []):
                fields = passed.setdefault((p, f.target), [])
                if f.field not in fields:
                    fields.append(f.field)
        for (p, target), fields in sorted(passed.items(), key=lambda g: (g[0][0] or "~", g[0][1])):
            cats = [self.category(fid) for fid in fields]
            decl: dict[str, Any] = {"name": f"{self.label(p)}: to {self.nodes[target].label}", "data_categories": cats,
                                    "data_use": self.use(p), "data_subjects": []}
            if self.is_kind(target):
                decl.update(data_shared_with_third_parties=True, third_parties=self.nodes[target].label,
                            shared_categories=cats)
            else:
                decl["egress"] = [self.key(target)]
            declarations.append(decl)
        egress_by: dict[str, tuple[str, list[str]]] = {}
        for f in out_flows:
            if self.is_kind(f.target):
                continue
            kind = "dataset" if self.nodes[f.target].kind == "datastore" else "system"
            cats = egress_by.setdefault(self.key(f.target), (kind, []))[1]
            if self.category(f.field) not in cats:
                cats.append(self.category(f.field))
        ingress = [{"fides_key": "user", "type": "user"}] if self.collected.get(node.id) else []
        received: dict[str, list[str]] = {}
        for f in self.into.get(node.id, []):
            if self.nodes[f.source].kind == "system":
                cats = received.setdefault(self.key(f.source), [])
                if self.category(f.field) not in cats:
                    cats.append(self.category(f.field))
        ingress += [{"fides_key": k, "type": "system", "data_categories": c} for k, c in sorted(received.items())]
        return _clean({
            "fides_key": self.key(node.id), "name": node.label, "description": node.properties.get("description"),
            "system_type": node.properties.get("system_type") or "Service",
            "administrating_department": node.properties.get("owner"),
            "egress": [{"fides_key": k, "type": kind, "data_categories": c}
                       for k, (kind, c) in sorted(egress_by.items())] or None,
            "ingress": ingress or None,
            "privacy_declarations": declarations,
        })

    def label(self, purpose_id: str | None) -> str:
        return self.nodes[purpose_id].label if purpose_id and purpose_id in self.nodes else "no purpose declared"

    def is_kind(self, node_id: str) -> bool:
        """True for a party-kind recipient (not a named organisation): Fides' ``third_parties``."""
        return self.nodes[node_id].kind in RECEIVED_KINDS[1:]

    def key(self, node_id: str) -> str:
        """The fides_key of a system, datastore or vendor node."""
        node = self.nodes[node_id]
        if node.kind == "organization":
            return _suffix(node_id)
        return node.properties.get("fides_key") or _suffix(node_id)

    def vendors(self) -> list[dict[str, Any]]:
        """The organisations our systems share with, as third-party systems."""
        ids = sorted({f.target for fs in self.out.values() for f in fs if self.nodes[f.target].kind == "organization"})
        out = []
        for i in ids:
            n = self.nodes[i]
            meta = _clean({"party_kind": n.properties.get("party_kind"), "domains": n.properties.get("domains"),
                           "country": n.properties.get("country"), "safeguards": n.properties.get("safeguards")})
            out.append(_clean({"fides_key": _suffix(i), "name": n.label, "system_type": "Third Party",
                               "meta": meta or None, "privacy_declarations": []}))
        return out

    def dataset(self, node: Node) -> dict[str, Any]:
        """A datastore as a dataset: one collection per place the flows into it name, one field per field."""
        collections: dict[str, list[dict[str, Any]]] = {}
        held = node.properties.get("fields") or []
        if held:
            for h in held:
                coll, _, name = h["location"].partition(".")
                collections.setdefault(coll, []).append({"name": name or h["field"],
                                                         "data_categories": [self.category("field:" + h["field"])]})
        for fs in self.out.values():
            for f in fs:
                if f.target != node.id or any("field:" + h["field"] == f.field for h in held):
                    continue
                fields = collections.setdefault(str(f.properties.get("location") or "data"), [])
                if not any(x["name"] == _suffix(f.field) for x in fields):
                    fields.append({"name": _suffix(f.field), "data_categories": [self.category(f.field)]})
        meta = _clean({k: node.properties.get(p) for k, p in (
            ("type", "datastore_type"), ("owner", "owner"), ("country", "country"), ("location", "location"),
            ("retention", "retention"), ("security_measures", "security_measures"), ("safeguards", "safeguards"))})
        return _clean({"fides_key": self.key(node.id), "name": node.label,
                       "description": node.properties.get("description"), "meta": meta or None,
                       "collections": [{"name": c, "fields": fs} for c, fs in sorted(collections.items())]})

    def document(self) -> dict[str, Any]:
        systems = [self.system(n) for n in self.systems] + self.vendors()
        datasets = [self.dataset(n) for n in self.stores]
        doc: dict[str, Any] = {"organization": self.organization()}
        for key, items in (("data_category", self.custom_categories), ("data_use", self.custom_uses),
                           ("data_subject", self.custom_subjects)):
            if items:
                doc[key] = [items[k] for k in sorted(items)]
        doc["system"] = systems
        doc["dataset"] = datasets
        return doc


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})
            or k in ("privacy_declarations", "data_categories", "data_subjects")}


def to_fides(records: Records) -> dict[str, Any]:
    """The Fides manifest (organization, custom taxonomy records, systems, datasets) of ``records``,
    checked with ``fideslang``'s models."""
    doc = _Writer(records).document()
    Taxonomy.model_validate(doc)
    return doc


def write_fides(records: Records, path: str | Path) -> None:
    """Write :func:`to_fides` of ``records`` to ``path`` as YAML."""
    text = ("# Written by flowaudit: the organisation's systems, the vendors they share with and its datastores,\n"
            "# as a Fides manifest (fideslang).\n")
    text += yaml.safe_dump(to_fides(records), sort_keys=False, allow_unicode=True, width=110)
    Path(path).write_text(text, encoding="utf-8")
