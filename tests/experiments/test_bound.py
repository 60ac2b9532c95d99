"""The CP-SAT bound: an exact schedule on small graphs, a valid yardstick on traces."""

import pytest

from radps_seq.experiments.bound import cpsat_bound
from radps_seq.experiments.replay import lower_bound, replay_with_guard
from radps_seq.plan import PlanContext, get_sequencer
from radps_seq.testing.graphs import diamond, layered_graph, synthetic_truth

pytest.importorskip("ortools")


def truth_of(**runtimes):
    return {j: {"runtime_s": float(s), "changed": None} for j, s in runtimes.items()}


def test_diamond_is_solved_exactly():
    truth = truth_of(a=1, b=2, c=3, d=1)
    one = cpsat_bound(diamond(), truth, workers=1)
    two = cpsat_bound(diamond(), truth, workers=2)
    assert one.optimal and one.makespan_s == pytest.approx(7.0, rel=1e-4)
    assert two.optimal and two.makespan_s == pytest.approx(5.0, rel=1e-4)  # a, then b || c, d
    assert two.gap == pytest.approx(0.0, abs=1e-6)


def test_a_case_where_list_scheduling_is_not_optimal():
    """Three independent chains on two workers: HEFT runs the long head first and
    leaves a worker idle; the optimum interleaves."""
    import networkx as nx

    from radps_seq.testing.graphs import job

    graph = nx.DiGraph()
    for name in ("x", "y", "z"):
        job(graph, name, "t", files=1, target=True)
    truth = truth_of(x=2, y=2, z=3)  # optimum on 2 workers: x then y on one, z on the other: 4
    best = cpsat_bound(graph, truth, workers=2)
    assert best.optimal and best.makespan_s == pytest.approx(4.0, rel=1e-4)


def test_bound_sits_between_the_lower_bound_and_the_oracle():
    graph = layered_graph(60, width=6, seed=1, skippable=0.0)
    truth = synthetic_truth(graph, seed=1)
    k = 3
    context = PlanContext(workers=k, truth=truth)
    oracle = replay_with_guard(get_sequencer("oracle"), graph, context, truth, k)
    hint = {j: r.start_s for j, r in oracle.runs.items()}
    best = cpsat_bound(graph, truth, k, time_limit_s=5.0, hint=hint)
    assert best.makespan_s is not None
    assert lower_bound(graph, truth, k) * (1 - 1e-4) <= best.lower_bound_s
    assert best.lower_bound_s <= best.makespan_s * (1 + 1e-9)
    assert best.makespan_s <= oracle.makespan_s * (1 + 1e-4)  # never worse than its hint
