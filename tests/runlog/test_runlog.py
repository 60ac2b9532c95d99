"""The run log: contract columns, what is known before vs measured, states, export."""

import json
import os

import pandas as pd
import pytest

from radps_seq.errors import RadpsError
from radps_seq.execute import execute
from radps_seq.runlog import RUN_COLUMNS, RunLog, RunLogError, export_runs, load_runs
from radps_seq.runlog.store import process_started
from tests.execute import recipes_for_tests  # noqa: F401 - registers the test recipes
from tests.execute.helpers import Cascade, bfs


def refine_cascade(tmp_path, effects=(0.5, 0.05)):
    """bias -> two skippable refinement stages with measured effects -> science targets."""
    c = Cascade(tmp_path)
    bias = c.job(
        "bias", files=[(c.raw("b0"), "BIAS"), (c.raw("b1"), "BIAS")], products=("MASTER_BIAS",)
    )
    jobs = {"bias": bias}
    for n, effect in enumerate(effects):
        fix = c.job(
            "refine",
            recipe="t_spin",
            files=[(c.raw(f"s{n}", n), "SCIENCE")],
            params={"effect": effect, "cpu_seconds": 0.05},
            products=("SCIENCE",),
            skippable=True,
            tolerance=0.1,
        )
        jobs[f"sci{n}"] = c.job(
            "science",
            parents={fix: ("main", "SCIENCE"), bias: ("MASTER_BIAS", "MASTER_BIAS")},
            target=True,
        )
        jobs[f"fix{n}"] = fix
    return c, jobs


@pytest.fixture
def logged(tmp_path):
    c, jobs = refine_cascade(tmp_path / "data")
    workdir = tmp_path / "work"
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2)
    return workdir, result, jobs


def test_rows_have_the_contract_columns_and_measured_outcomes(logged):
    workdir, result, jobs = logged
    runs = load_runs(workdir).set_index("job_id")
    assert list(load_runs(workdir).columns) == list(RUN_COLUMNS)
    assert len(runs) == 5 and set(runs["status"]) == {"succeeded"}
    assert set(runs["reduction_id"]) == {result.reduction}
    assert set(runs["planner"]) == {"bfs"} and set(runs["workflow"]) == {"handmade"}

    fix, other = runs.loc[jobs["fix0"]], runs.loc[jobs["fix1"]]
    assert fix["effect"] == 0.5 and fix["tolerance"] == 0.1 and bool(fix["changed"]) is True
    assert other["effect"] == 0.05 and bool(other["changed"]) is False
    assert fix["cpu_s"] > 0 and fix["wall_s"] >= 0 and fix["end_ts"] >= fix["start_ts"]
    assert bool(fix["skippable"]) and not bool(fix["target"])
    assert json.loads(fix["parameters"]) == {
        "categories": ["SCIENCE"],
        "effect": 0.5,
        "cpu_seconds": 0.05,
    }

    science = runs.loc[jobs["sci0"]]
    assert json.loads(science["parents"]) == {jobs["fix0"]: "main", jobs["bias"]: "MASTER_BIAS"}
    assert json.loads(science["slots"])["MASTER_BIAS"] == {"min_ret": 1, "files": 0}
    assert json.loads(science["features"]) == {
        "task": "science",
        "n_inputs": 2,
        "exptime": 10.0,
        "input_bytes": 0,
    }
    assert json.loads(science["qc"]) == {"n_inputs": 2.0}
    assert pd.isna(science["effect"]) and pd.isna(science["tolerance"])
    assert pd.isna(science["changed"])
    assert science["n_inputs"] == 2 and science["night"] == "2024-01-01"
    assert runs.loc[jobs["bias"], "input_bytes"] > 0
    assert science["worker"]


def test_reduction_record_and_job_states(logged):
    workdir, result, jobs = logged
    with RunLog(workdir) as log:
        record = log.reduction(result.reduction)
        states = log.job_states(result.reduction)
    assert record["status"] == "succeeded" and record["workflow"] == "handmade"
    assert record["targets"] == ["science"] and len(record["inputs"]) == 4
    assert sorted(record["plan"]["order"]) == sorted(jobs.values())
    assert record["refused"] == [] and record["executor"] == "local"
    assert record["finished_ts"] >= record["started_ts"]
    assert record["summary"]["jobs"][0]["status"] == "succeeded"
    assert states == {job: "succeeded" for job in jobs.values()}


