"""The audit: every observed or declared flow classified against the policy, and the policy by itself.

Flows are classified entity-sensitively through the field and party hierarchies (PoliCheck, USENIX
Security 2020): a flow to the first party is judged only by statements about the first party, a flow
to an organisation through its party kind. A statement covers a flow when its field is the flow's
field or a broader one and its recipient is the flow's recipient (or its party kind) or a broader
kind; for first-party collection its data subject must also be the flow's or a broader one.

A statement covers only what it says. Its action must relate to the flow's (``vocab/actions.yaml``):
a positive of any sharing action discloses a flow, but a negative covers it only when its action is the
flow's or a broader one ("we do not sell" says nothing about sharing). A negative with purposes ("for
their own marketing") covers only flows declared for those purposes; a statement scoped to a data
subject ("children") or a source ("survey responses") in ``Flow.properties`` covers only flows of that
subject or source; and where the policy itself defines a field as non-personal ("non-personal
information such as your IP address"), a denial about personal information does not cover it.

- ``clear``: a positive statement names the field and the recipient's kind;
- ``vague``: only broader statements cover it; ``vagueness`` counts the steps up both hierarchies;
- ``omitted``: no statement covers it; ``incorrect``: only negative ones, or a negative more specific
  than every positive (closer recipient, then closer field, then closer action);
- ``ambiguous``: a positive and a negative equally specific about the flow (the same action, data and
  recipient), both reported. A positive more specific than the negatives wins; so does a positive that
  ties with a denial stating exceptions ("we do not share … except …"): the positive is the exception.

Observed flows carry the consent state they were captured in; a finding lists the states of its flows
(``consent_states``), and a flow to a third party captured before consent or after rejecting it is a
``before_consent`` finding of its own, whatever the policy says.

A flow into one of the organisation's systems or datastores is a flow into the first party they are
``PART_OF``, and a flow from a system is the first party's, so flows between its own systems are not
judged; a finding names the ``systems`` that collect or send the data. The self-audit rules
(``audit_rules.yaml``) read the statements, trackers and stated flows of the policy; the inventory rules
read the declared datastores (retention, third-country location without a safeguard). Every finding
quotes its statements and cites its evidence, never a personal value. The audit reads a store through
:meth:`Store.records`, so every store gives the same findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path, PurePath
from typing import Any

import yaml
from flowaudit.inventory import organizations, vocabulary
from flowaudit.inventory.records import PARTY_KINDS, SYSTEM_KINDS, Evidence, Flow, Node, Records, digest, slug

from .semantics import SHARE_RELATIONS
from .store import Store

RULES_FILE = Path(__file__).with_name("audit_rules.yaml")
FLOW_CLASSES = ("incorrect", "omitted", "ambiguous", "vague", "clear")
OTHER_CLASSES = ("before_consent", "purpose", "undisclosed_collection", "inventory", "unsupported", "policy")
#: Consent states in which a flow to a third party needs no consent to be a finding.
WITHOUT_CONSENT = {"none": "before any consent choice", "rejected": "after the visitor rejected consent"}
CLASSES = FLOW_CLASSES + OTHER_CLASSES
INTO_FIRST_PARTY = ("COLLECTS", "STORES", "TRACKS_WITH")

Finding = dict[str, Any]


@cache
def rules() -> dict[str, Any]:
    """The classes, self-audit and inventory rules: ``{"classes": {class: spec}, "rules": {id: spec},
    "inventory": {id: spec}}``."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return {"classes": {c["class"]: c for c in data["classes"]}, "rules": {r["id"]: r for r in data["rules"]},
            "inventory": {r["id"]: r for r in data["inventory_rules"]}}


def audit(store: Store) -> list[Finding]:
    """Every finding for the policy and evidence in ``store``, in a deterministic order."""
    return audit_records(store.records())


def audit_records(records: Records) -> list[Finding]:
    """Every finding for ``records``: flow classes, purposes, other findings and the self-audit."""
    ctx = _Context(records)
    findings = (ctx.classify() + ctx.before_consent() + ctx.purposes() + ctx.undisclosed_collection()
                + ctx.inventory() + ctx.unsupported() + ctx.self_audit())
    return sorted(findings, key=_order)


def has_policy(records: Records) -> bool:
    """True if ``records`` hold stated flows (a policy to audit against)."""
    return any(f.basis == "stated" for f in records.flows.values())


# --------------------------------------------------------------------------- references


def statement_ref(ev: Evidence, flow: Flow | None = None, **extra: Any) -> dict[str, Any]:
    """A quoted policy sentence with where it stands, and the stated flow it carries."""
    ref = {"text": ev.text, "source": ev.source, "section": ev.section, "sentence": ev.sentence, "line": ev.line,
           "column": ev.column, "end_line": ev.end_line, "end_column": ev.end_column,
           "locator": ev.locator, "statement": ev.statement}
    if flow is not None:
        ref.update(field=flow.field, recipient=flow.target, polarity=flow.polarity, conditions=list(flow.conditions))
    ref.update(extra)
    return {k: v for k, v in ref.items() if v is not None}


