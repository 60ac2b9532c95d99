"""From a job graph and a checked plan to the job specs a run (or a dry run) works on.

Done once, in the parent, before anything runs: the guard's verdict, recipe
resolution per task, content hashes of every on-disk input (through the memo), the
logical keys and previous results for change reasons, and the forced jobs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from radps_seq.errors import RadpsError

from .hashing import hash_files
from .recipe_call import RecipeCallError, RecipeRef, recipe_ref
from .spec import CategoryRule, InputSpec, JobSpec, forced_reasons, logical_keys, per_task
from .workdb import WorkDB

log = logging.getLogger("radps_seq.execute")


@dataclass
class Prepared:
    plan: Any  # radps_seq.plan.Plan that will run
    refused: list[str]
    specs: dict[str, JobSpec]  # planned jobs, in plan order
    incomplete: list[str]


def checked_plan(graph: nx.DiGraph, plan: Any, workers: int = 1) -> tuple[Any, list[str]]:
    """The plan to run and the guard's refusal reasons (empty when it was accepted).

    Only plans the guard accepts run; a refused proposal falls back to the EDPS
    breadth-first baseline, and the refusal is logged with every reason.
    """
    from radps_seq.plan import Plan, PlanContext, check, get_sequencer

    if isinstance(plan, Mapping):
        plan = Plan.from_dict(dict(plan))
    refused: list[str] = []
    if plan is not None:
        refused = [str(v) for v in check(plan, graph)]
        if not refused:
            return plan, []
        log.warning(
            "plan of planner %r refused by the guard (%d violation(s)); running the bfs "
            "baseline instead: %s",
            plan.planner,
            len(refused),
            "; ".join(refused[:10]),
        )
    baseline = get_sequencer("bfs").propose(graph, PlanContext(workers=max(1, int(workers))))
    problems = check(baseline, graph)
    if problems:
        raise RadpsError(f"the job graph cannot be executed: {problems[0]}")
    return baseline, refused


def _jobs(graph: nx.DiGraph) -> None:
    for node, attrs in graph.nodes(data=True):
        if attrs.get("job") is None:
            raise RadpsError(
                f"job {node} (task {attrs.get('task', '?')}) has no 'job' attribute: only job "
                "graphs derived from a cascade can be executed (traces can be replayed)"
            )


def prepare(
    graph: nx.DiGraph,
    plan: Any,
    *,
    workdir: str | os.PathLike,
    workflow: Any = None,
    workers: int = 1,
    dummy: bool = False,
    force: Any = False,
    force_downstream: Any = False,
    retries: Any = None,
    timeout_s: Any = None,
    save_memo: bool = True,
) -> Prepared:
    _jobs(graph)
    plan, refused = checked_plan(graph, plan, workers)
    order = list(plan.order)
    planned = set(order)
    skip = set(plan.skip)
    db = WorkDB(workdir, create=save_memo)
    files = [
        os.path.abspath(i.file)
        for job_id in order
        for i in graph.nodes[job_id]["job"].inputs
        if i.file is not None
    ]
    hashes, errors, fresh = hash_files(files, db.memo(), threads=max(2, int(workers)))
    if save_memo:
        db.save_memo(fresh)
    keys = logical_keys(graph, order)
    previous = db.results()
    forced = forced_reasons(graph, order, force, force_downstream)
    refs: dict[tuple[str, str | None], RecipeRef | str] = {}
    specs: dict[str, JobSpec] = {}
    for job_id in order:
        job = graph.nodes[job_id]["job"]
        task = workflow.tasks.get(job.task) if workflow is not None else None
        ref_key = (job.task, job.recipe)
        if ref_key not in refs:
            try:
                refs[ref_key] = recipe_ref(job.task, job.recipe, workflow, dummy)
            except RecipeCallError as exc:
                refs[ref_key] = str(exc)
        ref = refs[ref_key]
        error = ref if isinstance(ref, str) else None
        inputs = []
        for item in job.inputs:
            if item.file is not None:
                path = os.path.abspath(item.file)
                inputs.append(
                    InputSpec(
                        item.category,
                        item.slot,
                        file=path,
                        sha256=hashes.get(path),
                        error=errors.get(path),
                    )
                )
            elif item.job in planned:
                inputs.append(InputSpec(item.category, item.slot, job=item.job))
            else:
                error = error or f"upstream job {item.job} is not part of the plan"
        specs[job_id] = JobSpec(
            id=job_id,
            task=job.task,
            recipe=ref
            if isinstance(ref, RecipeRef)
            else RecipeRef("python", job.recipe, "", job.task),
            parameters=dict(job.parameters),
            inputs=inputs,
            parents={p: graph.nodes[p]["task"] for p in graph.pred[job_id] if p in planned},
            logical_key=keys[job_id],
            input_map=dict(getattr(task, "input_map", None) or {}),
            input_filter=CategoryRule.of(getattr(task, "input_filter", None)),
            output_filter=CategoryRule.of(getattr(task, "output_filter", None)),
            products=list(job.products),
            skipped=job_id in skip,
            retries=int(per_task(retries, job.task, "retries") or 0),
            timeout_s=per_task(timeout_s, job.task, "timeout_s"),
            previous=previous.get(keys[job_id]),
            forced=forced.get(job_id),
            error=error,
        )
    incomplete = [n for n, ok in graph.nodes(data="complete", default=True) if not ok]
    return Prepared(plan, refused, specs, incomplete)


def raw_inputs(graph: nx.DiGraph) -> list[str]:
    """Every on-disk input file of the graph's jobs (for the reduction record)."""
    return sorted(
        {
            str(Path(i.file).resolve())
            for _, job in graph.nodes(data="job")
            if job is not None
            for i in job.inputs
            if i.file is not None
        }
    )
