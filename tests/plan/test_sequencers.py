import networkx as nx
import pandas as pd
import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import NotFittedError, Plan, PlanContext, check, get_sequencer
from radps_seq.plan.graphs import depths
from radps_seq.testing.graphs import diamond, imaging_graph, job, layered_graph

CTX = PlanContext()


def propose(name, graph, run_log=None, context=CTX):
    return get_sequencer(name).fit(run_log).propose(graph, context)


def log(rows):
    return pd.DataFrame(rows, columns=["task", "status", "wall_s"])


def test_bfs_runs_level_by_level():
    graph = layered_graph(200, width=10, seed=2)
    level = depths(graph)
    order = propose("bfs", graph).order
    assert [level[j] for j in order] == sorted(level[j] for j in order)


def test_dfs_finishes_the_first_target_before_anything_else():
    graph = imaging_graph(nights=2)
    order = propose("dfs", graph).order
    first = next(i for i, j in enumerate(order) if graph.nodes[j]["target"])
    assert set(order[:first]) == nx.ancestors(graph, order[first])
    # Breadth-first would reach its first target only after all level-2 work.
    bfs = propose("bfs", graph).order
    assert first < next(i for i, j in enumerate(bfs) if graph.nodes[j]["target"])


def test_type_keeps_each_task_together_in_cascade_order():
    graph = imaging_graph(nights=3)
    tasks = [graph.nodes[j]["task"] for j in propose("type", graph).order]
    blocks = list(dict.fromkeys(tasks))
    assert tasks == [t for t in blocks for _ in range(tasks.count(t))]
    assert blocks == ["bias", "flat", "darkcorr", "science", "cosmetic", "stack"]


def test_type_tolerates_a_task_that_feeds_itself():
    graph = nx.DiGraph()
    job(graph, "i1", "iterate", files=1)
    job(graph, "i2", "iterate", {"i1": "main"})
    job(graph, "p", "prep", files=1)
    job(graph, "i3", "iterate", {"i2": "main", "p": "CAL"})
    assert check(propose("type", graph), graph) == []


def test_dynamic_takes_the_oldest_ready_job():
    graph = nx.DiGraph()
    job(graph, "late_parent", "a", files=1)
    job(graph, "child", "b", {"late_parent": "main"})
    job(graph, "other", "c", files=1)
    # Submission order is late_parent, child, other: child becomes ready right after
    # its parent and is older than other.
    assert propose("dynamic", graph).order == ["late_parent", "child", "other"]
    assert propose("bfs", graph).order == ["late_parent", "other", "child"]


def test_random_is_seeded():
    graph = layered_graph(100, width=10)
    plans = {s: propose("random", graph, context=PlanContext(seed=s)).order for s in range(5)}
    assert propose("random", graph, context=PlanContext(seed=3)).order == plans[3]
    assert len({tuple(o) for o in plans.values()}) == 5


def chain_and_loner():
    """s -> c1 -> c2 (three short jobs) and one long standalone job x."""
    graph = nx.DiGraph()
    job(graph, "s", "short", files=1)
    job(graph, "c1", "short", {"s": "main"})
    job(graph, "c2", "short", {"c1": "main"}, target=True)
    job(graph, "x", "long", files=1, target=True)
    return graph


def test_critical_path_learns_task_means_from_succeeded_runs():
    history = log(
        [
            ("short", "succeeded", 1.0),
            ("short", "succeeded", 3.0),
            ("short", "failed", 500.0),
            ("long", "succeeded", 10.0),
            ("long", "skipped", None),
        ]
    )
    sequencer = get_sequencer("critical-path").fit(history)
    assert sequencer.task_runtime_ == {"short": 2.0, "long": 10.0}
    assert sequencer.default_runtime_ == 6.0
    graph = chain_and_loner()
    job(graph, "new", "unseen", files=1)
    plan = sequencer.propose(graph, CTX)
    assert plan.predictions["new"] == {"runtime_s": 6.0}
    # The long job outranks the chain (10 s vs 3 x 2 s).
    assert plan.order[0] == "x"


