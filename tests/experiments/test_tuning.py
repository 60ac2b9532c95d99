"""``tune``: Optuna on validation folds only, a resumable SQLite study, trials in MLflow."""

import pytest
import yaml

from radps_seq.errors import RadpsError
from radps_seq.experiments import evaluate, tune
from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.testing.graphs import imaging_graph, synthetic_truth

SPACE = {
    "max_iter": {"low": 10, "high": 30, "int": True},
    "skip_threshold": {"low": 0.5, "high": 0.99},
}


def experiment(folder, tune_section):
    (folder / "logs").mkdir(exist_ok=True)
    for night in range(3):
        graph = imaging_graph(nights=1)
        log = trace_as_run_log(graph, synthetic_truth(graph, seed=night), f"red{night}")
        log["night"] = f"n{night}"
        log.to_csv(folder / "logs" / f"n{night}.csv", index=False)
    path = folder / "exp.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "tune-test",
                "data": ["runlog:logs/*.csv"],
                "splits": [{"name": "last-night", "test": {"night": ["n2"]}}],
                "sequencers": ["critical-path", "learned"],
                "workers": [2],
                "tune": tune_section,
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tune")
    return {
        "config": experiment(folder, {"sequencer": "learned", "space": SPACE}),
        "storage": f"sqlite:///{folder / 'optuna.db'}",
        "store": f"sqlite:///{folder / 'mlflow.db'}",
    }


@pytest.fixture(scope="module")
def first(setup):
    scored = []
    original = evaluate.score

    def spy(sequencer, inst, *args, **kwargs):
        scored.append(inst.name)
        return original(sequencer, inst, *args, **kwargs)

    evaluate.score = spy
    try:
        result = tune(setup["config"], 3, tracking_uri=setup["store"], storage=setup["storage"])
    finally:
        evaluate.score = original
    return result, scored


def test_tunes_the_space_on_validation_folds_only(first):
    result, scored = first
    assert set(result.best_params) == set(SPACE)
    assert 10 <= result.best_params["max_iter"] <= 30
    assert result.trials == 3 and result.metric == "ratio_lb"
    assert scored and "red2" not in scored  # the held-out night is never looked at
    assert set(scored) == {"red0", "red1"}
    assert len(result.validation_folds) == 2
    assert "best ratio_lb" in str(result)


def test_trials_are_nested_mlflow_runs(first, setup):
    from radps_seq.tracking import client

    result, _ = first
    runs = client(setup["store"]).search_runs(
        [result.experiment_id], f"tags.mlflow.parentRunId = '{result.parent_run_id}'"
    )
    assert len(runs) == 3
    assert {"max_iter", "skip_threshold"} <= set(runs[0].data.params)
    assert {"value", "ratio_lb"} <= set(runs[0].data.metrics)
    parent = client(setup["store"]).get_run(result.parent_run_id)
    assert parent.data.metrics["best_value"] == pytest.approx(result.best_value)


def test_a_study_resumes_in_its_storage(first, setup):
    again = tune(setup["config"], 1, tracking_uri=setup["store"], storage=setup["storage"])
    assert again.trials == 4 and again.study_name == first[0].study_name


def test_nothing_to_tune_is_said(tmp_path, setup):
    path = experiment(tmp_path, None)
    doc = yaml.safe_load(path.read_text())
    doc.pop("tune")
    doc["sequencers"] = ["bfs"]
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(RadpsError, match="nothing to tune"):
        tune(path, 1, tracking_uri=setup["store"], storage=setup["storage"])
    with pytest.raises(RadpsError, match="at least 1"):
        tune(path, 0)
