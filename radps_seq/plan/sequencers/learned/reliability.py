"""How far to trust the runtime model's per-job differences *within* a task.

A list scheduler uses predicted runtimes twice: to rank tasks against each other (how
long a stage takes) and to order the jobs of one task (which of them is the long one).
The first is what per-task means already give; the second is where a per-job model can
win — or lose, when its per-job differences are noise: shuffling the jobs of a stage on
noise is worse than leaving them in submission order (measured on WfCommons traces of
sizes never trained on). So the model's within-task differences are shrunk toward the
task's level by a weight measured on *inner validation* data only: reductions of the
training log held out from an inner fit, never anything the model is later tested on.

The weight of a task is the least-squares slope of the true within-task deviations on
the predicted ones (log runtime, centred per task and reduction), clipped to [0, 1]:
1 keeps the model's differences, 0 orders the task's jobs as per-task means would, in
between scales them (the regression-optimal shrinkage for that task).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

#: Validation rows a task needs before its within-task differences are trusted at all.
MIN_VALIDATION_ROWS = 10
#: Inner folds (grouped by reduction) the weights are measured on.
INNER_FOLDS = 3


def within_task_weights(
    fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
    log_runtime: np.ndarray,
    tasks: np.ndarray,
    groups: np.ndarray,
) -> dict[str, float]:
    """``{task: weight}`` from grouped inner folds: ``fit_predict(train_rows,
    valid_rows)`` fits on the first row indices and returns predicted log runtimes of
    the second. Tasks with too little held-out evidence weigh 0 (per-task level only)."""
    names = np.unique(groups)
    if len(names) < 2:
        return {}
    rng = np.random.default_rng(0)
    fold_of = dict(zip(rng.permutation(names).tolist(), range(len(names)), strict=True))
    fold = np.array([fold_of[g] % min(INNER_FOLDS, len(names)) for g in groups.tolist()])
    predicted = np.full(len(log_runtime), np.nan)
    for k in np.unique(fold):
        train, valid = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        predicted[valid] = fit_predict(train, valid)
    sums: dict[str, list[float]] = {}
    for key in {(t, g) for t, g in zip(tasks.tolist(), groups.tolist(), strict=True)}:
        rows = (tasks == key[0]) & (groups == key[1])
        y, p = log_runtime[rows], predicted[rows]
        y, p = y - y.mean(), p - p.mean()
        acc = sums.setdefault(key[0], [0.0, 0.0, 0.0])
        acc[0] += float(y @ p)
        acc[1] += float(p @ p)
        acc[2] += float(rows.sum())
    return {
        task: min(1.0, max(0.0, yp / pp)) if n >= MIN_VALIDATION_ROWS and pp > 1e-12 else 0.0
        for task, (yp, pp, n) in sums.items()
    }


def shrink_within_task(
    seconds: Mapping[str, float],
    tasks: Mapping[str, Any],
    weights: Mapping[str, float],
) -> dict[str, float]:
    """``seconds`` with each task's per-job differences scaled by its weight, in log
    space around the task's mean log prediction over these jobs (so the task's level is
    the model's). Tasks without a weight keep the model's values."""
    logs: dict[Any, list[float]] = {}
    for job, value in seconds.items():
        logs.setdefault(tasks[job], []).append(math.log1p(max(value, 0.0)))
    centre = {task: sum(v) / len(v) for task, v in logs.items()}
    out = {}
    for job, value in seconds.items():
        weight = weights.get(str(tasks[job]))
        if weight is None:
            out[job] = value
            continue
        mid = centre[tasks[job]]
        out[job] = math.expm1(mid + weight * (math.log1p(max(value, 0.0)) - mid))
    return out
