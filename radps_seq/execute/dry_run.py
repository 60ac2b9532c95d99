"""``radps-seq run -n``: what a run would run, reuse or skip, and why — touching nothing.

The decisions are the runner's own (:func:`radps_seq.execute.verdict.judge` on the same
specs); a job downstream of one that will run is reported as running because its inputs
are not known yet (a deterministic recipe may still make it reusable then).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import networkx as nx

from radps_seq.plan.plan import CheckedPlan

from .prepare import Prepared, prepare
from .result import CACHED, FAILED, SKIPPED, Decision, JobOutcome
from .runner import produced_outcome
from .spec import JobSpec
from .store import ProductStore
from .verdict import BLOCKED, FAIL, PENDING, REUSE, SKIP, judge


def dry_run(
    graph: nx.DiGraph,
    plan: CheckedPlan,
    *,
    workdir: str | os.PathLike,
    workflow: Any = None,
    force: Any = False,
    force_downstream: Any = False,
    dummy: bool = False,
    prepared: Prepared | None = None,
) -> list[Decision]:
    """One :class:`Decision` per job: the planned ones in plan order, then incomplete ones.

    ``prepared`` reuses the specs a reduction already prepared (and hashed) instead of
    preparing them again; the other options are then those it was prepared with.
    """
    if prepared is None:
        prepared = prepare(
            graph,
            workdir=workdir,
            workflow=workflow,
            dummy=dummy,
            force=force,
            force_downstream=force_downstream,
            save_memo=False,
        )
    decisions = decide_all(prepared.in_plan(plan), ProductStore(workdir))
    for job_id in prepared.incomplete:
        job = graph.nodes[job_id]["job"]
        missing = ", ".join(job.missing or ["inputs"])
        decisions.append(Decision(job_id, job.task, "skip", f"incomplete: missing {missing}"))
    return decisions


def reusable(prepared: Prepared, workdir: str | os.PathLike) -> set[str]:
    """The jobs whose products a run without any skip would reuse."""
    decisions = decide_all(prepared.specs, ProductStore(workdir))
    return {d.job for d in decisions if d.action == "reuse"}


def decide_all(specs: Mapping[str, JobSpec], store: ProductStore) -> list[Decision]:
    """The decision of every spec (in the given order, parents first)."""
    known: dict[str, JobOutcome] = {}
    decisions: list[Decision] = []
    for job_id, spec in specs.items():
        parents = {p: known[p] for p in spec.parents}
        verdict = judge(spec, parents, store)
        action = "skip" if spec.skipped else "run"
        status, reason = PENDING, verdict.reason
        if verdict.action == BLOCKED:
            parent = parents[verdict.parent]
            status, reason = FAILED, f"will fail: blocked by {parent.task} job {parent.id}"
        elif verdict.action == FAIL:
            status, reason = FAILED, f"will fail: {verdict.reason}"
        elif verdict.action == SKIP and verdict.parent is None:
            status = SKIPPED
        elif verdict.action == REUSE:
            folder = verdict.folder
            known[job_id] = produced_outcome(
                spec, folder, verdict.manifest, verdict.parts, CACHED, verdict.reason
            )
            decisions.append(Decision(job_id, spec.task, "reuse", verdict.reason))
            continue
        known[job_id] = JobOutcome(job_id, spec.task, status, passthrough=verdict.inputs)
        decisions.append(Decision(job_id, spec.task, action, reason))
    return decisions
