"""Scoring sequencers on held-out instances: fit on a fold's training part, propose,
check and replay on its test part, and measure what DESIGN.md 6 asks for.

One record per (sequencer, instance, k, seed): makespan and its ratios to the lower
bound and to the clairvoyant oracle, time to the first target product (and how much
sooner than EDPS breadth-first), compute saved by skips and how much of the oracle's
saving that is, products and target products changed by skips, refusals, and fit and
propose times. The oracle and breadth-first references are computed once per instance
and k, since neither depends on the training data or the seed.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.experiments.data import Instance, instances_run_log
from radps_seq.experiments.replay import ReplayResult, auto_workers, replay_with_guard
from radps_seq.experiments.selection import Selection, needs_selection, resolved
from radps_seq.experiments.splits import Fold
from radps_seq.plan.base import PlanContext, Sequencer
from radps_seq.plan.sequencers import get_sequencer, sequencer_class

if TYPE_CHECKING:
    from radps_seq.experiments.config import SequencerSpec


class _Timed:
    """A sequencer seen through a stopwatch on ``propose`` and ``replan`` (all replay
    calls); ``replans`` is the wrapped sequencer's tag."""

    def __init__(self, sequencer: Sequencer) -> None:
        self.sequencer = sequencer
        self.replans = bool(getattr(sequencer, "replans", False))
        self.seconds = 0.0

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Any:
        return self._timed(self.sequencer.propose, job_graph, context)

    def replan(self, *args: Any) -> Any:
        return self._timed(self.sequencer.replan, *args)  # type: ignore[attr-defined]

    def _timed(self, method: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(*args)
        finally:
            self.seconds += time.perf_counter() - start


@dataclass
class References:
    """Per (instance, k): the oracle's and breadth-first's replays, cached."""

    cache: dict[tuple[str, int], tuple[ReplayResult, ReplayResult]] = field(default_factory=dict)
    chains: dict[str, float | None] = field(default_factory=dict)

    def get(self, inst: Instance, k: int, objective: str) -> tuple[ReplayResult, ReplayResult]:
        key = (inst.name, k)
        if key not in self.cache:
            context = PlanContext(workers=k, objective=objective, truth=inst.truth)
            oracle = replay_with_guard(get_sequencer("oracle"), inst.graph, context, inst.truth, k)
            bfs = replay_with_guard(get_sequencer("bfs"), inst.graph, context, inst.truth, k)
            self.cache[key] = (oracle, bfs)
        return self.cache[key]

    def first_target_bound(self, inst: Instance) -> float | None:
        """The earliest any order can finish a target without skips, with any number of
        workers: the shortest of the longest true-runtime chains ending at a target."""
        if inst.name not in self.chains:
            graph, longest = inst.graph, {}
            for job in nx.topological_sort(graph):
                own = float(inst.truth.get(job, {}).get("runtime_s", 0.0) or 0.0)
                longest[job] = own + max((longest[p] for p in graph.pred[job]), default=0.0)
            ends = [longest[j] for j in graph if graph.nodes[j].get("target", False)]
            self.chains[inst.name] = min(ends) if ends else None
        return self.chains[inst.name]


def workers_for(inst: Instance, workers: int | str) -> int:
    return auto_workers(inst.graph, inst.truth) if workers == "auto" else int(workers)


def build(spec: SequencerSpec, seed: int, **overrides: Any) -> Sequencer:
    """A new sequencer from ``spec``; a ``random_state`` hyper-parameter follows the seed
    unless the spec fixes it."""
    params = {**spec.params, **overrides}
    accepted = inspect.signature(sequencer_class(spec.name).__init__).parameters
    if "random_state" in accepted and "random_state" not in params:
        params["random_state"] = seed
    return get_sequencer(spec.name, **params)


def fit(
    spec: SequencerSpec, train: list[Instance], seed: int, run_log: Any = None, **overrides: Any
) -> tuple[Sequencer, float]:
    """Fit ``spec`` on the training instances; returns it and the seconds ``fit`` took."""
    sequencer = build(spec, seed, **overrides)
    history = run_log if run_log is not None else instances_run_log(train)
    start = time.perf_counter()
    sequencer.fit(history)
    return sequencer, time.perf_counter() - start


def changed_targets(inst: Instance, skipped: set[str]) -> int:
    """Target jobs downstream of (or equal to) a skipped job whose skip changed a product."""
    bad = [j for j in skipped if inst.truth.get(j, {}).get("changed")]
    reached: set[str] = set(bad)
    for job in bad:
        reached |= nx.descendants(inst.graph, job)
    return sum(1 for j in reached if inst.graph.nodes[j].get("target", False))


def score(
    sequencer: Sequencer,
    inst: Instance,
    k: int,
    *,
    objective: str,
    seed: int,
    references: References,
) -> dict[str, Any]:
    """Propose, check, replay ``sequencer`` on ``inst`` with ``k`` workers: one record."""
    timed = _Timed(sequencer)
    context = PlanContext(workers=k, objective=objective, seed=seed, truth=inst.truth)
    result = replay_with_guard(timed, inst.graph, context, inst.truth, k)
    oracle, bfs = references.get(inst, k, objective)
    skipped = {j for j, run in result.runs.items() if run.worker is None}
    targets = sum(1 for j in result.runs if inst.graph.nodes[j].get("target", False))
    total = sum(float(inst.truth[j]["runtime_s"]) for j in result.runs)
    changed = changed_targets(inst, skipped)
    first, first_bfs = result.time_to_first_target_s, bfs.time_to_first_target_s
    return {
        "instance": inst.name,
        "family": inst.meta.get("family"),
        "source": inst.meta.get("source"),
        "size": inst.graph.number_of_nodes(),
        "k": k,
        "seed": seed,
        "makespan_s": result.makespan_s,
        "lower_bound_s": result.lower_bound_s,
        "ratio_lb": result.ratio,
        "ratio_oracle": _ratio(result.makespan_s, oracle.makespan_s),
        "first_target_s": first,
        "first_target_speedup_bfs": _ratio(first_bfs, first),
        # the most any order could gain over bfs without skipping (see References)
        "first_target_speedup_ceiling": _ratio(first_bfs, references.first_target_bound(inst)),
        "total_work_s": total,
        "compute_saved_s": result.compute_saved_s,
        "saved_frac": _ratio(result.compute_saved_s, total),
        "oracle_saved_s": oracle.compute_saved_s,
        "saving_recovered": _ratio(result.compute_saved_s, oracle.compute_saved_s),
        "skipped": result.skipped,
        "products_changed": result.products_changed,
        "targets": targets,
        "targets_changed": changed,
        "targets_changed_frac": _ratio(changed, targets),
        "refused": result.refused,
        "replans": result.replans,
        "refused_replans": result.refused_replans,
        "propose_s": timed.seconds,
    }


def _ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or b == 0:
        return math.nan
    return float(a) / float(b)


def evaluate_fold(
    fold: Fold,
    specs: list[SequencerSpec],
    workers: list[int | str],
    seed: int,
    *,
    objective: str,
    references: References,
    progress: Any = None,
    selection: Selection | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Sequencer], list[dict[str, Any]]]:
    """Records of every sequencer on every test instance at every k, for one seed;
    also returns the fitted sequencers (by label) for model logging, and the validation
    sweeps behind every parameter chosen on ``fold.train`` (:mod:`.selection`)."""
    run_log = instances_run_log(fold.train)
    records: list[dict[str, Any]] = []
    fitted: dict[str, Sequencer] = {}
    sweeps: list[dict[str, Any]] = []
    for spec in specs:
        if progress:
            progress(f"{fold.split} [{fold.name}] seed {seed}: {spec.label}")
        chosen: dict[str, Any] = {}
        if selection is not None and needs_selection(spec):
            asked = spec.params
            spec, sweep = resolved(
                spec, fold.train, selection, seed, objective=objective, references=references
            )
            chosen = {k: spec.params[k] for k, v in asked.items() if v != spec.params[k]}
            sweeps += [{**r, "sequencer": spec.label, "fold": fold.name} for r in sweep]
        elif needs_selection(spec):
            raise RadpsError(f"{spec.label}: a parameter chosen on validation folds needs a split")
        sequencer, fit_s = fit(spec, fold.train, seed, run_log)
        fitted[spec.label] = sequencer
        for inst in fold.test:
            for w in workers:
                record = score(
                    sequencer, inst, workers_for(inst, w),
                    objective=objective, seed=seed, references=references,
                )  # fmt: skip
                record.update(
                    sequencer=spec.label, split=fold.split, fold=fold.name,
                    workers=str(w), fit_s=fit_s,
                    skip_threshold=spec.params.get("skip_threshold"),
                    chosen=json.dumps(chosen, sort_keys=True, default=str) if chosen else None,
                )  # fmt: skip
                records.append(record)
    return records, fitted, sweeps


def threshold_sweep(
    sequencer: Sequencer,
    test: list[Instance],
    thresholds: list[float],
    k: int | str,
    *,
    objective: str,
    seed: int,
    references: References,
) -> list[dict[str, Any]]:
    """Cost versus safety of the skip threshold: compute saved and target products
    changed at each threshold, on the instances that have skippable jobs."""
    skippable = [
        inst for inst in test
        if any(a.get("skippable") for _, a in inst.graph.nodes(data=True))
    ]  # fmt: skip
    out = []
    for threshold in thresholds:
        variant = copy.copy(sequencer)
        variant.skip_threshold = threshold
        for inst in skippable:
            record = score(
                variant, inst, workers_for(inst, k),
                objective=objective, seed=seed, references=references,
            )  # fmt: skip
            record["threshold"] = threshold
            out.append(record)
    return out
