"""Choices made on validation folds nested inside one outer fold's training part.

A number chosen by looking at test instances — a skip threshold picked from a sweep
over them, hyper-parameters tuned on folds whose validation nights are another fold's
test nights, the better of two models picked on the test nights — flatters every
figure computed on those instances. Here every choice is made per outer fold, from its
*training* instances only: they are cut again by the split's own rule
(:func:`.splits.validation_folds`), the candidates are scored on those inner held-out
parts, and only the chosen value meets the outer test instances.

Three kinds of choice, written as parameter values in an experiment's sequencers:

- ``NAME: tuned``: an Optuna study (:func:`.tuning.tune_fold`, ``tune.trials`` trials)
  over the range of ``NAME`` in ``tune.space`` (else the default space);
- ``NAME: {validation: [a, b, ...]}``: model selection — the candidate with the best
  validation metric (searched together with the tuned parameters, if any, else tried
  one by one);
- ``skip_threshold: validation``: the threshold with the largest mean compute saving
  whose mean share of changed target products on the validation instances stays
  within ``max_changed`` (the experiment's ``tune.max_changed``, default 1 %), or
  :data:`NEVER` (no skips) when none does. Swept after the other choices are made.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from radps_seq.experiments.splits import validation_folds

if TYPE_CHECKING:
    from radps_seq.experiments.config import ExperimentConfig, SequencerSpec, SplitSpec
    from radps_seq.experiments.data import Instance
    from radps_seq.experiments.evaluate import References

#: The parameter value that asks for a choice on validation folds.
VALIDATION = "validation"
#: The parameter value that asks for an Optuna search on validation folds.
TUNED = "tuned"
#: A threshold above every probability: never skip.
NEVER = 1.01
#: Thresholds tried when the experiment names none.
DEFAULT_THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.97, 0.99)
#: Optuna trials per outer fold when the experiment's ``tune`` section names none.
DEFAULT_TRIALS = 10


@dataclass(frozen=True)
class Selection:
    """How choices are made inside an outer fold: the split rule that cuts validation
    folds, the thresholds tried, the allowed share of changed targets, the k the
    threshold sweep scores, and for searches: the k scored, the metric, the ranges and
    the number of trials. ``of`` scores choices at the experiment's first k (the
    headline, k = auto in the shipped experiments) to keep nested choices affordable."""

    split: SplitSpec
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    max_changed: float = 0.01
    workers: int | str = "auto"
    search_workers: tuple[int | str, ...] = ("auto",)
    metric: str = "ratio_lb"
    space: tuple[tuple[str, Any], ...] = ()
    trials: int = DEFAULT_TRIALS

    @classmethod
    def of(cls, config: ExperimentConfig, split: SplitSpec) -> Selection:
        tune = config.tune
        return cls(
            split,
            tuple(config.thresholds) or DEFAULT_THRESHOLDS,
            tune.max_changed if tune is not None else 0.01,
            config.workers[0],
            (config.workers[0],),
            tune.metric if tune is not None else "ratio_lb",
            tuple((tune.space if tune is not None else {}).items()),
            tune.trials if tune is not None else DEFAULT_TRIALS,
        )


def _candidates(value: Any) -> list[Any] | None:
    if isinstance(value, dict) and set(value) == {VALIDATION}:
        return list(value[VALIDATION])
    return None


def needs_selection(spec: SequencerSpec) -> bool:
    return spec.params.get("skip_threshold") == VALIDATION or any(
        v == TUNED or _candidates(v) is not None for v in spec.params.values()
    )


def search_space(spec: SequencerSpec, ranges: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Optuna space of ``spec``'s ``tuned`` and candidate parameters: ranges from
    ``ranges`` (the experiment's ``tune.space``), else the default space."""
    from radps_seq.experiments.config import DEFAULT_SPACE

    space: dict[str, dict[str, Any]] = {}
    for name, value in spec.params.items():
        if value == TUNED:
            space[name] = dict(ranges.get(name) or DEFAULT_SPACE[name])
        elif _candidates(value) is not None:
            space[name] = {"choices": _candidates(value)}
    return space


