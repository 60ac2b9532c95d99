"""Within-task trust: per-job differences validated on held-out reductions, and jobs of
equal rank taken largest input first."""

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import PlanContext, get_sequencer
from radps_seq.plan.sequencers.learned.models import RuntimeModel
from radps_seq.plan.sequencers.learned.reliability import shrink_within_task, within_task_weights


def test_weights_keep_a_predictive_model_and_drop_noise():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(6), 40).astype(str)
    tasks = np.tile(np.array(["sized", "noisy"]), 120)
    signal = rng.normal(size=240)
    y = np.where(tasks == "sized", signal, rng.normal(size=240))

    def fit_predict(train, valid):
        assert not set(groups[train]) & set(groups[valid])  # held-out reductions only
        return signal[valid]

    weights = within_task_weights(fit_predict, y, tasks, groups)
    assert weights["sized"] == pytest.approx(1.0, abs=0.05)
    assert weights["noisy"] < 0.2


def test_one_reduction_cannot_validate_anything():
    y = np.arange(20.0)
    assert (
        within_task_weights(lambda t, v: y[v], y, np.array(["a"] * 20), np.array(["r"] * 20)) == {}
    )


def test_shrink_keeps_the_task_level_and_scales_the_differences():
    seconds = {"a": math.expm1(1.0), "b": math.expm1(3.0), "c": 5.0}
    tasks = {"a": "t", "b": "t", "c": "u"}
    out = shrink_within_task(seconds, tasks, {"t": 0.0})
    assert out["a"] == pytest.approx(math.expm1(2.0)) == pytest.approx(out["b"])
    assert out["c"] == 5.0  # no weight: as predicted
    half = shrink_within_task(seconds, tasks, {"t": 0.5})
    assert half["a"] == pytest.approx(math.expm1(1.5))


def test_runtime_model_learns_weights_only_from_groups():
    rng = np.random.default_rng(1)
    size = rng.uniform(1e6, 1e8, 200)
    X = pd.DataFrame({"task": "proj", "input_bytes": size})
    y = pd.Series(size / 1e6)
    groups = pd.Series(np.repeat(np.arange(5), 40).astype(str))
    model = RuntimeModel(min_samples_leaf=3).fit(X, y, groups)
    assert model.task_weight_["proj"] > 0.8  # size explains runtime on held-out groups
    assert RuntimeModel(min_samples_leaf=3).fit(X, y).task_weight_ == {"proj": 0.0}
    assert RuntimeModel(within_task="model").fit(X, y, groups).task_weight_ is None


def stage_graph(sizes):
    """One source stage of equal jobs reading different raw sizes, then a merge."""
    graph = nx.DiGraph()
    for i, size in enumerate(sizes):
        graph.add_node(f"p{i}", task="proj", complete=True, target=False, skippable=False,
                       slots={"main": {"min_ret": 1, "files": 1}},
                       features={"task": "proj", "input_bytes": size})  # fmt: skip
    graph.add_node("merge", task="merge", complete=True, target=True, skippable=False,
                   slots={"main": {"min_ret": len(sizes), "files": 0}},
                   features={"task": "merge", "input_bytes": 0})  # fmt: skip
    for i in range(len(sizes)):
        graph.add_edge(f"p{i}", "merge", slot="main", passthrough=False)
    return graph


@pytest.mark.parametrize("name", ["learned", "learned-static"])
def test_equal_ranks_go_largest_input_first(name):
    graph = stage_graph([10, 300, 20, 200])
    plan = get_sequencer(name).fit(None).propose(graph, PlanContext(workers=2))
    assert plan.order == ["p1", "p3", "p2", "p0", "merge"]
    kept = get_sequencer(name, ties="submission").fit(None).propose(graph, PlanContext())
    assert kept.order == ["p0", "p1", "p2", "p3", "merge"]


@pytest.mark.parametrize(
    "params, field",
    [({"ties": "size"}, "ties"), ({"within_task": "x"}, "within_task"),
     ({"rank_tolerance": 1.5}, "rank_tolerance")],
)  # fmt: skip
def test_bad_trust_parameters_are_named(params, field):
    with pytest.raises(RadpsError, match=field):
        get_sequencer("learned", **params).fit(None)
