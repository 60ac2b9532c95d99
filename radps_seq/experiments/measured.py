"""Skips measured by re-running, not inferred from labels.

A skip is safe when the target products come out the same. Per-stage labels ("this
stage changed its product by less than its tolerance") do not say that: stages
interact, and several skips at once can add up. So a night is reduced in full (every
stage run), its target products are kept aside, and the night is reduced again with a
set of skips — the planner's proposal, the per-stage oracle's (every stage whose
measured effect was within tolerance), or the jointly-safe reference (per-stage-safe
skips added greedily by saving, each addition verified by re-running with the whole
set: :meth:`FullReduction.jointly_safe`) — in the same work directory, so only the jobs downstream
of a skip run again. Each target product of the re-run is compared with the full
reduction's: it counts as *changed* when the share of its pixels that moved by more
than half the image noise exceeds the strictest tolerance among the skipped stages
upstream of it (the cascade's own statement of "practically unchanged"). The compute
saved is the measured wall time, in the full reduction, of the jobs skipped.

Real recipes on simulated nights: the recipes and the comparison are real, the sky is
simulated.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.plan.graphs import priority_order
from radps_seq.plan.guard import legal_skips
from radps_seq.plan.plan import Plan

if TYPE_CHECKING:
    from radps_seq.reduction import ReductionRequest


@dataclass
class SkipRun:
    """One re-run with ``skipped`` jobs: compute saved and target products changed."""

    label: str
    skipped: list[str]
    compute_saved_s: float
    total_s: float
    targets: int
    targets_changed: int
    changed: list[dict[str, Any]]

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "skipped": len(self.skipped),
            "compute_saved_s": self.compute_saved_s,
            "saved_frac": self.compute_saved_s / self.total_s if self.total_s else 0.0,
            "targets": self.targets,
            "targets_changed": self.targets_changed,
            "targets_changed_frac": self.targets_changed / self.targets if self.targets else 0.0,
        }


class FullReduction:
    """A night reduced with every stage run, its target products kept aside."""

    def __init__(self, request: ReductionRequest) -> None:
        from radps_seq.reduction import derive_for, run_reduction

        request = replace(request, planner="bfs", model=None, track=False)
        self.request = request
        derivation, _, result = run_reduction(request)
        self.graph: nx.DiGraph = derivation.graph
        self.workflow, _ = derive_for(request)
        self.outcomes = {o.id: o for o in result.jobs}
        self.wall_s, self.effect = _measured(request.workdir)
        self.tolerances = {
            name: float(task.skippable.tolerance)
            for name, task in self.workflow.tasks.items()
            if getattr(task, "skippable", None) is not None
        }
        self.kept = Path(request.workdir) / "full-targets"
        shutil.rmtree(self.kept, ignore_errors=True)
        for job in self.targets:
            folder = self.kept / job
            folder.mkdir(parents=True)
            for path in self.outcomes[job].products:
                shutil.copy2(path, folder / Path(path).name)

    @property
    def targets(self) -> list[str]:
        return [j for j, a in self.graph.nodes(data=True) if a.get("target") and j in self.outcomes]

    def harmless(self) -> list[str]:
        """The oracle's skips: skippable, non-target jobs whose measured effect was
        within their task's tolerance in this full reduction (and that may be skipped
        together, by the guard's rules)."""
        nodes = self.graph.nodes
        candidates = [
            j for j in self.outcomes
            if nodes[j].get("skippable") and not nodes[j].get("target")
            and self.effect.get(j) is not None
            and self.effect[j] <= self.tolerances.get(nodes[j]["task"], 0.0)
        ]  # fmt: skip
        return sorted(legal_skips(self.graph, priority_order(self.graph), candidates))

    def jointly_safe(
        self, candidates: Iterable[str] | None = None, say: Callable[[str], None] | None = None
    ) -> tuple[SkipRun, int]:
        """The measured reference: skips added greedily by saving, each addition kept
        only if a re-run with the *whole* set so far changes no target product.

        ``candidates`` (default :meth:`harmless`) are tried a task at a time, the task
        saving most first; a task whose jobs together change a target is split in
        halves (by saving) and each half tried again, down to single jobs — group
        testing, so a night needs a few re-runs per task, not one per job. Returns the
        re-run of the final set (what the oracle's saving is) and how many re-runs the
        search took."""
        pool = sorted(self.harmless() if candidates is None else candidates,
                      key=lambda j: -self.wall_s.get(j, 0.0))  # fmt: skip
        by_task: dict[str, list[str]] = {}
        for job in pool:
            by_task.setdefault(self.graph.nodes[job]["task"], []).append(job)
        groups = sorted(by_task.values(), key=lambda g: -sum(self.wall_s.get(j, 0.0) for j in g))
        kept: list[str] = []
        best = self.rerun("jointly safe", [])
        tries = 1
        while groups:
            group = groups.pop(0)
            trial = self.rerun("jointly safe", kept + group)
            tries += 1
            if say:
                say(f"  +{len(group)} {self.graph.nodes[group[0]]['task']}: "
                    f"{trial.targets_changed} target(s) changed")  # fmt: skip
            if trial.targets_changed == 0:
                kept, best = kept + group, trial
            elif len(group) > 1:
                half = len(group) // 2
                groups[:0] = [group[:half], group[half:]]
        return best, tries

    def rerun(self, label: str, skips: Iterable[str]) -> SkipRun:
        """Reduce again with ``skips`` (checked by the guard) and compare the targets."""
        from radps_seq.execute import execute
        from radps_seq.plan import accept

        request = self.request
        context = request.plan_context()
        order = priority_order(self.graph)
        plan, violations = accept(Plan(label, order, sorted(skips)), self.graph, context)
        if violations:
            raise ValueError(f"{label}: skips refused by the guard: {violations[0]}")
        result = execute(self.graph, plan, workdir=request.workdir, workflow=self.workflow,
                         workers=request.workers, runlog_url=request.runlog_url)  # fmt: skip
        again = {o.id: o for o in result.jobs}
        skipped = list(plan.skip)
        changed = [
            row
            for job in self.targets
            if (row := self._compare(job, again[job].products, skipped))["changed"]
        ]
        return SkipRun(
            label,
            skipped,
            sum(self.wall_s.get(j, 0.0) for j in skipped),
            sum(self.wall_s.get(j, 0.0) for j in self.outcomes),
            len(self.targets),
            len(changed),
            changed,
        )

    def _compare(self, job: str, products: list[str], skipped: list[str]) -> dict[str, Any]:
        upstream = nx.ancestors(self.graph, job) & set(skipped)
        tasks = {self.graph.nodes[j]["task"] for j in upstream}
        limit = min((self.tolerances.get(t, 0.0) for t in tasks), default=0.0)
        worst = max(
            (product_change(self.kept / job / Path(p).name, Path(p)) for p in products),
            default=0.0,
        )
        return {"job": job, "changed_fraction": worst, "tolerance": limit,
                "changed": bool(upstream) and worst > limit}  # fmt: skip


