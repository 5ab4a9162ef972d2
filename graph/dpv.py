"""The graph in the W3C Data Privacy Vocabulary (DPV), as JSON-LD.

Each flow becomes a ``dpv:PersonalDataHandling`` with its personal data, data subject, controller,
recipient, processing operation and purposes; parties, fields and purposes are typed DPV resources.
What DPV has no term for (the flow's polarity, basis, conditions and evidence) uses the ``fa:``
namespace. Evidence is cited by source, locator and quoted text and never holds a raw value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flowaudit.inventory.records import Node, Records

from .figures import Classes, flow_class
from .semantics import RECIPIENT_KINDS

DPV = "https://w3id.org/dpv#"
FA = "https://w3id.org/flowaudit#"
CONTEXT = {
    "dpv": DPV,
    "fa": FA,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dct": "http://purl.org/dc/terms/",
    "label": "rdfs:label",
    "dpv:hasPersonalData": {"@type": "@id"},
    "dpv:hasDataSubject": {"@type": "@id"},
    "dpv:hasDataController": {"@type": "@id"},
    "dpv:hasRecipient": {"@type": "@id"},
    "dpv:hasProcessing": {"@type": "@id"},
    "dpv:hasPurpose": {"@type": "@id"},
    "fa:from": {"@type": "@id"},
    "fa:to": {"@type": "@id"},
}
NODE_TYPES = {
    "field": "dpv:PersonalData",
    "data_subject": "dpv:DataSubject",
    "first_party": "dpv:DataController",
    "processor": "dpv:DataProcessor",
    "supplier": "dpv:Recipient",
    "affiliate": "dpv:ThirdParty",
    "recipient": "dpv:Recipient",
    "organization": "dpv:Organisation",
    "purpose": "dpv:Purpose",
    "collection_point": "fa:CollectionPoint",
    "cookie": "fa:Tracker",
    "flash_cookie": "fa:Tracker",
    "clear_gif": "fa:Tracker",
    "tracker": "fa:Tracker",
    "system": "fa:System",
    "datastore": "fa:Datastore",
}
PROCESSING = {"COLLECTS": "dpv:Collect", "STORES": "dpv:Store", "SHARES_WITH": "dpv:Share",
              "DISCLOSES_TO": "dpv:Disclose", "TRACKS_WITH": "dpv:Monitor"}


def iri(node_id: str) -> str:
    """The IRI of a graph node inside the document (a ``fa:`` name made from the node id)."""
    return "fa:" + "".join(c if c.isalnum() or c in "-_." else "_" for c in node_id.replace(":", "-"))


def _resource(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"@id": iri(node.id), "@type": NODE_TYPES[node.kind], "label": node.label,
                           "fa:kind": node.kind}
    if node.properties.get("country"):
        out["dpv:hasCountry"] = str(node.properties["country"])
    return out


def dpv_document(records: Records, classes: Classes | None = None, fields: set[str] | None = None
                 ) -> dict[str, Any]:
    """The JSON-LD document: typed resources, then one ``dpv:PersonalDataHandling`` per flow."""
    nodes = records.nodes
    graph: list[dict[str, Any]] = []
    used: set[str] = set()
    controllers = sorted(n.id for n in nodes.values() if n.kind == "first_party")
    for f in sorted(records.flows.values(), key=lambda f: f.id):
        if fields is not None and f.field not in fields:
            continue
        handling: dict[str, Any] = {
            "@id": iri(f.id),
            "@type": "dpv:PersonalDataHandling",
            "dpv:hasPersonalData": iri(f.field),
            "dpv:hasProcessing": PROCESSING[f.relation],
            "dpv:hasDataController": [iri(c) for c in controllers],
            "fa:from": iri(f.source),
            "fa:to": iri(f.target),
            "fa:polarity": f.polarity,
            "fa:basis": f.basis,
            "fa:evidence": [{"dct:source": e.source, "fa:locator": e.locator, "fa:quote": e.text}
                            for e in f.evidence],
        }
        used |= {f.field, f.source, f.target, *controllers}
        if nodes[f.source].kind == "data_subject":
            handling["dpv:hasDataSubject"] = iri(f.source)
        if nodes[f.target].kind in RECIPIENT_KINDS:
            handling["dpv:hasRecipient"] = iri(f.target)
            if f.polarity == "+":
                handling["fa:auditClass"] = flow_class(classes, f.field, f.target, f.basis)
        if f.purposes:
            handling["dpv:hasPurpose"] = [iri(p) for p in f.purposes]
            used |= {p for p in f.purposes if p in nodes}
        if f.conditions:
            handling["fa:condition"] = list(f.conditions)
        graph.append(handling)
    resources = [_resource(nodes[n]) for n in sorted(used) if n in nodes and nodes[n].kind in NODE_TYPES]
    return {"@context": CONTEXT, "@graph": resources + graph}


def write_dpv(records: Records, path: str | Path, classes: Classes | None = None,
              fields: set[str] | None = None) -> None:
    """Write the DPV JSON-LD document to ``path``."""
    Path(path).write_text(json.dumps(dpv_document(records, classes, fields), indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
