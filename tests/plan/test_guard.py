import logging

import networkx as nx
import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import CheckedPlan, Plan, PlanContext, accept, check, get_sequencer, repair
from radps_seq.plan.base import Observed
from radps_seq.plan.guard import guarded_replan, legal_skips
from radps_seq.testing.graphs import diamond, imaging_graph, job


def kinds(violations):
    return sorted((v.kind, v.job) for v in violations)


def chain_with_skippables():
    """raw -> s1 -> s2 -> use, s1/s2 skippable; `use` needs one main input."""
    g = nx.DiGraph()
    job(g, "raw", "ingest", files=2)
    job(g, "s1", "fix1", {"raw": "main"}, skippable=True)
    job(g, "s2", "fix2", {"s1": "main"}, skippable=True)
    job(g, "use", "science", {"s2": "main"}, target=True)
    return g


def test_valid_plan_has_no_violation():
    g = diamond()
    assert check(Plan("p", ["a", "c", "b", "d"]), g) == []


def test_every_violation_is_listed_not_just_the_first():
    g = diamond()
    plan = Plan("p", ["d", "b", "zz", "b", "a"], skip=["d", "a", "ghost"])
    found = check(plan, g)
    assert kinds(found) == [
        ("duplicate", "b"),
        ("left-incomplete", "b"),  # a is skipped and cannot hand anything on
        ("left-incomplete", "c"),
        ("missing", "c"),
        ("not-skippable", "a"),
        ("not-skippable", "d"),
        ("order", "b"),  # a -> b runs backwards
        ("order", "d"),  # b -> d runs backwards
        ("target-skipped", "d"),
        ("unknown", "ghost"),
        ("unknown", "zz"),
    ]
    assert all(str(v).startswith(f"{v.kind}: {v.job}: ") for v in found)
    assert {v.to_dict()["kind"] for v in found} == {v.kind for v in found}


def test_incomplete_job_must_not_be_planned():
    g = imaging_graph(nights=1)
    order = [j for j in nx.topological_sort(g) if g.nodes[j]["complete"]]
    assert check(Plan("p", order), g) == []
    found = check(Plan("p", [*order, "orphan"], skip=["orphan"]), g)
    assert kinds(found) == [("incomplete", "orphan"), ("incomplete", "orphan")]


def test_skip_through_available_chain_is_valid():
    g = chain_with_skippables()
    plan = Plan("p", ["raw", "s1", "s2", "use"], skip=["s1", "s2"])
    assert check(plan, g) == []


def test_pass_through_needs_an_available_main_input():
    # s1 has no raw files and its only main parent is skipped with nothing to hand on.
    g = nx.DiGraph()
    job(g, "s0", "fix0", files=0, skippable=True)
    job(g, "s1", "fix1", {"s0": "main"}, skippable=True)
    job(g, "use", "science", {"s1": "main"}, target=True)
    assert check(Plan("p", ["s0", "s1", "use"], skip=["s1"]), g) == []
    found = check(Plan("p", ["s0", "s1", "use"], skip=["s0", "s1"]), g)
    assert kinds(found) == [("left-incomplete", "use")]
    assert "slot 'main' gets 0 of the 1" in found[0].detail


def test_only_the_main_slot_hands_on_an_input():
    g = nx.DiGraph()
    job(g, "s0", "fix0", skippable=True)
    job(g, "cal", "calib", files=1)
    job(g, "s1", "fix1", {"s0": "main", "cal": "CAL"}, skippable=True)
    job(g, "use", "science", {"s1": "main"}, target=True)
    order = ["s0", "cal", "s1", "use"]
    assert check(Plan("p", order, skip=["s1"]), g) == []
    # s1's calibration is no main input: with s0 skipped too there is nothing to hand on.
    assert kinds(check(Plan("p", order, skip=["s0", "s1"]), g)) == [("left-incomplete", "use")]


def test_skipping_without_pass_through_leaves_consumer_incomplete():
    g = imaging_graph(nights=1)
    order = [j for j in nx.topological_sort(g) if g.nodes[j]["complete"]]
    # The flat correction hands its master flat on (same category): legal.
    assert check(Plan("p", order, skip=["dark0"]), g) == []
    # A cosmetic stage feeds the stack's main slot: its pass-through is legal too.
    assert check(Plan("p", order, skip=["cosm00", "cosm01"]), g) == []
    # Without pass-through (edge into another slot), the consumer loses an input.
    h = nx.DiGraph()
    job(h, "cal", "calib", files=1, skippable=True)
    job(h, "sci", "science", {"cal": "MASTER"}, files=1, target=True)
    assert kinds(check(Plan("p", ["cal", "sci"], skip=["cal"]), h)) == [("left-incomplete", "sci")]