def evidence_ref(ev: Evidence, basis: str, consent_state: str | None = None) -> dict[str, Any]:
    """Where a flow was observed or declared: file, entry or line, URL (values redacted), parameter name,
    and the consent state it was captured in."""
    ref = {"basis": basis, "source": ev.source, "locator": ev.locator, "line": ev.line, "url": ev.url,
           "parameter": ev.parameter, "text": ev.text, "consent_state": consent_state}
    return {k: v for k, v in ref.items() if v is not None}


def _order(f: Finding) -> tuple:
    rec = f.get("recipient") or {}
    fld = f.get("field") or {}
    return (CLASSES.index(f["class"]), f["rule"], rec.get("label", "").casefold(), rec.get("id", ""),
            fld.get("label", "").casefold(), fld.get("id", ""), f["id"])


# --------------------------------------------------------------------------- the audit


class _Context:
    """The records indexed for the audit: hierarchies, stated and evidence flows."""

    def __init__(self, records: Records):
        self.records = records
        self.nodes = records.nodes
        self.fields = vocabulary.load("fields")
        self.parties = vocabulary.load("parties")
        self.subjects = vocabulary.load("subjects")
        self.points = vocabulary.load("collection_points")
        self.purpose_vocab = vocabulary.load("purposes")
        self.actions = vocabulary.load("actions")
        flows = sorted(records.flows.values(), key=lambda f: f.id)
        self.stated = [f for f in flows if f.basis == "stated"]
        self.excepting = {ev.statement for f in self.stated if f.polarity == "+" and f.relation in SHARE_RELATIONS
                          for ev in f.evidence if ev.statement}
        self.evidence = [f for f in flows if f.basis in ("observed", "declared")]
        self.parents: dict[str, set[str]] = {}
        for link in records.links.values():
            if link.relation == "SUBSUMES" and link.target.startswith("field:"):
                self.parents.setdefault(link.target, set()).add(link.source)
        self._up: dict[str, dict[str, int]] = {}
        self.first_parties = first_party_identity(records)
        self.part_of = {link.source: link.target for link in sorted(records.links.values(), key=lambda x: x.id)
                        if link.relation == "PART_OF" and link.target in records.nodes}

    def party(self, node_id: str) -> str:
        """The party a node acts for: a system's or datastore's first party, else the node itself."""
        return self.part_of.get(node_id, node_id) if self.nodes[node_id].kind in SYSTEM_KINDS else node_id

    # ------------------------------------------------------------ hierarchies

    def field_levels(self, field_id: str) -> dict[str, int]:
        """The field and every broader field (vocabulary and the policy's own "such as" lists), by distance."""
        if field_id not in self._up:
            levels, frontier, dist = {field_id: 0}, [field_id], 0
            while frontier:
                dist += 1
                nxt = []
                for fid in frontier:
                    term = fid.split(":", 1)[1]
                    ups = set(self.parents.get(fid, ()))
                    if term in self.fields and self.fields[term].parent:
                        ups.add(f"field:{self.fields[term].parent}")
                    for up in sorted(ups - levels.keys()):
                        levels[up] = dist
                        nxt.append(up)
                frontier = nxt
            self._up[field_id] = levels
        return self._up[field_id]

    def party_kind(self, node_id: str) -> str | None:
        """The party kind (vocabulary id) of a party or organisation node: the kind a manifest declares for
        a vendor wins over the registry's."""
        node = self.nodes.get(node_id)
        return (node.properties.get("declared_kind") or node.properties.get("party_kind")) if node else None

    def recipient_levels(self, node_id: str) -> dict[str, int]:
        """Keys a statement's recipient may have to cover ``node_id``, with how far up each sits.

        The first party and organisations are keyed by id (distance 0; an organisation's owners too, so
        "Google" names DoubleClick); party kinds by their vocabulary id, the node's own kind at 0 and
        each broader kind one step further.
        """
        node = self.nodes[node_id]
        if node.kind == "first_party":
            return dict.fromkeys(self.first_parties.get(node_id, {node_id}), 0)
        levels = {node_id: 0}
        owner = node.properties.get("parent")
        while owner and f"organization:{owner}" not in levels:  # naming the owner names its subsidiaries
            levels[f"organization:{owner}"] = 0
            up = self.nodes.get(f"organization:{owner}")
            owner = up.properties.get("parent") if up else None
        kind = self.party_kind(node_id)
        if kind in self.parties:
            # an organisation known only as "a third party" (one the registry does not know) is never
            # clearly disclosed by a statement about third parties in general
            start = 1 if node.kind == "organization" and not self.parties[kind].parent else 0
            levels[kind] = start
            for d, up in enumerate(self.parties.ancestors(kind), start + 1):
                levels[up] = d
        return levels

    def statement_key(self, node_id: str) -> str:
        """How a stated recipient is matched: by id for the first party and organisations, else by kind."""
        node = self.nodes[node_id]
        if node.kind in ("first_party", "organization"):
            return node_id
        return self.party_kind(node_id) or node_id

    def subject_covers(self, stated: Flow, subjects: set[str]) -> bool:
        """A statement about a data subject (its source node or its ``subject`` scope) covers flows from
        that subject or a narrower one."""
        node = self.nodes.get(stated.source)
        scope = stated.properties.get("subject")
        if scope is None and node is not None and node.kind == "data_subject":
            scope = stated.source.split(":", 1)[1]
        if scope is None:
            return True
        return any(_within(self.subjects, s, scope) for s in subjects)

    def source_covers(self, stated: Flow, sources: set[str]) -> bool:
        """A statement scoped to a source ("survey responses") covers only flows from that source or a narrower one."""
        scope = stated.properties.get("source")
        return scope is None or any(_within(self.points, s, scope) for s in sources)

    def action_distance(self, stated: str, flow: str) -> int | None:
        """Steps between a stated action and a flow's when one is the other or broader, else None."""
        if stated == flow:
            return 0
        if stated in self.actions and flow in self.actions:
            if stated in (up := self.actions.ancestors(flow)):
                return up.index(stated) + 1
            if flow in (up := self.actions.ancestors(stated)):
                return up.index(flow) + 1
        return None

    def denies_action(self, stated: str, flow: str) -> bool:
        """A negative's action covers a flow's only when it is the same or broader ("sell" does not cover "share")."""
        return stated == flow or (flow in self.actions and stated in self.actions.ancestors(flow))

    def denies_purposes(self, stated: Flow, purposes: set[str]) -> bool:
        """A negative bounded by purposes ("for their own marketing") covers only flows for one of them."""
        if not stated.purposes:
            return True
        return any(p == q or _within(self.purpose_vocab, p.split(":", 1)[1], q.split(":", 1)[1])
                   for p in purposes for q in stated.purposes)

    def defined_non_personal(self, field_id: str) -> bool:
        """True if the policy's own lists place the field (or a broader one) under non-personal information."""
        return any(self.fields.root(f.split(":", 1)[1]) != "personal_information"
                   for f in self.field_levels(field_id) if f.split(":", 1)[1] in self.fields and f != field_id)

    # ------------------------------------------------------------ node references

    def field_ref(self, field_id: str) -> dict[str, Any]:
        """The public form of a field."""
        node = self.nodes.get(field_id)
        return {"id": field_id, "label": node.label if node else field_id.split(":", 1)[1]}

    def recipient_ref(self, node_id: str) -> dict[str, Any]:
        """The public form of a recipient: label, party kind, and the organisation where one was resolved."""
        node = self.nodes[node_id]
        kind = self.party_kind(node_id) or node.kind
        ref: dict[str, Any] = {"id": node_id, "label": node.label, "kind": kind, "node_kind": node.kind}
        if kind in self.parties:
            ref["kind_label"] = self.parties[kind].label
        if node.properties.get("unresolved"):
            ref["unknown"] = True
            ref["kind_label"] = "unknown third party"
        if node.kind == "organization":
            org = {"id": node_id, "label": node.label}
            parent = node.properties.get("parent")
            if parent:
                pnode = self.nodes.get(f"organization:{parent}")
                org["parent"] = pnode.label if pnode else parent
            ref["organization"] = org
        return ref

    # ------------------------------------------------------------ classification

    def flow_groups(self) -> dict[tuple[str, str], list[Flow]]:
        """Observed and declared flows into a party (a system or datastore counts as its first party), grouped by
        (recipient, field); flows between the first party's own systems and datastores are not among them."""
        groups: dict[tuple[str, str], list[Flow]] = {}
        for f in self.evidence:
            target = self.nodes.get(self.party(f.target)) if f.target in self.nodes else None
            if target is None or target.kind not in PARTY_KINDS or self.party(f.source) == target.id:
                continue
            if target.kind == "first_party" and f.relation not in INTO_FIRST_PARTY:
                continue
            groups.setdefault((target.id, f.field), []).append(f)
        return groups

    def systems_of(self, flows: Iterable[Flow]) -> list[dict[str, Any]]:
        """The systems that collect or send ``flows`` (their source or target), as ``{id, label}``."""
        ids = sorted({n for f in flows for n in (f.source, f.target) if self.nodes[n].kind == "system"})
        return [{"id": i, "label": self.nodes[i].label} for i in ids]

    def covering(self, target: str, field_id: str, flows: list[Flow]) -> list[tuple[Flow, int, int, int]]:
        """Stated flows covering the evidence ``flows`` of (target, field): each with its field, recipient
        and action distance."""
        flevels = self.field_levels(field_id)
        rlevels = self.recipient_levels(target)
        first_party = self.nodes[target].kind == "first_party"
        subjects = {f.properties.get("subject") or f.source.split(":", 1)[1] for f in flows
                    if f.properties.get("subject") or f.source.startswith("data_subject:")} or {"user"}
        sources = {f.properties.get("source") or f.source.split(":", 1)[1] for f in flows
                   if f.properties.get("source") or f.source.startswith("collection_point:")}
        actions = {f.action for f in flows}
        purposes = {p for f in flows for p in f.purposes}
        non_personal = self.defined_non_personal(field_id)
        out = []
        for s in self.stated:
            if s.field not in flevels or s.source == s.target:
                continue
            if first_party and s.relation not in INTO_FIRST_PARTY:
                continue
            if not first_party and s.relation not in SHARE_RELATIONS:
                continue
            if not (self.subject_covers(s, subjects) and self.source_covers(s, sources)):
                continue
            key = self.statement_key(s.target)
            if key not in rlevels:
                continue
            dists = [d for a in actions if (d := self.action_distance(s.action, a)) is not None]
            if s.polarity == "-":
                if not (any(self.denies_action(s.action, a) for a in actions) and self.denies_purposes(s, purposes)):
                    continue
                if non_personal and s.field == "field:personal_information":
                    continue
            out.append((s, flevels[s.field], rlevels[key], min(dists) if dists else len(self.actions)))
        return out

    def excepted(self, negative: Flow) -> bool:
        """A denial that states exceptions ("we do not share … except …"): its ``exception`` scope, or a
        positive flow read from the same sentence."""
        return bool(negative.properties.get("exception")) or any(ev.statement in self.excepting
                                                                 for ev in negative.evidence)

    def classify(self) -> list[Finding]:
        """One finding per (recipient, field) of the observed and declared flows."""
        out = []
        for (target, field_id), flows in sorted(self.flow_groups().items()):
            cover = self.covering(target, field_id, flows)
            pos = sorted((c for c in cover if c[0].polarity == "+"), key=_specificity)
            neg = sorted((c for c in cover if c[0].polarity == "-"), key=_specificity)
            finding: dict[str, Any] = {"vagueness": None, "field_distance": None, "recipient_distance": None,
                                       "conditions": []}
            if pos and neg:
                p, n = _specificity(pos[0])[:4], _specificity(neg[0])[:4]
                if n < p:
                    cls = "incorrect"
                elif p < n or all(self.excepted(c[0]) for c in neg if _specificity(c)[:4] == n):
                    cls = "positive"
                else:
                    cls = "ambiguous"
                    neg = [c for c in neg if _specificity(c)[:4] == n]
                    pos = [c for c in pos if _specificity(c)[:4] == p]
            elif neg:
                cls = "incorrect"
            elif not pos:
                cls = "omitted"
            else:
                cls = "positive"
            if cls == "positive":
                best = min(c[1] + c[2] for c in pos)
                cls = "clear" if best == 0 else "vague"
                at_best = [c for c in pos if c[1] + c[2] == best]
                top = min(at_best, key=_specificity)
                finding.update(vagueness=best, field_distance=top[1], recipient_distance=top[2])
                if all(c[0].conditions for c in at_best):
                    finding["conditions"] = sorted({x for c in at_best for x in c[0].conditions})
            finding["purposes"] = sorted({p for f in flows for p in f.purposes})
            systems = self.systems_of(flows)
            if systems:
                finding["systems"] = systems
            out.append(self.finding(cls, cls, target, field_id, _refs(pos), _refs(neg), flows, **finding))
        return out

    def finding(self, cls: str, key: str, target: str | None, field_id: str | None, for_: list[dict[str, Any]],
                against: list[dict[str, Any]], flows: Iterable[Flow], **extra: Any) -> Finding:
        """A finding of class ``cls`` (``key`` names its rule: a class or a self-audit rule id)."""
        spec = rules()["classes"].get(key) or rules()["rules"].get(key) or rules()["inventory"][key]
        flows = list(flows)
        evidence = sorted(_dedup([evidence_ref(ev, f.basis, f.consent_state) for f in flows for ev in f.evidence]),
                          key=_place)
        states = sorted({f.consent_state for f in flows if f.consent_state is not None})
        if states:
            extra["consent_states"] = states
        recipient = self.recipient_ref(target) if target else None
        field = self.field_ref(field_id) if field_id else None
        message = extra.pop("message", None) or _message(spec["title"], field, recipient, extra.get("systems"))
        ident = digest(spec["id"], target, field_id, *(s.get("statement", "") for s in for_ + against),
                       *(PurePath(e["source"]).name + e["locator"] for e in evidence), extra.get("rule_key", ""))
        extra.pop("rule_key", None)
        return {"id": ident, "class": cls, "rule": spec["id"], "severity": spec["severity"], "title": spec["title"],
                "message": message, "field": field, "recipient": recipient,
                "statements": {"for": for_, "against": against}, "evidence": evidence,
                "basis": sorted({f.basis for f in flows}), **extra}

    # ------------------------------------------------------------ other findings

    def before_consent(self) -> list[Finding]:
        """Observed flows to a third party captured before consent or after rejecting it, per recipient and state."""
        groups: dict[tuple[str, str], list[Flow]] = {}
        for f in self.evidence:
            target = self.nodes.get(f.target)
            if (f.consent_state in WITHOUT_CONSENT and f.relation in SHARE_RELATIONS and target is not None
                    and target.kind in PARTY_KINDS and target.kind != "first_party"):
                groups.setdefault((f.target, f.consent_state), []).append(f)
        out = []
        for (target, state), flows in sorted(groups.items()):
            fields = [self.field_ref(fid) for fid in sorted({f.field for f in flows})]
            labels = ", ".join(sorted(f["label"] for f in fields))
            out.append(self.finding("before_consent", "before_consent", target, None, [], [], flows, fields=fields,
                                    message=f"{self.nodes[target].label} receives {labels} {WITHOUT_CONSENT[state]}",
                                    rule_key=state))
        return out

    def purposes(self) -> list[Finding]:
        """Declared flows whose purpose the policy never states for the field (or a broader one)."""
        stated: dict[str, set[str]] = {}
        for s in self.stated:
            if s.polarity == "+":
                stated.setdefault(s.field, set()).update(s.purposes)
        groups: dict[tuple[str, str], list[Flow]] = {}
        for f in self.evidence:
            if f.basis == "declared" and f.purposes and self.nodes[f.target].kind in PARTY_KINDS:
                groups.setdefault((f.target, f.field), []).append(f)
        out = []
        for (target, field_id), flows in sorted(groups.items()):
            said = set().union(*(stated.get(fid, set()) for fid in self.field_levels(field_id)))
            missing = sorted({p for f in flows for p in f.purposes if not self._purpose_stated(p, said)})
            if not missing:
                continue
            why = [f for f in flows if set(f.purposes) & set(missing)]
            labels = ", ".join(self.nodes[p].label if p in self.nodes else p for p in missing)
            out.append(self.finding("purpose", "purpose", target, field_id, [], [], why, purposes=missing,
                                    message=f"{self.field_ref(field_id)['label']} to {self.nodes[target].label}: "
                                            f"declared for {labels}, a purpose the policy never states for it"))
        return out

    def _purpose_stated(self, purpose_id: str, said: set[str]) -> bool:
        term = purpose_id.split(":", 1)[1]
        ups = self.purpose_vocab.ancestors(term) if term in self.purpose_vocab else []
        return purpose_id in said or any(f"purpose:{u}" in said for u in ups)

    def undisclosed_collection(self) -> list[Finding]:
        """Fields that leave the user's side (to a third party) without any first-party flow of theirs,
        and that no statement says the first party collects."""
        collected = {f.field for f in self.evidence if self.nodes[self.party(f.target)].kind == "first_party"}
        said = {s.field for s in self.stated if s.polarity == "+" and s.relation in INTO_FIRST_PARTY}
        first = sorted({s.target for s in self.stated if self.nodes[s.target].kind == "first_party"}
                       | {self.party(f.source) for f in self.evidence
                          if self.nodes[self.party(f.source)].kind == "first_party"})
        by_field: dict[str, list[Flow]] = {}
        for f in self.evidence:
            if f.field not in collected and self.nodes[f.target].kind in PARTY_KINDS:
                by_field.setdefault(f.field, []).append(f)
        out = []
        for field_id, flows in sorted(by_field.items()):
            if said & self.field_levels(field_id).keys() or not first:
                continue
            out.append(self.finding("undisclosed_collection", "undisclosed_collection", first[0], field_id, [], [],
                                    flows))
        return out

    def inventory(self) -> list[Finding]:
        """The declared datastores audited by themselves: no retention period (FA201), kept in a third country
        without a declared safeguard (FA202)."""
        specs = {spec["check"]: rule_id for rule_id, spec in rules()["inventory"].items()}
        out = []
        for store in sorted((n for n in self.nodes.values() if n.kind == "datastore"), key=lambda n: n.id):
            into = [f for f in self.evidence if f.target == store.id and f.polarity == "+"]
            ref = {"id": store.id, "label": store.label}
            if not store.properties.get("retention") and (not into or any(
                    not f.properties.get("retention") for f in into)):
                out.append(self._inventory_finding(specs["datastore_without_retention"], store, into, ref,
                                                   f"{store.label}: no retention period is declared for it"))
            owner = self.nodes.get(self.part_of.get(store.id, ""))
            home, country = owner.properties.get("country") if owner else None, store.properties.get("country")
            if home and country and country != home and not store.properties.get("safeguards"):
                out.append(self._inventory_finding(
                    specs["third_country_without_safeguard"], store, into, ref,
                    f"{store.label}: kept in {country}, outside {owner.label}'s {home}, with no transfer safeguard "
                    "declared"))
        return out

    def _inventory_finding(self, rule_id: str, store: Node, into: list[Flow], ref: dict[str, Any],
                           message: str) -> Finding:
        found = self.finding("inventory", rule_id, None, None, [], [], into, message=message, rule_key=store.id,
                             datastore=ref)
        own = [evidence_ref(ev, "declared") for ev in store.evidence]
        found["evidence"] = sorted(_dedup(own + found["evidence"]), key=_place)
        systems = self.systems_of(into)
        if systems:
            found["systems"] = systems
        return found

    def unsupported(self) -> list[Finding]:
        """Stated sharing that no observed or declared flow supports."""
        seen = [(self.recipient_levels(t), self.field_levels(fid)) for t, fid in self.flow_groups()]
        out = []
        for s in self.stated:
            if s.polarity != "+" or s.relation not in SHARE_RELATIONS or self.nodes[s.target].kind == "first_party":
                continue
            key = self.statement_key(s.target)
            if any(key in r and s.field in f for r, f in seen):
                continue
            out.append(self.finding("unsupported", "unsupported", s.target, s.field, _refs([(s, 0, 0)]), [], [],
                                    conditions=list(s.conditions), rule_key=s.id))
        return _merge_same(out)

    # ------------------------------------------------------------ self-audit

    def self_audit(self) -> list[Finding]:
        """The policy audited by itself: one finding per rule and sentence it rests on."""
        checks: dict[str, Callable[[], list[tuple[list[dict[str, Any]], list[dict[str, Any]], str | None,
                                                   str | None, str]]]] = {
            "credentials_in_cookie": self._credentials_in_cookie,
            "cookie_without_expiry": lambda: self._tracker_property(("cookie", "flash_cookie"), "expiry", "none"),
            "flash_cookie_not_removable": lambda: self._tracker_property(("flash_cookie",), "browser_removable",
                                                                         False),
            "clear_gif_tied_to_personal_data": lambda: self._tracker_property(("clear_gif",),
                                                                              "tied_to_personal_data", True),
            "authority_disclosure_without_notice": self._authority_without_notice,
            "self_contradiction": self._contradictions,
            "seal_coverage_gap": self._seal_coverage,
            "opt_out_not_offered": self._opt_out_not_offered,
        }
        out = []
        for rule_id, spec in sorted(rules()["rules"].items()):
            for for_, against, target, field_id, detail in checks[spec["check"]]():
                out.append(self.finding("policy", rule_id, target, field_id, for_, against, [],
                                        message=f"{spec['title']}: {detail}", rule_key=detail))
        return out

    def _policy_nodes(self, kinds: tuple[str, ...]) -> list[Node]:
        return [n for _, n in sorted(self.nodes.items())
                if n.kind in kinds and any(ev.statement for ev in n.evidence)]

    def _credentials_in_cookie(self) -> list[tuple]:
        creds = {"field:credentials"} | {f"field:{d}" for d in self.fields.descendants("credentials")}
        out = []
        for node in self._policy_nodes(("cookie", "flash_cookie")):
            held = sorted(set(node.properties.get("stores") or []) & creds)
            if not held:
                continue
            flows = [s for s in self.stated if s.target == node.id and s.field in held and s.polarity == "+"]
            refs = _dedup([statement_ref(ev) for s in flows for ev in s.evidence]) or _node_refs(node)
            names = ", ".join(self.field_ref(f)["label"] for f in held)
            out.append((refs, [], None, held[0], f"{node.label} holds {names}"))
        return out

    def _tracker_property(self, kinds: tuple[str, ...], prop: str, value: Any) -> list[tuple]:
        out = []
        for node in self._policy_nodes(kinds):
            if node.properties.get(prop) != value:
                continue
            where = (node.properties.get("stated_in") or {}).get(prop)
            refs = _dedup([statement_ref(ev) for ev in node.evidence if where and ev.statement == where])
            out.append((refs or _node_refs(node), [], None, None, node.label))
        return out

    def _authority_without_notice(self) -> list[tuple]:
        kinds = {"authority", *self.parties.descendants("authority")}
        out = []
        for s in self.stated:
            if s.polarity != "+" or s.relation not in SHARE_RELATIONS or self.party_kind(s.target) not in kinds:
                continue
            for ev in s.evidence:
                node = self.nodes.get(ev.statement or "")
                if node is not None and node.properties.get("notice") == "without":
                    out.append(([statement_ref(ev, s)], [], s.target, s.field,
                                f"{self.field_ref(s.field)['label']} to {self.nodes[s.target].label}"))
        return _first_per_detail(out)

    def _contradictions(self) -> list[tuple]:
        out = []
        statements = self._policy_nodes(("statement",))
        without = [n for n in statements if n.properties.get("notice") == "without"]
        with_ = [n for n in statements if n.properties.get("notice") == "with"]
        for a in without:
            for b in with_:
                shared = sorted(set(a.properties.get("conditions") or []) & set(b.properties.get("conditions") or []))
                if shared:
                    out.append((_node_refs(a), _node_refs(b), None, None,
                                f"without notice and with notice about the same {shared[0]}"))
        # a self-contradiction: the same action on the same data of the same subject and source, for the
        # same recipient, stated and denied without condition, in different sentences. A denial of
        # collection is compared only when its data subject is stated ("from children" is not "from users").
        sides: dict[tuple, tuple[list[Flow], list[Flow]]] = {}
        for f in self.stated:
            if f.conditions or f.source == f.target or (f.polarity == "-" and (f.purposes or self.excepted(f))):
                continue
            if f.relation not in SHARE_RELATIONS and not f.properties.get("subject"):
                continue
            key = (f.source, f.target, f.field, f.action, f.relation, f.properties.get("subject"),
                   f.properties.get("source"))
            sides.setdefault(key, ([], []))[f.polarity == "-"].append(f)
        for (_src, dst, fid, action, *_), (pos, neg) in sorted(sides.items(), key=lambda kv: str(kv[0])):
            said = {ev.statement for f in pos for ev in f.evidence}
            denied = {ev.statement for f in neg for ev in f.evidence}
            for_ = [r for r in _refs([(f, 0, 0) for f in pos]) if r.get("statement") not in denied]
            against = [r for r in _refs([(f, 0, 0) for f in neg]) if r.get("statement") not in said]
            if for_ and against:
                out.append((for_, against, dst, fid, f"{self.field_ref(fid)['label']} to {self.nodes[dst].label}: "
                                                     f"both stated and denied ({action})"))
        return out

    def _seal_coverage(self) -> list[tuple]:
        out = []
        for st in self._policy_nodes(("statement",)):
            excluded = st.properties.get("excludes") or []
            if not excluded:
                continue
            channels = {self._channel(p) for p in excluded} - {None}
            # only an unconditional positive collection through the channel is a practice the seal leaves out
            collected = [s for s in self.stated if s.polarity == "+" and not s.conditions]
            for point in sorted({s.source for s in collected if self.nodes[s.source].kind == "collection_point"}):
                if point not in excluded and self._channel(point) not in channels:
                    continue
                flows = [s for s in collected if s.source == point]
                against = _dedup([statement_ref(ev) for s in flows for ev in s.evidence if ev.statement != st.id])
                if not against:  # the exclusion itself is no collection through the channel
                    continue
                out.append((_node_refs(st), against, None, None,
                            f"{st.properties.get('program')} does not cover {self.nodes[point].label}"))
        return out

    def _channel(self, point_id: str) -> str | None:
        term = point_id.split(":", 1)[1]
        return self.points[term].get("channel") if term in self.points else None

    def _opt_out_not_offered(self) -> list[tuple]:
        return [(_node_refs(n), [], None, None, n.properties["text"]) for n in self._policy_nodes(("statement",))
                if n.properties.get("opt_out") == "not offered"]


