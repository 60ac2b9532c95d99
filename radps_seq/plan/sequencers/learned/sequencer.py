"""The static learned sequencer (``learned-static``): one plan made before anything runs,
from predicted runtimes and no-op probabilities. ``learned`` re-plans as jobs finish
(:mod:`.replanning`).

``fit(run_log)`` trains a runtime model and a skip model on what the run log measured
(:mod:`radps_seq.plan.sequencers.learned.models`), or loads a trained one when ``model`` names it.
``propose`` then:

1. predicts every complete job's runtime and, for skippable jobs, ``p_noop``;
2. proposes to skip the skippable, non-target jobs with ``p_noop >= skip_threshold``,
   keeping only skips the guard's rules allow (``legal_skips``);
3. orders the jobs for the objective:

   - ``makespan``: upward rank (critical path below a job) with the predicted runtimes,
     skipped jobs counting zero — the HEFT list-scheduling priority;
   - ``interactive``: EDPS's interactive mode — one target chain at a time. Targets are
     taken greedily by the predicted work still needed to produce them (shared
     calibrations count once), and every job is placed with the first target that
     needs it; within a chain, upward rank. A person inspecting products gets the first
     one as early as its own chain allows, and the next ones in a steady, followable
     sequence, at a measured cost in makespan.

Two guards against ordering on noise (measured in benchmarks/results/heldout.md: the
tie-break wins on real Montage traces and costs where sizes do not follow runtimes,
as in WfChef-generated families): the runtime model's per-job differences within a task
are shrunk by a weight validated on inner folds of the training log (``within_task``,
:mod:`.reliability`), and jobs of equal rank — the jobs of one stage when nothing tells
them apart — go largest input first (``ties="input_bytes"``: what a job reads, known
before it runs for files no task produces, predicted or already written for parents'
products), the longest-processing-time-first rule with input size standing in for the
runtime nobody knows yet; ``"raw_bytes"`` counts only the files no task produces (the
part known before anything runs), ``"submission"`` keeps submission order.

``resolution`` rounds predicted runtimes to a geometric grid (buckets ``1 + resolution``
wide) before ranking: differences smaller than the model can resolve then leave jobs in
submission order, which keeps related jobs together, instead of shuffling them on noise.

Without a model (``fit(None)``) every job predicts one second and nothing is skipped, so
the plan is the longest-chain-first order: still valid, never clever.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import networkx as nx

from radps_seq.errors import RadpsError
from radps_seq.plan.base import OBJECTIVES, BaseSequencer, NotFittedError, PlanContext
from radps_seq.plan.graphs import complete_jobs, priority_order, upward_rank
from radps_seq.plan.guard import legal_skips
from radps_seq.plan.plan import Plan

if TYPE_CHECKING:
    import pandas as pd

    from radps_seq.plan.sequencers.learned.features import Examples
    from radps_seq.plan.sequencers.learned.models import LearnedModel, RuntimeModel, SkipModel

DEFAULT_SKIP_THRESHOLD = 0.9
#: What a task type never seen in training is predicted to take (see RuntimeModel).
UNSEEN_TASKS = ("mean", "model")
#: How far per-job differences within a task are trusted (see RuntimeModel).
WITHIN_TASK = ("validated", "model")
#: How jobs of equal rank are ordered.
TIES = ("input_bytes", "raw_bytes", "submission")


class LearnedSequencer(BaseSequencer):
    """Hyper-parameters: ``objective`` (None: the request's), ``skip_threshold`` (None:
    the loaded model's, else 0.9; above 1 never skips), ``model`` (a directory or
    ``models:/NAME/VERSION`` to load instead of training), ``resolution``, the runtime
    model's gradient-boosting parameters, ``unseen_tasks`` (``"mean"``: task types never
    trained on weigh the baseline's mean runtime; ``"model"``: extrapolate from their
    inputs), ``within_task`` (``"validated"``: per-job differences within a task scaled
    by their inner-validated weight; ``"model"``: as predicted), ``ties`` (equal ranks:
    ``"input_bytes"`` largest input first, ``"raw_bytes"`` largest input no task produces
    first, ``"submission"``), ``rank_tolerance`` (ranks within this share of the
    longest count as equal, then ``ties`` decides), and the skip model's tree size
    (``skip_max_depth``, ``skip_min_samples_leaf``), ``tracking_uri`` (the MLflow store a
    ``models:/`` name is looked up in; None: MLflow's rule). Learned state: ``model_``."""

    name = "learned-static"
    learns_from_runlog = True

    def __init__(
        self,
        objective: str | None = None,
        skip_threshold: float | None = None,
        model: str | None = None,
        resolution: float = 0.0,
        max_iter: int = 200,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 5,
        l2_regularization: float = 0.0,
        unseen_tasks: str = "mean",
        within_task: str = "validated",
        ties: str = "input_bytes",
        rank_tolerance: float = 0.0,
        skip_max_depth: int = 4,
        skip_min_samples_leaf: int = 10,
        random_state: int = 0,
        tracking_uri: str | None = None,
    ) -> None:
        self.objective = objective
        self.skip_threshold = skip_threshold
        self.model = model
        self.resolution = resolution
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.unseen_tasks = unseen_tasks
        self.within_task = within_task
        self.ties = ties
        self.rank_tolerance = rank_tolerance
        self.skip_max_depth = skip_max_depth
        self.skip_min_samples_leaf = skip_min_samples_leaf
        self.random_state = random_state
        self.tracking_uri = tracking_uri

    def fit(self, run_log: pd.DataFrame | None = None) -> Self:
        """Train on ``run_log`` — or, when ``model`` is set, load that model instead
        (it was trained already; ``run_log`` is then ignored). ``fit(None)`` without a
        model leaves ``model_`` None: unit runtimes, no skips."""
        self._check_params()
        if self.model is not None:
            self.model_ = _load(self.model, self.tracking_uri)
            return self
        self.model_ = None
        if run_log is not None and len(run_log):
            from radps_seq.plan.sequencers.learned.features import training_examples

            self.fit_examples(training_examples(run_log))
        return self

    def fit_examples(self, examples: Examples) -> Self:
        """Train on already extracted examples (what ``fit`` does after reading the log)."""
        from radps_seq.plan.sequencers.learned.models import LearnedModel

        self._check_params()
        runtime, skip = self.new_models()
        self.model_ = LearnedModel.fit(
            examples, runtime=runtime, skip=skip, info={"params": self.planning_params()}
        )
        return self

    def new_models(self) -> tuple[RuntimeModel, SkipModel]:
        """Unfitted runtime and skip models with this sequencer's hyper-parameters."""
        from radps_seq.plan.sequencers.learned.models import RuntimeModel, SkipModel

        runtime = RuntimeModel(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            unseen=self.unseen_tasks,
            within_task=self.within_task,
            random_state=self.random_state,
        )
        skip = SkipModel(
            max_depth=self.skip_max_depth,
            min_samples_leaf=self.skip_min_samples_leaf,
            random_state=self.random_state,
        )
        return runtime, skip

    def planning_params(self) -> dict[str, Any]:
        """The parameters a saved model carries into planning (``objective`` is the one
        it was trained for, recorded only; ``skip_threshold`` is used when the loading
        sequencer does not set its own)."""
        return {"objective": self.objective, "skip_threshold": self.skip_threshold}

    def _check_params(self) -> None:
        if self.objective is not None and self.objective not in OBJECTIVES:
            raise RadpsError(
                f"learned: objective must be one of {', '.join(OBJECTIVES)}, got {self.objective!r}"
            )
        if self.skip_threshold is not None and not 0.0 <= float(self.skip_threshold):
            raise RadpsError(f"learned: skip_threshold must be >= 0, got {self.skip_threshold}")
        if self.unseen_tasks not in UNSEEN_TASKS:
            raise RadpsError(
                f"learned: unseen_tasks must be one of {', '.join(UNSEEN_TASKS)}, "
                f"got {self.unseen_tasks!r}"
            )
        for name, value, allowed in (("within_task", self.within_task, WITHIN_TASK),
                                     ("ties", self.ties, TIES)):  # fmt: skip
            if value not in allowed:
                raise RadpsError(
                    f"learned: {name} must be one of {', '.join(allowed)}, got {value!r}"
                )
        if not 0.0 <= float(self.rank_tolerance) < 1.0:
            raise RadpsError(f"learned: rank_tolerance must be in [0, 1), got {self.rank_tolerance}")
        if float(self.resolution) < 0:
            raise RadpsError(f"learned: resolution must be >= 0, got {self.resolution}")

    def threshold(self) -> float:
        """The skip threshold in force: ours, else the model's, else the default."""
        if self.skip_threshold is not None:
            return float(self.skip_threshold)
        saved = (getattr(self, "model_", None) and self.model_.info.get("params")) or {}
        value = saved.get("skip_threshold")
        return float(value) if value is not None else DEFAULT_SKIP_THRESHOLD

    def _fitted(self) -> None:
        """Load the named model on first use; unfitted without one is an error."""
        if not hasattr(self, "model_"):
            if self.model is None:
                raise NotFittedError("learned: call fit(run_log) (or fit(None)) before propose")
            self.fit(None)

    def predictions(
        self, job_graph: nx.DiGraph, X: pd.DataFrame | None = None
    ) -> dict[str, dict[str, float | None]]:
        """Predicted ``runtime_s`` and ``p_noop`` of every complete job, from the job
        features ``X`` when given (a re-plan: written product sizes in them)."""
        self._fitted()
        if self.model_ is None:
            return {j: {"runtime_s": 1.0, "p_noop": None} for j in complete_jobs(job_graph)}
        return self.model_.predict(job_graph, X=X)

    def shrunk(
        self, job_graph: nx.DiGraph, predicted: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, float]:
        """Predicted runtimes of a whole graph with the model's within-task differences
        scaled by their validated weights (:meth:`RuntimeModel.shrink`)."""
        runtime = {j: float(p["runtime_s"] or 0.0) for j, p in predicted.items()}
        if getattr(self, "model_", None) is None:
            return runtime
        tasks = {j: job_graph.nodes[j].get("task") for j in runtime}
        return self.model_.runtime.shrink(runtime, tasks)

    def features(self, job_graph: nx.DiGraph, written: Mapping[str, float] | None = None,
                 static: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
        """Job features: the model's (parents' sizes predicted unless ``written``), or,
        without a model, the graph's own with only the written sizes."""
        from radps_seq.plan.sequencers.learned.features import job_features

        if getattr(self, "model_", None) is not None:
            return self.model_.features(job_graph, written, static)
        return job_features(job_graph, written, static)

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        from radps_seq.plan.sequencers.learned.features import input_sizes

        self._fitted()
        X = self.features(job_graph)
        predicted = self.predictions(job_graph, X if self.model_ is not None else None)
        nodes = job_graph.nodes
        threshold = self.threshold()
        candidates = [
            j
            for j in predicted
            if nodes[j].get("skippable", False)
            and not nodes[j].get("target", False)
            and predicted[j]["p_noop"] is not None
            and predicted[j]["p_noop"] >= threshold
        ]
        skipped = (
            legal_skips(job_graph, priority_order(job_graph), candidates) if candidates else set()
        )
        runtime = self.shrunk(job_graph, predicted)
        return self.ordered(job_graph, context, runtime, skipped, predicted,
                            sizes=input_sizes(X, raw=self.ties == "raw_bytes"))  # fmt: skip

    def ordered(
        self,
        job_graph: nx.DiGraph,
        context: PlanContext,
        runtime: Mapping[str, float],
        skipped: set[str],
        predictions: dict[str, dict[str, float | None]],
        first: frozenset[str] = frozenset(),
        topological: list[str] | None = None,
        sizes: Mapping[str, float] | None = None,
    ) -> Plan:
        """The plan for the objective given runtimes (skipped jobs weigh zero); jobs in
        ``first`` (already finished or running) lead the order; ``topological``: any
        topological order of the graph, when the caller keeps one; ``sizes``: what
        every job reads, the tie-break among equal ranks under ``ties="input_bytes"``."""
        weight = {
            j: 0.0 if j in skipped else _rounded(float(runtime[j]), self.resolution)
            for j in runtime
        }
        rank = upward_rank(job_graph, weight, topological)
        level = _levels(rank, float(self.rank_tolerance))
        size = (sizes or {}) if self.ties != "submission" else {}
        if (self.objective or context.objective) == "interactive":
            chain = target_chains(job_graph, weight, context.workers)
            order = priority_order(
                job_graph, key=lambda j: (j not in first, chain[j], level[j], -size.get(j, 0.0))
            )
        else:
            order = priority_order(
                job_graph, key=lambda j: (j not in first, level[j], -size.get(j, 0.0))
            )
        return Plan(
            planner=self.name,
            order=order,
            skip=[j for j in order if j in skipped],
            predictions=predictions,
        )


def _levels(rank: Mapping[str, float], tolerance: float) -> dict[str, float]:
    """Sort keys from upward ranks: ranks within ``tolerance`` of the longest one count
    as equal (0: only equal sums, compared to 9 digits since ranks are sums of floats),
    so the tie-break, not noise below the model's resolution, orders them."""
    if tolerance <= 0:
        return {j: -float(f"{r:.9g}") for j, r in rank.items()}
    step = max(max(rank.values(), default=0.0) * tolerance, 1e-9)
    return {j: -float(round(r / step)) for j, r in rank.items()}


def _rounded(seconds: float, resolution: float) -> float:
    """``seconds`` on a geometric grid of step ``1 + resolution`` (0: unchanged)."""
    if resolution <= 0 or seconds <= 0:
        return seconds
    step = math.log1p(resolution)
    return math.exp(round(math.log(seconds) / step) * step)


def target_chains(
    job_graph: nx.DiGraph, runtime: dict[str, float], workers: int = 1
) -> dict[str, int]:
    """For every complete job, the index of the first target (in interactive order)
    that needs it; jobs no target needs get the number of targets (they go last).

    Targets are taken greedily, cheapest first, where the cost of a target is the
    predicted work of it and its not-yet-claimed ancestors spread over ``workers``, but
    never less than its longest such chain. Claiming a target's jobs makes the targets
    that share them cheaper, so only those are re-costed. Ties keep submission order.
    """
    topo = {j: i for i, j in enumerate(priority_order(job_graph))}
    targets = [j for j in runtime if job_graph.nodes[j].get("target", False)]
    if not targets:  # a graph without target flags: its sinks are what a person inspects
        targets = [j for j in runtime if not any(c in runtime for c in job_graph.succ[j])]
    needs = {t: (nx.ancestors(job_graph, t) & runtime.keys()) | {t} for t in targets}
    needed_by: dict[str, list[str]] = {}
    for target, jobs in needs.items():
        for job in jobs:
            needed_by.setdefault(job, []).append(target)
    chain = dict.fromkeys(runtime, len(targets))
    claimed: set[str] = set()

    def cost(target: str) -> float:
        todo = sorted(needs[target] - claimed, key=topo.__getitem__)
        longest: dict[str, float] = {}
        for job in todo:
            below = (longest[p] for p in job_graph.pred[job] if p in longest)
            longest[job] = runtime[job] + max(below, default=0.0)
        work = sum(runtime[j] for j in todo)
        return max(work / max(workers, 1), max(longest.values(), default=0.0))

    order = {t: i for i, t in enumerate(targets)}
    current = {t: cost(t) for t in targets}
    heap = [(c, order[t], t) for t, c in current.items()]
    heapq.heapify(heap)
    rank = 0
    while heap:
        value, _, target = heapq.heappop(heap)
        if target not in current or value != current[target]:
            continue  # stale entry: the target was re-costed or already taken
        del current[target]
        new = needs[target] - claimed
        for job in new:
            chain[job] = rank
        claimed |= new
        rank += 1
        for other in {t for job in new for t in needed_by[job]} & current.keys():
            current[other] = cost(other)
            heapq.heappush(heap, (current[other], order[other], other))
    return chain


def _load(ref: Any, tracking_uri: str | None = None) -> LearnedModel:
    from radps_seq.plan.sequencers.learned.models import LearnedModel

    if isinstance(ref, LearnedModel):
        return ref
    from radps_seq.plan.sequencers.learned.model_store import load_model

    return load_model(ref, tracking_uri=tracking_uri)
