"""``tune``: Optuna on validation folds only, a resumable SQLite study, trials in MLflow."""

import pytest
import yaml

from radps_seq.errors import RadpsError
from radps_seq.experiments import evaluate, tune
from radps_seq.experiments.config import load_config
from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.testing.graphs import imaging_graph, synthetic_truth

SPACE = {
    "max_iter": {"low": 10, "high": 30, "int": True},
    "skip_threshold": {"low": 0.5, "high": 0.99},
}


def experiment(folder, tune_section, split=None):
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
                "splits": [split or {"name": "last-night", "test": {"night": ["n2"]}}],
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


def watch(monkeypatch):
    """Record, per running Optuna study, every instance fitted on or scored."""
    import optuna

    seen: dict[str, set[str]] = {}
    state = {"study": None}
    optimize, fit, score = optuna.study.Study.optimize, evaluate.fit, evaluate.score

    def optimize_spy(study, *args, **kwargs):
        state["study"] = study.study_name
        seen.setdefault(study.study_name, set())
        try:
            return optimize(study, *args, **kwargs)
        finally:
            state["study"] = None

    def fit_spy(spec, train, *args, **kwargs):
        if state["study"] is not None:
            seen[state["study"]] |= {i.name for i in train}
        return fit(spec, train, *args, **kwargs)

    def score_spy(sequencer, inst, *args, **kwargs):
        if state["study"] is not None:
            seen[state["study"]].add(inst.name)
        return score(sequencer, inst, *args, **kwargs)

    monkeypatch.setattr(optuna.study.Study, "optimize", optimize_spy)
    monkeypatch.setattr(evaluate, "fit", fit_spy)
    monkeypatch.setattr(evaluate, "score", score_spy)
    return seen


@pytest.fixture(scope="module")
def first(setup):
    with pytest.MonkeyPatch.context() as patch:
        seen = watch(patch)
        result = tune(setup["config"], 3, tracking_uri=setup["store"], storage=setup["storage"])
    return result, seen


def test_tunes_the_space_on_validation_folds_only(first):
    result, seen = first
    (fold,) = result.folds
    assert set(fold.best_params) == set(SPACE)
    assert 10 <= fold.best_params["max_iter"] <= 30
    assert fold.trials == 3 and result.metric == "ratio_lb"
    assert seen[fold.study_name] == {"red0", "red1"}  # the held-out night is never looked at
    assert fold.held_out == ["red2"] and len(fold.validation_folds) == 2
    assert "best" in str(result) and "[night in" in str(result)


def test_no_outer_test_instance_reaches_any_study(tmp_path, setup, monkeypatch):
    """One study per outer fold, each blind to that fold's test night: with nights held
    out one at a time, a choice pooled over all outer folds would have scored every
    night — each one some other fold's test night."""
    from radps_seq.experiments.harness import load_instances, split_folds

    split = {"name": "nights", "leave_one_out": "night"}
    config = experiment(tmp_path, {"sequencer": "learned", "space": SPACE}, split)
    seen = watch(monkeypatch)
    result = tune(config, 2, tracking_uri=setup["store"], storage=f"sqlite:///{tmp_path / 'o.db'}")
    outer = split_folds(load_config(config), load_instances(load_config(config)))["nights"]
    assert len(outer) == 3 and seen  # the spies saw the studies
    for fold in outer:
        test = {i.name for i in fold.test}
        blind = [name for name, names in seen.items() if names and not names & test]
        assert blind, f"every study saw {sorted(test)}, the test night of {fold.name}"
    chosen = {f.fold: f for f in result.folds}
    for fold in outer:
        study = chosen[fold.name].study_name
        assert seen[study] and not seen[study] & {i.name for i in fold.test}


def test_trials_are_nested_mlflow_runs(first, setup):
    from radps_seq.tracking import client

    result, _ = first
    (fold_run,) = client(setup["store"]).search_runs(
        [result.experiment_id], f"tags.mlflow.parentRunId = '{result.parent_run_id}'"
    )
    runs = client(setup["store"]).search_runs(
        [result.experiment_id], f"tags.mlflow.parentRunId = '{fold_run.info.run_id}'"
    )
    assert len(runs) == 3
    assert {"max_iter", "skip_threshold"} <= set(runs[0].data.params)
    assert {"value", "ratio_lb"} <= set(runs[0].data.metrics)
    assert fold_run.data.metrics["best_value"] == pytest.approx(result.folds[0].best_value)


def test_a_study_resumes_in_its_storage(first, setup):
    again = tune(setup["config"], 1, tracking_uri=setup["store"], storage=setup["storage"])
    assert again.folds[0].trials == 4
    assert again.folds[0].study_name == first[0].folds[0].study_name


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