# --------------------------------------------------------------------------- first-party identity


def first_party_identity(records: Records) -> dict[str, set[str]]:
    """Each first-party node → every first-party node that is the same organisation.

    Two first parties are one when they share a name (the policy's named operator, "Example Media,
    Inc."), a registry organisation or its owner (the site's domain resolved through the registry:
    nytimes.com and nyt.com are one company), or a site label ("booking" for booking.com). A policy
    that names no operator (its first party is the bare ``first_party:first_party``) speaks for the
    site it is audited with.
    """
    registry = organizations.load()
    keys: dict[str, set[str]] = {}
    for node in records.nodes.values():
        if node.kind != "first_party":
            continue
        mine = keys.setdefault(node.id, set())
        names = [node.label, *node.aliases, node.id.split(":", 1)[1]]
        for name in names:
            mine.add("name:" + slug(name))
            org = registry.by_name(name)
            if org is not None:
                mine.add("org:" + registry.owner(org.id).id)
        for domain in node.properties.get("domains") or []:
            mine.add("name:" + slug(organizations.site_label(domain)))
            org = registry.resolve(domain)
            if org is not None:
                mine.add("org:" + registry.owner(org.id).id)
        if node.properties.get("organization") in registry:
            mine.add("org:" + registry.owner(node.properties["organization"]).id)
    anonymous = {n for n in keys if n == "first_party:first_party"}
    out = {}
    for nid, mine in keys.items():
        same = set(keys) if nid in anonymous else {other for other, theirs in keys.items() if mine & theirs}
        out[nid] = same | anonymous | {nid}
    return out