def resolved(
    spec: SequencerSpec,
    train: list[Instance],
    selection: Selection,
    seed: int,
    *,
    objective: str,
    references: References,
) -> tuple[SequencerSpec, list[dict[str, Any]]]:
    """``spec`` with every parameter to choose chosen from ``train`` alone, and the
    validation records of the threshold sweep (:func:`choose_threshold`)."""
    if not needs_selection(spec):
        return spec, []
    space = search_space(spec, dict(selection.space))
    if space:
        chosen = _searched(spec, space, train, selection, seed, objective, references)
        spec = replace(spec, params={**spec.params, **chosen})
    if spec.params.get("skip_threshold") != VALIDATION:
        return spec, []
    return choose_threshold(spec, train, selection, seed, objective, references)


def _searched(
    spec: SequencerSpec,
    space: dict[str, dict[str, Any]],
    train: list[Instance],
    selection: Selection,
    seed: int,
    objective: str,
    references: References,
) -> dict[str, Any]:
    """Best values of ``space`` on validation folds of ``train``: an Optuna study (a grid
    of every combination when only candidates are searched)."""
    import optuna

    from radps_seq.experiments.tuning import Scoring, tune_fold

    fixed = {k: v for k, v in spec.params.items() if k not in space}
    if fixed.get("skip_threshold") == VALIDATION:
        fixed["skip_threshold"] = None
    trials, sampler = selection.trials, None
    if all("choices" in b for b in space.values()):
        grid = {k: b["choices"] for k, b in space.items()}
        trials = math.prod(len(v) for v in grid.values())
        sampler = optuna.samplers.GridSampler(grid, seed=seed)
    scoring = Scoring(selection.search_workers, objective, seed, selection.metric,
                      selection.max_changed, references)  # fmt: skip
    study, _ = tune_fold(
        replace(spec, params=fixed), space, train, selection.split, scoring, trials,
        sampler=sampler,
    )
    return dict(study.best_trial.params)


def choose_threshold(
    spec: SequencerSpec, train: list[Instance], selection: Selection, seed: int,
    objective: str, references: References,
) -> tuple[SequencerSpec, list[dict[str, Any]]]:  # fmt: skip
    """``spec`` with its skip threshold chosen on validation folds cut from ``train``,
    and the sweep it was chosen on: each validation fold fits the sequencer on its own
    training part and sweeps the thresholds on its held-out part."""
    from radps_seq.experiments.evaluate import fit, threshold_sweep

    base = replace(spec, params={**spec.params, "skip_threshold": None})
    sweep: list[dict[str, Any]] = []
    for inner in validation_folds(selection.split, train):
        sequencer, _ = fit(base, inner.train, seed)
        for record in threshold_sweep(
            copy.copy(sequencer), inner.test, list(selection.thresholds), selection.workers,
            objective=objective, seed=seed, references=references,
        ):  # fmt: skip
            record["validation_fold"] = inner.name
            sweep.append(record)
    threshold = best_threshold(sweep, selection.max_changed)
    return replace(spec, params={**spec.params, "skip_threshold": threshold}), sweep


def best_threshold(sweep: list[dict[str, Any]], max_changed: float) -> float:
    """Largest mean saving among thresholds whose mean changed-target share is within
    ``max_changed``; ties go to the higher (safer) threshold; :data:`NEVER` if none."""
    by: dict[float, list[dict[str, Any]]] = {}
    for record in sweep:
        by.setdefault(float(record["threshold"]), []).append(record)
    best, best_saving = NEVER, 0.0
    for threshold in sorted(by, reverse=True):
        changed = finite_mean(r["targets_changed_frac"] for r in by[threshold])
        saving = finite_mean(r["saved_frac"] for r in by[threshold])
        if math.isnan(saving) or (not math.isnan(changed) and changed > max_changed):
            continue
        if saving > best_saving:
            best, best_saving = threshold, saving
    return best


def finite_mean(values: Any) -> float:
    """Mean of the finite values (NaN when there are none)."""
    finite = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return sum(finite) / len(finite) if finite else math.nan
