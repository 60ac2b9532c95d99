"""The local executor: list scheduling on ``workers`` threads, one child process per job.

A job becomes ready as soon as all its planned parents have ended; among ready jobs the
current plan's order decides (re-plans included). Threads only wait on their job's
child process (the work happens in the child), so a crash or a timeout costs one job,
never the pool. In dummy mode no recipe runs and no process is started: jobs run
inline, by priority, because starting anything per job would cost more than the whole
engine's per-job budget.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from radps_seq.errors import RadpsError

from ..result import JobOutcome
from ..runner import RunContext, safe_process_job
from ..spec import JobSpec
from ._base import BaseExecutor, OnDone, OnStart, Priorities, Replan


class LocalExecutor(BaseExecutor):
    name = "local"

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        if scheduler:
            raise RadpsError("a scheduler address is for the dask executor, not the local one")
        super().__init__(workers)

    def run(
        self,
        specs: Mapping[str, JobSpec],
        ctx: RunContext,
        on_done: OnDone,
        on_start: OnStart | None = None,
        replan: Replan | None = None,
    ) -> dict[str, JobOutcome]:
        priority = Priorities(specs, replan)
        waiting = {job: len(spec.parents) for job, spec in specs.items()}
        children: dict[str, list[str]] = {job: [] for job in specs}
        for job, spec in specs.items():
            for parent in spec.parents:
                children[parent].append(job)
        ready = [(priority[job], job) for job, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        outcomes: dict[str, JobOutcome] = {}

        def finish(outcome: JobOutcome) -> None:
            nonlocal ready
            outcomes[outcome.id] = outcome
            on_done(outcome)
            if priority.finished(outcome):
                ready = [(priority[job], job) for _, job in ready]
                heapq.heapify(ready)
            for child in children[outcome.id]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (priority[child], child))

        def next_ready() -> JobSpec:
            spec = specs[heapq.heappop(ready)[1]]
            priority.started(spec.id)
            if on_start is not None:
                on_start(spec)
            return spec

        def inputs_of(spec: JobSpec) -> dict[str, JobOutcome]:
            return {p: outcomes[p] for p in spec.parents}

        if ctx.dummy:
            while ready:
                spec = next_ready()
                finish(safe_process_job(spec, inputs_of(spec), ctx))
            return outcomes

        running: dict[Future[JobOutcome], str] = {}
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="local")
        try:
            while ready or running:
                while ready and len(running) < self.workers:
                    spec = next_ready()
                    running[pool.submit(safe_process_job, spec, inputs_of(spec), ctx)] = spec.id
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: priority[running[f]]):
                    del running[future]
                    finish(future.result())
        finally:
            pool.shutdown(wait=not running, cancel_futures=True)
        return outcomes
