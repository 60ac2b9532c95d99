"""The run/runs/plan/check-plan/replay commands as a user types them."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from radps_seq.testing.demo0_night import demo0_night

ROOT = Path(__file__).resolve().parents[1]
DEMO0 = str(ROOT / "cascades" / "demo0")
IMAGING = str(ROOT / "cascades" / "imaging")
TRACES = ROOT / "data" / "wfcommons"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{cwd}/mlflow.db"})


@pytest.fixture
def night(tmp_path: Path) -> Path:
    demo0_night(tmp_path / "raw")
    return tmp_path


def test_dummy_run_then_everything_is_reused(night: Path):
    first = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track", "--format", "json", cwd=night)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert set(summary) == {"reduction", "status", "planner", "makespan_s", "jobs"}
    assert summary["status"] == "succeeded" and summary["planner"] == "dfs"
    assert {j["status"] for j in summary["jobs"]} == {"succeeded"}
    for job in summary["jobs"]:
        assert set(job) == {"id", "label", "task", "status", "wall_s", "products", "error", "blocked_by", "log"}
        assert all(Path(p).exists() for p in job["products"])
    again = json.loads(run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track",
                           "--format", "json", cwd=night).stdout)
    assert {j["status"] for j in again["jobs"]} == {"cached"}
    dry = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "-n", cwd=night)
    assert dry.returncode == 0 and "reuse" in dry.stdout and "cache key matches" in dry.stdout
    exported = run("runs", "--workdir", "w", "--format", "csv", cwd=night)
    assert exported.returncode == 0, exported.stderr
    table = list(csv.DictReader(io.StringIO(exported.stdout)))
    logged = json.loads(run("runs", "--workdir", "w", "--format", "json", cwd=night).stdout)
    assert exported.stdout.splitlines()[0].split(",")[:3] == ["reduction_id", "workflow", "job_id"]
    assert list(table[0]) == list(logged[0])  # the same columns in both formats
    # one row per job and run; the dry run executes nothing and logs nothing
    assert len(table) == len(logged) == 2 * len(summary["jobs"])
    assert sorted(r["status"] for r in table) == ["cached"] * 4 + ["succeeded"] * 4


def test_run_without_recipes_fails_clearly_and_exits_non_zero(night: Path):
    result = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--no-track", "--format", "json", cwd=night)
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    assert "Traceback" not in result.stderr


def test_plan_and_check_plan(night: Path):
    proposal = run("plan", "-w", DEMO0, "-i", "raw", "--planner", "bfs", "--format", "json", cwd=night)
    assert proposal.returncode == 0, proposal.stderr
    plan = json.loads(proposal.stdout)
    derived = json.loads(run("derive", "-w", DEMO0, "-i", "raw", "--format", "json", cwd=night).stdout)
    assert plan["planner"] == "bfs" and sorted(plan["order"]) == sorted(j["id"] for j in derived["jobs"])
    (night / "plan.json").write_text(json.dumps(plan))
    ok = run("check-plan", "-w", DEMO0, "-i", "raw", "plan.json", "--format", "json", cwd=night)
    assert ok.returncode == 0 and json.loads(ok.stdout) == {"valid": True, "violations": []}
    plan["order"] = list(reversed(plan["order"]))
    plan["skip"] = [plan["order"][0]]
    (night / "bad.json").write_text(json.dumps(plan))
    bad = run("check-plan", "-w", DEMO0, "-i", "raw", "bad.json", "--format", "json", cwd=night)
    assert bad.returncode == 1
    violations = json.loads(bad.stdout)["violations"]
    skipped = plan["skip"][0]  # a target job of a task not declared skippable
    assert {(v["kind"], v["job"]) for v in violations if v["kind"] != "order"} == {
        ("target-skipped", skipped), ("not-skippable", skipped)
    }
    # reversed, every job comes before each of its parents
    early = {(v["job"], re.search(r"before its parent (\w+)", v["detail"]).group(1))
             for v in violations if v["kind"] == "order"}
    assert early == {(j["id"], p) for j in derived["jobs"] for p in j["parents"]} != set()


@pytest.mark.skipif(not TRACES.exists(), reason="shared WfCommons traces not present")
def test_replay_a_real_trace(tmp_path: Path):
    trace = sorted(TRACES.glob("*montage*"))[0]
    result = run("replay", "--trace", str(trace), "--planner", "critical-path", "--workers", "4", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == {"makespan_s", "lower_bound_s", "skipped", "compute_saved_s", "products_changed", "refused",
                           "replans", "refused_replans"}
    assert record["makespan_s"] >= record["lower_bound_s"] > 0


def test_imaging_night_reduces_end_to_end_and_logs_every_job(tmp_path: Path):
    sim = run("simulate", "imaging", "--nights", "1", "--out", "raw", "--seed", "3", "--size", "64", cwd=tmp_path)
    assert sim.returncode == 0, sim.stderr
    result = run("run", "-w", IMAGING, "-i", "raw", "--workdir", "w", "--workers", "2", "-o", "out",
                 "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "succeeded"
    stacks = [j for j in summary["jobs"] if j["task"] == "stack"]
    assert stacks and all(j["status"] == "succeeded" for j in stacks)
    assert any((tmp_path / "out").iterdir())
    rows = json.loads(run("runs", "--workdir", "w", "--format", "json", cwd=tmp_path).stdout)
    assert len(rows) == len(summary["jobs"])
    skippable = [r for r in rows if r["skippable"]]
    assert skippable and all(r["effect"] is not None and r["changed"] in (True, False) for r in skippable)
    assert (tmp_path / "mlflow.db").exists()


def test_run_with_nothing_to_reduce_is_an_error(tmp_path: Path):
    (tmp_path / "empty-folder").mkdir()
    result = run("run", "-w", DEMO0, "-i", "empty-folder", "--workdir", "w", "--dummy", "--no-track", cwd=tmp_path)
    assert result.returncode == 2
    assert "nothing to reduce" in result.stderr and "empty-folder" in result.stderr


def test_run_takes_recipe_parameters_like_derive(night: Path):
    def ids(*extra: str) -> dict[str, str]:
        done = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track",
                   "--format", "json", *extra, cwd=night)
        assert done.returncode == 0, done.stderr
        return {j["task"]: j["id"] for j in json.loads(done.stdout)["jobs"] if j["task"] != "object"}

    plain = ids()
    changed = ids("-rp", "flat", "kappa", "2")
    assert changed["bias"] == plain["bias"] and changed["flat"] != plain["flat"]
    folder = night / "w" / "products" / "flat" / changed["flat"]
    assert json.loads((folder / "parameters.json").read_text()) == {"kappa": 2}
    derived = json.loads(run("derive", "-w", DEMO0, "-i", "raw", "-rp", "flat", "kappa", "2",
                             "--format", "json", cwd=night).stdout)
    assert {j["id"] for j in derived["jobs"] if j["task"] == "flat"} == {changed["flat"]}  # as derive says
    strict = ids("-rps", "strict")
    assert strict["bias"] != plain["bias"] and strict["flat"] != changed["flat"]
    for args, named in ((("-rp", "flat", "kapa", "2"), "unknown recipe parameter 'kapa'"),
                        (("-rp", "flatt", "kappa", "2"), "unknown task 'flatt'"),
                        (("-rp", "flat", "kappa", "high"), "expected a number")):
        done = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track", *args, cwd=night)
        assert done.returncode == 2 and named in done.stderr, done.stderr


def test_run_with_a_plan_file_that_the_guard_refuses_runs_the_baseline(night: Path):
    derived = json.loads(run("derive", "-w", DEMO0, "-i", "raw", "--format", "json", cwd=night).stdout)
    (night / "plan.json").write_text(json.dumps({"order": [j["id"] for j in derived["jobs"]][::-1]}))
    done = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track", "--plan", "plan.json",
               "--format", "json", cwd=night)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["planner"] == "bfs" and "refused by the guard" in done.stderr
    both = run("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--plan", "plan.json", "--planner", "dfs", cwd=night)
    assert both.returncode == 2 and "not both" in both.stderr
