"""Record types: stable ids, merging, JSON round trips, validation."""

import doctest
import gc

import pytest
from flowaudit.inventory import bulk
from flowaudit.inventory.bulk import collector_paused
from flowaudit.inventory.records import Evidence, Flow, Link, Node, Records, node_id

EV = Evidence(source="p.md", locator="s1", text="We share your e-mail address with processors.", sentence=1)


def make_flow(**kw):
    base = dict(field="field:email_address", source="first_party:acme", target="processor:processor",
                action="share", relation="SHARES_WITH", evidence=[EV])
    base.update(kw)
    return Flow(**base)


def test_ids_are_stable_and_content_derived():
    assert node_id("field", "E-mail Address") == "field:e_mail_address"
    assert make_flow().id == make_flow(evidence=[]).id
    assert make_flow().id != make_flow(polarity="-").id
    assert make_flow(conditions=["b", "a"]).id == make_flow(conditions=["a", "b"]).id


def test_records_merge_evidence_and_purposes():
    r = Records()
    r.add_flow(make_flow(purposes=["purpose:a"]))
    other = Evidence(source="p.md", locator="s2", text="Another sentence.", sentence=2)
    r.add_flow(make_flow(purposes=["purpose:b"], evidence=[other]))
    (flow,) = r.flows.values()
    assert flow.purposes == ["purpose:a", "purpose:b"]
    assert [e.sentence for e in flow.evidence] == [1, 2]


def test_round_trip():
    r = Records()
    r.add_node(Node("field:email_address", "field", "e-mail address", ["email"], {"personal": True}, [EV]))
    r.add_node(Node("first_party:acme", "first_party", "Acme"))
    r.add_node(Node("processor:processor", "processor", "service provider"))
    r.add_flow(make_flow())
    r.add_link(Link("field:contact", "field:email_address", "SUBSUMES"))
    assert Records.from_dict(r.to_dict()).to_dict() == r.to_dict()


@pytest.mark.parametrize("kw", [{"relation": "LIKES"}, {"polarity": "?"}, {"basis": "guessed"}])
def test_invalid_flows_are_refused(kw):
    with pytest.raises(ValueError):
        make_flow(**kw)


def test_invalid_node_kind_is_refused():
    with pytest.raises(ValueError):
        Node("x:y", "planet", "y")


def test_merged_label_does_not_depend_on_order():
    a = Node("first_party:acme", "first_party", "acme.example")
    b = Node("first_party:acme", "first_party", "Acme")
    one, two = Records(), Records()
    for records, order in ((one, (a, b)), (two, (b, a))):
        for node in order:
            records.add_node(Node.from_dict(node.to_dict()))
    assert one.to_dict() == two.to_dict()
    assert one.nodes["first_party:acme"].label == "Acme"
    assert one.nodes["first_party:acme"].aliases == ["acme.example"]


def test_citing_evidence_keeps_one_of_each_even_after_direct_appends():
    node = Node("field:email", "field", "e-mail address")
    evs = [Evidence("a.yaml", f"line {i}", "declares e-mail") for i in range(5)]
    assert [node.cite(ev) for ev in evs] == [True] * 5
    assert not node.cite(evs[2])
    node.evidence.append(Evidence("b.yaml", "line 1", "appended directly"))   # behind the index's back
    assert not node.cite(Evidence("b.yaml", "line 1", "appended directly"))
    node.evidence = list(reversed(node.evidence))                              # replaced outright
    assert not node.cite(evs[0]) and node.cite(Evidence("c.yaml", "line 9", "new"))
    assert len(node.evidence) == 7 and len(set(node.evidence)) == 7


def test_adding_a_stored_record_again_changes_nothing():
    records = Records()
    ev = Evidence("a.yaml", "line 1", "declares e-mail")
    node = records.add_node(Node("field:email", "field", "e-mail address", evidence=[ev]))
    flow = records.add_flow(Flow("field:email", "data_subject:user", "first_party:x", "collect", "COLLECTS",
                                 evidence=[ev]))
    assert records.add_node(node) is node and records.add_flow(flow) is flow
    assert node.evidence == [ev] and flow.evidence == [ev]
    other = Flow("field:email", "data_subject:user", "first_party:x", "collect", "COLLECTS",
                 evidence=[ev, Evidence("b.yaml", "line 2", "again")])
    assert other.id == flow.id and records.add_flow(other) is flow and len(flow.evidence) == 2
    flow.target = "first_party:y"                       # the id follows what identifies the flow
    assert flow.id != other.id


def test_the_collector_is_paused_only_inside_the_block():
    with pytest.raises(KeyError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():   # nested: the outer block turns it on again
            pass
        assert not gc.isenabled()
        raise KeyError("a load that fails")
    assert gc.isenabled()
    result = doctest.testmod(bulk)
    assert result.attempted and not result.failed
