"""The Fides loader: a fideslang project (one manifest file, or a folder of them) as systems, datastores
and declared flows.

Each of the organisation's systems is a ``system`` node and each dataset a ``datastore`` node, both
``PART_OF`` the first party (the project's ``organization``); a system another organisation runs (its
``system_type`` says so, or it names a ``vendor_id``) is that organisation. A privacy declaration's
data subjects give ``COLLECTS`` flows (subject → system) of its data categories, unless the system's
ingress names no user; egress and ingress between two of our systems are ``SHARES_WITH`` flows of action
``send``; egress to a third-party system (or its ingress from one of ours) is sharing; egress to a
dataset and ``dataset_references`` are ``STORES`` flows (system → datastore) of the dataset's fields. A
dataset no system references keeps its data subjects' fields (subject → datastore).

Data categories map onto fields through the ``fideslang`` key of ``vocab/fields.yaml`` (the exact key,
else the nearest ancestor by dotted prefix), data uses onto purposes through ``vocab/purposes.yaml``;
custom ``data_category`` and ``data_use`` records follow their ``parent_key``; fideslang 1.x keys are
rewritten first (``lexicon/fides.yaml``). Documents are validated by the ``fideslang`` package's models;
an error names the file and line. Evidence cites the manifest line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pydantic
import yaml
from fideslang.models import Taxonomy
from flowaudit.inventory import organizations
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.records import Evidence, Node, Records, slug

from .errors import InputError
from .nodes import NodeBuilder, resolve_term
from .yamlmap import KeyPath, YamlDocument, _kind, read_yaml

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

    def purpose(self, use: str, custom: dict[str, str | None] | None = None) -> str | None:
        """The purpose id of a data use (custom uses follow their ``parent_key``), or None."""
        custom = custom or {}
        seen = set()
        while use in custom and use not in seen and self.purpose(use) is None:
            seen.add(use)
            parent = custom[use]
            if parent is None:
                return None
            use = parent
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


@dataclass(frozen=True)
class Resource:
    """One fideslang resource: its document, its path in it, and its data."""

    doc: YamlDocument
    path: KeyPath
    data: dict[str, Any]

    @property
    def key(self) -> str:
        """The resource's ``fides_key``."""
        return self.data["fides_key"]


