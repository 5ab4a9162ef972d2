"""The organisation registry: host → registrable domain → organisation → owners → party kind.

``organizations.yaml`` lists organisations met in observed evidence, each with the registrable domains
(eTLD+1 under the ICANN section of the public suffix list) it operates, its owning organisation and its
party kind (an id of ``vocab/parties.yaml``). Two hosts belong to the same *owner* when their
organisations share the topmost parent; sister domains of one owner are never third parties to each other.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from publicsuffixlist import PSLFILE, PublicSuffixList, encode_idn

from . import vocabulary as vocab
from .compiled import YamlError, cached, load_yaml
from .records import Evidence, Link, Node, Records, node_id
from .vocab_nodes import party_kind_node

REGISTRY_FILE = Path(__file__).with_name("organizations.yaml")
KEYS = ("id", "name", "aliases", "domains", "parent", "kind", "category", "country")
UNRESOLVED_KIND = "third_party"
ICANN_BEGIN, ICANN_END = "// ===BEGIN ICANN DOMAINS===", "// ===END ICANN DOMAINS==="


class RegistryError(ValueError):
    """The registry file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Organization:
    """One registry entry."""

    id: str
    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    parent: str | None
    kind: str
    category: str | None = None
    country: str | None = None


def icann_rules(text: str) -> list[str]:
    """The rules of the ICANN section of a public suffix list, each with its punycode form beside it.

    ``PublicSuffixList(source=icann_rules(text), accept_encoded_idn=False)`` answers as
    ``PublicSuffixList(text, only_icann=True)``, without encoding every rule to IDNA again.

    >>> icann_rules("// ===BEGIN ICANN DOMAINS===\\ncom\\n!city.kawasaki.jp\\n// ===END ICANN DOMAINS===\\nx.io")
    ['com', 'com', '!city.kawasaki.jp', '!city.kawasaki.jp']
    """
    rules: list[str] = []
    icann = False
    for line in text.splitlines():
        line = line.strip()
        if line in (ICANN_BEGIN, ICANN_END):
            icann = line == ICANN_BEGIN
        elif icann and line and not line.startswith("//"):
            rule = line.split()[0].lower()
            bang = "!" if rule.startswith("!") else ""
            rules += [rule, bang + encode_idn(rule.lstrip("!"))]
    return rules


@cache
def _psl() -> PublicSuffixList:
    source = Path(PSLFILE)
    rules = cached("psl-icann", [source], lambda: icann_rules(source.read_text(encoding="utf-8")), list[str])
    return PublicSuffixList(source=rules, accept_encoded_idn=False)


def normal_host(host: str) -> str:
    """``host`` in lower case, without port, brackets, user info or trailing dot."""
    h = host.strip().lower()
    if "@" in h:
        h = h.rsplit("@", 1)[1]
    if h.startswith("["):
        return h[1:].split("]", 1)[0]
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.strip(".")


