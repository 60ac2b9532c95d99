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
        {"name": "learned", "label": "learned-selected",
         "params": {"max_iter": 20, "skip_threshold": "validation"}},
        "oracle",
    ],
    "workers": ["auto", 2],
    "seeds": [0, 1],
    "baseline": "critical-path",
    "thresholds": [0.3, 0.9],
    "bound": {"time_limit_s": 0.5, "workers": ["auto"]},
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
    assert list(table["sequencer"].unique()) == [
        "bfs", "critical-path", "learned", "learned-selected", "oracle"
    ]
    assert len(table) == 5 * 2
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


def test_makespans_are_measured_against_the_cp_sat_best_known_schedule(result):
    """k = auto has a yardstick: CP-SAT's schedule with true runtimes and its proven
    bound; best-known is no worse than any replayed schedule that ran every job (at
    k = 2, where CP-SAT was not asked for, it is the best replayed one)."""
    records = result.results
    auto, two = records[records["workers"] == "auto"], records[records["workers"] == "2"]
    assert auto["cpsat_s"].notna().all() and two["cpsat_s"].isna().all()
    assert two["best_known_s"].notna().all()
    complete = auto[auto["skipped"] == 0]
    assert (complete["makespan_s"] >= complete["best_known_s"] * (1 - 1e-9)).all()
    assert (complete["ratio_best"] >= 1 - 1e-9).all()
    assert (auto["proven_lb_s"] <= auto["best_known_s"] * (1 + 1e-6)).all()
    assert (auto["proven_lb_s"] >= auto["lower_bound_s"] * (1 - 1e-4)).all()
    bounds = result.bounds
    assert len(bounds) == 3 and set(bounds["workers"]) == {"auto"}  # one per held-out night
    assert (bounds["best_over_bound"] >= 1 - 1e-6).all()
    row = result.table[(result.table["sequencer"] == "bfs") & (result.table["workers"] == "auto")]
    low, mean, high = row[["ratio_best_ci_low", "ratio_best_mean", "ratio_best_ci_high"]].iloc[0]
    assert low <= mean <= high and row["ratio_best_worst"].iloc[0] >= mean
    assert result.to_dict()["bounds"][0]["best_known_s"] > 0


def test_the_report_gives_provenance_intervals_and_worst_cases(result, tmp_path):
    from radps_seq.experiments.report import render

    config = load_config(write_experiment(tmp_path))
    text = render(result, config, "radps-seq compare tiny.yaml")
    assert "Command: `radps-seq compare tiny.yaml`" in text and "cores" in text
    assert "logged reductions" in text  # provenance of the data
    assert "## k = auto" in text and "## Scarce workers" in text
    assert "mean [95 % CI]" in text and "worst" in text
    assert "## Yardstick per instance" in text and "best_over_bound" in text
    assert "## Choices made on validation folds" in text and "skip_threshold" in text


def test_threshold_sweep_trades_compute_for_safety(result):
    sweep = result.sweep
    assert set(sweep["threshold"]) == {0.3, 0.9}
    low = sweep[sweep["threshold"] == 0.3]["skipped"].sum()
    assert low >= sweep[sweep["threshold"] == 0.9]["skipped"].sum()


def test_the_threshold_sweep_never_sees_the_outer_test_night(result):
    """Each outer fold's threshold is chosen on nights of its own training part."""
    sweep = result.sweep
    assert not sweep.empty and set(sweep["sequencer"]) == {"learned-selected"}
    for _, rows in sweep.groupby("fold"):
        held_out = rows["fold"].iloc[0].removeprefix("night=")
        assert not rows["instance"].str.contains(held_out).any()
        assert (rows["validation_fold"] != rows["fold"]).all()
    chosen = result.results[result.results["sequencer"] == "learned-selected"]
    assert chosen["skip_threshold"].notna().all()


def test_no_test_instance_reaches_fit_or_a_threshold_sweep(tmp_path, store, monkeypatch):
    """Spy on every fit and every score while compare runs: a test instance of an outer
    fold may be scored only by that fold's final evaluation, never fitted on, never
    scored while a choice is being made (an Optuna search, a model selection, a
    threshold sweep)."""
    import optuna

    from radps_seq.experiments import evaluate, harness

    state = {"test": set(), "choosing": False, "choices": 0}
    leaks = []
    original_fold, original_fit = harness.evaluate_fold, evaluate.fit
    original_sweep, original_score = evaluate.threshold_sweep, evaluate.score

    def fold_spy(fold, *args, **kwargs):
        state["test"] = {i.name for i in fold.test}
        return original_fold(fold, *args, **kwargs)

    def fit_spy(spec, train, *args, **kwargs):
        leaks.extend(("fit", i.name) for i in train if i.name in state["test"])
        return original_fit(spec, train, *args, **kwargs)

    def choosing(original):
        def spy(*args, **kwargs):
            state["choosing"] = True
            state["choices"] += 1
            try:
                return original(*args, **kwargs)
            finally:
                state["choosing"] = False

        return spy

    def score_spy(sequencer, inst, *args, **kwargs):
        if state["choosing"] and inst.name in state["test"]:
            leaks.append(("sweep", inst.name))
        return original_score(sequencer, inst, *args, **kwargs)

    monkeypatch.setattr(harness, "evaluate_fold", fold_spy)
    monkeypatch.setattr(evaluate, "fit", fit_spy)
    monkeypatch.setattr(evaluate, "threshold_sweep", choosing(original_sweep))
    monkeypatch.setattr(optuna.study.Study, "optimize", choosing(optuna.study.Study.optimize))
    monkeypatch.setattr(evaluate, "score", score_spy)
    tuned = {"name": "learned", "label": "learned-tuned", "params": {
        "max_iter": "tuned", "unseen_tasks": {"validation": ["mean", "model"]},
        "skip_threshold": "validation",
    }}  # fmt: skip
    config = write_experiment(
        tmp_path, seeds=[0], sequencers=[*CONFIG["sequencers"], tuned],
        tune={"sequencer": "learned", "trials": 2,
              "space": {"max_iter": {"low": 10, "high": 20, "int": True}}},
    )  # fmt: skip
    out = compare(config, tracking_uri=store)
    assert not out.sweep.empty and state["test"]  # the spies did see the work
    # per outer night: a search, and a sweep per validation night for each of two sequencers
    assert state["choices"] == 3 * (1 + 2 + 2)
    assert leaks == []
    chosen = out.results[out.results["sequencer"] == "learned-tuned"]["chosen"].map(json.loads)
    assert all({"max_iter", "unseen_tasks", "skip_threshold"} <= set(c) for c in chosen)


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

    assert len(result.registered) == 2 * 3  # one per learned sequencer and held-out night
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