class FidesReader:
    """Reads the validated documents of one Fides project into systems, datastores and declared flows."""

    def __init__(self, docs: list[YamlDocument]):
        self.docs = docs
        self.cw = crosswalk()
        self.build = NodeBuilder("declared")
        self.registry = organizations.load()
        self.resources: dict[str, list[Resource]] = {}
        for doc in docs:
            for section, items in doc.data.items():
                if isinstance(items, list):
                    self.resources.setdefault(section, []).extend(
                        Resource(doc, (section, i), item) for i, item in enumerate(items))
        self.systems = self._unique("system")
        self.datasets = self._unique("dataset")
        self.custom = {r.key: r.data.get("parent_key") for r in self.resources.get("data_category", [])}
        self.custom_uses = {r.key: r.data.get("parent_key") for r in self.resources.get("data_use", [])}
        # custom records named by a vocabulary term are that term (as flowaudit's own Fides export writes them)
        self.named_fields = self._named("data_category", self.build.fields)
        self.named_purposes = self._named("data_use", self.build.purposes)
        self.first_party = self._first_party()
        self.recipients: dict[str, Node] = {}
        self.own: dict[str, Node] = {}
        self.stores: dict[str, Node] = {}
        self.sent: set[tuple[str, str, str]] = set()  # (system, target, field) already sent

    def _named(self, section: str, v: vocab.Vocabulary) -> dict[str, str]:
        out = {}
        for r in self.resources.get(section, []):
            term = resolve_term(v, r.data["name"]) if r.data.get("name") else None
            if term:
                out[r.key] = term
        return out

    def _unique(self, section: str) -> dict[str, Resource]:
        out: dict[str, Resource] = {}
        for r in self.resources.get(section, []):
            if r.key in out:
                first = out[r.key]
                where = f"{first.doc.source}:line {first.doc.lines.line(first.path)}"
                raise r.doc.error((*r.path, "fides_key"), f"duplicate {section} {r.key!r} (first declared in {where})")
            out[r.key] = r
        return out

    def _first_party(self) -> Node:
        orgs = self.resources.get("organization", [])
        resources = [*self.systems.values(), *self.datasets.values()]
        keys = {r.data.get("organization_fides_key") for r in resources} - {None, "default_organization"}
        if orgs:
            org = orgs[0]
            ev = self.evidence(org, (), f"organization {org.key}")
            name = org.data.get("name") or org.key
            return self.build.first_party(slug(org.key), name, ev, [org.key] if name != org.key else [],
                                          fides_key=org.key, description=org.data.get("description"))
        if len(keys) == 1:
            key = keys.pop()
            return self.build.first_party(slug(key), key)
        return self.build.first_party("first_party", "first party")

    def evidence(self, res: Resource, path: KeyPath, text: str) -> Evidence:
        """Evidence citing the manifest line of ``path`` inside resource ``res``."""
        line = res.doc.lines.line((*res.path, *path))
        return Evidence(source=res.doc.source, locator=f"line {line}", text=text, line=line)

    def warn(self, res: Resource, path: KeyPath, message: str) -> None:
        """Record a warning naming the line of ``path`` inside ``res``."""
        line = res.doc.lines.line((*res.path, *path))
        self.build.records.warnings.append(f"{res.doc.source}:line {line}: {message}")

    # ----------------------------------------------------------------- mapping

    def fields(self, categories: list[str] | None) -> list[tuple[str, str]]:
        """(field id, data category) for each category about the user; system and non-identifiable ones are skipped."""
        out = [(self.named_fields.get(cat) or self.cw.field(cat, self.custom), cat) for cat in categories or []]
        return list(dict.fromkeys((fid, cat) for fid, cat in out if fid is not None))

    def purposes(self, use: str, res: Resource, path: KeyPath) -> list[str]:
        """The purpose ids of data use ``use``."""
        pid = self.named_purposes.get(use) or self.cw.purpose(use, self.custom_uses)
        if pid is None:
            if use not in self.custom_uses:
                self.warn(res, path, f"data use {use!r} has no purpose in the vocabulary")
            return []
        self.build.purpose(pid)
        return [pid]

    def subjects(self, keys: list[str] | None, res: Resource, path: KeyPath) -> list[str]:
        """Subject ids of fideslang data subjects (``user`` when none is given)."""
        out = []
        for k, key in enumerate(keys or []):
            sid = self.cw.subjects.get(key) or resolve_term(self.build.subjects, key)
            if sid is None:
                self.warn(res, (*path, k), f"data subject {key!r} is not in the vocabulary; read as user")
                sid = "user"
            out.append(sid)
        return list(dict.fromkeys(out)) or ["user"]

    def is_third_party(self, system: dict[str, Any]) -> bool:
        """True for a system another organisation runs (its type says so, or it names a vendor)."""
        return bool(system.get("vendor_id")) or bool(self.cw.third_party_type.search(system.get("system_type") or ""))

    def is_own(self, key: str) -> bool:
        """True for a system of this project that the organisation runs itself."""
        return key in self.systems and not self.is_third_party(self.systems[key].data)

    def recipient(self, key: str, uses: list[str], res: Resource, path: KeyPath) -> Node:
        """The organisation node of third-party system ``key`` (through the registry when it knows it)."""
        if key in self.recipients:
            return self.recipients[key]
        found = self.systems.get(key)
        system = found.data if found else {}
        name = system.get("name") or system.get("legal_name") or key
        ev = self.evidence(found or res, () if found else path, f"system {key} ({name}) is run by another organisation")
        meta = system.get("meta") or {}
        hosts = [urlsplit(u).hostname for u in (system.get("privacy_policy"),
                                                (system.get("fidesctl_meta") or {}).get("endpoint_address"))
                 if isinstance(u, str) and "." in u]
        hosts += [d for d in meta.get("domains") or [] if isinstance(d, str)]
        org = next((o for o in map(self.registry.resolve, hosts) if o is not None), None)
        extra = {k: meta.get(k) for k in ("country", "safeguards", "domains") if meta.get(k)}
        if org is not None:
            organizations.add_organization(self.build.records, self.registry, org.id)
            node = self.build.organization(org.id, name, None, ev, aliases=[key], fides_key=key, **extra)
        else:
            own = [d["data_use"] for d in system.get("privacy_declarations") or []]
            kinds = [k for k in (meta.get("party_kind") if meta.get("party_kind") in self.build.parties else None,
                                 resolve_term(self.build.parties, system.get("system_type") or ""),
                                 *(self.cw.recipient_kind(u) for u in [*own, *uses])) if k and k != "third_party"]
            node = self.build.organization(slug(key), name, kinds[0] if kinds else "third_party", ev,
                                           aliases=[key], fides_key=key, **extra)
        self.recipients[key] = node
        return node

    def system_node(self, key: str) -> Node:
        """The node of our own system ``key``."""
        if key not in self.own:
            res = self.systems[key]
            s = res.data
            ev = self.evidence(res, (), f"system {key} ({s.get('name') or key})")
            self.own[key] = self.build.system(
                slug(key), s.get("name") or key, self.first_party, ev, [key], fides_key=key,
                system_type=s.get("system_type"), owner=s.get("administrating_department"),
                description=s.get("description"), legal_basis_for_transfers=s.get("legal_basis_for_transfers"))
        return self.own[key]

    def datastore_node(self, key: str, res: Resource, path: KeyPath) -> Node:
        """The node of dataset ``key`` (a placeholder labelled by its key when the project does not hold it)."""
        if key not in self.stores:
            found = self.datasets.get(key)
            if found is None:
                ev = self.evidence(res, path, f"dataset {key} (not part of this project)")
                self.stores[key] = self.build.datastore(slug(key), key, self.first_party, ev, [key], fides_key=key)
            else:
                d = found.data
                meta = d.get("meta") or {}
                ev = self.evidence(found, (), f"dataset {key} ({d.get('name') or key})")
                held = [{"location": loc, "field": fid, "data_category": cat} for loc, fid, cat, _ in self.held(found)]
                self.stores[key] = self.build.datastore(
                    slug(key), d.get("name") or key, self.first_party, ev, [key], fides_key=key,
                    description=d.get("description"), datastore_type=meta.get("type"), owner=meta.get("owner"),
                    retention=d.get("retention") or meta.get("retention"),
                    country=meta.get("country") or _first(d.get("third_country_transfers")),
                    location=meta.get("location"), security_measures=meta.get("security_measures"),
                    safeguards=meta.get("safeguards"), fields=held)
        return self.stores[key]

    def held(self, res: Resource) -> list[tuple[str, str, str, KeyPath]]:
        """(``collection.field`` location, field id, data category, path) of every personal field of a dataset."""
        out: list[tuple[str, str, str, KeyPath]] = []

        def walk(prefix: str, fields: list[dict[str, Any]], path: KeyPath, inherited: list[str]) -> None:
            for k, fld in enumerate(fields):
                fpath: KeyPath = (*path, k)
                name = f"{prefix}.{fld['name']}"
                if fld.get("fields"):
                    walk(name, fld["fields"], (*fpath, "fields"), fld.get("data_categories") or inherited)
                    continue
                out.extend((name, fid, cat, fpath) for fid, cat in self.fields(fld.get("data_categories") or inherited))

        for c, coll in enumerate(res.data["collections"]):
            inherited = coll.get("data_categories") or res.data.get("data_categories") or []
            walk(coll["name"], coll["fields"], ("collections", c, "fields"), inherited)
        return out

    # ----------------------------------------------------------------- reading

    def read(self) -> Records:
        """Systems, then datasets."""
        for res in self.systems.values():
            self.check_self_reference(res)
            if self.is_third_party(res.data):
                self.ingress(res)
            else:
                self.system(res)
        referenced = {k for r in self.systems.values() if not self.is_third_party(r.data)
                      for k in self.dataset_keys(r)}
        for key, res in self.datasets.items():
            self.datastore_node(key, res, ())
            if key not in referenced:
                self.unreferenced_dataset(res)
        return self.build.records

    def check_self_reference(self, res: Resource) -> None:
        """An egress or ingress that names its own system is an error naming its line."""
        for direction in ("egress", "ingress"):
            for j, flow in enumerate(res.data.get(direction) or []):
                if flow["fides_key"] == res.key and flow["type"] == "system":
                    raise res.doc.error((*res.path, direction, j, "fides_key"),
                                        f"system {res.key!r} names itself in its {direction}: a data flow needs "
                                        "another system")

    def dataset_keys(self, res: Resource) -> list[str]:
        """The datasets a system keeps data in: its ``dataset_references``, its declarations' and its egress."""
        keys = list(res.data.get("dataset_references") or [])
        for decl in res.data["privacy_declarations"]:
            keys += decl.get("dataset_references") or []
        keys += [e["fides_key"] for e in res.data.get("egress") or [] if e["type"] == "dataset"]
        return list(dict.fromkeys(keys))

    def system(self, res: Resource) -> None:
        """Collections of every declaration, then what the system sends, shares and stores."""
        key, data = res.key, res.data
        node = self.system_node(key)
        ingress = data.get("ingress") or []
        from_user = not ingress or any(f["type"] == "user" for f in ingress)
        egress = {e["fides_key"]: (j, e) for j, e in enumerate(data.get("egress") or [])}
        referenced: set[str] = set()
        declared: list[tuple[str, str]] = []
        for j, decl in enumerate(data["privacy_declarations"]):
            dpath: KeyPath = ("privacy_declarations", j)
            fields = self.fields(decl["data_categories"])
            declared += fields
            purposes = self.purposes(decl["data_use"], res, (*dpath, "data_use"))
            subjects = self.subjects(decl.get("data_subjects"), res, (*dpath, "data_subjects"))
            label = f"system {key}" + (f" ({decl['name']})" if decl.get("name") else "")
            # a declaration that lists no data subjects (data_subjects: []) processes data it does not collect
            collects = from_user and decl.get("data_subjects", None) != []
            for fid, cat in fields if collects else []:
                for sid in subjects:
                    text = (f"{label} collects {self.build.fields[fid].label} ({cat}) from "
                            f"{self.build.subjects[sid].label} for {decl['data_use']}")
                    ev = self.evidence(res, dpath, text)
                    self.build.flow(fid, self.build.subject(sid, ev).id, node.id, "collect", "COLLECTS", ev,
                                    purposes, system=key, data_category=cat, retention=decl.get("retention_period"))
            for target in decl.get("egress") or []:
                referenced.add(target)
                flow = egress.get(target, (None, {}))[1]
                cats = flow.get("data_categories")
                chosen = [f for f in fields if f[1] in cats] if cats else fields
                self.send(res, target, flow.get("type", "system"), chosen, purposes, [decl["data_use"]],
                          (*dpath, "egress"), label, restrict=bool(cats))
            for target in decl.get("dataset_references") or []:
                referenced.add(target)
                self.store(res, target, fields, purposes, (*dpath, "dataset_references"), label)
            if decl.get("data_shared_with_third_parties"):
                shared = self.fields(decl.get("shared_categories")) or fields
                self.third_parties(res, decl, shared, purposes, dpath, label)
        uses = [d["data_use"] for d in data["privacy_declarations"]]
        for target, (j, flow) in egress.items():
            cats = flow.get("data_categories")
            if target in referenced and not cats:
                continue
            fields = self.fields(cats) if cats else list(dict.fromkeys(declared))
            fields = [f for f in fields if (key, target, f[0]) not in self.sent]
            self.send(res, target, flow["type"], fields, [], uses, ("egress", j), f"system {key}",
                      restrict=bool(cats))
        for k, target in enumerate(data.get("dataset_references") or []):
            if target not in referenced:
                self.store(res, target, list(dict.fromkeys(declared)), [], ("dataset_references", k), f"system {key}")
        for j, flow in enumerate(ingress):
            source = flow["fides_key"]
            if flow["type"] == "system" and self.is_own(source):
                cats = flow.get("data_categories")
                fields = self.fields(cats) if cats else list(dict.fromkeys(declared))
                self.send(self.systems[source], key, "system", fields, [], uses, None, f"system {source}",
                          at=(res, ("ingress", j)))

    def third_parties(self, res: Resource, decl: dict[str, Any], fields: list[tuple[str, str]], purposes: list[str],
                      path: KeyPath, lead: str) -> None:
        """``SHARES_WITH`` flows to the kinds of party a declaration's ``third_parties`` names (``;``-separated)."""
        for name in (n.strip() for n in str(decl.get("third_parties") or "").split(";")):
            kind = resolve_term(self.build.parties, name) if name else None
            if kind is None:
                if name:
                    self.warn(res, (*path, "third_parties"), f"third party {name!r} is not a party kind of the "
                                                             "vocabulary; read as third party")
                kind = "third_party"
            node = self.build.party_kind(kind)
            for fid, cat in fields:
                ev = self.evidence(res, (*path, "third_parties"),
                                   f"{lead} shares {self.build.fields[fid].label} ({cat}) with {node.label}")
                self.build.flow(fid, self.system_node(res.key).id, node.id, "share", "SHARES_WITH", ev, purposes,
                                system=res.key, data_category=cat)

    def send(self, res: Resource, target: str, kind: str, fields: list[tuple[str, str]], purposes: list[str],
             uses: list[str], path: KeyPath | None, lead: str, at: tuple[Resource, KeyPath] | None = None,
             restrict: bool = False) -> None:
        """Flows from system ``res`` along one egress: to our own system, a third party's, or a dataset (only
        ``fields`` with ``restrict``, else all the dataset's)."""
        where = at or (res, path or ())
        if kind == "user":
            return
        if kind == "dataset":
            self.store(res, target, fields, purposes, where[1], lead, at=where[0], restrict=restrict)
            return
        source = self.system_node(res.key)
        if self.is_own(target):
            node, action, what = self.system_node(target), "send", f"to system {target}"
        else:
            node, action, what = self.recipient(target, uses, *where), "share", f"to third-party system {target}"
        for fid, cat in fields:
            ev = self.evidence(where[0], where[1], f"{lead} sends {self.build.fields[fid].label} ({cat}) {what}")
            self.sent.add((res.key, target, fid))
            self.build.flow(fid, source.id, node.id, action, "SHARES_WITH", ev, purposes, system=res.key,
                            data_category=cat)

    def store(self, res: Resource, target: str, fields: list[tuple[str, str]], purposes: list[str], path: KeyPath,
              lead: str, at: Resource | None = None, restrict: bool = False) -> None:
        """``STORES`` flows system → datastore: the dataset's own fields where the project holds it (with
        ``purposes`` for those among ``fields``; with ``restrict`` only those), else ``fields``."""
        cite = at or res
        node = self.datastore_node(target, cite, path)
        dataset = self.datasets.get(target)
        wanted = {fid for fid, _ in fields}
        held = self.held(dataset) if dataset else []
        if restrict:
            places = {fid: loc for loc, fid, _, _ in reversed(held)}
            held = [(places.get(fid), fid, cat, None) for fid, cat in fields]
        elif not dataset:
            held = [(None, fid, cat, None) for fid, cat in fields]
        retention = node.properties.get("retention")
        for loc, fid, cat, _ in held:
            ev = self.evidence(cite, path, f"{lead} stores {self.build.fields[fid].label} ({cat}) in dataset {target}"
                                           + (f" ({loc})" if loc else ""))
            self.build.flow(fid, self.system_node(res.key).id, node.id, "store", "STORES", ev,
                            purposes if fid in wanted else [], system=res.key, dataset=target, location=loc,
                            data_category=cat, retention=retention)

    def ingress(self, res: Resource) -> None:
        """A third-party system's ingress from one of our systems is a share to it."""
        uses = [d["data_use"] for d in res.data["privacy_declarations"]]
        for j, flow in enumerate(res.data.get("ingress") or []):
            if flow["type"] != "system" or not self.is_own(flow["fides_key"]):
                continue
            cats = flow.get("data_categories") or [c for d in res.data["privacy_declarations"]
                                                   for c in d["data_categories"]]
            self.send(self.systems[flow["fides_key"]], res.key, "system", self.fields(cats), [], uses, None,
                      f"system {flow['fides_key']}", at=(res, ("ingress", j)))

    def unreferenced_dataset(self, res: Resource) -> None:
        """A dataset no system of ours references keeps its data subjects' fields (subject → datastore)."""
        node = self.datastore_node(res.key, res, ())
        subjects = res.data.get("data_subjects") or []
        for loc, fid, cat, path in self.held(res):
            for sid in self.subjects(subjects, res, ("data_subjects",)):
                text = (f"dataset {res.key} stores {self.build.fields[fid].label} ({cat}) of "
                        f"{self.build.subjects[sid].label} in {loc}")
                ev = self.evidence(res, path, text)
                self.build.flow(fid, self.build.subject(sid, ev).id, node.id, "store", "STORES", ev,
                                dataset=res.key, location=loc, retention=node.properties.get("retention"))


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


