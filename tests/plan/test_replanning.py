"""The learned planner that re-plans as jobs finish: what it reads, what it keeps."""

import networkx as nx
import pytest

from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.plan import PlanContext, check, get_sequencer
from radps_seq.plan.base import Observed
from radps_seq.plan.sequencers.learned.replanning import EVIDENCE, calibrate
from radps_seq.testing.graphs import job, layered_graph, synthetic_truth


def fan(n: int = 6) -> nx.DiGraph:
    """A source feeding ``n`` independent ``work`` jobs, each with its own child."""
    graph = nx.DiGraph()
    job(graph, "src", "prep", files=1)
    for i in range(n):
        job(graph, f"w{i}", "work", {"src": "main"}, files=1)
        job(graph, f"c{i}", "tail", {f"w{i}": "main"}, target=True)
    return graph


def fitted(graph, truth):
    return get_sequencer("learned").fit(trace_as_run_log(graph, truth))


def test_tags_and_names():
    assert get_sequencer("learned").replans and get_sequencer("learned").learns_from_runlog
    static = get_sequencer("learned-static")
    assert not static.replans and static.learns_from_runlog and not hasattr(static, "replan")


def test_first_plan_is_the_static_one():
    graph = layered_graph(200, width=20, seed=3)
    log = trace_as_run_log(graph, synthetic_truth(graph, seed=3))
    context = PlanContext(workers=4)
    dynamic = get_sequencer("learned").fit(log).propose(graph, context)
    static = get_sequencer("learned-static").fit(log).propose(graph, context)
    assert dynamic.order == static.order and dynamic.skip == static.skip


def test_replans_only_on_new_evidence_and_every_replan_is_valid():
    graph = layered_graph(200, width=20, seed=4)
    truth = synthetic_truth(graph, seed=4)
    sequencer = fitted(graph, truth)
    context = PlanContext(workers=4)
    plan = sequencer.propose(graph, context)
    assert sequencer.replan(graph, plan, Observed(0.0, {}), context) is None
    first = plan.order[0]
    finished = {first: {"status": "succeeded", "runtime_s": 50.0, "output_bytes": 10.0}}
    new = sequencer.replan(graph, plan, Observed(1.0, finished), context)
    assert new is not None and check(new, graph) == []
    assert new.order[0] == first and new.skip == plan.skip
    assert new.predictions[first]["runtime_s"] == 50.0 and new.predictions[first][EVIDENCE] == 1
    # The same evidence again: nothing to re-plan on.
    assert sequencer.replan(graph, new, Observed(2.0, dict(finished)), context) is None


def test_observed_runtimes_of_a_task_reorder_its_remaining_jobs():
    """Training says every `work` job takes 1 s; in this run the ones that finished
    show runtime grows with input size, so the largest remaining job goes first."""
    graph = fan(6)
    truth = {j: {"runtime_s": 1.0, "changed": None, "output_bytes": 1.0} for j in graph}
    sequencer = fitted(graph, truth)
    context = PlanContext(workers=2)
    plan = sequencer.propose(graph, context)
    sizes = {"w0": 10, "w1": 100, "w2": 1000, "w3": 20, "w4": 5000, "w5": 300}
    for j, size in sizes.items():
        graph.nodes[j]["features"]["input_bytes"] = size
    finished = {
        "src": {"status": "succeeded", "runtime_s": 1.0},
        "w0": {"status": "succeeded", "runtime_s": 1.0},
        "w1": {"status": "succeeded", "runtime_s": 10.0},
        "w2": {"status": "succeeded", "runtime_s": 100.0},
    }
    new = sequencer.replan(graph, plan, Observed(101.0, finished), context)
    assert new is not None and check(new, graph) == []
    todo = [j for j in new.order if j in ("w3", "w4", "w5")]
    assert todo == ["w4", "w5", "w3"]  # by input size, as the finished ones showed


def test_calibrate_rescales_when_size_does_not_explain_runtime():
    runtime = {"a": 1.0, "b": 1.0, "c": 2.0}
    calibrate(runtime, ["a", "b", "c"], {"a": 4.0}, {"a": 1.0, "b": 1.0, "c": 1.0})
    assert runtime["b"] == pytest.approx(4.0) and runtime["c"] == pytest.approx(8.0)


def test_a_steep_size_fit_is_clamped_to_what_was_observed():
    observed = {"a": 1.0, "b": 10.0, "c": 100.0, "d": 1000.0}
    sizes = {"a": 1e6, "b": 1.001e6, "c": 1.002e6, "d": 1.003e6, "e": 1e12, "f": 0.0}
    runtime = dict.fromkeys(sizes, 1.0)
    calibrate(runtime, list(sizes), observed, sizes)  # slope in the thousands: exp overflows
    assert runtime["e"] == pytest.approx(2000.0) and runtime["f"] == pytest.approx(0.5)


def test_an_unfitted_replanning_sequencer_still_replans_validly():
    graph = fan(3)
    sequencer = get_sequencer("learned").fit(None)
    context = PlanContext(workers=2)
    plan = sequencer.propose(graph, context)
    finished = {"src": {"status": "succeeded", "runtime_s": 3.0}}
    new = sequencer.replan(graph, plan, Observed(3.0, finished), context)
    assert new is not None and check(new, graph) == []
