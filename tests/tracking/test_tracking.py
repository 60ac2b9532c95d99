"""MLflow glue against a temporary SQLite store: real reductions as runs, Optuna trials
as nested runs, and where the tracking URI comes from."""

import pytest

from radps_seq.tracking import (
    REDUCTIONS_EXPERIMENT,
    OptunaMLflowCallback,
    artifact_root,
    client,
    experiment_id,
    log_reduction_run,
    param_value,
    tracking_uri,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


SUMMARY = {
    "reduction": "abc123",
    "status": "succeeded",
    "planner": "learned",
    "makespan_s": 12.5,
    "refused": ["order: j3: at 0, before its parent j1 at 2"],
    "jobs": [
        {"id": "j1", "task": "bias", "status": "succeeded", "wall_s": 2.0, "products": []},
        {"id": "j2", "task": "flat", "status": "cached", "wall_s": 0.0, "products": []},
        {"id": "j3", "task": "dark", "status": "skipped", "wall_s": 0.0, "products": []},
        {"id": "j4", "task": "sci", "status": "succeeded", "wall_s": 3.5, "products": []},
    ],
}
PLAN = {"planner": "learned", "order": ["j1", "j2", "j3", "j4"], "skip": ["j3"], "predictions": {}}


def test_a_reduction_becomes_a_run_next_to_the_experiments(store, tmp_path):
    run_id = log_reduction_run(SUMMARY, PLAN, tracking_uri=store, workdir=tmp_path)
    mlflow_client = client(store)
    run = mlflow_client.get_run(run_id)
    assert run.info.run_name == "reduction abc123 · learned" and run.info.status == "FINISHED"
    assert run.data.params["sequencer"] == "learned"
    metrics = run.data.metrics
    assert metrics["makespan_s"] == 12.5 and metrics["compute_s"] == 5.5
    assert metrics["skipped"] == 1 and metrics["cache_hits"] == 1 and metrics["refusals"] == 1
    assert run.data.tags["radps_seq.workdir"] == str(tmp_path)
    assert {f.path for f in mlflow_client.list_artifacts(run_id)} == {"plan.json", "summary.json"}
    experiment = mlflow_client.get_experiment(run.info.experiment_id)
    assert experiment.name == REDUCTIONS_EXPERIMENT
    assert experiment.artifact_location.endswith("/mlartifacts/" + REDUCTIONS_EXPERIMENT)


def test_a_failed_reduction_is_a_failed_run(store):
    summary = {**SUMMARY, "reduction": "bad", "status": "failed", "refused": []}
    run = client(store).get_run(log_reduction_run(summary, PLAN, tracking_uri=store))
    assert run.info.status == "FAILED" and run.data.metrics["refusals"] == 0


def test_optuna_trials_are_nested_runs_with_their_state(store):
    import optuna

    mlflow_client = client(store)
    experiment = experiment_id(mlflow_client, "callback-test")
    parent = mlflow_client.create_run(experiment).info.run_id

    def objective(trial):
        x = trial.suggest_float("x", -1.0, 1.0)
        trial.set_user_attr("ratio_lb", 1.0 + x * x)
        if trial.number == 2:
            raise optuna.TrialPruned()
        return x * x

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(
        objective, n_trials=3, callbacks=[OptunaMLflowCallback(store, experiment, parent)]
    )
    runs = mlflow_client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent}'")
    by_trial = {r.data.tags["optuna.trial"]: r for r in runs}
    assert set(by_trial) == {"0", "1", "2"}
    assert by_trial["0"].data.metrics["value"] == pytest.approx(study.trials[0].value)
    assert "ratio_lb" in by_trial["1"].data.metrics
    assert by_trial["2"].data.tags["optuna.state"] == "PRUNED"
    assert by_trial["2"].info.status == "FAILED"
    assert float(by_trial["1"].data.params["x"]) == pytest.approx(study.trials[1].params["x"])


def test_tracking_uri_precedence(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert tracking_uri() == "sqlite:///mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking:5000")
    assert tracking_uri() == "http://tracking:5000"
    assert tracking_uri("sqlite:///x.db") == "sqlite:///x.db"
    assert artifact_root("http://tracking:5000") is None
    assert artifact_root("sqlite:////data/m.db") == "file:///data/mlartifacts"


def test_long_parameters_are_cut_not_rejected():
    assert param_value("x" * 900).endswith("...") and len(param_value("x" * 900)) == 500
    assert param_value({"b": 1, "a": [1, 2]}) == '{"a": [1, 2], "b": 1}'


def test_an_embedded_store_is_written_without_mlflow_and_reads_back_the_same(tmp_path):
    import json
    import subprocess
    import sys

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    through_mlflow = log_reduction_run(SUMMARY, PLAN, tracking_uri=uri, workdir=tmp_path)
    script = (
        "import json, sys\n"
        "from radps_seq.tracking import log_reduction_run\n"
        f"run = log_reduction_run(json.loads(sys.argv[1]), json.loads(sys.argv[2]), {uri!r}, "
        f"workdir={str(tmp_path)!r})\n"
        "print(run, 'mlflow' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(SUMMARY), json.dumps(PLAN)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    direct, imported = done.stdout.split()
    assert imported == "False"
    mlflow_client = client(uri)
    a, b = mlflow_client.get_run(through_mlflow), mlflow_client.get_run(direct)
    assert a.data.params == b.data.params and a.data.metrics == b.data.metrics
    assert a.data.tags == b.data.tags
    assert (a.info.status, a.info.run_name) == (b.info.status, b.info.run_name)
    assert a.info.experiment_id == b.info.experiment_id and a.info.user_id == b.info.user_id
    for path in ("plan.json", "summary.json"):
        assert mlflow_client.download_artifacts(direct, path, str(tmp_path / "b")) and (
            (tmp_path / "b" / path).read_text()
            == open(mlflow_client.download_artifacts(through_mlflow, path, str(tmp_path / "a"))).read()
        )
    found = mlflow_client.search_runs([a.info.experiment_id], "metrics.refusals = 1")
    assert {r.info.run_id for r in found} == {through_mlflow, direct}
