"""Features known before a job runs, and the runtime and skip models learned from them."""

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from radps_seq.errors import InputError
from radps_seq.experiments.traces import load_wfcommons, trace_as_run_log
from radps_seq.plan.sequencers.learned.features import (
    job_features,
    position_features,
    training_examples,
)
from radps_seq.plan.sequencers.learned.models import FeatureEncoder, RuntimeModel, SkipModel
from radps_seq.testing.graphs import diamond, imaging_graph, job


def test_position_features_on_a_diamond():
    graph = diamond()
    job(graph, "late", "extra", {"d": "main"}, complete=False)  # incomplete: not counted
    pos = position_features(graph)
    assert set(pos) == {"a", "b", "c", "d"}
    assert pos["a"] == {
        "n_parents": 0, "n_children": 2, "depth": 0, "height": 2,
        "n_ancestors": 0, "n_descendants": 3, "task_width": 1, "graph_jobs": 4,
    }  # fmt: skip
    assert pos["d"]["n_ancestors"] == 3 and pos["d"]["depth"] == 2 and pos["d"]["height"] == 0


def test_outcomes_never_become_features(montage):
    graph, _, _ = load_wfcommons(montage)
    assert not any("output_bytes" in a["features"] for _, a in graph.nodes(data=True))
    X = job_features(graph)
    assert "output_bytes" not in X.columns
    assert {"task", "input_bytes", "n_descendants"} <= set(X.columns)
    assert list(X.index) == list(graph.nodes)


def test_training_examples_label_only_what_was_measured():
    graph = imaging_graph(nights=1)
    truth = {j: {"runtime_s": 2.0, "changed": False if a["skippable"] else None}
             for j, a in graph.nodes(data=True)}  # fmt: skip
    log = trace_as_run_log(graph, truth, reduction_id="r1")
    log.loc[log["job_id"] == "flat0", "status"] = "failed"
    examples = training_examples(log)
    assert "orphan" not in examples.X.index  # incomplete job
    assert math.isnan(examples.runtime_s["flat0"])  # never succeeded: no runtime label
    assert examples.runtime_s["bias0"] == 2.0
    assert examples.noop["dark0"] == 1.0 and math.isnan(examples.noop["bias0"])
    assert set(examples.group) == {"r1"}


def test_training_examples_name_missing_columns():
    with pytest.raises(InputError, match="wall_s"):
        training_examples(pd.DataFrame({"reduction_id": ["r"], "job_id": ["j"]}))


def test_encoder_maps_unseen_values_and_columns_to_missing():
    train = pd.DataFrame({"task": ["a", "b"], "exptime": [1.0, 2.0], "flag": [True, False]})
    encoder = FeatureEncoder().fit(train)
    assert encoder.categorical_mask == [True, False, False]
    out = encoder.transform(pd.DataFrame({"task": ["b", "zzz"], "other": [1, 2]}))
    assert out[0, 0] == 1.0 and math.isnan(out[1, 0])
    assert np.isnan(out[:, 1:]).all()


def test_runtime_model_learns_from_input_size_within_a_task():
    rng = np.random.default_rng(0)
    size = rng.uniform(1e6, 1e8, 300)
    X = pd.DataFrame({"task": "proj", "input_bytes": size})
    y = pd.Series(size / 1e6 * rng.uniform(0.95, 1.05, 300))
    model = RuntimeModel(min_samples_leaf=3).fit(X, y)
    predicted = model.predict(pd.DataFrame({"task": ["proj", "proj"], "input_bytes": [2e6, 8e7]}))
    assert predicted[0] == pytest.approx(2.0, rel=0.3)
    assert predicted[1] == pytest.approx(80.0, rel=0.15)


def test_runtime_model_without_data_predicts_unit_time():
    model = RuntimeModel().fit(pd.DataFrame({"task": []}), pd.Series([], dtype=float))
    assert list(model.predict(pd.DataFrame({"task": ["x"]}))) == [1.0]


def test_skip_model_is_smoothed_on_few_labels_and_blind_to_unseen_tasks():
    X = pd.DataFrame({"task": ["fix"] * 3 + ["cosm"] * 3})
    noop = pd.Series([1.0, 1.0, 1.0, 0.0, 0.0, np.nan])
    model = SkipModel().fit(X, noop)
    p = model.predict_proba(pd.DataFrame({"task": ["fix", "cosm", "new"]}))
    assert p[0] == pytest.approx(4 / 5)  # (3 + 1) / (3 + 2): three runs are not certainty
    assert p[1] == pytest.approx(1 / 4)
    assert math.isnan(p[2])


def test_fitted_model_predicts_every_complete_job(montage):
    graph, truth, _ = load_wfcommons(montage)
    from radps_seq.plan.sequencers.learned.models import LearnedModel

    model = LearnedModel.fit(training_examples(trace_as_run_log(graph, truth)))
    predicted = model.predict(graph)
    assert set(predicted) == set(graph)
    assert all(p["runtime_s"] >= 0 and p["p_noop"] is None for p in predicted.values())
    assert model.info["tasks"] == sorted({a["task"] for _, a in graph.nodes(data=True)})


def test_empty_graph_has_no_features():
    assert job_features(nx.DiGraph()).empty


def test_skip_model_trees_find_where_a_stage_is_harmless():
    filters = ["B", "R", "I", "z"] * 15
    X = pd.DataFrame({"task": "defringe", "filter": filters, "exptime": np.arange(60.0)})
    noop = pd.Series([1.0 if f in ("B", "R") else 0.0 for f in filters])
    model = SkipModel(min_samples_leaf=5).fit(X, noop)
    p = model.predict_proba(pd.DataFrame({"task": "defringe", "filter": ["R", "B", "z", "U"]}))
    assert p[0] == p[1] == pytest.approx(31 / 32)  # 30 harmless runs in B or R: 31 / 32
    assert p[2] == pytest.approx(1 / 32)  # 30 runs that changed something
    assert p[3] < 0.5  # an unseen filter is not evidence of harmlessness


def test_unseen_task_types_fall_back_to_the_baseline_mean_unless_asked():
    X = pd.DataFrame({"task": ["a", "b"] * 20, "input_bytes": [1e6] * 20 + [1e8] * 20})
    y = pd.Series([1.0, 3.0] * 10 + [9.0, 11.0] * 10)  # a: 5 s on average, b: 7 s
    new = pd.DataFrame({"task": ["c"], "input_bytes": [1e8]})
    assert RuntimeModel(min_samples_leaf=2).fit(X, y).predict(new)[0] == pytest.approx(6.0)
    guess = RuntimeModel(min_samples_leaf=2, unseen="model").fit(X, y).predict(new)[0]
    assert 9.0 - 1e-6 <= guess <= 11.0 + 1e-6  # extrapolated from its input size
