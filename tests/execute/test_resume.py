"""Kill the runner at any moment and nothing is lost; two runs share a work directory."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from radps_seq.execute import execute
from radps_seq.runlog import load_runs

from .helpers import bfs, sleepers

HERE = Path(__file__).parent


def runner(tmp_path, workdir, n, seconds, workers, direction="forward", executor="local"):
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    return subprocess.Popen(
        [
            sys.executable,
            str(HERE / "run_sleepers.py"),
            str(tmp_path / "data"),
            str(workdir),
            str(n),
            str(seconds),
            str(workers),
            direction,
            executor,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def published(workdir):
    return sorted(p.parent.name for p in (workdir / "products").glob("*/*/manifest.json"))


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_kill_9_mid_run_loses_nothing(tmp_path, workdir):
    sleepers(tmp_path / "data", 6, 0.6)  # write the raw files before the runner starts
    proc = runner(tmp_path, workdir, 6, 0.6, 2)
    wait_for(lambda: (workdir / "products").is_dir() and len(published(workdir)) >= 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = published(workdir)
    time.sleep(1.0)  # longer than a job: an orphaned child would have published by now
    assert published(workdir) == done

    c, jobs, final = sleepers(tmp_path / "data", 6, 0.6)
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2)
    status = {j.id: j.status for j in result.jobs}
    assert result.status == "succeeded"
    assert {status[j] for j in done} == {"cached"}
    assert {status[j] for j in jobs if j not in done} == {"succeeded"}
    leftovers = [p for p in (workdir / "products").glob("*/.*")]
    assert leftovers == []


def test_two_runs_on_one_workdir_compute_each_job_once(tmp_path, workdir):
    sleepers(tmp_path / "data", 4, 0.4)
    first = runner(tmp_path, workdir, 4, 0.4, 1, "forward")
    second = runner(tmp_path, workdir, 4, 0.4, 1, "reverse")
    summaries = []
    for proc in (first, second):
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        summaries.append(json.loads(out.splitlines()[-1]))
    assert {s["status"] for s in summaries} == {"succeeded"}
    runs = load_runs(workdir)
    assert len(set(runs["reduction_id"])) == 2
    computed = runs[runs["status"] == "succeeded"].groupby("job_id").size()
    assert computed.tolist() == [1] * 5  # every job computed by exactly one of the runs
    assert (runs["status"] == "cached").sum() == 5


def test_after_kill_9_the_reduction_is_killed_and_finished_jobs_reach_the_log(tmp_path, workdir):
    from radps_seq.runlog import RunLog

    sleepers(tmp_path / "data", 6, 0.6)
    proc = runner(tmp_path, workdir, 6, 0.6, 2)
    wait_for(lambda: (workdir / "products").is_dir() and len(published(workdir)) >= 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = published(workdir)
    c, _, _ = sleepers(tmp_path / "data", 6, 0.6)
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2)
    runs = load_runs(workdir)
    killed = [r for r in runs["reduction_id"].unique() if r != result.reduction]
    assert len(killed) == 1
    with RunLog(workdir) as log:
        assert log.reduction(killed[0])["status"] == "killed"
        assert "running" not in set(log.job_states(killed[0]).values())
    theirs = runs[(runs["reduction_id"] == killed[0]) & (runs["status"] == "succeeded")]
    assert set(done) <= set(theirs["job_id"])
    assert (theirs["wall_s"] > 0.5).all()  # the sleepers' real runtimes, for training
