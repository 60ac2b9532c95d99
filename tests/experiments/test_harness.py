"""``compare`` with a tiny experiment: held-out nights of logged reductions, four
sequencers, two k, two seeds — and everything it leaves in MLflow."""

import json
import math

import pandas as pd
import pytest
import yaml

from radps_seq.experiments import compare
from radps_seq.experiments.config import ConfigError, load_config
from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.testing.graphs import imaging_graph, synthetic_truth

CONFIG = {
    "name": "tiny",
    "data": ["runlog:logs/*.csv"],
    "splits": [{"name": "nights", "leave_one_out": "night"}],
    "sequencers": [
        "bfs",
        "critical-path",
        {"name": "learned", "params": {"max_iter": 20}},
        "oracle",
    ],
    "workers": ["auto", 2],
    "seeds": [0, 1],
    "baseline": "critical-path",
    "thresholds": [0.3, 0.9],
}


def write_experiment(folder, **changes):
    (folder / "logs").mkdir(exist_ok=True)
    for night in range(3):
        graph = imaging_graph(nights=2)
        log = trace_as_run_log(graph, synthetic_truth(graph, seed=night), f"red{night}")
        log["night"] = f"2024-01-0{night + 1}"
        log["workflow"] = "imaging"
        log.to_csv(folder / "logs" / f"night{night}.csv", index=False)
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, **changes}))
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def result(tmp_path_factory, store):
    folder = tmp_path_factory.mktemp("experiment")
    return compare(write_experiment(folder), tracking_uri=store)


def test_table_has_a_row_per_sequencer_split_and_k(result):
    table = result.table
    assert list(table["sequencer"].unique()) == ["bfs", "critical-path", "learned", "oracle"]
    assert len(table) == 4 * 2
    assert set(table["workers"]) == {"auto", "2"}
    assert (table["n"] == 3 * 2).all()  # three held-out nights, two seeds
    oracle = table[table["sequencer"] == "oracle"]
    assert (oracle["ratio_oracle_mean"] == 1.0).all()
    baseline = table[table["sequencer"] == "critical-path"]
    assert (baseline["ratio_baseline_mean"] == 1.0).all()
    assert (table[table["sequencer"] == "bfs"]["first_target_speedup_bfs_mean"] == 1.0).all()
    json.dumps(result.to_dict())
    text = str(result)
    assert "| learned | nights | auto |" in text and result.parent_run_id in text


def test_records_measure_skips_against_the_oracle(result):
    records = result.results
    oracle = records[records["sequencer"] == "oracle"]
    saving = oracle[oracle["oracle_saved_s"] > 0]
    assert not saving.empty and (saving["saving_recovered"] == 1.0).all()
    assert (oracle["targets_changed"] == 0).all()  # the oracle only skips harmless jobs
    bfs = records[records["sequencer"] == "bfs"]
    assert (bfs["compute_saved_s"] == 0).all() and (bfs["refused"] == 0).all()
    assert set(records["fold"]) == {f"night=2024-01-0{n}" for n in (1, 2, 3)}
    assert not records["instance"].isna().any()


def test_threshold_sweep_trades_compute_for_safety(result):
    sweep = result.sweep
    assert set(sweep["threshold"]) == {0.3, 0.9}
    low = sweep[sweep["threshold"] == 0.3]["skipped"].sum()
    assert low >= sweep[sweep["threshold"] == 0.9]["skipped"].sum()


def test_mlflow_has_one_parent_and_a_nested_run_per_row(result, store):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=store, registry_uri=store)
    parent = client.get_run(result.parent_run_id)
    assert parent.data.tags["radps_seq.kind"] == "comparison"
    children = client.search_runs(
        [result.experiment_id], f"tags.mlflow.parentRunId = '{result.parent_run_id}'"
    )
    assert len(children) == len(result.table)
    assert {r.data.params["sequencer"] for r in children} == set(result.table["sequencer"])
    assert all(r.info.status == "FINISHED" for r in children)
    learned = [r for r in children if r.data.params["sequencer"] == "learned"]
    assert learned[0].data.params["param.max_iter"] == "20"
    assert math.isfinite(learned[0].data.metrics["ratio_lb_mean"])
    artifacts = {f.path for f in client.list_artifacts(result.parent_run_id)}
    assert {"comparison.csv", "comparison.md", "results.csv", "makespan_ratio.png",
            "skip_threshold.png", "job_graph.png", "tiny.yaml"} <= artifacts  # fmt: skip
    table = pd.read_csv(client.download_artifacts(result.parent_run_id, "comparison.csv"))
    assert len(table) == len(result.table)


def test_learned_models_are_logged_and_registered(result, store):
    from radps_seq.experiments import load_model

    assert len(result.registered) == 3  # one per held-out night
    model = load_model(f"models:/{result.registered[0]}/1", tracking_uri=store)
    assert model.info["experiment"] == "tiny" and model.info["split"] == "nights"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"colour": 1}, "unknown field"),
        ({"sequencers": ["bfs", "warp"]}, "unknown planner 'warp'"),
        ({"sequencers": ["bfs", "bfs"]}, "used twice"),
        ({"baseline": "oracle"}, "not one of the sequencers"),
        ({"workers": [0]}, "workers"),
        ({"splits": [{"name": "x", "leave_one_out": "night", "test": {}}]}, "exactly one"),
        ({"tune": {"sequencer": "bfs", "metric": "speed"}}, "tune.metric"),
    ],
)
def test_config_errors_name_the_field(tmp_path, changes, message):
    config = {**CONFIG, "sequencers": ["bfs", "critical-path"], **changes}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert "bad.yaml" in str(info.value)


def test_a_split_that_holds_out_nothing_is_an_error(tmp_path, store):
    path = write_experiment(tmp_path, splits=[{"name": "none", "test": {"night": ["1999-01-01"]}}])
    with pytest.raises(ConfigError, match="holds out nothing"):
        compare(path, tracking_uri=store)
