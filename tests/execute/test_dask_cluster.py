"""Dask beyond the happy path: a scheduler and workers in processes of their own on
loopback (``--scheduler ADDR``), a worker lost mid-job, timeouts and retries, a kill -9
of the runner and its resume, and ``--executor dask`` from the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from radps_seq.execute import execute
from radps_seq.runlog import load_runs

from .helpers import bfs, imaging, sleepers
from .test_failures import broken_cascade, by_task, no_leftovers
from .test_resume import published, runner, wait_for

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
DASK = str(Path(sys.executable).with_name("dask"))


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, stopped by ``close``."""

    def __init__(self, folder: Path, workers: int = 2, allowed_failures: int | None = None):
        self.folder = folder
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if allowed_failures is not None:
            env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
        info = folder / "scheduler.json"
        self.processes = [self._start(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(info)], env, "scheduler")]
        wait_for(lambda: info.is_file() and info.stat().st_size > 0, timeout=120)
        self.address = json.loads(info.read_text())["address"]
        for n in range(workers):  # no nanny: a killed worker stays dead
            self.processes.append(self._start(
                [DASK, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--name", f"w{n}", "--local-directory", str(folder / f"w{n}")], env, f"w{n}"))
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def _start(self, command: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    yield running
    running.close()


def manifests(workdir: Path) -> dict[str, str]:
    return {json.loads(p.read_text())["id"]: json.loads(p.read_text())["cache_key"]
            for p in (workdir / "products").glob("*/*/manifest.json")}


def test_a_scheduler_of_its_own_runs_the_jobs_like_the_local_executor(cluster, tmp_path):
    c, ids = imaging(tmp_path / "data")
    local = execute(c.graph, bfs(c.graph), workdir=tmp_path / "local", workers=2)
    remote = execute(c.graph, bfs(c.graph), workdir=tmp_path / "remote", workers=2,
                     executor="dask", scheduler=cluster.address)
    assert [(j.id, j.status) for j in remote.jobs] == [(j.id, j.status) for j in local.jobs]
    assert remote.status == "succeeded"
    assert manifests(tmp_path / "remote") == manifests(tmp_path / "local")
    workers = set(load_runs(tmp_path / "remote")["worker"].dropna())
    assert workers and all(w.startswith("tcp://127.0.0.1:") for w in workers)
    again = execute(c.graph, bfs(c.graph), workdir=tmp_path / "remote", executor="dask",
                    scheduler=cluster.address)
    assert {j.status for j in again.jobs} == {"cached"}


def test_dask_jobs_time_out_and_retry(cluster, tmp_path):
    workdir = tmp_path / "w"
    c, bad, after, sibling = broken_cascade(tmp_path, "t_sleep", {"seconds": 60})
    started = time.monotonic()
    result = execute(c.graph, bfs(c.graph), workdir=workdir, executor="dask",
                     scheduler=cluster.address, timeout_s={"bad": 0.5})
    assert time.monotonic() - started < 50
    assert by_task(result)["bad"].error.startswith("timed out after 0.5 s (process killed)")
    assert by_task(result)["after"].error == f"blocked by failed job {bad} (task bad)"
    assert by_task(result)["sibling"].status == "succeeded"
    no_leftovers(workdir)

    counter = tmp_path / "calls"
    flaky = tmp_path / "flaky"
    c, bad, _, _ = broken_cascade(flaky, "t_flaky", {"counter": str(counter), "fail_times": 1})
    result = execute(c.graph, bfs(c.graph), workdir=flaky / "w", executor="dask",
                     scheduler=cluster.address, retries={"bad": 1, "*": 0})
    assert by_task(result)["bad"].status == "succeeded" and result.status == "succeeded"
    runs = load_runs(flaky / "w")
    assert runs[runs["task"] == "bad"]["status"].tolist() == ["failed", "succeeded"]


def _grandparent(pid: int) -> int:
    """The parent of ``pid``'s parent: recipe child -> fork server -> Dask worker."""
    def parent(p: int) -> int:
        return int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])

    return parent(parent(pid))


def test_a_worker_lost_mid_job_fails_that_job_and_blocks_its_dependents(tmp_path):
    (tmp_path / "cluster").mkdir()
    lost_cluster = Cluster(tmp_path / "cluster", workers=2, allowed_failures=0)
    try:
        pidfile = tmp_path / "pid"
        c, bad, after, sibling = broken_cascade(tmp_path, "t_wait_to_be_killed",
                                                {"pidfile": str(pidfile)})
        killed = []

        def kill_its_worker() -> None:
            wait_for(pidfile.exists, timeout=120)
            worker = _grandparent(int(pidfile.read_text()))
            killed.append(worker)
            os.kill(worker, signal.SIGKILL)

        killer = threading.Thread(target=kill_its_worker)
        killer.start()
        result = execute(c.graph, bfs(c.graph), workdir=tmp_path / "w", executor="dask",
                         scheduler=lost_cluster.address, timeout_s=100)
        killer.join()
        assert killed and killed[0] in {p.pid for p in lost_cluster.processes[1:]}
        jobs = by_task(result)
        assert jobs["bad"].status == "failed"
        assert jobs["bad"].error.startswith("Dask could not run the job: KilledWorker")
        assert jobs["after"].error == f"blocked by failed job {bad} (task bad)"
        assert jobs["sibling"].status == "succeeded"
        assert result.status == "partial" and result.exit_code == 1
        wait_for(lambda: not _alive(int(pidfile.read_text())), timeout=30)  # no orphan recipe
    finally:
        lost_cluster.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_9_of_a_dask_run_loses_nothing_and_resumes(tmp_path):
    workdir = tmp_path / "work"
    sleepers(tmp_path / "data", 6, 0.6)
    proc = runner(tmp_path, workdir, 6, 0.6, 2, executor="dask")
    try:
        wait_for(lambda: (workdir / "products").is_dir() and len(published(workdir)) >= 2,
                 timeout=120)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = published(workdir)
    time.sleep(1.0)  # longer than a job: an orphaned child would have published by now
    assert published(workdir) == done
    c, jobs, final = sleepers(tmp_path / "data", 6, 0.6)
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2, executor="dask")
    status = {j.id: j.status for j in result.jobs}
    assert result.status == "succeeded"
    assert {status[j] for j in done} == {"cached"}
    assert {status[j] for j in jobs if j not in done} == {"succeeded"}
    assert list((workdir / "products").glob("*/.*")) == []


def _cli(*args: str, cwd: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True,
                          text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_executor_dask_from_the_command_line(cluster, tmp_path):
    from radps_seq.testing.demo0_night import demo0_night

    demo0_night(tmp_path / "raw")
    common = ("run", "-w", str(ROOT / "cascades" / "demo0"), "-i", "raw", "--dummy",
              "--workdir", "w", "--no-track", "--format", "json")
    remote = _cli(*common, "--executor", "dask", "--scheduler", cluster.address, cwd=tmp_path)
    assert remote["status"] == "succeeded" and len(remote["jobs"]) == 4
    assert {j["status"] for j in remote["jobs"]} == {"succeeded"}
    rows = _cli("runs", "--workdir", "w", "--format", "json", cwd=tmp_path)
    assert {r["worker"].split("://")[0] for r in rows} == {"tcp"}
    local = _cli(*common, "--executor", "dask", "--workers", "2", cwd=tmp_path)
    assert [(j["id"], j["status"]) for j in local["jobs"]] == [
        (j["id"], "cached") for j in remote["jobs"]
    ]
    forced = _cli(*common, "--executor", "dask", "--workers", "2", "--force", cwd=tmp_path)
    assert {j["status"] for j in forced["jobs"]} == {"succeeded"}
    rows = _cli("runs", "--workdir", "w", "--format", "json", cwd=tmp_path)
    assert {r["worker"].split("://")[0] for r in rows[-4:]} == {"inproc"}
