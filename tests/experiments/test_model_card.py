"""Model cards written from the model: what it reads, what it does with unseen tasks,
its data, and only figures held out from everything it was fitted or tuned on."""

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from radps_seq.cli import cli
from radps_seq.experiments import load_model, train
from radps_seq.experiments.model_card import model_card
from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.testing.graphs import imaging_graph, synthetic_truth


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("card")
    frames = []
    for night in range(3):
        graph = imaging_graph(nights=2)
        frames.append(trace_as_run_log(graph, synthetic_truth(graph, night), f"night{night}"))
    pd.concat(frames).to_csv(folder / "runs.csv", index=False)
    return folder, f"runlog:{folder / 'runs.csv'}"


def test_a_given_threshold_keeps_its_metrics_off_the_card(runs):
    """A threshold handed to training may have been picked on these very reductions:
    precision and recall at it are not presented as held-out figures."""
    folder, source = runs
    train([source], folder / "given", params={"max_iter": 20, "skip_threshold": 0.9},
          data_note="three synthetic nights")  # fmt: skip
    train([source], folder / "default", params={"max_iter": 20})
    given = (folder / "given" / "MODEL_CARD.md").read_text()
    default = (folder / "default" / "MODEL_CARD.md").read_text()
    assert "cv_skip_recall" in load_model(folder / "given").info["metrics"]
    assert "cv_skip_recall" not in given and "cv_skip_precision" not in given
    assert "given to training as a number" in given
    assert "cv_skip_brier" in given  # threshold-free, still held out
    assert "cv_skip_recall" in default and "built-in default" in default
    assert "three synthetic nights" in given and "three synthetic nights" not in default


def test_the_card_follows_the_model_not_a_template(runs):
    folder, source = runs
    train([source], folder / "model", params={"max_iter": 20, "unseen_tasks": "model"})
    model = load_model(folder / "model")
    card = model_card(model)
    assert "predicted by the trees from its features" in card  # its own unseen-task policy
    model.runtime.unseen = "mean"
    assert f"predicted {model.runtime.unseen_s_:.3g} s" in model_card(model)
    model.info["evaluations"] = [{"date": "2026-01-01", "data": "a night it never saw",
                                  "result": "0 of 4 stacks changed", "where": "a benchmark"}]
    assert "## Evaluated on data it never saw" in model_card(model)
    assert "## Evaluated" not in card


def test_card_command_rewrites_the_card_from_the_saved_model(runs):
    folder, source = runs
    train([source], folder / "cmd", params={"max_iter": 20})
    (folder / "cmd" / "MODEL_CARD.md").write_text("stale")
    out = CliRunner().invoke(cli, ["card", str(folder / "cmd"), "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["text"] == (folder / "cmd" / "MODEL_CARD.md").read_text()
    missing = CliRunner().invoke(cli, ["card", str(folder / "nothing")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