def test_optional_slot_may_lose_its_input():
    g = nx.DiGraph()
    job(g, "cal", "calib", files=1, skippable=True)
    job(g, "sci", "science", {"cal": "OPTIONAL"}, files=1, min_ret={"OPTIONAL": 0})
    assert check(Plan("p", ["cal", "sci"], skip=["cal"]), g) == []


def test_inputs_short_before_any_skip_are_not_blamed_on_the_plan():
    g = nx.DiGraph()
    job(g, "cal", "calib", files=1, skippable=True)
    job(g, "sci", "science", {"cal": "main"}, files=0, min_ret={"main": 3})
    assert check(Plan("p", ["cal", "sci"], skip=["cal"]), g) == []


def test_skipped_job_itself_need_not_be_complete():
    g = chain_with_skippables()
    # s2 would be short if s1 were skipped without pass-through; s2 is skipped itself.
    g.edges["s1", "s2"]["passthrough"] = False
    assert check(Plan("p", ["raw", "s1", "s2", "use"], skip=["s1", "s2"]), g) == []
    assert kinds(check(Plan("p", ["raw", "s1", "s2", "use"], skip=["s1"]), g)) == [
        ("left-incomplete", "s2")
    ]


def test_repair_keeps_a_valid_plan_unchanged():
    g = imaging_graph(nights=2)
    order = [j for j in reversed(list(nx.topological_sort(g.reverse()))) if g.nodes[j]["complete"]]
    plan = Plan("p", order, skip=["cosm11", "dark0"], predictions={"dark0": {"p_noop": 0.9}})
    assert check(plan, g) == []
    assert repair(plan, g) == plan


def test_repair_fixes_ids_and_order_staying_close_to_the_proposal():
    g = diamond()
    plan = Plan("p", ["zz", "c", "d", "c", "a"], skip=["zz"])
    fixed = repair(plan, g)
    # c and a keep their relative wish (c early) as far as the edges allow; b was
    # missing and comes after everything proposed that does not depend on it.
    assert fixed.order == ["a", "c", "b", "d"]
    assert fixed.skip == []
    assert fixed.planner == "p"
    assert check(fixed, g) == []


def test_repair_drops_only_the_illegal_skips():
    g = chain_with_skippables()
    g.add_node("spare", task="other", complete=True, skippable=True)
    plan = Plan("p", ["raw", "s1", "s2", "use", "spare"], skip=["use", "raw", "s2", "spare"])
    fixed = repair(plan, g)
    assert fixed.skip == ["s2", "spare"]
    assert check(fixed, g) == []


def test_repair_undoes_the_latest_culprit_until_complete():
    # `use` needs s1's product in a slot without pass-through: s1 must run. Once it
    # runs it needs its main input, which skipped s0 hands on from its raw files.
    g = nx.DiGraph()
    job(g, "s0", "fix0", files=1, skippable=True)
    job(g, "s1", "fix1", {"s0": "main"}, skippable=True)
    job(g, "use", "science", {"s1": "CAL"}, target=True)
    fixed = repair(Plan("p", ["s0", "s1", "use"], skip=["s0", "s1"]), g)
    assert fixed.skip == ["s0"]
    assert check(fixed, g) == []


def test_repair_undoes_as_few_skips_as_the_slot_lacks_latest_first():
    g = nx.DiGraph()
    job(g, "a", "fix", skippable=True)
    job(g, "b", "fix", skippable=True)
    job(g, "use", "science", {"a": "main", "b": "main"}, min_ret={"main": 1})
    fixed = repair(Plan("p", ["a", "b", "use"], skip=["a", "b"]), g)
    assert fixed.skip == ["a"]


def test_repair_cascades_when_an_undone_skip_needs_its_own_inputs():
    # s0 has nothing to hand on, so once s1 must run, s0 must run as well.
    g = nx.DiGraph()
    job(g, "s0", "fix0", skippable=True)
    job(g, "s1", "fix1", {"s0": "main"}, skippable=True)
    job(g, "use", "science", {"s1": "main"}, target=True)
    fixed = repair(Plan("p", ["s0", "s1", "use"], skip=["s0", "s1"]), g)
    assert fixed.skip == []
    assert check(fixed, g) == []


