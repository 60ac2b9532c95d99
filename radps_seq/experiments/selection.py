"""Choices made on validation folds nested inside one outer fold's training part.

A number chosen by looking at test instances — a skip threshold picked from a sweep
over them, hyper-parameters tuned on folds whose validation nights are another fold's
test nights — flatters every figure computed on those instances. Here every choice is
made per outer fold, from its *training* instances only: they are cut again by the
split's own rule (:func:`.splits.validation_folds`), the candidates are scored on those
inner held-out parts, and only the chosen value meets the outer test instances.

``skip_threshold: validation`` in an experiment's sequencer parameters asks for this:
the threshold with the largest mean compute saving whose mean share of changed target
products on the validation instances stays within ``max_changed`` (the experiment's
``tune.max_changed``, default 1 %), or :data:`NEVER` (no skips) when none does.
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
#: A threshold above every probability: never skip.
NEVER = 1.01
#: Thresholds tried when the experiment names none.
DEFAULT_THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.97, 0.99)


@dataclass(frozen=True)
class Selection:
    """How choices are made inside an outer fold: the split rule that cuts validation
    folds, the thresholds tried, the allowed share of changed targets, the k scored."""

    split: SplitSpec
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    max_changed: float = 0.01
    workers: int | str = "auto"

    @classmethod
    def of(cls, config: ExperimentConfig, split: SplitSpec) -> Selection:
        tune = config.tune
        return cls(
            split,
            tuple(config.thresholds) or DEFAULT_THRESHOLDS,
            tune.max_changed if tune is not None else 0.01,
            config.workers[0],
        )


def needs_selection(spec: SequencerSpec) -> bool:
    return spec.params.get("skip_threshold") == VALIDATION


def resolved(
    spec: SequencerSpec,
    train: list[Instance],
    selection: Selection,
    seed: int,
    *,
    objective: str,
    references: References,
) -> tuple[SequencerSpec, list[dict[str, Any]]]:
    """``spec`` with every ``validation`` parameter chosen from ``train`` alone, and the
    validation records the choice was made on (the threshold sweep): each validation
    fold cut from ``train`` fits the sequencer on its own training part and sweeps the
    thresholds on its held-out part."""
    from radps_seq.experiments.evaluate import fit, threshold_sweep

    if not needs_selection(spec):
        return spec, []
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