def test_skipped_and_cached_rows(tmp_path):
    c, jobs = refine_cascade(tmp_path / "data")
    workdir = tmp_path / "work"
    execute(c.graph, bfs(c.graph), workdir=workdir)
    plan = bfs(c.graph, skip=[jobs["fix1"]])
    second = execute(c.graph, plan, workdir=workdir)
    runs = load_runs(workdir, second.reduction).set_index("job_id")
    assert runs.loc[jobs["fix1"], "status"] == "skipped"
    assert pd.isna(runs.loc[jobs["fix1"], "changed"])  # not run: nothing measured
    assert runs.loc[jobs["fix0"], "status"] == "cached"
    assert runs.loc[jobs["fix0"], "attempt"] == 0
    assert runs.loc[jobs["sci1"], "status"] == "succeeded"  # new input: the raw frame


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_export_round_trips(logged, tmp_path, fmt):
    workdir, result, jobs = logged
    out = tmp_path / f"runs.{fmt}"
    frame = export_runs(workdir, fmt, out)
    if fmt == "csv":
        back = pd.read_csv(out)
    elif fmt == "parquet":
        back = pd.read_parquet(out)
    else:
        records = json.loads(out.read_text())
        assert records[0]["features"]["task"] == records[0]["task"]
        assert isinstance(records[0]["parents"], dict)
        back = pd.DataFrame(records)
    assert list(back.columns) == list(RUN_COLUMNS)
    assert sorted(back["job_id"]) == sorted(frame["job_id"]) == sorted(jobs.values())


def test_export_to_stdout_and_bad_requests(logged, tmp_path, capsys):
    workdir, result, jobs = logged
    export_runs(workdir, "json")
    assert len(json.loads(capsys.readouterr().out)) == 5
    with pytest.raises(RadpsError, match="unknown export format 'xml'"):
        export_runs(workdir, "xml")
    with pytest.raises(RunLogError, match="no run log at"):
        load_runs(tmp_path / "nowhere")


def test_runlog_behind_another_url(tmp_path):
    c, jobs = refine_cascade(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    result = execute(c.graph, bfs(c.graph), workdir=tmp_path / "work", runlog_url=url)
    assert len(load_runs(url, result.reduction)) == 5
    with pytest.raises(RunLogError, match="cannot read the run log"):
        load_runs(tmp_path / "work")  # the work directory keeps only its caches


def test_store_updates_states_and_reductions(tmp_path):
    with RunLog(tmp_path) as log:
        log.start_reduction(
            "r1", workflow="w", targets=["t"], inputs=[], planner="bfs", plan={"order": []}
        )
        log.set_states("r1", {"a": ("t", "pending"), "b": ("t", "pending")})
        log.set_states("r1", {"a": ("t", "running")})
        log.start_reduction(
            "r1", workflow="w", targets=["t"], inputs=[], planner="dfs", plan={"order": []}
        )  # resumed: same record, new plan
        assert log.job_states("r1") == {"a": "running", "b": "pending"}
        assert log.reduction("r1")["planner"] == "dfs"
        assert log.reduction("nope") is None


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="process start times from /proc")
def test_a_reused_pid_does_not_keep_a_killed_reduction_running(tmp_path):
    """The owner's pid now names a process that started after the reduction did (the
    system reused the number): the reduction is marked killed, not left running."""
    with RunLog(tmp_path) as log:
        for name in ("alive", "reused"):
            log.start_reduction(
                name, workflow="w", targets=["t"], inputs=[], planner="bfs", plan={"order": []}
            )
            log.set_states(name, {"a": ("t", "running")})
        this_process = process_started(os.getpid())
        log._sql([("UPDATE reductions SET started_ts = :ts WHERE id = 'reused'",
                   {"ts": this_process - 3600})])
        dead = log.mark_dead()
        assert [d["id"] for d in dead] == ["reused"]
        assert log.reduction("reused")["status"] == "killed"
        assert log.reduction("alive")["status"] == "running"