def test_repair_refuses_a_cyclic_graph():
    g = nx.DiGraph([("a", "b"), ("b", "a")])
    with pytest.raises(RadpsError, match="cycle"):
        repair(Plan("p", ["a", "b"]), g)


def test_accept_passes_a_valid_plan_through_checked():
    g = diamond()
    plan, violations = accept(Plan("p", ["a", "c", "b", "d"]), g, PlanContext())
    assert isinstance(plan, CheckedPlan) and violations == [] and plan.refused == []
    assert (plan.planner, plan.order) == ("p", ["a", "c", "b", "d"])


def test_accept_replaces_a_refused_plan_by_the_checked_baseline_with_its_reasons():
    g = diamond()
    plan, violations = accept(Plan("p", ["d", "a"]), g, PlanContext())
    assert plan.planner == "bfs" and check(plan, g) == []
    assert plan.refused == [str(v) for v in violations] and violations
    assert accept(None, g, PlanContext())[0].order == plan.order  # no proposal: baseline


def test_accept_keeps_the_fallback_when_a_replan_is_refused():
    g = diamond()
    current, _ = accept(Plan("p", ["a", "b", "c", "d"]), g, PlanContext())
    kept, violations = accept(Plan("p", ["d", "c", "b", "a"]), g, PlanContext(), fallback=current)
    assert kept is current and kinds(violations)[0][0] == "order"


def test_an_accepted_plan_keeps_its_skips_and_predictions():
    g = chain_with_skippables()
    predictions = {"s1": {"p_noop": 0.9, "runtime_s": 2.0}}
    plan, violations = accept(Plan("p", ["raw", "s1", "s2", "use"], ["s1"], predictions), g, PlanContext())
    assert violations == []
    assert plan == CheckedPlan("p", ["raw", "s1", "s2", "use"], ["s1"], predictions, [])


def test_a_refusal_is_logged_with_the_planner_the_count_and_the_first_ten_reasons(caplog):
    g = nx.DiGraph()
    for n in range(12):
        job(g, f"j{n:02d}", "t")
    plan = Plan("greedy", [f"j{n:02d}" for n in range(12)] + [f"ghost{n:02d}" for n in range(12)])
    with caplog.at_level(logging.WARNING, logger="radps_seq.plan.guard"):
        baseline, violations = accept(plan, g, PlanContext())
    assert len(violations) == 12 and baseline.planner == "bfs"
    reasons = "; ".join(f"unknown: ghost{n:02d}: in order: not a job of the graph" for n in range(10))
    assert caplog.messages == [
        f"plan of planner 'greedy' refused by the guard (12 violation(s)); "
        f"running the bfs baseline instead: {reasons}"
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="radps_seq.plan.guard"):
        kept, _ = accept(Plan("greedy", ["j00", "j00"]), g, PlanContext(), fallback=baseline)
    assert kept is baseline
    assert caplog.messages[0].startswith(
        "plan of planner 'greedy' refused by the guard (12 violation(s)); keeping the current plan: "
        "duplicate: j00: in order: listed at 0 and again at 1; missing: j01: "
    )


def test_the_baseline_carries_its_own_predictions_and_the_refusal():
    g = diamond()
    plan, violations = accept(Plan("p", ["d", "c", "b", "a"], predictions={"a": {"p_noop": 1.0}}), g,
                              PlanContext())
    assert plan.predictions == get_sequencer("bfs").fit(None).propose(g, PlanContext()).predictions
    assert plan.refused == [str(v) for v in violations] and plan.skip == []


def test_a_violation_as_json_names_its_kind_job_and_detail():
    (violation,) = check(Plan("p", ["a", "c", "b", "d", "d"]), diamond())
    assert violation.to_dict() == {"kind": "duplicate", "job": "d", "detail": "in order: listed at 3 and again at 4"}
    (unknown,) = check(Plan("p", ["a", "c", "b", "d"], skip=["x"]), diamond())
    assert unknown.to_dict() == {"kind": "unknown", "job": "x", "detail": "in skip: not a job of the graph"}


