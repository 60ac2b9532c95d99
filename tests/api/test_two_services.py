"""Two services on one work database: a service that starts leaves what a live one runs
alone, and takes back only what a service that is gone left running."""

from __future__ import annotations

import contextlib
import os
import signal
import time

from radps_seq.api.store import ServiceStore

from .conftest import Served, wait_final, wait_for


def _serve(site, workdir):
    return Served(["--data-root", str(site["data"]), "--workflow-dir", str(site["workflows"]),
                   "--max-concurrent", "1", "--no-track"], workdir)


def _row(workdir, reduction_id):
    store = ServiceStore(str(workdir))
    try:
        return store.get(reduction_id)
    finally:
        store.close()


def test_a_second_service_leaves_the_running_reduction_of_a_live_one_alone(site, tmp_path):
    workdir = tmp_path / "shared"
    first = _serve(site, workdir)
    second = third = None
    try:
        body = {"workflow": "demo0", "inputs": ["night3"], "recipe_parameters": {"object": {"seconds": 6}}}
        reduction = first.client.post("/reductions", json=body).json()["id"]
        wait_for(lambda: (_row(workdir, reduction) or {}).get("worker_pid"), 60.0)
        running = _row(workdir, reduction)
        second = _serve(site, workdir)  # its start looks for reductions left running
        now = _row(workdir, reduction)
        assert now["status"] == "running", (now["status"], second.output())
        assert (now["started_ts"], now["worker_pid"], now["owner"]) == (
            running["started_ts"], running["worker_pid"], running["owner"])
        assert wait_final(second.client, reduction, timeout=120)["status"] == "succeeded"
        assert _row(workdir, reduction)["started_ts"] == running["started_ts"]  # run once, by the first

        # the first service dies with a reduction running: the next service to start takes it back
        again = first.client.post("/reductions", json={**body, "force": True}).json()["id"]
        wait_for(lambda: (_row(workdir, again) or {}).get("worker_pid"), 60.0)
        killed = _row(workdir, again)
        second.stop()
        first.process.kill()
        first.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(killed["worker_pid"], signal.SIGKILL)
        third = _serve(site, workdir)
        record = wait_final(third.client, again, timeout=120)
        assert record["status"] == "succeeded", third.output()
        assert _row(workdir, again)["started_ts"] > killed["started_ts"]
    finally:
        for service in (first, second, third):
            if service is not None:
                service.stop()


def test_an_owner_on_another_host_is_gone_only_when_its_lease_ran_out(tmp_path):
    from sqlalchemy import update

    from radps_seq.api.store import LEASE_S, service_instances

    store = ServiceStore(str(tmp_path))
    try:
        owner = store.register()
        reduction = store.add({"workflow": "demo0", "execute": True}, status="queued")
        assert store.claim(reduction, owner)
        with store.engine.begin() as conn:  # a service of another machine, on a shared database
            conn.execute(update(service_instances).values(host="elsewhere.example", pid=1))
        mine = store.register()
        assert store.requeue_interrupted(keep=mine) == 0
        assert store.get(reduction)["status"] == "running"
        with store.engine.begin() as conn:
            conn.execute(update(service_instances).where(service_instances.c.id == owner)
                         .values(heartbeat_ts=time.time() - LEASE_S - 1))
        assert store.requeue_interrupted(keep=mine) == 1
        assert (store.get(reduction)["status"], store.get(reduction)["owner"]) == ("queued", None)
    finally:
        store.close()
