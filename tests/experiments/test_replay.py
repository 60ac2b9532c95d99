import json

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radps_seq.errors import RadpsError
from radps_seq.experiments.replay import (
    SUMMARY_KEYS,
    auto_workers,
    lower_bound,
    replay,
    replay_trace,
    replay_with_guard,
)
from radps_seq.experiments.traces import load_wfcommons, trace_as_run_log
from radps_seq.plan import BaseSequencer, Plan, PlanContext, get_sequencer
from radps_seq.testing.graphs import diamond, job, layered_graph, synthetic_truth


def truth_of(**runtimes):
    return {j: {"runtime_s": float(s), "changed": None} for j, s in runtimes.items()}


DIAMOND_TRUTH = truth_of(a=1, b=2, c=3, d=1)


def test_diamond_on_one_worker_runs_back_to_back():
    result = replay(Plan("p", ["a", "b", "c", "d"]), diamond(), DIAMOND_TRUTH, workers=1)
    assert result.makespan_s == 7.0
    assert result.lower_bound_s == 7.0
    assert [(j, r.start_s, r.finish_s) for j, r in sorted(result.runs.items())] == [
        ("a", 0.0, 1.0),
        ("b", 1.0, 3.0),
        ("c", 3.0, 6.0),
        ("d", 6.0, 7.0),
    ]
    assert result.time_to_first_target_s == 7.0


def test_diamond_on_two_workers():
    result = replay(Plan("p", ["a", "b", "c", "d"]), diamond(), DIAMOND_TRUTH, workers=2)
    runs = result.runs
    assert (runs["b"].start_s, runs["c"].start_s) == (1.0, 1.0)
    assert {runs["b"].worker, runs["c"].worker} == {0, 1}
    # d waits for the slower branch (c ends at 4), not just for a free worker (at 3).
    assert (runs["d"].start_s, runs["d"].finish_s) == (4.0, 5.0)
    assert result.makespan_s == 5.0
    assert result.lower_bound_s == 5.0  # critical path a-c-d
    assert result.ratio == 1.0


def test_plan_order_decides_among_ready_jobs():
    graph = nx.DiGraph()
    for j in "xyz":
        job(graph, j, "t", files=1)
    truth = truth_of(x=3, y=1, z=1)
    long_first = replay(Plan("p", ["x", "y", "z"]), graph, truth, workers=2)
    short_first = replay(Plan("p", ["y", "z", "x"]), graph, truth, workers=2)
    assert long_first.makespan_s == 3.0
    assert short_first.makespan_s == 4.0
    assert short_first.runs["x"].start_s == 1.0
    assert long_first.lower_bound_s == short_first.lower_bound_s == 3.0


def skip_chain():
    graph = nx.DiGraph()
    job(graph, "raw", "ingest", files=1)
    job(graph, "s1", "fix", {"raw": "main"}, skippable=True)
    job(graph, "use", "science", {"s1": "main"}, target=True)
    job(graph, "s0", "fix0", files=1, skippable=True)
    return graph


def test_skipped_jobs_take_no_time_and_are_counted():
    truth = truth_of(raw=1, s1=5, use=2, s0=4)
    truth["s1"]["changed"] = True
    truth["s0"]["changed"] = False
    result = replay(Plan("p", ["raw", "s1", "use", "s0"], ["s1", "s0"]), skip_chain(), truth, 1)
    assert (result.runs["s1"].start_s, result.runs["s1"].finish_s) == (1.0, 1.0)
    assert result.runs["s1"].worker is None
    assert result.runs["s0"].finish_s == 0.0  # a skipped source is done at once
    assert (result.runs["use"].start_s, result.makespan_s) == (1.0, 3.0)
    assert (result.skipped, result.compute_saved_s, result.products_changed) == (2, 9.0, 1)
    # The bound is for the full graph without skips, so skipping can beat it.
    assert result.lower_bound_s == 12.0
    assert result.ratio == 0.25
    assert result.time_to_first_target_s == 3.0