def _is_ip(host: str) -> bool:
    if not host or not (host[-1].isdigit() or ":" in host):   # an IPv4 address ends in a digit; IPv6 has colons
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of ``host``; IP addresses and bare suffixes are returned as they are."""
    h = normal_host(host)
    if not h or _is_ip(h):
        return h
    return _psl().privatesuffix(h) or h


def site_label(domain: str) -> str:
    """The registrable domain without its public suffix: ``plimus.com`` → ``plimus``, ``bbc.co.uk`` → ``bbc``."""
    d = registrable_domain(domain)
    if _is_ip(d):
        return d
    suffix = _psl().publicsuffix(d)
    if suffix and d.endswith("." + suffix):
        return d[: -len(suffix) - 1]
    return d


class Registry:
    """Organisations by id and by domain, with their ownership chains."""

    def __init__(self, organizations: Iterable[Organization], source: str = "registry"):
        self.source = source
        self.organizations: dict[str, Organization] = {}
        self._by_domain: dict[str, Organization] = {}
        self._by_name: dict[str, Organization] = {}
        parties = vocab.load("parties")
        for org in organizations:
            if org.id in self.organizations:
                raise RegistryError(f"{source}: duplicate organisation id {org.id!r}")
            if org.kind not in parties:
                raise RegistryError(f"{source}: {org.id}: unknown party kind {org.kind!r}")
            self.organizations[org.id] = org
            for domain in org.domains:
                if domain in self._by_domain:
                    raise RegistryError(f"{source}: {org.id}: domain {domain} already belongs to "
                                        f"{self._by_domain[domain].id}")
                if registrable_domain(domain) != domain:
                    raise RegistryError(f"{source}: {org.id}: {domain} is not a registrable domain "
                                        f"(that would be {registrable_domain(domain)})")
                self._by_domain[domain] = org
            for name in (org.name, *org.aliases):
                self._by_name.setdefault(_name_key(name), org)
        for org in self.organizations.values():
            if org.parent is not None and org.parent not in self.organizations:
                raise RegistryError(f"{source}: {org.id}: unknown parent {org.parent!r}")
            self.chain(org.id)

    @classmethod
    def from_file(cls, path: str | Path) -> Registry:
        """Read a registry YAML list (see the module docstring)."""
        p = Path(path)
        try:
            entries = load_yaml(p) or []
        except (OSError, YamlError) as exc:
            raise RegistryError(f"{p}: {exc}") from exc
        if not isinstance(entries, list):
            raise RegistryError(f"{p}: expected a list of organisations")
        return cls((_entry(p, i, e) for i, e in enumerate(entries)), str(p))

    def __contains__(self, org_id: object) -> bool:
        return org_id in self.organizations

    def __iter__(self) -> Iterator[Organization]:
        return iter(self.organizations.values())

    def __len__(self) -> int:
        return len(self.organizations)

    def __getitem__(self, org_id: str) -> Organization:
        return self.organizations[org_id]

    def by_domain(self, domain: str) -> Organization | None:
        """The organisation that operates registrable ``domain``."""
        return self._by_domain.get(domain)

    def by_name(self, name: str) -> Organization | None:
        """The organisation called ``name`` (its name or an alias, ignoring case and punctuation)."""
        return self._by_name.get(_name_key(name))

    def resolve(self, host: str) -> Organization | None:
        """The organisation behind ``host`` (any host name or URL authority), or None."""
        return self._by_domain.get(registrable_domain(host))

    def chain(self, org_id: str) -> list[Organization]:
        """``org_id`` and its owners, nearest first; a cycle is a :class:`RegistryError`."""
        out: list[Organization] = []
        current: str | None = org_id
        while current is not None:
            org = self.organizations[current]
            if org in out:
                raise RegistryError(f"{self.source}: ownership cycle through {org_id!r}")
            out.append(org)
            current = org.parent
        return out

    def owner(self, org_id: str) -> Organization:
        """The topmost owner of ``org_id`` (itself when it has no parent)."""
        return self.chain(org_id)[-1]

    def owner_key(self, host: str) -> str:
        """Who ultimately operates ``host``: the top owner's id, or the registrable domain when unknown."""
        org = self.resolve(host)
        return self.owner(org.id).id if org else registrable_domain(host)

    def same_owner(self, host_a: str, host_b: str) -> bool:
        """True if both hosts are operated by one owner (sister domains included)."""
        return self.owner_key(host_a) == self.owner_key(host_b)

    def party_kind(self, org_id: str) -> str:
        """The party-kind id (``vocab/parties.yaml``) of ``org_id``."""
        return self.organizations[org_id].kind


def _name_key(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold()))


