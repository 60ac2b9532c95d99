"""Tabular Q-learning over the skippable calibration stages (Kirk, Rau & Ramyaa, AJ 169:43, 2025).

The published method: an agent sees a state of four statistics of a dataset, chooses
among six calibration actions, and is rewarded by an image-fidelity distance plus the
runtime it spent; a Q-table over (state, action) is learned by replaying simulated
datasets. Here, as a sequencer:

- **state**: four statistics every job of a dataset carries before anything runs (by
  default water vapour, elevation, frequency and expected flux of the descriptor),
  each cut into ``bins`` quantile bins of the training datasets;
- **actions**: six run/skip patterns over the skippable stages, in pipeline order:
  run everything, skip one stage (for each of the first stages), skip all of them;
- **reward**: ``-change_penalty`` for every skipped stage whose product would have
  changed (the run log's measured ``changed``: the fidelity distance in units of the
  stage's tolerance) ``- runtime_weight`` × seconds of the stages run;
- **learning**: ``episodes`` one-step episodes over the training reductions with
  ε-greedy exploration, ``Q(s,a) += alpha * (r - Q(s,a))`` (each dataset ends after its
  one decision, so the discount never applies).

A state never seen in training runs everything. The order is a critical-path order
with per-task mean runtimes; the skips pass :func:`~radps_seq.plan.guard.legal_skips`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from radps_seq.errors import RadpsError
from radps_seq.plan.base import BaseSequencer, NotFittedError, PlanContext
from radps_seq.plan.graphs import priority_order, upward_rank
from radps_seq.plan.guard import legal_skips
from radps_seq.plan.plan import Plan

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

N_ACTIONS = 6
STATISTICS = ("obs.pwv", "obs.elev", "obs.freq", "obs.expflux")


class QLearningSequencer(BaseSequencer):
    name: ClassVar[str] = "qlearning"
    learns_from_runlog: ClassVar[bool] = True

    def __init__(self, statistics: tuple[str, ...] | list[str] = STATISTICS, bins: int = 3,
                 episodes: int = 3000, alpha: float = 0.1, epsilon: float = 0.2,
                 runtime_weight: float = 0.01, change_penalty: float = 1.0, seed: int = 0) -> None:
        self.statistics = statistics
        self.bins = bins
        self.episodes = episodes
        self.alpha = alpha
        self.epsilon = epsilon
        self.runtime_weight = runtime_weight
        self.change_penalty = change_penalty
        self.seed = seed

    # -- learning -----------------------------------------------------------------------
    def fit(self, run_log: pd.DataFrame | None = None) -> Self:
        if run_log is None or len(run_log) == 0:
            raise NotFittedError("qlearning learns from a run log: give one with the skippable "
                                 "stages' measured effects (fit(run_log))")
        if len(self.statistics) != 4 or self.bins < 1:
            raise RadpsError(f"qlearning: four statistics and bins >= 1, got {self.statistics!r}, {self.bins}")
        datasets = _datasets(run_log, tuple(self.statistics))
        self.stages_ = _stage_order(run_log)
        self.actions_ = _actions(self.stages_)
        self.runtime_ = _mean_runtimes(run_log)
        values = np.array([d["state"] for d in datasets], dtype=float).reshape(-1, 4)
        self.edges_ = [_edges(values[:, k], self.bins) for k in range(4)]
        self.q_ = np.zeros((self.bins ** 4, len(self.actions_)))
        self.visits_ = np.zeros_like(self.q_)
        rng = np.random.default_rng(self.seed)
        if datasets:
            for _ in range(int(self.episodes)):
                episode = datasets[rng.integers(len(datasets))]
                state = self._state(episode["state"])
                if rng.random() < self.epsilon:
                    action = int(rng.integers(len(self.actions_)))
                else:
                    action = int(np.argmax(self.q_[state]))
                reward = self._reward(episode, self.actions_[action])
                self.q_[state, action] += self.alpha * (reward - self.q_[state, action])
                self.visits_[state, action] += 1
        return self

    def _reward(self, episode: dict[str, Any], skipped: frozenset[str]) -> float:
        changed = sum(1 for task in skipped if episode["changed"].get(task, False))
        spent = sum(t for task, t in episode["runtime"].items() if task not in skipped)
        return -self.change_penalty * changed - self.runtime_weight * spent

    def _state(self, values: tuple[float, ...]) -> int:
        index = 0
        for value, edges in zip(values, self.edges_, strict=True):
            cell = int(np.searchsorted(edges, value, side="right")) if np.isfinite(value) else 0
            index = index * self.bins + min(cell, self.bins - 1)
        return index

    # -- planning -----------------------------------------------------------------------
    def choose(self, values: tuple[float, ...]) -> frozenset[str]:
        """The stages to skip for a dataset with these statistics."""
        state = self._state(values)
        if not self.visits_[state].any():
            return frozenset()
        seen = np.where(self.visits_[state] > 0, self.q_[state], -np.inf)
        return self.actions_[int(np.argmax(seen))]

    def propose(self, job_graph: nx.DiGraph, context: PlanContext) -> Plan:
        if not hasattr(self, "q_"):
            raise NotFittedError("qlearning: call fit(run_log) before propose")
        nodes = job_graph.nodes
        runtime = {j: self.runtime_.get(nodes[j].get("task"), 1.0) for j in job_graph}
        rank = upward_rank(job_graph, runtime)
        order = priority_order(job_graph, key=lambda j: -rank[j])
        candidates = []
        for job in order:
            attrs = nodes[job]
            if attrs.get("skippable") and not attrs.get("target"):
                features = attrs.get("features") or {}
                values = tuple(_number(features.get(k)) for k in self.statistics)
                if attrs.get("task") in self.choose(values):
                    candidates.append(job)
        skipped = legal_skips(job_graph, order, candidates) if candidates else set()
        predictions = {j: {"runtime_s": runtime[j]} for j in order}
        return Plan(self.name, order, [j for j in order if j in skipped], predictions)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _edges(values: np.ndarray, bins: int) -> np.ndarray:
    finite = values[np.isfinite(values)]
    if finite.size == 0 or bins == 1:
        return np.array([])
    return np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])


def _stage_order(run_log: pd.DataFrame) -> list[str]:
    """Skippable tasks, earliest first (by when they first started)."""
    rows = run_log[run_log["skippable"].astype(bool)] if "skippable" in run_log else run_log.iloc[:0]
    first = rows.groupby("task")["start_ts"].min() if "start_ts" in rows else rows.groupby("task").size()
    return [str(t) for t in first.sort_values(kind="stable").index]


def _actions(stages: list[str]) -> list[frozenset[str]]:
    """Six patterns: run all, skip each of the first stages alone, skip them all; with
    fewer stages, neighbouring pairs fill the set (and, failing those, run-all again)."""
    actions = [frozenset()] + [frozenset([s]) for s in stages[:N_ACTIONS - 2]] + [frozenset(stages)]
    pairs = [frozenset(stages[i:i + 2]) for i in range(len(stages) - 1)]
    for extra in pairs + [frozenset()] * N_ACTIONS:
        if len(actions) >= N_ACTIONS:
            break
        if extra not in actions or not extra:
            actions.insert(-1, extra)
    return actions[:N_ACTIONS]


def _mean_runtimes(run_log: pd.DataFrame) -> dict[str, float]:
    done = run_log[run_log["status"] == "succeeded"] if "status" in run_log else run_log
    return {str(k): float(v) for k, v in done.groupby("task")["wall_s"].mean().items()}


def _datasets(run_log: pd.DataFrame, statistics: tuple[str, ...]) -> list[dict[str, Any]]:
    """One episode per reduction: its statistics, and per skippable task whether its
    product changed and how long it ran (taken from the jobs that ran)."""
    episodes = []
    ran = run_log[run_log["status"] == "succeeded"] if "status" in run_log else run_log
    for _, rows in ran.groupby("reduction_id", sort=True):
        features = next((f for f in rows.get("features", []) if isinstance(f, dict)
                         and any(k in f for k in statistics)), {})
        state = tuple(_number(features.get(k)) for k in statistics)
        skippable = rows[rows["skippable"].astype(bool)] if "skippable" in rows else rows.iloc[:0]
        changed = {str(t): bool(g["changed"].fillna(True).astype(bool).any()) if "changed" in g else True
                   for t, g in skippable.groupby("task")}
        runtime = {str(t): float(g["wall_s"].sum()) for t, g in skippable.groupby("task")}
        if changed:
            episodes.append({"state": state, "changed": changed, "runtime": runtime})
    return episodes
