"""The embedded store: atomic saves, faithful reloads, all-or-nothing loads, replace."""

import json

import pytest
from flowaudit.graph.embedded import EmbeddedStore, StoreFileError
from flowaudit.graph.store import QueryError
from flowaudit.inventory.records import Flow, Records


def test_save_and_reload_give_the_same_graph(tmp_path, seed_records):
    path = tmp_path / "store.json"
    store = EmbeddedStore(path)
    store.load(seed_records)
    again = EmbeddedStore(path)
    assert again.records().to_dict() == seed_records.to_dict()
    assert again.trace("credit card number") == store.trace("credit card number")
    assert [p.name for p in tmp_path.iterdir()] == ["store.json"]


def test_the_store_file_is_the_indented_sorted_json_it_always_was(tmp_path, seed_records):
    records = Records.from_dict(seed_records.to_dict())
    node = next(iter(records.nodes.values()))
    node.aliases.append("Société Générale — « données »")   # text beyond ASCII is written as it is
    node.properties.update({"count": 3, "share": 0.25, "empty": [], "none": {}, "yes": True})
    path = tmp_path / "store.json"
    store = EmbeddedStore(path)
    store.load(records)
    doc = {"format": "flowaudit-graph/1", "records": store.records().to_dict()}
    assert path.read_text(encoding="utf-8") == json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1)


def test_loading_twice_leaves_the_same_graph(tmp_path, seed_records):
    store = EmbeddedStore(tmp_path / "s.json")
    store.load(seed_records)
    first = store.records().to_dict()
    store.load(seed_records)
    assert store.records().to_dict() == first


def test_bad_load_leaves_store_and_file_as_they_were(tmp_path, seed_records):
    path = tmp_path / "s.json"
    store = EmbeddedStore(path)
    store.load(seed_records)
    before = path.read_bytes()
    bad = Records()
    bad.add_flow(Flow(field="field:nowhere", source="a:b", target="c:d", action="share", relation="SHARES_WITH"))
    with pytest.raises(ValueError, match="missing node"):
        store.load(bad)
    assert path.read_bytes() == before
    assert store.records().to_dict() == seed_records.to_dict()


def test_replace_empties_first(tmp_path, seed_records):
    store = EmbeddedStore(tmp_path / "s.json")
    store.load(seed_records)
    store.load(Records(), replace=True)
    assert store.counts() == {"nodes": 0, "flows": 0, "links": 0}


def test_unreadable_store_file_names_it(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{not json")
    with pytest.raises(StoreFileError, match=r"s\.json"):
        EmbeddedStore(path)
    path.write_text(json.dumps({"format": "other"}))
    with pytest.raises(StoreFileError, match="not a flowaudit store"):
        EmbeddedStore(path)


def test_unknown_field_is_a_query_error(seed_graph):
    with pytest.raises(QueryError, match="no field named 'shoe size'"):
        seed_graph.store.trace("shoe size")