# --------------------------------------------------------------------------- reading and validating

FIDES_SUFFIXES = (".yml", ".yaml")


def project_files(path: str | Path) -> list[Path]:
    """The manifest files of a Fides project: ``path`` itself, or every YAML file under a folder."""
    p = Path(path)
    if not p.is_dir():
        return [p]
    files = sorted(f for f in p.rglob("*") if f.suffix.lower() in FIDES_SUFFIXES and f.is_file())
    if not files:
        raise InputError(str(path), "a folder without YAML files: not a Fides project")
    return files


def validate_fides(doc: YamlDocument) -> None:
    """Check ``doc`` against the ``fideslang`` models; the first error in file order raises, naming its line."""
    if not isinstance(doc.data, dict):
        raise InputError(doc.source, f"expected a mapping of fideslang resources, found {_kind(doc.data)}", "line 1")
    if not any(k in doc.data for k in ("system", "dataset", "organization", "data_category", "data_use",
                                       "data_subject")):
        raise InputError(doc.source, "no fideslang resources (top-level system:, dataset:, organization:, "
                                     "data_category:, data_use: or data_subject:)", "line 1")
    try:
        Taxonomy.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        placed = [(doc.lines.line(tuple(e["loc"])), _message(e)) for e in exc.errors()]
        line, message = min(placed, key=lambda p: p[0])
        raise InputError(doc.source, message, f"line {line}") from None


def _message(error: Any) -> str:
    loc = tuple(error["loc"])
    where = ""
    for p in loc[:-1] if error["type"] == "missing" else loc:
        where += f"[{p}]" if isinstance(p, int) else (f".{p}" if where else str(p))
    where = where or "the document"
    if error["type"] == "missing":
        return f"{where}: {loc[-1]!r} is a required property (fideslang)"
    expected = {"list_type": "a list", "dict_type": "a mapping", "string_type": "text", "bool_type": "true or false",
                "model_type": "a mapping", "int_type": "a whole number"}.get(error["type"])
    if expected:
        return f"{where}: expected {expected}, found {_kind(error.get('input'))} (fideslang)"
    msg = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{where}: {msg} (fideslang)"


def extract_fides(path: str | Path) -> Records:
    """Read a Fides manifest, or a folder of them (one project), into declared records; bad input names its line."""
    docs = []
    for file in project_files(path):
        doc = read_yaml(file)
        validate_fides(doc)
        docs.append(doc)
    return FidesReader(docs).read()
