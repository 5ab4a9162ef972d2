"""Query answers as pandas DataFrames, for notebooks and the CLI's table and CSV formats."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flowaudit.inventory.records import Records

from .store import Store

TRACE_COLUMNS = ["path", "recipient", "recipient_kind", "field", "match", "polarity", "conditions", "hops",
                 "evidence"]


def trace_frame(paths: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per trace path: the labels along it, the recipient, how the field is matched."""
    rows = [{
        "path": " → ".join(n["label"] for n in p["nodes"]),
        "recipient": p["recipient"]["label"],
        "recipient_kind": p["recipient"]["kind"],
        "field": p["field"],
        "match": p["match"],
        "polarity": p["polarity"],
        "conditions": "; ".join(p["conditions"]),
        "hops": len(p["edges"]),
        "evidence": " | ".join(e["evidence"][0]["text"] for e in p["edges"] if e["evidence"]),
    } for p in paths]
    return pd.DataFrame(rows, columns=TRACE_COLUMNS)


def status_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Recipient or field answers (one row per field–recipient pair) as a DataFrame."""
    return pd.DataFrame([{
        "field": r["field"]["label"],
        "recipient": r["recipient"]["label"],
        "recipient_kind": r["recipient"]["kind"],
        "status": r["status"],
        "match": r["match"],
        "distance": r["distance"],
        "negative": r["negative"],
        "conditions": "; ".join(r["conditions"]),
        "purposes": "; ".join(r["purposes"]),
        "evidence": " | ".join(dict.fromkeys(e["text"] for e in r["evidence"])),
    } for r in rows], columns=["field", "recipient", "recipient_kind", "status", "match", "distance", "negative",
                               "conditions", "purposes", "evidence"])


SYSTEM_COLUMNS = ["system", "kind", "type", "owner", "collects", "stores", "receives", "sends", "shares",
                  "retention", "country"]


def _by_end(hops: list[dict[str, Any]], end: str) -> str:
    """``other end: field, field; …`` for a list of hops."""
    grouped: dict[str, list[str]] = {}
    for h in hops:
        if h["polarity"] == "+":
            grouped.setdefault(h[end]["label"], [])
            if h["field"]["label"] not in grouped[h[end]["label"]]:
                grouped[h[end]["label"]].append(h["field"]["label"])
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in grouped.items())


def systems_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per system (then per datastore): what it collects, stores, receives, sends and shares."""
    return pd.DataFrame([{
        "system": e["label"],
        "kind": e["kind"],
        "type": e["properties"].get("system_type") or e["properties"].get("datastore_type") or "",
        "owner": e["properties"].get("owner") or "",
        "collects": ", ".join(dict.fromkeys(h["field"]["label"] for h in e["collects"] if h["polarity"] == "+")),
        "stores": _by_end(e["stores"], "to"),
        "receives": _by_end(e["receives"], "from"),
        "sends": _by_end(e["sends"], "to"),
        "shares": _by_end(e["shares"], "to"),
        "retention": e["properties"].get("retention") or "",
        "country": e["properties"].get("country") or "",
    } for e in entries], columns=SYSTEM_COLUMNS)


def systems(store: Store) -> pd.DataFrame:
    """The organisation's systems and datastores and what each does with personal data."""
    return systems_frame(store.systems())


def system_matrix(store: Store) -> pd.DataFrame:
    """Systems × recipients: the fields each system shares with each recipient (empty where none)."""
    rows = [{"system": e["label"], "recipient": h["to"]["label"], "field": h["field"]["label"]}
            for e in store.systems() if e["kind"] == "system" for h in e["shares"] if h["polarity"] == "+"]
    if not rows:
        return pd.DataFrame()
    long = pd.DataFrame(rows).drop_duplicates()
    return (long.groupby(["system", "recipient"])["field"].agg(", ".join).unstack("recipient").fillna("")
            .sort_index())


def trace(store: Store, field: str) -> pd.DataFrame:
    """Every path of ``field`` from collection to recipients."""
    return trace_frame(store.trace(field))


def recipients(store: Store, field: str) -> pd.DataFrame:
    """The recipients of ``field``."""
    return status_frame(store.recipients(field))


def fields(store: Store, recipient: str) -> pd.DataFrame:
    """The fields that reach ``recipient``."""
    return status_frame(store.fields(recipient))


def sharing_matrix(store: Store) -> pd.DataFrame:
    """Fields × recipients; each cell says how the sharing is stated (empty where it is not)."""
    long = status_frame(store.sharing_matrix())
    if long.empty:
        return pd.DataFrame()
    return long.pivot(index="field", columns="recipient", values="status").fillna("").sort_index()


def names_frame(rows: list[dict[str, Any]], what: str) -> pd.DataFrame:
    """The fields or recipients a store knows (:meth:`Store.names`), one row each."""
    return pd.DataFrame([{what: r["label"], "kind": r["kind"], "flows": r["flows"], "id": r["id"]} for r in rows],
                        columns=[what, "kind", "flows", "id"])


def flows_frame(records: Records) -> pd.DataFrame:
    """Every flow of ``records``, one row each, with the place of its first evidence."""
    label = {n.id: n.label for n in records.nodes.values()}
    return pd.DataFrame([{
        "source": label.get(f.source, f.source),
        "relation": f.relation,
        "target": label.get(f.target, f.target),
        "field": label.get(f.field, f.field),
        "polarity": f.polarity,
        "conditions": "; ".join(f.conditions),
        "evidence": f.evidence[0].locator if f.evidence else "",
        "line": f.evidence[0].line if f.evidence else None,
    } for f in sorted(records.flows.values(), key=lambda f: f.id)],
        columns=["source", "relation", "target", "field", "polarity", "conditions", "evidence", "line"])


def diff_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A policy diff (:func:`graph.policy_diff.diff_policies`), one row per change."""
    def state(st: dict[str, Any] | None) -> str:
        if st is None:
            return ""
        extra = "; ".join(st["conditions"])
        return st["polarity"] + (f" [{extra}]" if extra else "")

    def quote(evs: list[dict[str, Any]]) -> str:
        return f"“{evs[0]['text']}” ({evs[0]['locator']})" if evs else ""

    return pd.DataFrame([{"change": r["change"], "field": r["field"], "recipient": r["recipient"],
                          "old": state(r["old"]), "new": state(r["new"]),
                          "old text": quote(r["old_evidence"]), "new text": quote(r["new_evidence"])} for r in rows],
                        columns=["change", "field", "recipient", "old", "new", "old text", "new text"])