def test_a_skipped_job_behind_a_busy_worker_still_releases_its_consumers():
    # One worker busy with a long job; the skipped s1 becomes ready and must release
    # `use` immediately, so `use` runs before `tail` even though it is ready later.
    graph = nx.DiGraph()
    job(graph, "raw", "ingest", files=1)
    job(graph, "long", "big", files=1)
    job(graph, "s1", "fix", {"raw": "main"}, skippable=True)
    job(graph, "use", "science", {"s1": "main"}, target=True)
    job(graph, "tail", "other", files=1)
    truth = truth_of(raw=1, long=4, s1=3, use=1, tail=1)
    plan = Plan("p", ["raw", "long", "s1", "use", "tail"], ["s1"])
    result = replay(plan, graph, truth, workers=2)
    assert result.runs["use"].start_s == 1.0
    assert result.runs["tail"].start_s == 2.0
    assert result.makespan_s == 4.0


def test_replay_refuses_plans_that_do_not_cover_the_graph():
    with pytest.raises(RadpsError, match="check it first"):
        replay(Plan("p", ["a", "b"]), diamond(), DIAMOND_TRUTH, 1)
    with pytest.raises(RadpsError, match="'d'"):
        replay(Plan("p", ["a", "b", "c", "d"]), diamond(), truth_of(a=1, b=1, c=1), 1)
    with pytest.raises(RadpsError, match="workers"):
        replay(Plan("p", ["a", "b", "c", "d"]), diamond(), DIAMOND_TRUTH, 0)


def test_auto_workers_is_total_over_critical_path():
    assert auto_workers(diamond(), DIAMOND_TRUTH) == 2  # ceil(7 / 5)
    assert lower_bound(diamond(), DIAMOND_TRUTH, 2) == 5.0


class Reckless(BaseSequencer):
    """Proposes the reverse order and skips a target: always refused."""

    name = "reckless"

    def propose(self, job_graph, context):
        order = list(reversed(list(nx.topological_sort(job_graph))))
        return Plan(self.name, order, skip=[order[0]])


def test_refused_proposal_falls_back_to_breadth_first():
    graph = diamond()
    result = replay_with_guard(Reckless(), graph, PlanContext(), DIAMOND_TRUTH, 2)
    assert result.refused == 1
    assert any(v.startswith("target-skipped: d") for v in result.violations)
    assert any(v.startswith("order: ") for v in result.violations)
    baseline = replay(Plan("bfs", ["a", "b", "c", "d"]), graph, DIAMOND_TRUTH, 2)
    assert result.planner == "bfs"
    assert result.runs == baseline.runs
    accepted = replay_with_guard(get_sequencer("dfs"), graph, PlanContext(), DIAMOND_TRUTH, 2)
    assert (accepted.refused, accepted.violations) == (0, [])
    assert set(accepted.summary()) == set(SUMMARY_KEYS)


@st.composite
def scheduling_cases(draw):
    graph = layered_graph(
        draw(st.integers(1, 40)), width=draw(st.integers(1, 6)), seed=draw(st.integers(0, 99))
    )
    truth = synthetic_truth(graph, seed=draw(st.integers(0, 99)))
    plan = get_sequencer("random").propose(graph, PlanContext(seed=draw(st.integers(0, 99))))
    return graph, truth, plan, draw(st.integers(1, 8))


@settings(max_examples=150, deadline=None)
@given(scheduling_cases())
def test_replay_schedules_are_feasible_and_bounded(case):
    graph, truth, plan, k = case
    result = replay(plan, graph, truth, k)
    runs = result.runs
    assert set(runs) == set(graph)
    for job_id, run in runs.items():
        assert run.finish_s - run.start_s == pytest.approx(truth[job_id]["runtime_s"])
    for u, v in graph.edges:
        assert runs[v].start_s >= runs[u].finish_s
    for worker in range(k):
        mine = sorted((r.start_s, r.finish_s) for r in runs.values() if r.worker == worker)
        assert all(a[1] <= b[0] for a, b in zip(mine, mine[1:], strict=False))
    # List scheduling: no worker idles while a job is ready, and among ready jobs the
    # plan's order decides.
    ready = {v: max((runs[u].finish_s for u in graph.pred[v]), default=0.0) for v in graph}
    position = {j: i for i, j in enumerate(plan.order)}
    events = sorted({r.start_s for r in runs.values()} | {r.finish_s for r in runs.values()})
    for v, run in runs.items():
        for t in (e for e in events if ready[v] <= e < run.start_s):
            busy = sum(1 for r in runs.values() if r.start_s <= t < r.finish_s)
            assert busy == k, (v, t)
        for u in graph:
            if position[u] < position[v] and ready[u] <= run.start_s:
                assert runs[u].start_s <= run.start_s, (u, v)
    assert result.makespan_s >= result.lower_bound_s - 1e-9
    # List scheduling is within a factor (2 - 1/k) of the optimum (Graham).
    assert result.makespan_s <= (2 - 1 / k) * result.lower_bound_s + 1e-9
    total = sum(t["runtime_s"] for t in truth.values())
    if k == 1:
        assert result.makespan_s == pytest.approx(total)
    if k >= graph.number_of_nodes():
        assert result.makespan_s == pytest.approx(result.lower_bound_s)


