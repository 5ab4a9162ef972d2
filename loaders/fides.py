"""The Fides loader: fideslang ``system`` and ``dataset`` manifests as declared flows.

A privacy declaration's data subjects give ``COLLECTS`` flows (subject → first party) of its data
categories; a system's egress to a third-party system (or a third-party system's ingress from one of
ours) gives ``SHARES_WITH`` flows; a dataset's fields give ``STORES`` flows. Data categories map onto
fields through the ``fideslang`` key of ``vocab/fields.yaml`` (the exact key, else the nearest ancestor
by dotted prefix), data uses onto purposes through ``vocab/purposes.yaml``; fideslang 1.x keys are
rewritten first (``lexicon/fides.yaml``). Evidence cites the manifest line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from flowaudit.inventory import organizations
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Evidence, Node, Records, slug

from .nodes import NodeBuilder, resolve_term
from .yamlmap import KeyPath, YamlDocument, read_yaml, validate

FIDES_FILE = Path(__file__).with_name("lexicon") / "fides.yaml"


@dataclass(frozen=True)
class Crosswalk:
    """fideslang keys → vocabulary ids, with the rewrites of fideslang 1.x keys."""

    categories: dict[str, str]
    uses: dict[str, str]
    legacy_categories: tuple[tuple[str, str | None], ...]
    legacy_uses: tuple[tuple[str, str | None], ...]
    subjects: dict[str, str]
    recipient_kinds: dict[str, str]
    third_party_type: re.Pattern[str]

    def field(self, category: str, custom: dict[str, str | None]) -> str | None:
        """The field id of a data category (custom categories follow their ``parent_key``), or None."""
        seen = set()
        while category in custom and category not in seen and not self._known(category):
            seen.add(category)
            parent = custom[category]
            if parent is None:
                return None
            category = parent
        key = _rewrite(category, self.legacy_categories)
        if key is None or not (key == "user" or key.startswith("user.")):
            return None
        return _nearest(key, self.categories)

    def _known(self, category: str) -> bool:
        key = _rewrite(category, self.legacy_categories)
        return key is not None and key in self.categories

    def purpose(self, use: str) -> str | None:
        """The purpose id of a data use, or None."""
        key = _rewrite(use, self.legacy_uses)
        return _nearest(key, self.uses) if key else None

    def recipient_kind(self, use: str) -> str | None:
        """The party kind of a system that receives data for ``use``, or None."""
        key = _rewrite(use, self.legacy_uses)
        return _nearest(key, self.recipient_kinds) if key else None


def _rewrite(key: str, rules: tuple[tuple[str, str | None], ...]) -> str | None:
    for prefix, target in rules:
        if key.startswith(prefix) if prefix.endswith(".") else (key == prefix or key.startswith(prefix + ".")):
            return None if target is None else target + key[len(prefix):]
    return key


def _nearest(key: str, table: dict[str, str]) -> str | None:
    """The value of ``key`` or of its nearest dotted-prefix ancestor."""
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        found = table.get(".".join(parts[:n]))
        if found:
            return found
    return None


@cache
def crosswalk() -> Crosswalk:
    """The crosswalk from the vocabularies and ``lexicon/fides.yaml``, built once."""
    fields = vocab.load("fields")
    categories: dict[str, str] = {}
    for term in sorted(fields, key=lambda t: len(fields.ancestors(t.id))):
        if term.get("fideslang"):
            categories.setdefault(term.get("fideslang"), term.id)
    uses: dict[str, str] = {}
    for term in vocab.load("purposes"):
        for use in term.get("fideslang") or ():
            uses.setdefault(use, term.id)
    data = yaml.safe_load(FIDES_FILE.read_text(encoding="utf-8"))
    return Crosswalk(categories, uses, tuple((a, b) for a, b in data["legacy_categories"]),
                     tuple((a, b) for a, b in data["legacy_uses"]), dict(data["subjects"]),
                     dict(data["recipient_kinds"]), re.compile(data["third_party_system_type"]))


class FidesReader:
    """Reads one validated Fides manifest into declared records."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.cw = crosswalk()
        self.build = NodeBuilder("declared")
        self.registry = organizations.load()
        data = doc.data
        self.systems: dict[str, tuple[int, dict[str, Any]]] = {
            s["fides_key"]: (i, s) for i, s in enumerate(data.get("system") or [])}
        self.custom = {c["fides_key"]: c.get("parent_key") for c in data.get("data_category") or []}
        self.first_party = self._first_party(data)
        self.recipients: dict[str, Node] = {}

    def _first_party(self, data: dict[str, Any]) -> Node:
        orgs = data.get("organization") or []
        resources = [*(data.get("system") or []), *(data.get("dataset") or [])]
        keys = {r.get("organization_fides_key") for r in resources} - {None, "default_organization"}
        if orgs:
            ev = self.evidence(("organization", 0), f"organization {orgs[0]['fides_key']}")
            name = orgs[0].get("name") or orgs[0]["fides_key"]
            return self.build.first_party(slug(orgs[0]["fides_key"]), name, ev)
        if len(keys) == 1:
            key = keys.pop()
            return self.build.first_party(slug(key), key)
        return self.build.first_party("first_party", "first party")

    def evidence(self, path: KeyPath, text: str) -> Evidence:
        """Evidence citing the manifest line of ``path``."""
        line = self.doc.lines.line(path)
        return Evidence(source=self.doc.source, locator=f"line {line}", text=text, line=line)

    def warn(self, path: KeyPath, message: str) -> None:
        """Record a warning naming the line of ``path``."""
        self.build.records.warnings.append(f"{self.doc.source}:line {self.doc.lines.line(path)}: {message}")

    # ----------------------------------------------------------------- mapping

    def fields(self, categories: list[str] | None) -> list[tuple[str, str]]:
        """(field id, data category) for each category about the user; system and non-identifiable ones are skipped."""
        out = [(self.cw.field(cat, self.custom), cat) for cat in categories or []]
        return list(dict.fromkeys((fid, cat) for fid, cat in out if fid is not None))

    def purposes(self, use: str, path: KeyPath) -> list[str]:
        """The purpose ids of data use ``use``."""
        pid = self.cw.purpose(use)
        if pid is None:
            self.warn(path, f"data use {use!r} has no purpose in the vocabulary")
            return []
        self.build.purpose(pid)
        return [pid]

    def subjects(self, keys: list[str] | None, path: KeyPath) -> list[str]:
        """Subject ids of fideslang data subjects (``user`` when none is given)."""
        out = []
        for k, key in enumerate(keys or []):
            sid = self.cw.subjects.get(key) or resolve_term(self.build.subjects, key)
            if sid is None:
                self.warn((*path, k), f"data subject {key!r} is not in the vocabulary; read as user")
                sid = "user"
            out.append(sid)
        return list(dict.fromkeys(out)) or ["user"]

    def is_third_party(self, system: dict[str, Any]) -> bool:
        """True for a system another organisation runs (its type says so, or it names a vendor)."""
        return bool(system.get("vendor_id")) or bool(self.cw.third_party_type.search(system.get("system_type") or ""))

    def recipient(self, key: str, uses: list[str], path: KeyPath) -> Node:
        """The organisation node of third-party system ``key`` (through the registry when it knows it)."""
        if key in self.recipients:
            return self.recipients[key]
        system = self.systems.get(key, (0, {}))[1]
        name = system.get("name") or system.get("legal_name") or key
        ev = self.evidence(path, f"system {key} ({name}) is run by another organisation")
        host = next((urlsplit(u).hostname for u in (system.get("privacy_policy"),
                                                    (system.get("fidesctl_meta") or {}).get("endpoint_address"))
                     if isinstance(u, str) and "." in u), None)
        org = self.registry.resolve(host) if host else None
        if org is not None:
            organizations.add_organization(self.build.records, self.registry, org.id)
            node = self.build.organization(org.id, name, None, ev, aliases=[key])
        else:
            own = [d["data_use"] for d in system.get("privacy_declarations") or []]
            kinds = [k for k in (resolve_term(self.build.parties, system.get("system_type") or ""),
                                 *(self.cw.recipient_kind(u) for u in [*own, *uses])) if k and k != "third_party"]
            node = self.build.organization(slug(key), name, kinds[0] if kinds else "third_party", ev,
                                           aliases=[key], fides_key=key)
        self.recipients[key] = node
        return node

    # ----------------------------------------------------------------- reading

    def read(self) -> Records:
        """Systems, then datasets."""
        for key, (i, system) in self.systems.items():
            if self.is_third_party(system):
                self.ingress(key, i, system)
            else:
                self.system(key, i, system)
        for i, dataset in enumerate(self.doc.data.get("dataset") or []):
            self.dataset(i, dataset)
        return self.build.records

    def system(self, key: str, i: int, system: dict[str, Any]) -> None:
        """Collections of every declaration, and shares along its egress."""
        path: KeyPath = ("system", i)
        egress = {e["fides_key"]: (j, e) for j, e in enumerate(system.get("egress") or [])}
        referenced: set[str] = set()
        declared: list[tuple[str, str]] = []
        for j, decl in enumerate(system["privacy_declarations"]):
            dpath: KeyPath = (*path, "privacy_declarations", j)
            fields = self.fields(decl["data_categories"])
            declared += fields
            purposes = self.purposes(decl["data_use"], (*dpath, "data_use"))
            subjects = self.subjects(decl.get("data_subjects"), (*dpath, "data_subjects"))
            label = f"system {key}" + (f" ({decl['name']})" if decl.get("name") else "")
            for fid, cat in fields:
                for sid in subjects:
                    text = (f"{label} collects {self.build.fields[fid].label} ({cat}) from "
                            f"{self.build.subjects[sid].label} for {decl['data_use']}")
                    ev = self.evidence(dpath, text)
                    self.build.flow(fid, self.build.subject(sid, ev).id, self.first_party.id, "collect",
                                    "COLLECTS", ev, purposes, system=key, data_category=cat,
                                    retention=decl.get("retention_period"))
            for target in decl.get("egress") or []:
                referenced.add(target)
                flow = egress.get(target, (None, {}))[1]
                cats = flow.get("data_categories")
                chosen = [f for f in fields if f[1] in cats] if cats else fields
                self.share(key, target, chosen, purposes, [decl["data_use"]],
                           (*dpath, "egress"), f"{label} sends")
        for target, (j, flow) in egress.items():
            if target in referenced or flow["type"] != "system":
                continue
            cats = flow.get("data_categories")
            fields = self.fields(cats) if cats else declared
            uses = [d["data_use"] for d in system["privacy_declarations"]]
            self.share(key, target, list(dict.fromkeys(fields)), [], uses, (*path, "egress", j),
                       f"system {key} sends")

    def share(self, source: str, target: str, fields: list[tuple[str, str]], purposes: list[str],
              uses: list[str], path: KeyPath, lead: str) -> None:
        """SHARES_WITH flows to third-party system ``target``; egress between our own systems stays inside."""
        system = self.systems.get(target)
        if system is not None and not self.is_third_party(system[1]):
            return
        node = self.recipient(target, uses, path)
        for fid, cat in fields:
            text = f"{lead} {self.build.fields[fid].label} ({cat}) to third-party system {target}"
            ev = self.evidence(path, text)
            self.build.flow(fid, self.first_party.id, node.id, "share", "SHARES_WITH", ev, purposes,
                            system=source, data_category=cat)

    def ingress(self, key: str, i: int, system: dict[str, Any]) -> None:
        """A third-party system's ingress from one of our systems is a share to it."""
        uses = [d["data_use"] for d in system["privacy_declarations"]]
        for j, flow in enumerate(system.get("ingress") or []):
            source = self.systems.get(flow["fides_key"])
            if flow["type"] != "system" or source is None or self.is_third_party(source[1]):
                continue
            path: KeyPath = ("system", i, "ingress", j)
            cats = flow.get("data_categories") or [c for d in system["privacy_declarations"]
                                                   for c in d["data_categories"]]
            self.share(flow["fides_key"], key, self.fields(cats), [], uses, path,
                       f"system {flow['fides_key']} sends")

    def dataset(self, i: int, dataset: dict[str, Any]) -> None:
        """STORES flows for every field of every collection that holds personal data."""
        key = dataset["fides_key"]
        refs = [d for _, s in self.systems.values() if not self.is_third_party(s)
                for d in s["privacy_declarations"]
                if key in (d.get("dataset_references") or []) or key in (s.get("dataset_references") or [])]
        subjects = list(dict.fromkeys(s for d in refs for s in (d.get("data_subjects") or [])))
        for c, coll in enumerate(dataset["collections"]):
            inherited = coll.get("data_categories") or dataset.get("data_categories") or []
            self._fields(key, coll["name"], coll["fields"], ("dataset", i, "collections", c, "fields"),
                         inherited, subjects, dataset.get("retention"))

    def _fields(self, dataset: str, prefix: str, fields: list[dict[str, Any]], path: KeyPath, inherited: list[str],
                subjects: list[str], retention: str | None) -> None:
        for k, fld in enumerate(fields):
            fpath: KeyPath = (*path, k)
            name = f"{prefix}.{fld['name']}"
            if fld.get("fields"):
                self._fields(dataset, name, fld["fields"], (*fpath, "fields"), fld.get("data_categories") or inherited,
                             subjects, retention)
                continue
            cats = fld.get("data_categories") or inherited
            for fid, cat in self.fields(cats):
                for sid in self.subjects(fld.get("data_subjects") or subjects, fpath):
                    text = (f"dataset {dataset} stores {self.build.fields[fid].label} ({cat}) of "
                            f"{self.build.subjects[sid].label} in {name}")
                    ev = self.evidence(fpath, text)
                    self.build.flow(fid, self.build.subject(sid, ev).id, self.first_party.id, "store",
                                    "STORES", ev, dataset=dataset, location=name,
                                    retention=fld.get("retention") or retention)


def extract_fides(path: str | Path) -> Records:
    """Read a Fides manifest (systems and datasets) into declared records; bad input names its line."""
    doc = read_yaml(path)
    validate(doc, "fides")
    return FidesReader(doc).read()
