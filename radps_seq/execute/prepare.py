"""From a job graph to the job specs a run (or a dry run) works on.

Done once, in the parent, before anything runs, and before the guard sees the plan (so
proposed skips of jobs that will be reused can be dropped first): recipe resolution per
task, content hashes of every on-disk input (through the memo), the
logical keys and previous results for change reasons, and the forced jobs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.plan.plan import CheckedPlan

from .hashing import hash_files
from .recipe_call import RecipeCallError, RecipeRef
from .recipe_memo import RecipeMemo
from .spec import CategoryRule, InputSpec, JobSpec, forced_reasons, logical_keys, per_task
from .workdb import WorkDB


@dataclass
class Prepared:
    """The specs of every complete job (topological order, nothing skipped yet) and the
    incomplete jobs; :meth:`in_plan` applies a checked plan's order and skips."""

    specs: dict[str, JobSpec]
    incomplete: list[str]

    def in_plan(self, plan: CheckedPlan) -> dict[str, JobSpec]:
        """The specs in the plan's order, its skips marked."""
        if not isinstance(plan, CheckedPlan):
            raise RadpsError(
                "only plans the guard accepted run: pass the plan through "
                "radps_seq.plan.accept(plan, graph, context) first"
            )
        if set(plan.order) != self.specs.keys():
            raise RadpsError("the checked plan does not cover the job graph it is run on")
        skip = set(plan.skip)
        return {
            job: replace(self.specs[job], skipped=True) if job in skip else self.specs[job]
            for job in plan.order
        }


def _jobs(graph: nx.DiGraph) -> None:
    for node, attrs in graph.nodes(data=True):
        if attrs.get("job") is None:
            raise RadpsError(
                f"job {node} (task {attrs.get('task', '?')}) has no 'job' attribute: only job "
                "graphs derived from a cascade can be executed (traces can be replayed)"
            )


def prepare(
    graph: nx.DiGraph,
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
    """Specs of every complete job of ``graph``: inputs hashed (through the memo),
    recipes resolved, previous results and forced jobs looked up — once per reduction."""
    _jobs(graph)
    order = [job for job in nx.topological_sort(graph) if graph.nodes[job].get("complete", True)]
    planned = set(order)
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
    memo = RecipeMemo(db, workflow, dummy)
    refs: dict[tuple[str, str | None], RecipeRef | str] = {}
    specs: dict[str, JobSpec] = {}
    for job_id in order:
        job = graph.nodes[job_id]["job"]
        if (job.task, job.recipe) not in refs:
            try:
                refs[(job.task, job.recipe)] = memo(job.task, job.recipe)
            except RecipeCallError as exc:
                refs[(job.task, job.recipe)] = str(exc)
        ref = refs[(job.task, job.recipe)]
        inputs, error = _inputs(job, planned, hashes, errors)
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
            products=list(job.products),
            retries=int(per_task(retries, job.task, "retries") or 0),
            timeout_s=per_task(timeout_s, job.task, "timeout_s"),
            previous=previous.get(keys[job_id]),
            forced=forced.get(job_id),
            error=ref if isinstance(ref, str) else error,
            **_task_rules(workflow.tasks.get(job.task) if workflow is not None else None),
        )
    if save_memo:
        memo.save()
    incomplete = [n for n, ok in graph.nodes(data="complete", default=True) if not ok]
    return Prepared(specs, incomplete)


def _inputs(
    job: Any, planned: set[str], hashes: Mapping[str, str], errors: Mapping[str, str]
) -> tuple[list[InputSpec], str | None]:
    """A job's input specs (files with their content hash), and why it cannot run if an
    upstream job is not planned."""
    inputs, error = [], None
    for item in job.inputs:
        if item.file is not None:
            path = os.path.abspath(item.file)
            inputs.append(InputSpec(item.category, item.slot, file=path,
                                    sha256=hashes.get(path), error=errors.get(path)))  # fmt: skip
        elif item.job in planned:
            inputs.append(InputSpec(item.category, item.slot, job=item.job))
        else:
            error = error or f"upstream job {item.job} is not part of the plan"
    return inputs, error


def _task_rules(task: Any) -> dict[str, Any]:
    """What the cascade's task says about a job's inputs and outputs."""
    return {
        "input_map": dict(getattr(task, "input_map", None) or {}),
        "input_filter": CategoryRule.of(getattr(task, "input_filter", None)),
        "output_filter": CategoryRule.of(getattr(task, "output_filter", None)),
    }


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