def test_critical_path_without_history_counts_jobs():
    plan = propose("critical-path", chain_and_loner())
    assert plan.order[0] == "s"
    assert {p["runtime_s"] for p in plan.predictions.values()} == {1.0}


def test_critical_path_median_and_errors():
    history = log(
        [("long", "succeeded", 1.0), ("long", "succeeded", 2.0), ("long", "succeeded", 30.0)]
    )
    assert get_sequencer("critical-path", statistic="median").fit(history).task_runtime_ == {
        "long": 2.0
    }
    with pytest.raises(RadpsError, match="statistic"):
        get_sequencer("critical-path", statistic="mode").fit(history)
    with pytest.raises(RadpsError, match="wall_s"):
        get_sequencer("critical-path").fit(pd.DataFrame({"task": ["a"], "status": ["ok"]}))
    with pytest.raises(NotFittedError):
        get_sequencer("critical-path").propose(chain_and_loner(), CTX)


def oracle_case():
    graph = nx.DiGraph()
    job(graph, "raw", "ingest", files=1)
    job(graph, "noop", "fix", {"raw": "main"}, skippable=True)
    job(graph, "useful", "fix2", {"noop": "main"}, skippable=True)
    job(graph, "sci", "science", {"useful": "main"}, target=True)
    job(graph, "cal", "calib", files=1, skippable=True)
    job(graph, "sci2", "science", {"cal": "MASTER"}, files=1, target=True)
    truth = {
        "raw": {"runtime_s": 1.0, "changed": None},
        "noop": {"runtime_s": 5.0, "changed": False},
        "useful": {"runtime_s": 5.0, "changed": True},
        "sci": {"runtime_s": 1.0, "changed": None},
        # No effect, but its product fills a slot without pass-through: cannot skip.
        "cal": {"runtime_s": 2.0, "changed": False},
        "sci2": {"runtime_s": 1.0, "changed": None},
    }
    return graph, truth


def test_oracle_skips_every_legal_no_op_and_orders_by_true_rank():
    graph, truth = oracle_case()
    plan = propose("oracle", graph, context=PlanContext(truth=truth))
    assert plan.skip == ["noop"]
    assert check(plan, graph) == []
    assert plan.predictions["noop"] == {"runtime_s": 5.0, "p_noop": 1.0}
    assert plan.predictions["useful"]["p_noop"] == 0.0
    # raw -> (noop skipped) -> useful -> sci is 7 s long; cal -> sci2 is 3 s.
    assert plan.order[0] == "raw"
    assert plan.order.index("useful") < plan.order.index("cal")


def test_oracle_refuses_to_plan_without_truth():
    graph, truth = oracle_case()
    with pytest.raises(RadpsError, match="truth"):
        propose("oracle", graph)
    del truth["sci"]
    with pytest.raises(RadpsError, match="sci"):
        propose("oracle", graph, context=PlanContext(truth=truth))


def test_baselines_never_skip():
    graph = imaging_graph(nights=2)
    for name in ("dfs", "bfs", "type", "dynamic", "random", "critical-path"):
        assert propose(name, graph).skip == []


def test_plan_context_validates():
    with pytest.raises(RadpsError, match="objective"):
        PlanContext(objective="fastest")
    with pytest.raises(RadpsError, match="workers"):
        PlanContext(workers=0)


def test_every_order_covers_exactly_the_complete_jobs():
    graph = imaging_graph(nights=1)
    plan = propose("dfs", graph)
    assert "orphan" not in plan.order
    assert sorted(plan.order) == sorted(j for j in graph if graph.nodes[j]["complete"])
    assert isinstance(plan, Plan)


def test_diamond_orders():
    graph = diamond()
    assert propose("bfs", graph).order == ["a", "b", "c", "d"]
    assert propose("dfs", graph).order == ["a", "b", "c", "d"]
