"""The local executor: list scheduling on ``workers`` threads, one child process per job.

A job becomes ready as soon as all its planned parents have ended; among ready jobs the
plan's order decides. Threads only wait on their job's child process (the work happens
in the child), so a crash or a timeout costs one job, never the pool. In dummy mode no
recipe runs and no process is started: jobs run inline, in plan order, because starting
anything per job would cost more than the whole engine's per-job budget.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from .result import JobOutcome
from .runner import RunContext, safe_process_job
from .spec import JobSpec


def run_local(
    specs: Mapping[str, JobSpec],
    ctx: RunContext,
    workers: int,
    on_done: Callable[[JobOutcome], None],
    on_start: Callable[[JobSpec], None] | None = None,
) -> dict[str, JobOutcome]:
    """Run every spec (``specs`` in plan order); ``on_done`` sees each outcome at once,
    ``on_start`` each job handed to a worker."""
    position = {job: i for i, job in enumerate(specs)}
    waiting = {job: len(spec.parents) for job, spec in specs.items()}
    children: dict[str, list[str]] = {job: [] for job in specs}
    for job, spec in specs.items():
        for parent in spec.parents:
            children[parent].append(job)
    ready = [(position[job], job) for job, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    outcomes: dict[str, JobOutcome] = {}

    def finish(outcome: JobOutcome) -> None:
        outcomes[outcome.id] = outcome
        on_done(outcome)
        for child in children[outcome.id]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (position[child], child))

    def inputs_of(spec: JobSpec) -> dict[str, JobOutcome]:
        return {p: outcomes[p] for p in spec.parents}

    if ctx.dummy:
        while ready:
            spec = specs[heapq.heappop(ready)[1]]
            finish(safe_process_job(spec, inputs_of(spec), ctx))
        return outcomes

    running: dict[Future[JobOutcome], str] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="local")
    try:
        while ready or running:
            while ready and len(running) < workers:
                spec = specs[heapq.heappop(ready)[1]]
                if on_start is not None:
                    on_start(spec)
                running[pool.submit(safe_process_job, spec, inputs_of(spec), ctx)] = spec.id
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: position[running[f]]):
                del running[future]
                finish(future.result())
    finally:
        pool.shutdown(wait=not running, cancel_futures=True)
    return outcomes
