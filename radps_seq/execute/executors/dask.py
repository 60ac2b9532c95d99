"""The Dask executor: the same jobs, submitted to a ``distributed`` cluster as they
become ready, each with the current plan's priority.

Each Dask task runs :func:`~radps_seq.execute.runner.process_job` on its parents'
outcomes, exactly as the local executor does, so both give the same products and
statuses; the job's recipe still runs in its own supervised child process on the
worker. A job is submitted once its parents have ended, with the priority the plan
gives it then; with a ``replan`` callable at most ``workers`` jobs are in flight, so a
re-plan decides what starts next (without one, every ready job goes to Dask's own
queue at once). Without a scheduler address a LocalCluster of ``workers``
single-threaded in-process workers is started (and closed afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ..result import FAILED, JobOutcome
from ..runner import RunContext, blocked, failed, safe_process_job
from ..spec import JobSpec
from ._base import BaseExecutor, OnDone, OnStart, Priorities, Replan


class DaskExecutor(BaseExecutor):
    name = "dask"

    def run(
        self,
        specs: Mapping[str, JobSpec],
        ctx: RunContext,
        on_done: OnDone,
        on_start: OnStart | None = None,
        replan: Replan | None = None,
    ) -> dict[str, JobOutcome]:
        from distributed import Client, LocalCluster

        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=False,
                dashboard_address=None,
            )
            client = Client(cluster)
        try:
            return self._run(client, specs, ctx, on_done, on_start, replan)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _run(
        self,
        client: Any,
        specs: Mapping[str, JobSpec],
        ctx: RunContext,
        on_done: OnDone,
        on_start: OnStart | None,
        replan: Replan | None,
    ) -> dict[str, JobOutcome]:
        from distributed import as_completed

        priority = Priorities(specs, replan)
        limit = self.workers if replan is not None else len(specs)
        waiting = {job: len(spec.parents) for job, spec in specs.items()}
        children: dict[str, list[str]] = {job: [] for job in specs}
        for job, spec in specs.items():
            for parent in spec.parents:
                children[parent].append(job)
        ready = {job for job, n in waiting.items() if n == 0}
        outcomes: dict[str, JobOutcome] = {}
        job_of: dict[str, str] = {}
        run = uuid.uuid4().hex[:8]
        flying = as_completed()

        def submit() -> None:
            while ready and flying.count() < limit:
                job = min(ready, key=priority.__getitem__)
                ready.discard(job)
                spec = specs[job]
                priority.started(job)
                if on_start is not None:
                    on_start(spec)
                future = client.submit(
                    safe_process_job,
                    spec,
                    {p: outcomes[p] for p in spec.parents},
                    ctx,
                    key=f"{spec.task}-{job}-{run}",
                    priority=len(specs) - priority[job],
                    pure=False,
                )
                job_of[future.key] = job
                flying.add(future)

        submit()
        for future in flying:
            job = job_of[future.key]
            if future.status == "finished":
                outcome = future.result()
            else:
                outcome = _lost(specs[job], repr(future.exception()), outcomes)
            outcomes[job] = outcome
            on_done(outcome)
            priority.finished(outcome)
            for child in children[job]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.add(child)
            submit()
        return outcomes


def _lost(spec: JobSpec, problem: str, outcomes: Mapping[str, JobOutcome]) -> JobOutcome:
    """A job Dask could not run: blocked by a failed parent, or its worker was lost."""
    for parent in spec.parents:
        if outcomes[parent].status == FAILED:
            return blocked(spec, outcomes[parent])
    return failed(spec, f"Dask could not run the job: {problem}")
