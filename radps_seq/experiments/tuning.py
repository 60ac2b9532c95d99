"""``radps-seq tune``: Optuna over a sequencer's hyper-parameters, one study per outer fold.

The split named in the experiment's ``tune`` section is cut as for ``compare``. For
every outer fold, only its *training* part is used: it is cut again by the same rule
into validation folds (:func:`.splits.validation_folds`) and one Optuna study searches
the space on those. The outer fold's test instances are never fitted on or scored, and
no study sees another fold's choice — so each outer fold's parameters are exactly what
``compare`` could have chosen without its test instances (``compare`` makes the same
choice itself for a parameter given as ``tuned``, :mod:`.selection`).

A trial's value is the mean of the chosen metric (default ``ratio_lb``: makespan over
the lower bound) over validation instances and every k of the experiment, plus a
penalty of 10 per unit of target-product share changed by skips beyond
``max_changed``: the skip threshold must not buy speed with wrong products. Studies
live in an Optuna storage (SQLite ``optuna.db`` here by default, a database URL for a
shared study); every trial is an MLflow run nested under its fold's run, itself nested
under one tuning run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radps_seq.errors import RadpsError
from radps_seq.experiments.config import TuneSpec, load_config
from radps_seq.experiments.selection import finite_mean

if TYPE_CHECKING:
    from radps_seq.experiments.config import ExperimentConfig, SequencerSpec, SplitSpec
    from radps_seq.experiments.data import Instance
    from radps_seq.experiments.evaluate import References
    from radps_seq.experiments.splits import Fold

DEFAULT_STORAGE = "sqlite:///optuna.db"
PENALTY = 10.0


@dataclass(frozen=True)
class Scoring:
    """How a candidate is scored on validation folds: the k, the planning objective, the
    seed, the metric minimised and the allowed share of changed target products."""

    workers: Sequence[int | str]
    objective: str
    seed: int
    metric: str
    max_changed: float
    references: References


@dataclass
class FoldTuning:
    """One outer fold's study: its best parameters and what they were chosen on."""

    fold: str
    study_name: str
    trials: int
    best_value: float
    best_params: dict[str, Any]
    best_trial: int
    validation_folds: list[str] = field(default_factory=list)
    held_out: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.best_params.items())  # fmt: skip
        return (f"[{self.fold}] best {self.best_value:.4f} (trial {self.best_trial} of "
                f"{self.trials}, {len(self.validation_folds)} validation folds): {params}")  # fmt: skip


@dataclass
class TuneResult:
    """What ``radps-seq tune`` prints: one :class:`FoldTuning` per outer fold."""

    sequencer: str
    split: str
    storage: str
    metric: str
    folds: list[FoldTuning]
    parent_run_id: str | None = None
    experiment_id: str | None = None
    tracking_uri: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"tuned {self.sequencer} on split {self.split}: {len(self.folds)} outer "
                 f"folds, one study each in {self.storage} (metric {self.metric})"]  # fmt: skip
        lines += [f"  {fold}" for fold in self.folds]
        if self.parent_run_id:
            lines.append(f"MLflow run {self.parent_run_id} (experiment {self.experiment_id})")
        return "\n".join(lines)


def tune_spec(config: ExperimentConfig) -> TuneSpec:
    """The experiment's ``tune`` section, or: the first sequencer that learns from run
    logs, on the first split, default space and metric."""
    from radps_seq.experiments.config import DEFAULT_SPACE
    from radps_seq.plan.sequencers import sequencer_class

    if config.tune is not None:
        return config.tune
    learning = [s.label for s in config.sequencers if sequencer_class(s.name).learns_from_runlog]
    if not learning:
        raise RadpsError(f"{config.path}: nothing to tune (no `tune:` and no learning sequencer)")
    return TuneSpec(learning[0], config.splits[0].name, space=dict(DEFAULT_SPACE))


