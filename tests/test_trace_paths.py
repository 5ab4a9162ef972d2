"""The trace walker (graph.semantics.trace_paths) on small hand-made graphs: best edge per hop, prefixes,
negative hops, the order of the answer, and the limits it keeps."""

import doctest

from flowaudit.graph import semantics
from flowaudit.graph.semantics import trace_paths

RELATED = {"fld": ("exact", 0), "cat": ("broader", 1)}
NODES = {n: {"id": n, "kind": "data_subject" if n == "a" else "recipient", "label": n.upper()} for n in "abcdef"}
NODES["fld"] = {"id": "fld", "kind": "field", "label": "Field"}
NODES["cat"] = {"id": "cat", "kind": "field", "label": "Category"}


def edge(eid: str, source: str, target: str, polarity: str = "+", field: str = "fld",
         conditions: tuple[str, ...] = ()) -> dict:
    return {"id": eid, "source": source, "target": target, "relation": "SHARES_WITH", "action": "share",
            "field": field, "polarity": polarity, "purposes": [], "conditions": list(conditions), "basis": "stated",
            "evidence": [{"text": f"sentence {eid}"}]}


def ids(paths: list[dict]) -> list[tuple[str, str]]:
    return [("".join(n["id"] for n in p["nodes"]), p["polarity"]) for p in paths]


def test_docstring_example():
    result = doctest.testmod(semantics)
    assert result.attempted and not result.failed


def test_parallel_edges_give_one_path_with_the_best_edge_per_hop():
    edges = [edge("1", "a", "b", field="cat"), edge("2", "a", "b"), edge("3", "b", "c", field="cat"),
             edge("4", "b", "c", field="cat")]
    paths = trace_paths(edges, ["a"], RELATED, NODES, "Field")
    assert ids(paths) == [("abc", "+")]
    assert [e["id"] for e in paths[0]["edges"]] == ["2", "3"]  # exact beats broader; then the smaller id
    assert [e["match"] for e in paths[0]["edges"]] == ["exact", "broader"]
    assert paths[0]["match"] == "broader" and paths[0]["field"] == "Field"
    assert paths[0]["edges"][0]["field"] == "Field" and paths[0]["edges"][1]["field"] == "Category"


def test_extended_positive_paths_are_dropped_negative_ones_kept_and_cycles_cut():
    edges = [edge("1", "a", "b"), edge("2", "b", "c"), edge("3", "b", "d", "-"), edge("4", "c", "a"),
             edge("5", "b", "c", "-")]
    assert ids(trace_paths(edges, ["a"], RELATED, NODES, "Field")) == [("abc", "+"), ("abc", "-"), ("abd", "-")]


def test_order_positive_first_then_closest_match_then_node_ids_and_conditions_merged():
    edges = [edge("1", "a", "e", field="cat"), edge("2", "a", "b", conditions=("on merger",)),
             edge("3", "b", "d", conditions=("when required by law", "on merger")), edge("4", "b", "c"),
             edge("5", "a", "f", "-")]
    paths = trace_paths(edges, ["a"], RELATED, NODES, "Field")
    assert ids(paths) == [("abc", "+"), ("abd", "+"), ("ae", "+"), ("af", "-")]
    assert [p["conditions"] for p in paths] == [["on merger"], ["on merger", "when required by law"], [], []]
    assert [p["recipient"]["label"] for p in paths] == ["C", "D", "E", "F"]


def test_max_hops_bounds_the_paths():
    edges = [edge("1", "a", "b"), edge("2", "b", "c"), edge("3", "c", "d")]
    assert ids(trace_paths(edges, ["a"], RELATED, NODES, "Field", max_hops=2)) == [("abc", "+")]
    assert ids(trace_paths(edges, ["a"], RELATED, NODES, "Field", max_hops=1)) == [("ab", "+")]