# --------------------------------------------------------------------------- helpers


def _specificity(c: tuple[Flow, int, int, int]) -> tuple[int, int, int, int, str]:
    """How closely a covering statement speaks of a flow: recipient distance (a named organisation before
    its kind), field distance, then action distance; the flow id last, for a stable order."""
    named = 0 if c[0].target.startswith(("organization:", "first_party:")) else 1
    return (c[2], named, c[1], c[3], c[0].id)


def _within(vocab: vocabulary.Vocabulary, term: str, scope: str) -> bool:
    """True if ``term`` is ``scope`` or narrower in ``vocab``."""
    return term == scope or (term in vocab and scope in vocab.ancestors(term))


def _refs(cover: list[tuple]) -> list[dict[str, Any]]:
    """Statement references of covering flows, one per sentence (its closest flow)."""
    out: dict[tuple, dict[str, Any]] = {}
    for flow, fd, rd, *_ in cover:
        for ev in flow.evidence:
            key = (ev.source, ev.sentence, ev.text)
            if key not in out:
                out[key] = statement_ref(ev, flow, field_distance=fd, recipient_distance=rd)
    return sorted(out.values(), key=lambda r: (r["field_distance"] + r["recipient_distance"], r["field_distance"],
                                               _place(r)))


def _node_refs(node: Node) -> list[dict[str, Any]]:
    return sorted(_dedup([statement_ref(ev) for ev in node.evidence]), key=_place)


