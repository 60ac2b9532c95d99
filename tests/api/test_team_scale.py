"""Team scale with the real parts: the run log (and the service's records) on a
PostgreSQL server, jobs on a Dask scheduler and workers in separate processes. The same
reduction gives the same job ids and products as SQLite and local processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Served, wait_final
from .servers import create_database, dask_cluster, postgres_server


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def scheduler():
    with dask_cluster(workers=2) as address:
        yield address


def cli(*args: str, cwd: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True,
                            cwd=cwd, env=dict(os.environ), timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def products(jobs: list[dict]) -> dict[tuple[str, str], str]:
    """``{(job id, product name): sha256 of its content}``."""
    return {
        (job["id"], Path(p).name): hashlib.sha256(Path(p).read_bytes()).hexdigest()
        for job in jobs
        for p in job["products"]
    }


def test_cli_and_service_on_postgresql_and_a_dask_cluster_match_sqlite_and_local(site, postgres, scheduler, tmp_path):
    wkf = str(site["workflows"] / "demo0")
    night = str(site["data"] / "night1")
    base = ["run", "-w", wkf, "-i", night, "--no-track", "--format", "json", "--workers", "2"]
    local = cli(*base, "--workdir", str(tmp_path / "local"), cwd=tmp_path)
    assert local["status"] == "succeeded"

    runlog = create_database(postgres, "cli_runlog")
    remote = cli(*base, "--workdir", str(tmp_path / "remote"), "--runlog-url", runlog,
                 "--executor", "dask", "--scheduler", scheduler, cwd=tmp_path)
    assert remote["status"] == "succeeded"
    assert [j["id"] for j in remote["jobs"]] == [j["id"] for j in local["jobs"]]
    assert products(remote["jobs"]) == products(local["jobs"]) and products(local["jobs"])
    rows = cli("runs", "--runlog-url", runlog, "--format", "json", cwd=tmp_path)
    assert {r["job_id"] for r in rows} == {j["id"] for j in local["jobs"]}
    assert not (tmp_path / "remote" / "runlog.sqlite").exists() or _no_runs(tmp_path / "remote")

    database = create_database(postgres, "service")
    args = ["--data-root", str(site["data"]), "--workflow-dir", str(site["workflows"]), "--no-track",
            "--runlog-url", database, "--executor", "dask", "--scheduler", scheduler]
    served = Served(args, tmp_path / "served")
    try:
        submitted = served.client.post("/reductions", json={"workflow": "demo0", "inputs": ["night1"],
                                                             "workers": 2})
        record = wait_final(served.client, submitted.json()["id"], timeout=180)
        assert record["status"] == "succeeded", served.output()
        assert [j["id"] for j in record["jobs"]] == [j["id"] for j in local["jobs"]]
        jobs = [{"id": job, "products": paths} for job, paths in record["products"].items()]
        assert products(jobs) == products(local["jobs"])
        runs = served.client.get("/runs", params={"reduction": record["id"]}).json()
        assert runs["total"] == len(local["jobs"])
    finally:
        served.stop()
    again = Served(args, tmp_path / "served")  # a restarted service reads its records back
    try:
        listed = again.client.get("/reductions").json()["items"]
        assert [(r["id"], r["status"]) for r in listed] == [(record["id"], "succeeded")]
    finally:
        again.stop()
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM service_reductions")).scalars().all() == ["succeeded"]
        assert conn.execute(text("SELECT count(*) FROM job_runs")).scalar() == len(local["jobs"])
    engine.dispose()


def _no_runs(workdir: Path) -> bool:
    import sqlite3

    with sqlite3.connect(workdir / "runlog.sqlite") as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return "job_runs" not in tables or conn.execute("SELECT count(*) FROM job_runs").fetchone()[0] == 0