def _entry(path: Path, i: int, entry: Any) -> Organization:
    where = f"{path}: entry {i}"
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping")
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise RegistryError(f"{where}: unknown keys {', '.join(unknown)}")
    for key in ("id", "name", "kind"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise RegistryError(f"{where}: {key} must be a non-empty string")
    domains = entry.get("domains") or []
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise RegistryError(f"{where} ({entry['id']}): domains must be a list of domain names")
    return Organization(
        id=entry["id"],
        name=entry["name"],
        aliases=tuple(str(a) for a in entry.get("aliases") or ()),
        domains=tuple(d.lower() for d in domains),
        parent=entry.get("parent"),
        kind=entry["kind"],
        category=entry.get("category"),
        country=entry.get("country"),
    )


@cache
def load() -> Registry:
    """The packaged registry, read once."""
    return Registry.from_file(REGISTRY_FILE)


# --------------------------------------------------------------------- records


def organization_node_id(org_id: str) -> str:
    """The node id of registry organisation ``org_id``."""
    return node_id("organization", org_id)


def add_organization(records: Records, registry: Registry, org_id: str, evidence: Evidence | None = None) -> Node:
    """Add the node of ``org_id`` (and of its owners) with IS_A and OWNED_BY links citing the registry."""
    node: Node | None = None
    child: Node | None = None
    for org in registry.chain(org_id):
        cite = Evidence(source=registry.source, locator=f"organization {org.id}", text=_describe(registry, org))
        props: dict[str, Any] = {"domains": list(org.domains), "parent": org.parent, "party_kind": org.kind,
                                 "category": org.category, "country": org.country}
        if org.category == "session_replay":
            props["session_replay"] = True
        onode = records.add_node(Node(organization_node_id(org.id), "organization", org.name, list(org.aliases),
                                      {k: v for k, v in props.items() if v is not None},
                                      [evidence] if evidence is not None and node is None else []))
        records.add_link(Link(onode.id, party_kind_node(records, org.kind).id, "IS_A", "vocabulary", [cite]))
        if child is not None:
            records.add_link(Link(child.id, onode.id, "OWNED_BY", "vocabulary", [cite]))
        node = node or onode
        child = onode
    return node if node is not None else records.nodes[organization_node_id(org_id)]


def add_unresolved(records: Records, domain: str, evidence: Evidence | None = None) -> Node:
    """An organisation node for a registrable ``domain`` the registry does not know (party kind third party)."""
    node = records.add_node(Node(node_id("organization", domain), "organization", domain, [],
                                 {"domains": [domain], "party_kind": UNRESOLVED_KIND, "unresolved": True},
                                 [evidence] if evidence is not None else []))
    records.add_link(Link(node.id, party_kind_node(records, UNRESOLVED_KIND).id, "IS_A"))
    return node


def add_host_organization(records: Records, registry: Registry, host: str, evidence: Evidence | None = None) -> Node:
    """The organisation node behind ``host``: the registry's organisation, else an unresolved one."""
    org = registry.resolve(host)
    if org is not None:
        return add_organization(records, registry, org.id, evidence)
    return add_unresolved(records, registrable_domain(host), evidence)


def first_party_id(site: str) -> str:
    """The first party's node id for a site: ``first_party:`` and the site's domain label (``plimus.com`` → plimus)."""
    return node_id("first_party", site_label(site))


def add_first_party(records: Records, registry: Registry, site: str, evidence: Evidence | None = None) -> Node:
    """The first-party node of the site at host ``site``, matching the policy loader's first party id."""
    domain = registrable_domain(site)
    org = registry.resolve(domain)
    props: dict[str, Any] = {"party_kind": "first_party", "domains": [domain]}
    if org is not None:
        props["organization"] = org.id
    return records.add_node(Node(first_party_id(domain), "first_party", domain, [], props,
                                 [evidence] if evidence is not None else []))


def _describe(registry: Registry, org: Organization) -> str:
    kind = vocab.load("parties")[org.kind].label
    owner = f", owned by {registry[org.parent].name}" if org.parent else ""
    return f"{org.name} ({', '.join(org.domains) or 'no domains'}): {kind}{owner}"