def _place(ref: dict[str, Any]) -> tuple:
    """Reading order of a statement or evidence reference: file, then sentence, line or entry number."""
    locator = [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ref.get("locator", ""))]
    return (ref.get("basis", ""), ref.get("source", ""), ref.get("sentence") or 0, ref.get("line") or 0, locator,
            ref.get("parameter", ""), ref.get("text", ""))


def _dedup(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for item in items:
        key = tuple(sorted((k, str(v)) for k, v in item.items()))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _first_per_detail(items: list[tuple]) -> list[tuple]:
    out: dict[str, tuple] = {}
    for item in items:
        out.setdefault(item[-1], item)
    return list(out.values())


def _merge_same(findings: list[Finding]) -> list[Finding]:
    """Keep one finding per id (a stated flow read from several sentences)."""
    return list({f["id"]: f for f in findings}.values())


def _message(title: str, field: dict[str, Any] | None, recipient: dict[str, Any] | None,
             systems: list[dict[str, Any]] | None = None) -> str:
    if field and recipient:
        who = recipient["label"]
        if recipient.get("organization") and recipient.get("kind_label"):
            who += f" ({recipient['kind_label']})"
        via = f" from {_words([s['label'] for s in systems])}" if systems else ""
        return f"{field['label']} to {who}{via}: {title}"
    return title


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------- name-in-policy comparison


def name_in_text(text: str, names: Iterable[str]) -> bool:
    """True if one of ``names`` appears in ``text`` as a whole word (case-insensitive)."""
    return any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", text, re.I) for n in names if n and len(n) > 1)


def name_comparison(records: Records, findings: list[Finding], policy_text: str) -> list[dict[str, Any]]:
    """Per organisation reached by evidence: flowaudit's verdict beside the name-in-policy verdict.

    The name check (webXray's approach) counts an organisation as disclosed when its name, an alias
    or a parent company's name appears in the policy text. flowaudit's verdict is the worst class of
    the organisation's flow findings.
    """
    by_org: dict[str, list[str]] = {}
    for f in findings:
        rec = f.get("recipient") or {}
        if f["class"] in FLOW_CLASSES and rec.get("organization"):
            by_org.setdefault(rec["id"], []).append(f["class"])
    rows = []
    for org_id in sorted(by_org, key=lambda i: records.nodes[i].label.lower()):
        names, node = [], records.nodes.get(org_id)
        while node is not None and node.id not in {n for n, _ in names}:
            names.append((node.id, [node.label, *node.aliases]))
            parent = node.properties.get("parent")
            node = records.nodes.get(f"organization:{parent}") if parent else None
        found = [label for _, labels in names for label in labels if name_in_text(policy_text, [label])]
        classes = by_org[org_id]
        rows.append({
            "organization": records.nodes[org_id].label,
            "kind": records.nodes[org_id].properties.get("party_kind"),
            "flowaudit": min(classes, key=FLOW_CLASSES.index),
            "classes": {c: classes.count(c) for c in FLOW_CLASSES if c in classes},
            "name_in_policy": "disclosed" if found else "undisclosed",
            "names_found": found,
        })
    return rows
