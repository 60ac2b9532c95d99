"""``radps-seq tune``: Optuna over a sequencer's hyper-parameters, on validation folds only.

The split named in the experiment's ``tune`` section is cut as for ``compare``, and only
the *training* part of each of its folds is used: it is cut again by the same rule into
validation folds (:func:`.splits.validation_folds`). The held-out test instances are
never scored during tuning, so the figures ``compare`` reports stay honest.

A trial's value is the mean of the chosen metric (default ``ratio_lb``: makespan over
the lower bound) over validation instances and every k of the experiment, plus a
penalty of 10 per unit of target-product share changed by skips beyond
``max_changed``: the skip threshold must not buy speed with wrong products. Studies
live in an Optuna storage (SQLite ``optuna.db`` here by default, a database URL for a
shared study) and every trial is an MLflow run nested under one tuning run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radps_seq.errors import RadpsError
from radps_seq.experiments.config import TuneSpec, load_config

if TYPE_CHECKING:
    from radps_seq.experiments.config import ExperimentConfig, SequencerSpec
    from radps_seq.experiments.splits import Fold

DEFAULT_STORAGE = "sqlite:///optuna.db"
PENALTY = 10.0


@dataclass
class TuneResult:
    """What ``radps-seq tune`` prints: the best parameters and where the study lives."""

    study_name: str
    storage: str
    metric: str
    trials: int
    best_value: float
    best_params: dict[str, Any]
    best_trial: int
    validation_folds: list[str] = field(default_factory=list)
    parent_run_id: str | None = None
    experiment_id: str | None = None
    tracking_uri: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in self.best_params.items())  # fmt: skip
        return (
            f"study {self.study_name} ({self.trials} trials in {self.storage})\n"
            f"best {self.metric} = {self.best_value:.4f} (trial {self.best_trial}): {params}"
        )


def tune_spec(config: ExperimentConfig) -> TuneSpec:
    """The experiment's ``tune`` section, or: the first learned sequencer on the first
    split, default space and metric."""
    if config.tune is not None:
        return config.tune
    from radps_seq.experiments.config import DEFAULT_SPACE

    learned = [s.label for s in config.sequencers if s.name == "learned"]
    if not learned:
        raise RadpsError(f"{config.path}: nothing to tune (no `tune:` and no learned sequencer)")
    return TuneSpec(learned[0], config.splits[0].name, space=dict(DEFAULT_SPACE))


def suggest(trial: Any, space: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for name, b in space.items():
        if b.get("int"):
            out[name] = trial.suggest_int(
                name, int(b["low"]), int(b["high"]), log=bool(b.get("log"))
            )
        else:
            out[name] = trial.suggest_float(
                name, float(b["low"]), float(b["high"]), log=bool(b.get("log"))
            )
    return out


def validation_score(
    spec: SequencerSpec,
    params: dict[str, Any],
    validation: list[Fold],
    config: ExperimentConfig,
    tuning: TuneSpec,
    references: Any,
) -> tuple[float, dict[str, float]]:
    """The trial value and its parts, averaged over validation instances and k."""
    from radps_seq.experiments.evaluate import fit, score, workers_for

    seed = config.seeds[0]
    records = []
    for fold in validation:
        sequencer, _ = fit(spec, fold.train, seed, **params)
        for inst in fold.test:
            for w in config.workers:
                records.append(
                    score(
                        sequencer,
                        inst,
                        workers_for(inst, w),
                        objective=config.objective,
                        seed=seed,
                        references=references,
                    )  # fmt: skip
                )
    keys = ("ratio_lb", "ratio_oracle", "first_target_s", "targets_changed_frac", "saved_frac")
    parts = {key: _mean(r[key] for r in records) for key in keys}
    changed = 0.0 if math.isnan(parts["targets_changed_frac"]) else parts["targets_changed_frac"]
    value = parts[tuning.metric] + PENALTY * max(0.0, changed - tuning.max_changed)
    return value, parts


def _mean(values: Any) -> float:
    finite = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return sum(finite) / len(finite) if finite else math.nan


def _validation(config: ExperimentConfig, split: Any) -> list[Any]:
    """The validation folds inside the training part of every outer fold of ``split``."""
    from radps_seq.experiments.harness import load_instances, split_folds
    from radps_seq.experiments.splits import for_seed, validation_folds

    outer = split_folds(config, load_instances(config))[split.name]
    cuts = [
        for_seed(inner, config.seeds[0])
        for f in outer
        for inner in validation_folds(split, f.train)
    ]
    validation = [fold for fold in cuts if fold is not None]
    if not validation:
        raise RadpsError(f"{config.path}: split {split.name!r} leaves no validation folds")
    return validation


def tune(
    config_path: str | Path,
    trials: int,
    tracking_uri: str | None = None,
    storage: str | None = None,
) -> TuneResult:
    """Run ``trials`` more Optuna trials (a study resumes where it stopped) for the
    experiment's ``tune`` section; log them to MLflow; return the best parameters."""
    import optuna

    from radps_seq import tracking
    from radps_seq.experiments.evaluate import References

    if trials < 1:
        raise RadpsError(f"tune: trials must be at least 1, got {trials}")
    config = load_config(config_path)
    tuning = tune_spec(config)
    spec = next(s for s in config.sequencers if s.label == tuning.sequencer)
    split = next(s for s in config.splits if s.name == tuning.split)
    validation = _validation(config, split)
    storage = storage or DEFAULT_STORAGE
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=f"{config.name}-{tuning.sequencer}",
        storage=storage,
        direction="minimize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=config.seeds[0]),
    )
    client = tracking.client(tracking_uri)
    experiment = tracking.experiment_id(client, config.name)
    parent = client.create_run(
        experiment, run_name=f"tune {tuning.sequencer}", tags={"radps_seq.kind": "tuning"}
    ).info.run_id
    tracking.log_values(
        client, parent,
        params={
            "sequencer": tuning.sequencer, "split": split.name, "metric": tuning.metric,
            "max_changed": tuning.max_changed, "space": tuning.space,
            "validation_folds": len(validation),
            "study": study.study_name,
        },
    )  # fmt: skip
    references = References()

    def objective(trial: Any) -> float:
        params = suggest(trial, tuning.space)
        value, parts = validation_score(spec, params, validation, config, tuning, references)
        for key, number in parts.items():
            if not math.isnan(number):
                trial.set_user_attr(key, number)
        return value

    callback = tracking.OptunaMLflowCallback(client.tracking_uri, experiment, parent)
    study.optimize(objective, n_trials=trials, callbacks=[callback])
    best = study.best_trial
    tracking.log_values(
        client, parent,
        params={f"best.{k}": v for k, v in best.params.items()},
        metrics={"best_value": best.value, "trials": len(study.trials)},
    )  # fmt: skip
    client.set_terminated(parent)
    return TuneResult(
        study_name=study.study_name,
        storage=storage,
        metric=tuning.metric,
        trials=len(study.trials),
        best_value=float(best.value),
        best_params=dict(best.params),
        best_trial=best.number,
        validation_folds=[f"{v.split}: {v.name}" for v in validation],
        parent_run_id=parent,
        experiment_id=experiment,
        tracking_uri=client.tracking_uri,
    )