def test_nodes_without_a_complete_attribute_count_as_complete():
    # graphs rebuilt from traces carry no "complete" flag: their jobs are all planned
    g = nx.DiGraph()
    job(g, "s0", "fix0", skippable=True)
    job(g, "use", "science", {"s0": "CAL"}, target=True)
    for attrs in g.nodes.values():
        del attrs["complete"]
    assert kinds(check(Plan("p", ["use"]), g)) == [("missing", "s0")]
    assert legal_skips(g, ["s0", "use"], ["s0"]) == set()
    assert repair(Plan("p", ["s0", "use"], skip=["s0"]), g).skip == []
    h = chain_with_skippables()
    for attrs in h.nodes.values():
        del attrs["skippable"]
    assert repair(Plan("p", ["raw", "s1", "s2", "use"], skip=["s1"]), h).skip == []  # not skippable


def test_legal_skips_undo_the_culprits_placed_latest_in_the_order():
    g = nx.DiGraph()
    for name in ("a", "b", "c"):
        job(g, name, "fix", skippable=True)
    job(g, "use", "science", {"a": "main", "b": "main", "c": "main"}, min_ret={"main": 2})
    # ids sort a < b < c; the order places them c, a, b: b and a run, c stays skipped
    assert legal_skips(g, ["c", "a", "b", "use"], ["a", "b", "c"]) == {"c"}
    assert legal_skips(g, ["b", "c", "a", "use"], ["a", "b", "c"]) == {"b"}


class _Scripted:
    """A re-planning sequencer answering each call with the next of ``plans``."""

    def __init__(self, *plans):
        self.plans, self.seen = list(plans), []

    def replan(self, graph, current, observed, context):
        self.seen.append((graph, current, observed, context))
        return self.plans.pop(0)


def test_guarded_replan_checks_each_new_order_and_keeps_the_running_skips(caplog):
    g = chain_with_skippables()
    g.add_node("spare", task="other", complete=True, skippable=True)
    context = PlanContext()
    first, _ = accept(Plan("p", ["raw", "s1", "s2", "use", "spare"], ["spare"]), g, context)
    sequencer = _Scripted(
        None,
        Plan("p2", ["spare", "raw", "s1", "s2", "use"], ["s1"], {"use": {"runtime_s": 3.0}}),
        Plan("p3", ["use", "raw", "s1", "s2", "spare"], ["spare"]),
        Plan("p4", ["raw", "spare", "s1", "s2", "use"], ["spare"]),
    )
    replan = guarded_replan(sequencer, g, first, context)
    observed = Observed(now_s=1.0, finished={"raw": {"status": "succeeded"}})
    assert replan(observed) is None  # nothing new to propose
    with caplog.at_level(logging.INFO, logger="radps_seq.plan.guard"):
        second = replan(observed)
    assert "re-plan of planner 'p2': its skip changes are not applied" in caplog.messages
    assert second == CheckedPlan("p2", ["spare", "raw", "s1", "s2", "use"], ["spare"],
                                 {"use": {"runtime_s": 3.0}}, [])
    assert replan(observed) is None  # refused (use before its parents): the current plan goes on
    third = replan(observed)
    assert third.planner == "p4" and third.order == ["raw", "spare", "s1", "s2", "use"]
    assert [call[1] for call in sequencer.seen] == [first, first, second, second]
    assert all(call[0] is g and call[2] is observed and call[3] is context for call in sequencer.seen)


def test_each_violation_says_in_words_what_is_wrong():
    g = diamond()
    g.nodes["d"]["skippable"] = True
    job(g, "orphan", "t", complete=False)
    plan = Plan("p", ["a", "b", "c", "orphan", "a"], skip=["d", "b", "b"])
    assert sorted(str(v) for v in check(plan, g)) == sorted([
        "duplicate: a: in order: listed at 0 and again at 4",
        "incomplete: orphan: in order: incomplete jobs are never planned",
        "missing: d: complete job not in the order",
        "target-skipped: d: a target job cannot be skipped",
        f"not-skippable: b: task {g.nodes['b']['task']!r} is not declared skippable",
        "duplicate: b: in skip: listed at 1 and again at 2",
    ])
    (order,) = check(Plan("p", ["b", "a", "c", "d"]), g)
    assert str(order) == "order: b: at 0, before its parent a at 1"


def _bare(graph):
    """The graph without the optional attributes (slot, passthrough, skippable)."""
    for _, _, attrs in graph.edges(data=True):
        attrs.pop("slot", None)
        attrs.pop("passthrough", None)
    for attrs in graph.nodes.values():
        attrs.pop("skippable", None)
    return graph


