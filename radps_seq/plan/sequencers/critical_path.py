"""Critical-path list scheduling (HEFT upward rank) with runtimes learned from the run log.

``fit`` learns one runtime per task — the mean (or median) ``wall_s`` of the task's
succeeded attempts — and the mean over all tasks for tasks it has never seen. Without a
run log every job counts 1 s, so the rank is the longest chain of jobs below a job.
These are the same estimates a learned planner starts from, which makes this the
baseline that shows what learning adds beyond per-task averages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.plan.base import BaseSequencer, NotFittedError, PlanContext
from radps_seq.plan.graphs import complete_jobs, priority_order, upward_rank
from radps_seq.plan.plan import Plan

if TYPE_CHECKING:
    from typing import Self

    import pandas as pd

STATISTICS = ("mean", "median")


class CriticalPathSequencer(BaseSequencer):
    name = "critical-path"
    learns_from_runlog = True

    def __init__(self, statistic: str = "mean") -> None:
        self.statistic = statistic

    def fit(self, run_log: pd.DataFrame | None = None) -> Self:
        if self.statistic not in STATISTICS:
            raise RadpsError(
                f"critical-path: statistic must be one of {', '.join(STATISTICS)}, "
                f"got {self.statistic!r}"
            )
        self.task_runtime_: dict[str, float] = {}
        self.default_runtime_ = 1.0
        if run_log is not None and len(run_log):
            missing = {"task", "status", "wall_s"} - set(run_log.columns)
            if missing:
                raise RadpsError(f"critical-path: run log lacks column(s) {sorted(missing)}")
            ok = run_log[(run_log["status"] == "succeeded") & run_log["wall_s"].notna()]
            if len(ok):
                by_task = ok.groupby("task")["wall_s"].agg(self.statistic)
                self.task_runtime_ = {str(t): float(s) for t, s in by_task.items()}
                self.default_runtime_ = float(by_task.mean())
        return self

    def estimates(self, job_graph: nx.DiGraph) -> dict[str, float]:
        """Estimated runtime of every complete job (seconds)."""
        if not hasattr(self, "task_runtime_"):
            raise NotFittedError("critical-path: call fit(run_log) (or fit(None)) before propose")
        return {
            j: self.task_runtime_.get(job_graph.nodes[j].get("task"), self.default_runtime_)
            for j in complete_jobs(job_graph)
        }

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        runtime = self.estimates(job_graph)
        rank = upward_rank(job_graph, runtime)
        return Plan(
            planner=self.name,
            order=priority_order(job_graph, key=lambda j: -rank[j]),
            predictions={j: {"runtime_s": s} for j, s in runtime.items()},
        )
