"""``train`` on a tiny trace set: an MLflow model directory with a card, loadable by path,
by MLflow, and from the registry."""

import json

import pytest

from radps_seq.errors import RadpsError
from radps_seq.experiments import load_model, train
from radps_seq.experiments.traces import load_wfcommons, trace_as_run_log
from radps_seq.plan.sequencers.learned.features import job_features
from radps_seq.plan.sequencers.learned.model_store import ModelError
from radps_seq.testing.graphs import imaging_graph, synthetic_truth

SMALL = ("*montage-chameleon-2mass-005d*", "*epigenomics-chameleon-hep-1seq-100k*")


@pytest.fixture(scope="module")
def sources(wfcommons_dir):
    return [f"wfcommons:{wfcommons_dir}/{pattern}.json" for pattern in SMALL]


@pytest.fixture(scope="module")
def trained(sources, tmp_path_factory):
    out = tmp_path_factory.mktemp("train") / "model"
    return train(sources, out, params={"max_iter": 50}), out


def test_saves_an_mlflow_model_with_a_card(trained):
    report, out = trained
    assert (out / "MLmodel").is_file() and (out / "artifacts" / "learned_model.pkl").is_file()
    assert report.reductions == 2 and report.skip_examples == 0
    assert report.params["max_iter"] == 50 and "model" not in report.params
    assert {"cv_runtime_mae_log", "cv_task_mean_mae_log"} <= set(report.metrics)
    card = (out / "MODEL_CARD.md").read_text()
    assert "2 reductions" in card and report.created in card and "cv_runtime_mae_log" in card
    model = load_model(out)  # the card is written from the model, not from boilerplate
    assert f"({model.runtime.n_examples_} timed jobs)" in card and "`task`" in card
    assert f"predicted {model.runtime.unseen_s_:.3g} s" in card
    assert str(out.parent) not in (out / "MLmodel").read_text()  # no source location leaks
    json.dumps(report.to_dict())
    assert str(out) in str(report)


def test_loaded_model_predicts_like_the_trained_one(trained, montage):
    _, out = trained
    model = load_model(out)
    graph, _, _ = load_wfcommons(montage)
    predicted = model.predict(graph)
    assert model.info["sources"] and model.info["params"]["max_iter"] == 50
    import mlflow.pyfunc

    frame = mlflow.pyfunc.load_model(str(out)).predict(job_features(graph))
    assert list(frame.columns) == ["runtime_s", "p_noop"]
    assert frame.loc["mProject_ID0000001", "runtime_s"] == pytest.approx(
        predicted["mProject_ID0000001"]["runtime_s"]
    )


def test_trains_on_an_exported_run_log_with_skip_labels(tmp_path):
    frames = []
    for night in range(3):
        graph = imaging_graph(nights=2)
        frames.append(trace_as_run_log(graph, synthetic_truth(graph, night), f"night{night}"))
    import pandas as pd

    pd.concat(frames).to_csv(tmp_path / "runs.csv", index=False)
    report = train([f"runlog:{tmp_path / 'runs.csv'}"], tmp_path / "m", objective="interactive")
    assert report.reductions == 3 and report.skip_examples > 0
    assert "cv_skip_labels" in report.metrics
    assert load_model(tmp_path / "m").info["objective"] == "interactive"


def test_registers_in_the_model_registry(sources, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    report = train(sources[:1], tmp_path / "m", register_name="tiny", tracking_uri=uri,
                   params={"max_iter": 20})  # fmt: skip
    assert report.registered == "models:/tiny/1" and report.run_id
    model = load_model("models:/tiny/1", tracking_uri=uri)
    assert model.info["params"]["max_iter"] == 20
    with pytest.raises(ModelError, match="models:/tiny/7"):
        load_model("models:/tiny/7", tracking_uri=uri)


@pytest.mark.parametrize(
    "source, message",
    [("traces/*.json", "KIND:WHERE"), ("wfcommons:/nonexistent/*.json", "no file matches")],
)
def test_bad_sources_are_named(source, message, tmp_path):
    with pytest.raises(RadpsError, match=message):
        train([source], tmp_path / "m")


def test_refuses_to_overwrite_something_else(sources, tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ModelError, match="not an MLflow model"):
        train(sources[:1], tmp_path)
    assert (tmp_path / "notes.txt").exists()


def test_bad_objective_and_missing_model_are_named(sources, tmp_path):
    with pytest.raises(RadpsError, match="objective"):
        train(sources[:1], tmp_path / "m", objective="fast")
    with pytest.raises(ModelError, match="no such model"):
        load_model(tmp_path / "absent")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ModelError, match="MLmodel"):
        load_model(tmp_path / "plain")