def product_change(before: Path, after: Path) -> float:
    """Share of pixels of ``after`` that moved by more than half the noise of
    ``before`` (1.0 when one of them is missing or the shapes differ)."""
    import numpy as np
    from astropy.io import fits

    from radps_seq.recipes.imaging.stats import changed_fraction, pixel_noise

    if not before.exists() or not after.exists():
        return 1.0
    a = np.asarray(fits.getdata(before), dtype=float)
    b = np.asarray(fits.getdata(after), dtype=float)
    if a.shape != b.shape:
        return 1.0
    return float(changed_fraction(a, b, pixel_noise(a)))


def _measured(workdir: str) -> tuple[dict[str, float], dict[str, float]]:
    """Wall time and effect of every job's latest succeeded attempt in the run log: a
    job reused from an earlier run was measured when that run ran it."""
    from radps_seq.experiments.data import read_run_log

    rows = read_run_log(workdir)
    ok = rows[rows["status"] == "succeeded"].sort_values("end_ts", kind="stable")
    wall = {str(r.job_id): float(r.wall_s) for r in ok.itertuples() if r.wall_s == r.wall_s}
    effect = {
        str(r.job_id): float(r.effect) for r in ok.itertuples() if r.effect == r.effect
        and r.effect is not None
    }  # fmt: skip
    return wall, effect