def test_replay_trace_on_a_real_instance(montage):
    summary = replay_trace(montage, "critical-path")
    assert list(summary) == list(SUMMARY_KEYS)
    assert summary["refused"] == 0 and summary["skipped"] == 0
    assert summary["makespan_s"] >= summary["lower_bound_s"] > 0
    json.dumps(summary)
    one = replay_trace(montage, "bfs", workers=1)
    graph, truth, _ = load_wfcommons(montage)
    assert one["makespan_s"] == pytest.approx(sum(t["runtime_s"] for t in truth.values()))


def test_replay_trace_on_an_exported_run_log(tmp_path):
    graph = skip_chain()
    truth = truth_of(raw=1, s1=5, use=2, s0=4)
    truth["s1"]["changed"] = False
    truth["s0"]["changed"] = True
    path = tmp_path / "runs.csv"
    trace_as_run_log(graph, truth).to_csv(path, index=False)
    oracle = replay_trace(path, "oracle", workers=1)
    assert oracle == {
        "makespan_s": 7.0,
        "lower_bound_s": 12.0,
        "skipped": 1,
        "compute_saved_s": 5.0,
        "products_changed": 0,
        "refused": 0,
        "replans": 0,
        "refused_replans": 0,
    }
    assert replay_trace(path, "bfs", workers=1)["makespan_s"] == 12.0


def test_replay_trace_with_a_model_builds_the_planner_with_it(montage):
    with pytest.raises(RadpsError, match="bad parameters"):
        replay_trace(montage, "bfs", model="models/none")


class _Recorder(BaseSequencer):
    """Re-plans on every call, recording what it was shown; optionally proposes an
    order that runs an edge backwards, which the guard must refuse."""

    name = "recorder"
    replans = True

    def __init__(self, bad: bool = False) -> None:
        self.bad = bad

    def propose(self, job_graph, context):
        self.seen = []
        return get_sequencer("bfs").propose(job_graph, context)

    def replan(self, job_graph, plan, observed, context):
        self.seen.append(observed)
        order = list(reversed(plan.order)) if self.bad else list(plan.order)
        return Plan(self.name, order, list(plan.skip))


def test_replay_shows_a_replanning_sequencer_only_the_past():
    graph = layered_graph(150, width=15, seed=2)
    truth = synthetic_truth(graph, seed=2)
    for j, t in truth.items():
        t["output_bytes"] = 100.0 + len(j)
    recorder = _Recorder()
    result = replay_with_guard(recorder, graph, PlanContext(workers=3), truth, 3)
    assert recorder.seen and result.replans == len(recorder.seen) and result.refused_replans == 0
    for observed in recorder.seen:
        for j, outcome in observed.finished.items():
            assert result.runs[j].finish_s <= observed.now_s  # finished before now
            assert outcome["runtime_s"] == truth[j]["runtime_s"]
            assert set(outcome) <= {"status", "runtime_s", "output_bytes"}
        for j in observed.running:
            assert j not in observed.finished
            assert result.runs[j].start_s <= observed.now_s < result.runs[j].finish_s
        future = {j for j, r in result.runs.items() if r.finish_s > observed.now_s}
        assert not future & set(observed.finished)


def test_a_replan_the_guard_refuses_is_counted_and_not_used():
    graph = diamond()
    recorder = _Recorder(bad=True)
    result = replay_with_guard(recorder, graph, PlanContext(workers=1), DIAMOND_TRUTH, 1)
    assert result.refused_replans == len(recorder.seen) > 0 and result.replans == 0
    assert result.makespan_s == 7.0


def test_learned_replans_on_a_trace_and_stays_valid(montage):
    graph, truth, _ = load_wfcommons(montage)
    sequencer = get_sequencer("learned").fit(trace_as_run_log(graph, truth))
    k = auto_workers(graph, truth)
    result = replay_with_guard(sequencer, graph, PlanContext(workers=k), truth, k)
    assert result.replans > 0 and result.refused_replans == 0 and result.refused == 0
    assert result.makespan_s >= result.lower_bound_s