def test_edges_without_slot_or_passthrough_are_main_inputs_without_pass_through():
    g = _bare(chain_with_skippables())
    for name in ("s1", "s2"):
        g.nodes[name]["skippable"] = True
    # no pass-through recorded: skipping s2 leaves `use` without its main input
    assert kinds(check(Plan("p", ["raw", "s1", "s2", "use"], skip=["s2"]), g)) == [("left-incomplete", "use")]
    assert kinds(check(Plan("p", ["raw", "s1", "s2", "use"], skip=["raw"]), g)) == [
        ("left-incomplete", "s1"), ("not-skippable", "raw")
    ]
    g.edges["s1", "s2"]["passthrough"] = True
    # s1 hands on raw's product through an edge that names no slot: the main one
    assert check(Plan("p", ["raw", "s1", "s2", "use"], skip=["s1"]), g) == []


def test_a_short_slot_counts_the_parents_that_still_deliver():
    g = nx.DiGraph()
    for name in ("a", "b"):
        job(g, name, "fix", skippable=True)
    job(g, "kept", "fix")
    job(g, "use", "science", {"a": "CAL", "b": "CAL", "kept": "CAL"}, min_ret={"CAL": 2})
    found = check(Plan("p", ["a", "b", "kept", "use"], skip=["a", "b"]), g)
    assert [str(v) for v in found] == [
        "left-incomplete: use: slot 'CAL' gets 1 of the 2 inputs it needs after the skips"
    ]
    # one more is needed: the latest culprit runs, the other stays skipped
    assert legal_skips(g, ["a", "b", "kept", "use"], ["a", "b"]) == {"a"}


def test_a_slot_short_of_its_minimum_without_any_skip_is_not_blamed():
    g = nx.DiGraph()
    job(g, "cal", "calib", files=1, skippable=True)
    job(g, "sci", "science", {"cal": "CAL"}, min_ret={"CAL": 2})
    assert check(Plan("p", ["cal", "sci"], skip=["cal"]), g) == []


def test_skipped_parents_shared_by_two_consumers_are_undone_once():
    g = nx.DiGraph()
    for name in ("a", "b"):
        job(g, name, "fix", skippable=True)
    for name in ("u1", "u2"):
        job(g, name, "science", {"a": "CAL", "b": "CAL"}, min_ret={"CAL": 1})
    assert legal_skips(g, ["a", "b", "u1", "u2"], ["a", "b"]) == {"a"}


def test_pass_through_looks_past_other_slots_and_incomplete_parents():
    g = nx.DiGraph()
    job(g, "cal", "calib", files=1)
    job(g, "broken", "fix", complete=False)
    job(g, "raw", "ingest", files=1)
    job(g, "s1", "fix", {"cal": "CAL", "broken": "main", "raw": "main"}, skippable=True,
        min_ret={"main": 1})
    job(g, "use", "science", {"s1": "main"}, target=True)
    # s1's calibration and its incomplete parent come first; raw still hands on
    assert check(Plan("p", ["cal", "raw", "s1", "use"], skip=["s1"]), g) == []


def test_a_skipped_job_that_declares_no_main_slot_hands_on_only_what_its_parents_give():
    g = nx.DiGraph()
    job(g, "s0", "fix", skippable=True)
    job(g, "s1", "fix", {"s0": "main"}, skippable=True)
    job(g, "use", "science", {"s1": "main"}, target=True)
    del g.nodes["s1"]["slots"]["main"]
    assert kinds(check(Plan("p", ["s0", "s1", "use"], skip=["s0", "s1"]), g)) == [("left-incomplete", "use")]
    assert check(Plan("p", ["s0", "s1", "use"], skip=["s1"]), g) == []


def test_repair_keeps_legal_skips_of_a_graph_without_complete_flags_and_drops_target_skips():
    g = chain_with_skippables()
    for attrs in g.nodes.values():
        del attrs["complete"]
    assert repair(Plan("p", ["raw", "s1", "s2", "use"], skip=["s1"]), g).skip == ["s1"]
    g.nodes["use"]["skippable"] = True
    assert repair(Plan("p", ["raw", "s1", "s2", "use"], skip=["use", "s2"]), g).skip == ["s2"]


def test_repair_drops_incomplete_jobs_from_the_order_and_the_skips():
    g = chain_with_skippables()
    job(g, "orphan", "fix1", skippable=True, complete=False)
    fixed = repair(Plan("p", ["raw", "orphan", "s1", "s2", "use"], skip=["orphan", "s1"]), g)
    assert fixed.order == ["raw", "s1", "s2", "use"] and fixed.skip == ["s1"]
