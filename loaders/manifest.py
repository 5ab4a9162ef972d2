"""The inventory-manifest loader: flowaudit's own YAML declaration of systems, datastores, vendors and flows.

The format is documented by ``inventory/schemas/manifest.schema.json``::

    flowaudit: 1
    organization: {name: Plimus, domains: [plimus.com], country: US}
    fields:   [{name: card_pan, is: credit card number}]       # local names for vocabulary fields
    purposes: [{name: holiday campaign, is: email marketing}]  # local names for vocabulary purposes
    vendors:  [{id: litle, name: Litle & Co., kind: payment processor, domains: [litle.com], country: US}]
    datastores: [{id: orders_db, name: Order database, type: database, country: US, retention: 7 years}]
    systems:
      - id: checkout
        name: Web shop checkout
        collects: [{field: [name, card_pan], from: customer, via: transaction form,
                    purposes: [payment processing], retention: 7 years}]
        stores:   [{field: [name], datastore: orders_db, location: orders.customer}]
        sends:    [{field: name, to: accounts}]                # another of our systems
        shares:   [{field: card_pan, with: litle, purposes: [payment processing]}]

Every system and datastore is a node ``PART_OF`` the first party. Data moves subject → collection point →
system (``COLLECTS``), system → datastore (``STORES``), system → system (``SHARES_WITH``, action ``send``) and
system → vendor (``SHARES_WITH``): declared flows (basis ``declared``) whose evidence is the manifest line
that declares them. An unknown key, a schema violation, a name the vocabularies do not know, or a system
or datastore that is not declared is an :class:`InputError` naming the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowaudit.inventory import organizations
from flowaudit.inventory import vocabulary as vocab
from flowaudit.inventory.bulk import collector_paused
from flowaudit.inventory.records import Evidence, Node, Records, slug
from flowaudit.inventory.text import phrase_key

from .nodes import NodeBuilder, resolve_term
from .yamlmap import KeyPath, YamlDocument, read_yaml, validate

KINDS = {"fields": "field", "purposes": "purpose", "parties": "party kind", "subjects": "data subject",
         "collection_points": "collection point"}


class ManifestReader:
    """Reads one validated manifest document into declared records."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc
        self.build = NodeBuilder("declared")
        self.local: dict[str, dict[tuple[str, ...], str]] = {"fields": {}, "purposes": {}}
        self.resolved: dict[tuple[str, str, bool], str] = {}   # (vocabulary, name, local) → id, read once each
        self.vendors: dict[str, Node] = {}
        self.datastores: dict[str, Node] = {}
        self.systems: dict[str, Node] = {}
        self.first_party = self.organization(doc.data["organization"])

    def read(self) -> Records:
        """Read aliases, the organisation, vendors, datastores and systems, then each system's flows."""
        data = self.doc.data
        for section in ("fields", "purposes"):
            for i, entry in enumerate(data.get(section, [])):
                term = self.term(section, entry["is"], (section, i, "is"), local=False)
                self.local[section][phrase_key(entry["name"])] = term
        for i, vendor in enumerate(data.get("vendors", [])):
            self.vendor(vendor, ("vendors", i))
        for i, store in enumerate(data.get("datastores", [])):
            self.datastore(store, ("datastores", i))
        for i, system in enumerate(data["systems"]):
            self.system(system, ("systems", i))
        for i, system in enumerate(data["systems"]):
            path: KeyPath = ("systems", i)
            for j, entry in enumerate(system.get("collects", [])):
                self.collects(system, entry, (*path, "collects", j))
            for j, entry in enumerate(system.get("stores", [])):
                self.stores(system, entry, (*path, "stores", j))
            for j, entry in enumerate(system.get("sends", [])):
                self.sends(system, entry, (*path, "sends", j))
            for j, entry in enumerate(system.get("shares", [])):
                self.shares(system, entry, (*path, "shares", j))
        return self.build.records

    # ----------------------------------------------------------------- names

    def term(self, vocabulary: str, name: str, path: KeyPath, local: bool = True) -> str:
        """The vocabulary id ``name`` stands for; an unknown name raises, naming its line.

        A name is resolved once: a manifest that lists the same fields for each of many vendors pays for
        normalising each name only the first time."""
        found = self.resolved.get((vocabulary, name, local))
        if found is None:
            found = self.resolved[(vocabulary, name, local)] = self._term(vocabulary, name, path, local)
        return found

    def _term(self, vocabulary: str, name: str, path: KeyPath, local: bool) -> str:
        if local and vocabulary in self.local:
            found = self.local[vocabulary].get(phrase_key(name))
            if found:
                return found
        term_id = resolve_term(vocab.load(vocabulary), name)
        if term_id is None:
            extra = f", nor a name declared under {vocabulary}:" if vocabulary in self.local else ""
            raise self.doc.error(path, f"unknown {KINDS[vocabulary]} {name!r}: not an id, label or alias of the "
                                       f"{vocabulary} vocabulary{extra}")
        return term_id

    def terms(self, vocabulary: str, value: str | list[str] | None, path: KeyPath) -> list[str]:
        """Vocabulary ids of a name or list of names."""
        if value is None:
            return []
        if isinstance(value, str):
            return [self.term(vocabulary, value, path)]
        return [self.term(vocabulary, v, (*path, k)) for k, v in enumerate(value)]

    def evidence(self, path: KeyPath, text: str) -> Evidence:
        """Evidence citing the manifest line of ``path``."""
        line = self.doc.lines.line(path)
        return Evidence(source=self.doc.source, locator=f"line {line}", text=text, line=line)

    # ----------------------------------------------------------------- parties

    def organization(self, org: dict[str, Any]) -> Node:
        """The first-party node of the manifest's organisation."""
        domains = org.get("domains", [])
        key = org.get("id") or (organizations.site_label(domains[0]) if domains else slug(org["name"]))
        ev = self.evidence(("organization",), f"the inventory of {org['name']}")
        aliases = [a for a in (org.get("legal_name"), *domains) if a]
        return self.build.first_party(key, org["name"], ev, aliases, domains=domains,
                                      legal_name=org.get("legal_name"), country=org.get("country"))

    def vendor(self, vendor: dict[str, Any], path: KeyPath) -> None:
        """An organisation node for ``vendor``, resolved through the registry by its domains."""
        if vendor["id"] in self.vendors:
            raise self.doc.error((*path, "id"), f"duplicate vendor id {vendor['id']!r}")
        kind = self.term("parties", vendor["kind"], (*path, "kind"))
        ev = self.evidence(path, f"vendor {vendor['id']} ({vendor['name']}) is a {self.build.parties[kind].label}")
        domains = vendor.get("domains", [])
        registry = organizations.load()
        known = next((org for org in map(registry.resolve, domains) if org is not None), None)
        if known is not None:
            organizations.add_organization(self.build.records, registry, known.id)
        self.vendors[vendor["id"]] = self.build.organization(
            known.id if known else vendor["id"], vendor["name"], kind, ev, aliases=[vendor["id"]],
            domains=domains, country=vendor.get("country"), safeguards=vendor.get("safeguards"),
            vendor_id=vendor["id"], declared_kind=kind)

    # ----------------------------------------------------------------- systems and datastores

    def datastore(self, store: dict[str, Any], path: KeyPath) -> None:
        """The datastore node of one ``datastores`` entry, ``PART_OF`` the first party."""
        if store["id"] in self.datastores:
            raise self.doc.error((*path, "id"), f"duplicate datastore id {store['id']!r} (first declared at line "
                                                f"{self.datastores[store['id']].evidence[0].line})")
        ev = self.evidence(path, f"datastore {store['id']} ({store['name']})")
        self.datastores[store["id"]] = self.build.datastore(
            store["id"], store["name"], self.first_party, ev, [store["id"]], datastore_type=store.get("type"),
            description=store.get("description"), owner=store.get("owner"), country=store.get("country"),
            location=store.get("location"), retention=store.get("retention"),
            security_measures=store.get("security"), safeguards=store.get("safeguards"))

    def system(self, system: dict[str, Any], path: KeyPath) -> None:
        """The system node of one ``systems`` entry, ``PART_OF`` the first party."""
        if system["id"] in self.systems:
            raise self.doc.error((*path, "id"), f"duplicate system id {system['id']!r} (first declared at line "
                                                f"{self.systems[system['id']].evidence[0].line})")
        ev = self.evidence(path, f"system {system['id']} ({system['name']})")
        self.systems[system["id"]] = self.build.system(
            system["id"], system["name"], self.first_party, ev, [system["id"]], system_type=system.get("type"),
            owner=system.get("owner"), description=system.get("description"))

    def named(self, table: dict[str, Node], what: str, section: str, name: str, path: KeyPath) -> Node:
        """The declared system or datastore ``name``; an undeclared one raises, naming the line."""
        if name not in table:
            known = ", ".join(sorted(table)) or "none declared"
            raise self.doc.error(path, f"unknown {what} {name!r}: not declared under {section}: ({known})")
        return table[name]

    def recipient(self, name: str, path: KeyPath) -> Node:
        """A declared vendor by id, else the node of a party kind."""
        if name in self.vendors:
            return self.vendors[name]
        term_id = resolve_term(self.build.parties, name)
        if term_id is None:
            known = ", ".join(sorted(self.vendors)) or "none declared"
            raise self.doc.error(path, f"unknown recipient {name!r}: not a vendor id (vendors: {known}) "
                                       "nor a party kind of the parties vocabulary")
        return self.build.party_kind(term_id)

    # ----------------------------------------------------------------- flows

    def collects(self, system: dict[str, Any], entry: dict[str, Any], path: KeyPath) -> None:
        """Declared flows subject → collection point → system for one ``collects`` entry."""
        fields = self.terms("fields", entry["field"], (*path, "field"))
        subjects = self.terms("subjects", entry.get("from"), (*path, "from")) or ["user"]
        points = self.terms("collection_points", entry.get("via"), (*path, "via"))
        purposes = self.terms("purposes", entry.get("purposes"), (*path, "purposes"))
        b = self.build
        for fid in fields:
            text = (f"system {system['id']} collects {b.fields[fid].label} from "
                    f"{_words(b.subjects[s].label for s in subjects)}"
                    + (f" via {_words(b.points[p].label for p in points)}" if points else "")
                    + (f" for {_words(b.purposes[p].label for p in purposes)}" if purposes else "")
                    + (f"; retained {entry['retention']}" if entry.get("retention") else ""))
            ev = self.evidence(path, text)
            hops = []
            system_id = self.systems[system["id"]].id
            for s in subjects:
                sid = b.subject(s, ev).id
                if points:
                    hops += [(sid, b.point(p, ev).id) for p in points]
                else:
                    hops.append((sid, system_id))
            hops += [(b.point(p, ev).id, system_id) for p in points]
            for p in purposes:
                b.purpose(p, ev)
            b.field(fid, ev)
            for src, dst in dict.fromkeys(hops):
                b.flow(fid, src, dst, "collect", "COLLECTS", ev, purposes, entry.get("conditions", []),
                       system=system["id"], retention=entry.get("retention"))

    def shares(self, system: dict[str, Any], entry: dict[str, Any], path: KeyPath) -> None:
        """Declared flows system → recipient for one ``shares`` entry."""
        fields = self.terms("fields", entry["field"], (*path, "field"))
        targets = entry["with"] if isinstance(entry["with"], list) else [entry["with"]]
        wpath: KeyPath = (*path, "with")
        recipients = [(name, self.recipient(name, wpath if isinstance(entry["with"], str) else (*wpath, k)))
                      for k, name in enumerate(targets)]
        purposes = self.terms("purposes", entry.get("purposes"), (*path, "purposes"))
        b = self.build
        for fid in fields:
            for name, node in recipients:
                whom = f"vendor {name}" if name in self.vendors else node.label
                text = (f"system {system['id']} shares {b.fields[fid].label} with {whom}"
                        + (f" for {_words(b.purposes[p].label for p in purposes)}" if purposes else "")
                        + (f" (conditions: {'; '.join(entry['conditions'])})" if entry.get("conditions") else ""))
                ev = self.evidence(path, text)
                b.field(fid, ev)
                for p in purposes:
                    b.purpose(p, ev)
                b.flow(fid, self.systems[system["id"]].id, node.id, "share", "SHARES_WITH", ev, purposes,
                       entry.get("conditions", []), system=system["id"], retention=entry.get("retention"))

    def stores(self, system: dict[str, Any], entry: dict[str, Any], path: KeyPath) -> None:
        """Declared flows system → datastore for one ``stores`` entry."""
        store = self.named(self.datastores, "datastore", "datastores", entry["datastore"], (*path, "datastore"))
        fields = self.terms("fields", entry["field"], (*path, "field"))
        purposes = self.terms("purposes", entry.get("purposes"), (*path, "purposes"))
        retention = entry.get("retention") or store.properties.get("retention")
        b = self.build
        for fid in fields:
            text = (f"system {system['id']} stores {b.fields[fid].label} in datastore {entry['datastore']}"
                    + (f" ({entry['location']})" if entry.get("location") else "")
                    + (f"; retained {retention}" if retention else ""))
            ev = self.evidence(path, text)
            b.field(fid, ev)
            for p in purposes:
                b.purpose(p, ev)
            b.flow(fid, self.systems[system["id"]].id, store.id, "store", "STORES", ev, purposes,
                   entry.get("conditions", []), system=system["id"], datastore=entry["datastore"],
                   location=entry.get("location"), retention=retention)

    def sends(self, system: dict[str, Any], entry: dict[str, Any], path: KeyPath) -> None:
        """Declared flows system → system for one ``sends`` entry."""
        names = entry["to"] if isinstance(entry["to"], list) else [entry["to"]]
        tpath: KeyPath = (*path, "to")
        targets = []
        for k, name in enumerate(names):
            where = tpath if isinstance(entry["to"], str) else (*tpath, k)
            if name == system["id"]:
                raise self.doc.error(where, f"system {name!r} sends to itself: a flow needs another system")
            targets.append((name, self.named(self.systems, "system", "systems", name, where)))
        fields = self.terms("fields", entry["field"], (*path, "field"))
        purposes = self.terms("purposes", entry.get("purposes"), (*path, "purposes"))
        b = self.build
        for fid in fields:
            for name, node in targets:
                text = (f"system {system['id']} sends {b.fields[fid].label} to system {name}"
                        + (f" for {_words(b.purposes[p].label for p in purposes)}" if purposes else ""))
                ev = self.evidence(path, text)
                b.field(fid, ev)
                for p in purposes:
                    b.purpose(p, ev)
                b.flow(fid, self.systems[system["id"]].id, node.id, "send", "SHARES_WITH", ev, purposes,
                       entry.get("conditions", []), system=system["id"])


def _words(items: Any) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def extract_manifest(path: str | Path) -> Records:
    """Read a flowaudit manifest into declared records; bad input raises :class:`InputError` with its line."""
    with collector_paused():
        doc = read_yaml(path)
        validate(doc, "manifest")
        return ManifestReader(doc).read()
