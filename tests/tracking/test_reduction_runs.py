"""A real reduction as MLflow records it, read back through the client API (no browser):
readable name, the request as parameters, the reduction's own start and end, the status
of its outcome, timeline, per-task runtimes and job graph; experiments open on runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from radps_seq.reduction import ReductionRequest, run_reduction
from radps_seq.runlog import RunLog
from radps_seq.testing.demo0_night import demo0_night
from radps_seq.tracking import EXPERIMENT_KIND, REDUCTIONS_EXPERIMENT, client, experiment_id

ROOT = Path(__file__).resolve().parents[2]
DEMO0 = str(ROOT / "cascades" / "demo0")


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("night")
    demo0_night(root / "raw")
    return root


def reduce(night: Path, store: str, workflow: str = DEMO0, **options) -> tuple:
    request = ReductionRequest(workflow=workflow, inputs=[str(night / "raw")], workdir=str(night / "w"),
                               workers=2, tracking_uri=store, **options)
    _, _, result = run_reduction(request)
    mlflow_client = client(store)
    experiment = mlflow_client.get_experiment_by_name(REDUCTIONS_EXPERIMENT)
    run = next(r for r in mlflow_client.search_runs([experiment.experiment_id])
               if r.data.tags["radps_seq.reduction"] == result.reduction)
    return result, run, mlflow_client, experiment


def test_a_reduction_is_a_first_class_run(night: Path, tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result, run, mlflow_client, experiment = reduce(night, store, dummy=True, planner="bfs")
    assert result.status == "succeeded"
    assert re.fullmatch(r"demo0 \d{4}-\d{2}-\d{2} · bfs", run.info.run_name), run.info.run_name
    assert run.info.status == "FINISHED"
    params = run.data.params
    assert params["workflow"] == "demo0" and params["planner"] == "bfs" and params["workers"] == "2"
    assert params["executor"] == "local" and params["model"] == "-" and params["parameter_set"] == "default"
    assert str(night / "raw") in params["inputs"]
    with RunLog(night / "w", create=False) as log:
        record = log.reduction(result.reduction)
    assert abs(run.info.start_time / 1000 - record["started_ts"]) < 0.01
    assert abs(run.info.end_time / 1000 - record["finished_ts"]) < 0.01
    artifacts = {a.path for a in mlflow_client.list_artifacts(run.info.run_id)}
    assert {"timeline.png", "task_runtimes.csv", "job_graph.dot"} <= artifacts
    table = mlflow_client.download_artifacts(run.info.run_id, "task_runtimes.csv", str(tmp_path))
    assert Path(table).read_text().splitlines()[0] == "task,jobs,ran,reused,failed,total_s,mean_s"
    assert experiment.tags[EXPERIMENT_KIND[0]] == EXPERIMENT_KIND[1]


def test_a_partial_or_failed_reduction_is_not_finished(night: Path, tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    # demo0 with recipe names nothing registers (a test elsewhere may register demo0's)
    workflow = tmp_path / "demo0"
    shutil.copytree(DEMO0, workflow)
    wkf = workflow / "demo0_wkf.py"
    wkf.write_text(wkf.read_text().replace("with_recipe('run_", "with_recipe('no_such_recipe_run_"))
    result, run, _, _ = reduce(night, store, workflow=str(workflow), force=True)  # every job fails
    assert result.status == "failed" and run.info.status == "FAILED"
    assert run.data.tags["radps_seq.status"] == "failed" and run.data.metrics["failed"] >= 1


def test_experiments_carry_their_kind_and_description(tmp_path: Path):
    mlflow_client = client(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = mlflow_client.get_experiment(experiment_id(mlflow_client, "x", "what x compares"))
    assert experiment.tags["mlflow.note.content"] == "what x compares"
    assert experiment.tags[EXPERIMENT_KIND[0]] == EXPERIMENT_KIND[1]
