"""``radps-seq run -n``: what a run would run, reuse or skip, and why — touching nothing.

The decisions are the executor's own (:func:`radps_seq.execute.cache.decide` on the
same specs); a job downstream of one that will run is reported as running because its
inputs are not known yet (a deterministic recipe may still make it reusable then).
"""

from __future__ import annotations

import os
from typing import Any

import networkx as nx

from .cache import cache_key, components, decide
from .inputs import resolve_inputs
from .prepare import prepare
from .result import CACHED, FAILED, SKIPPED, Decision, JobOutcome
from .runner import produced_outcome
from .store import ProductStore

_PENDING = "pending"  # this job will run: its products are not known before it does


def dry_run(
    graph: nx.DiGraph,
    plan: Any,
    *,
    workdir: str | os.PathLike,
    workflow: Any = None,
    force: Any = False,
    force_downstream: Any = False,
    dummy: bool = False,
) -> list[Decision]:
    """One :class:`Decision` per job: the planned ones in plan order, then incomplete ones."""
    prepared = prepare(
        graph,
        plan,
        workdir=workdir,
        workflow=workflow,
        dummy=dummy,
        force=force,
        force_downstream=force_downstream,
        save_memo=False,
    )
    store = ProductStore(workdir)
    known: dict[str, JobOutcome] = {}
    decisions: list[Decision] = []
    for job_id, spec in prepared.specs.items():
        parents = {p: known[p] for p in spec.parents}
        relevant = spec.main_parents if spec.skipped else list(spec.parents)
        waiting = [p for p in relevant if parents[p].status == _PENDING]
        failing = [p for p in relevant if parents[p].status == FAILED]
        if failing:
            known[job_id] = JobOutcome(job_id, spec.task, FAILED)
            reason = f"will fail: blocked by {parents[failing[0]].task} job {failing[0]}"
            decisions.append(Decision(job_id, spec.task, "skip" if spec.skipped else "run", reason))
            continue
        if spec.skipped:
            handed_on, problems = ([], []) if waiting else resolve_inputs(spec, parents, True)
            status = FAILED if problems else _PENDING if waiting else SKIPPED
            known[job_id] = JobOutcome(job_id, spec.task, status, passthrough=handed_on)
            reason = "will fail: " + "; ".join(problems) if problems else "skipped by plan"
            decisions.append(Decision(job_id, spec.task, "skip", reason))
            continue
        known[job_id] = JobOutcome(job_id, spec.task, _PENDING)
        inputs, problems = ([], []) if waiting else resolve_inputs(spec, parents)
        if spec.error or problems:
            known[job_id].status = FAILED
            reason = "will fail: " + (spec.error or "; ".join(problems))
        elif spec.forced:
            reason = spec.forced
        elif waiting:
            reason = f"upstream will run: {parents[waiting[0]].task} job {waiting[0]}"
        else:
            parts = components(spec.recipe.identity, spec.recipe.version, spec.parameters, inputs)
            action, reason, manifest = decide(
                store.folder(spec.task, job_id), cache_key(parts), parts, spec.previous, None
            )
            if action == "reuse":
                known[job_id] = produced_outcome(
                    spec, store.folder(spec.task, job_id), manifest, parts, CACHED, reason
                )
                decisions.append(Decision(job_id, spec.task, "reuse", reason))
                continue
        decisions.append(Decision(job_id, spec.task, "run", reason))
    for job_id in prepared.incomplete:
        job = graph.nodes[job_id]["job"]
        missing = ", ".join(job.missing or ["inputs"])
        decisions.append(Decision(job_id, job.task, "skip", f"incomplete: missing {missing}"))
    return decisions
