import networkx as nx
import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import CheckedPlan, Plan, PlanContext, accept, check, repair
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