def suggest(trial: Any, space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Parameters of one trial: ranges ``{low, high[, log, int]}`` or ``{choices: [...]}``."""
    out = {}
    for name, b in space.items():
        if "choices" in b:
            out[name] = trial.suggest_categorical(name, list(b["choices"]))
        elif b.get("int"):
            out[name] = trial.suggest_int(
                name, int(b["low"]), int(b["high"]), log=bool(b.get("log"))
            )
        else:
            out[name] = trial.suggest_float(
                name, float(b["low"]), float(b["high"]), log=bool(b.get("log"))
            )
    return out


def validation_score(
    spec: SequencerSpec, params: dict[str, Any], validation: list[Fold], scoring: Scoring
) -> tuple[float, dict[str, float]]:
    """The trial value and its parts, averaged over validation instances and k."""
    from radps_seq.experiments.evaluate import fit, score, workers_for

    records = []
    for fold in validation:
        sequencer, _ = fit(spec, fold.train, scoring.seed, **params)
        for inst in fold.test:
            for w in scoring.workers:
                records.append(
                    score(
                        sequencer, inst, workers_for(inst, w), objective=scoring.objective,
                        seed=scoring.seed, references=scoring.references,
                    )  # fmt: skip
                )
    keys = ("ratio_lb", "ratio_oracle", "first_target_s", "targets_changed_frac", "saved_frac")
    parts = {key: finite_mean(r[key] for r in records) for key in keys}
    changed = 0.0 if math.isnan(parts["targets_changed_frac"]) else parts["targets_changed_frac"]
    value = parts[scoring.metric] + PENALTY * max(0.0, changed - scoring.max_changed)
    return value, parts


def inner_folds(split: SplitSpec, train: list[Instance], seed: int) -> list[Fold]:
    """Validation folds cut from ``train`` alone (the outer test part is not passed in)."""
    from radps_seq.experiments.splits import for_seed, validation_folds

    cuts = [for_seed(inner, seed) for inner in validation_folds(split, train)]
    return [fold for fold in cuts if fold is not None]


def tune_fold(
    spec: SequencerSpec,
    space: dict[str, dict[str, Any]],
    train: list[Instance],
    split: SplitSpec,
    scoring: Scoring,
    trials: int,
    *,
    storage: str | None = None,
    study_name: str | None = None,
    sampler: Any = None,
    callbacks: Sequence[Callable[..., None]] = (),
) -> tuple[Any, list[Fold]]:
    """One Optuna study of ``space`` on validation folds cut from ``train``; returns the
    study and those folds. ``storage=None`` keeps the study in memory."""
    import optuna

    validation = inner_folds(split, train, scoring.seed)
    if not validation:
        raise RadpsError(f"split {split.name!r}: its training part leaves no validation folds")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=study_name, storage=storage, direction="minimize", load_if_exists=True,
        sampler=sampler or optuna.samplers.TPESampler(seed=scoring.seed),
    )  # fmt: skip

    def objective_fn(trial: Any) -> float:
        params = suggest(trial, space)
        value, parts = validation_score(spec, params, validation, scoring)
        for key, number in parts.items():
            if not math.isnan(number):
                trial.set_user_attr(key, number)
        return value

    study.optimize(objective_fn, n_trials=trials, callbacks=list(callbacks))
    return study, validation


def tune(
    config_path: str | Path,
    trials: int,
    tracking_uri: str | None = None,
    storage: str | None = None,
) -> TuneResult:
    """Run ``trials`` more Optuna trials (a study resumes where it stopped) for every
    outer fold of the experiment's ``tune`` split; log them to MLflow."""
    from radps_seq import tracking
    from radps_seq.experiments.evaluate import References
    from radps_seq.experiments.harness import load_instances, split_folds
    from radps_seq.experiments.splits import for_seed

    if trials < 1:
        raise RadpsError(f"tune: trials must be at least 1, got {trials}")
    config = load_config(config_path)
    tuning = tune_spec(config)
    spec = next(s for s in config.sequencers if s.label == tuning.sequencer)
    split = next(s for s in config.splits if s.name == tuning.split)
    seed = config.seeds[0]
    outer = [f for f in (for_seed(w, seed) for w in split_folds(config, load_instances(config))[split.name]) if f]
    storage = storage or DEFAULT_STORAGE
    client = tracking.client(tracking_uri)
    experiment = tracking.experiment_id(client, config.name)
    parent = client.create_run(
        experiment, run_name=f"tune {tuning.sequencer}", tags={"radps_seq.kind": "tuning"}
    ).info.run_id
    tracking.log_values(
        client, parent,
        params={"sequencer": tuning.sequencer, "split": split.name, "metric": tuning.metric,
                "max_changed": tuning.max_changed, "space": tuning.space,
                "outer_folds": len(outer)},
    )  # fmt: skip
    scoring = Scoring(config.workers, config.objective, seed, tuning.metric,
                      tuning.max_changed, References())  # fmt: skip
    results = []
    for fold in outer:
        child = tracking.nested_run(client, experiment, parent, f"tune {tuning.sequencer} | {fold.name}")
        study, validation = tune_fold(
            spec, tuning.space, fold.train, split, scoring, trials, storage=storage, study_name=f"{config.name}-{tuning.sequencer}-{fold.name}",
            callbacks=[tracking.OptunaMLflowCallback(client.tracking_uri, experiment, child)],
        )  # fmt: skip
        best = study.best_trial
        results.append(FoldTuning(
            fold=fold.name, study_name=study.study_name, trials=len(study.trials),
            best_value=float(best.value), best_params=dict(best.params), best_trial=best.number,
            validation_folds=[v.name for v in validation], held_out=[i.name for i in fold.test],
        ))  # fmt: skip
        tracking.log_values(
            client, child,
            params={"fold": fold.name, "study": study.study_name, "validation_folds": len(validation),
                    **{f"best.{k}": v for k, v in best.params.items()}},
            metrics={"best_value": best.value, "trials": len(study.trials)},
        )  # fmt: skip
        client.set_terminated(child)
    client.set_terminated(parent)
    return TuneResult(
        sequencer=tuning.sequencer, split=split.name, storage=storage, metric=tuning.metric,
        folds=results, parent_run_id=parent, experiment_id=experiment,
        tracking_uri=client.tracking_uri,
    )  # fmt: skip
