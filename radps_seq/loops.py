"""Loops in processing: a reduction that grows its job graph while it runs.

Radio processing repeats a step until it converges (self-calibration: image, solve,
apply, image again). A cascade declares such a loop as tasks for iterations 1..N whose
conditions read a round counter, a final task gated by a "done" flag, and the product
category in which each iteration reports its convergence test. The parameter set names
them in the workflow parameter ``loop``::

    loop: {counter: selfcal_rounds, done: selfcal_done, max: selfcal_max_iterations,
           decision: SELFCAL_DECISION, iterations: selfcal}

:func:`run_with_loops` runs round 1, reads the latest iteration's decision, and if it
has not converged derives the cascade again with the counter raised: the rules add
the next iteration. Every round is a reduction of its own, so its plan passes the guard
(:func:`radps_seq.plan.guard.accept`) before anything runs -- a round records the
guard's reasons if it refused the proposal -- and its jobs land in the run log; a round's graph must extend the previous one (every earlier job and edge still
there, unchanged), otherwise the loop stops with an error. When the test says stop
(or the maximum is reached) a last round with the done flag derives what follows the
loop. Until then the iterations (meta-target ``iterations``) are the rounds' targets
besides the request's own; in the last round they are ordinary upstream jobs. Each round is recorded in ``<workdir>/loops.jsonl``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import RadpsError
from .reduction import ReductionRequest, derive_for, run_reduction


@dataclass
class LoopSpec:
    counter: str
    done: str
    maximum: int
    decision: str
    iterations: str


@dataclass
class LoopRound:
    """One round: its reduction, the jobs it added, the guard's reasons for refusing the
    proposal (empty: accepted), the convergence decision."""

    round: int
    done: bool
    reduction: str
    status: str
    new_jobs: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    decision: dict[str, Any] | None = None


def loop_spec(request: ReductionRequest) -> LoopSpec | None:
    """The loop the request's parameter set declares, if any."""
    from .derive.request import load, parameter_set

    workflow = load(request.workflow)
    params = parameter_set(workflow, request.parameter_set, request.workflow_parameters).workflow_parameters
    spec = params.get("loop")
    if not spec:
        return None
    keys = {"counter", "done", "max", "decision", "iterations"}
    if not isinstance(spec, dict) or set(spec) != keys:
        raise RadpsError(f"workflow parameter 'loop' of {workflow.name!r} must name exactly "
                         f"{', '.join(sorted(keys))}; got {spec!r}")
    maximum = params.get(spec["max"]) if isinstance(spec["max"], str) else spec["max"]
    try:
        maximum = int(maximum)
    except (TypeError, ValueError):
        raise RadpsError(f"loop of {workflow.name!r}: max {spec['max']!r} is not a number") from None
    return LoopSpec(spec["counter"], spec["done"], maximum, spec["decision"], spec["iterations"])


def run_with_loops(request: ReductionRequest, progress: bool = False
                   ) -> tuple[Any, Any, Any, list[LoopRound]]:
    """Run ``request``; unroll its loop round by round. Returns the last round's
    (derivation, plan, result) and the rounds."""
    spec = loop_spec(request)
    if spec is None:
        return (*run_reduction(request, progress=progress), [])
    rounds: list[LoopRound] = []
    previous = None
    count, done = 1, False
    while True:
        targets = list(request.meta_targets) or ([] if request.tasks else ["science"])
        step = replace(request, workflow_parameters={**request.workflow_parameters,
                                                     spec.counter: count, spec.done: done},
                       meta_targets=targets if done else [*targets, spec.iterations])
        _, derivation = derive_for(step)
        grown = _extension_problems(previous, derivation.graph)
        if grown:
            raise RadpsError(f"loop round {count}: the re-derived graph does not extend the previous "
                             f"round's: {'; '.join(grown[:5])}")
        derivation, plan, result = run_reduction(step, progress=progress)
        record = LoopRound(count, done, result.reduction, result.status,
                           new_jobs=_labels(derivation.graph, previous),
                           violations=list(plan.refused))
        rounds.append(record)
        previous = derivation.graph
        if done or result.status != "succeeded":
            break
        record.decision = _latest_decision(result, spec.decision)
        if record.decision is None or record.decision.get("converged") or count >= spec.maximum:
            done = True
        else:
            count += 1
        _append(request.workdir, record)
    _append(request.workdir, rounds[-1])
    return derivation, plan, result, rounds


def _extension_problems(previous: Any, graph: Any) -> list[str]:
    if previous is None:
        return []
    problems = [f"job {n} ({previous.nodes[n]['job'].task}) is gone" for n in previous if n not in graph]
    problems += [f"edge {u} -> {v} is gone" for u, v in previous.edges if not graph.has_edge(u, v)]
    return problems


def _labels(graph: Any, previous: Any) -> list[str]:
    return [f"{graph.nodes[n]['job'].task} [{n}]" for n in graph.graph["order"]
            if previous is None or n not in previous]


def _latest_decision(result: Any, category: str) -> dict[str, Any] | None:
    """The decision file of the highest iteration that ran or was reused."""
    best: dict[str, Any] | None = None
    for job in result.jobs:
        for path in job.products:
            if Path(path).name.endswith(".json") and _is_decision(job, path, category):
                decision = json.loads(Path(path).read_text())
                if best is None or decision.get("iteration", 0) > best.get("iteration", 0):
                    best = decision
    return best


def _is_decision(job: Any, path: str, category: str) -> bool:
    manifest = Path(path).parent / "manifest.json"
    if not manifest.is_file():
        return False
    entries = json.loads(manifest.read_text()).get("products", [])
    return any(e.get("category") == category and Path(path).name == e.get("path") for e in entries)


def _append(workdir: str, record: LoopRound) -> None:
    path = Path(workdir) / "loops.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps({"time": time.time(), **record.__dict__}) + "\n")
