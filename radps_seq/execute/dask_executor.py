"""The Dask executor: the same jobs, submitted as one task graph to a ``distributed``
cluster, with the plan's order as task priority.

Each Dask task runs :func:`~radps_seq.execute.runner.process_job` on its parents'
outcomes, exactly as the local executor does, so both give the same products and
statuses; the job's recipe still runs in its own supervised child process on the
worker. Without a scheduler address a LocalCluster of ``workers`` single-threaded
in-process workers is started (and closed afterwards).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence

from .result import FAILED, JobOutcome
from .runner import RunContext, blocked, failed, safe_process_job
from .spec import JobSpec


def _dask_job(
    spec: JobSpec, ctx: RunContext, parent_ids: Sequence[str], parents: Sequence[JobOutcome]
) -> JobOutcome:
    return safe_process_job(spec, dict(zip(parent_ids, parents, strict=True)), ctx)


def run_dask(
    specs: Mapping[str, JobSpec],
    ctx: RunContext,
    workers: int,
    on_done: Callable[[JobOutcome], None],
    scheduler: str | None = None,
) -> dict[str, JobOutcome]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
        )
        client = Client(cluster)
    run = uuid.uuid4().hex[:8]
    try:
        futures = {}
        total = len(specs)
        for i, (job, spec) in enumerate(specs.items()):
            parent_ids = list(spec.parents)
            futures[job] = client.submit(
                _dask_job,
                spec,
                ctx,
                parent_ids,
                [futures[p] for p in parent_ids],
                key=f"{spec.task}-{job}-{run}",
                priority=total - i,
                pure=False,
            )
        job_of = {future.key: job for job, future in futures.items()}
        outcomes: dict[str, JobOutcome] = {}
        lost: dict[str, str] = {}
        for future in as_completed(futures.values()):
            job = job_of[future.key]
            if future.status == "finished":
                outcomes[job] = future.result()
                on_done(outcomes[job])
            else:
                lost[job] = repr(future.exception())
        for job, spec in specs.items():  # plan order: parents are settled first
            if job in lost:
                outcomes[job] = _lost(spec, lost[job], outcomes)
                on_done(outcomes[job])
        return outcomes
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _lost(spec: JobSpec, problem: str, outcomes: Mapping[str, JobOutcome]) -> JobOutcome:
    """A job Dask could not run: blocked by a failed parent, or its worker was lost."""
    for parent in spec.parents:
        if outcomes[parent].status == FAILED:
            return blocked(spec, outcomes[parent])
    return failed(spec, f"Dask could not run the job: {problem}")
