"""``radps-seq train``: fit the learned planner's models on run logs and traces, save them
in MLflow's model format with a model card, and optionally register them.

Every reported metric is cross-validated by *reduction* (whole reductions or traces held
out, never random jobs of a run the model saw): a runtime model that only memorised the
jobs of one night would look perfect in-sample and be useless on the next.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radps_seq.errors import InputError, RadpsError

if TYPE_CHECKING:
    import pandas as pd

    from radps_seq.plan.sequencers.learned.features import Examples
    from radps_seq.plan.sequencers.learned.models import LearnedModel

#: Experiment that ``train`` logs to when a tracking URI or a registry name is given.
TRAINING_EXPERIMENT = "radps-seq-training"
MAX_FOLDS = 5


@dataclass
class TrainReport:
    """What ``radps-seq train`` prints: where the model went, what it learned from, and
    how well it predicts reductions it did not see."""

    out: str
    sources: list[str]
    objective: str
    params: dict[str, Any]
    reductions: int
    runtime_examples: int
    skip_examples: int
    tasks: list[str]
    metrics: dict[str, float] = field(default_factory=dict)
    fit_s: float = 0.0
    created: str = ""
    run_id: str | None = None
    registered: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lines = [
            f"model saved to {self.out}",
            f"trained on {self.reductions} reductions, {self.runtime_examples} timed jobs, "
            f"{self.skip_examples} skip labels, {len(self.tasks)} tasks ({self.fit_s:.1f} s)",
        ]
        lines += [f"  {k}: {v:.4g}" for k, v in self.metrics.items()]
        if self.registered:
            lines.append(f"registered as {self.registered}")
        return "\n".join(lines)


def load_sources(sources: list[str]) -> pd.DataFrame:
    """The run-log rows of every source, one frame (see :mod:`.data` for the syntax)."""
    import pandas as pd

    from radps_seq.experiments.data import source_run_log

    if not sources:
        raise InputError("train: give at least one --source (runlog:WORKDIR or wfcommons:GLOB)")
    return pd.concat([source_run_log(s) for s in sources], ignore_index=True)


def train(
    sources: list[str],
    out: str | Path,
    *,
    objective: str = "makespan",
    params: dict[str, Any] | None = None,
    register_name: str | None = None,
    tracking_uri: str | None = None,
    data_note: str | None = None,
) -> TrainReport:
    """Train the learned sequencer's models on ``sources`` and save them to ``out``.

    ``params`` are :class:`~radps_seq.plan.sequencers.learned.LearnedSequencer`
    hyper-parameters (e.g. ``{"skip_threshold": 0.95, "max_iter": 300}``); ``objective``
    is recorded with the model as what it was trained for. With ``tracking_uri`` or
    ``register_name`` the training is also an MLflow run (experiment
    ``radps-seq-training``) and the model is logged there — and registered under
    ``register_name`` if given. ``data_note`` (where the data came from: a simulator, an
    instrument, a site) goes on the model card. The CLI prints ``str(report)`` (or ``to_dict()`` as JSON).
    """
    from radps_seq.experiments.model_card import write_card
    from radps_seq.plan.sequencers import get_sequencer
    from radps_seq.plan.sequencers.learned.features import training_examples
    from radps_seq.plan.sequencers.learned.model_store import save_model

    _check_objective(objective)
    params = dict(params or {})
    run_log = load_sources(list(sources))
    examples = training_examples(run_log)
    if not examples.runtime_s.notna().any():
        raise InputError("train: the sources contain no succeeded job with a measured wall time")
    sequencer = get_sequencer("learned", **params)
    start = time.perf_counter()
    sequencer.fit_examples(examples)
    fit_s = time.perf_counter() - start
    model = sequencer.model_
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    metrics = cross_validate(examples, sequencer)
    model.info.update(
        sources=list(sources),
        objective=objective,
        created=created,
        metrics=metrics,
        params={k: v for k, v in sequencer.get_params().items() if k != "model"},
        skip_threshold_source="given" if params.get("skip_threshold") is not None else "default",
        **({"data_note": data_note} if data_note else {}),
    )
    save_model(model, out)
    report = TrainReport(
        out=str(out),
        sources=list(sources),
        objective=objective,
        params={k: v for k, v in sequencer.get_params().items() if k != "model"},
        reductions=int(model.info["reductions"]),
        runtime_examples=int(model.info["runtime_examples"]),
        skip_examples=int(model.info["skip_examples"]),
        tasks=list(model.info["tasks"]),
        metrics=metrics,
        fit_s=round(fit_s, 3),
        created=created,
    )
    write_card(model, out)
    if register_name or tracking_uri:
        _track(report, model, register_name, tracking_uri)
    return report


def cross_validate(examples: Examples, sequencer: Any) -> dict[str, float]:
    """Held-out-reduction errors of the runtime model (and of the per-task mean that the
    critical-path baseline uses, for reference), and of the skip model at the
    sequencer's threshold. Empty when there are fewer than two reductions."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    groups = examples.group.to_numpy()
    n_groups = len(set(groups))
    if n_groups < 2:
        return {}
    y = np.log1p(examples.runtime_s.to_numpy(dtype=float))
    tasks = examples.X["task"].astype(str).to_numpy()
    err, base, timed = [], [], ~np.isnan(y)
    p_noop, noop = [], []
    folds = GroupKFold(n_splits=min(MAX_FOLDS, n_groups))
    for train_idx, test_idx in folds.split(examples.X, groups=groups):
        X_train, X_test = examples.X.iloc[train_idx], examples.X.iloc[test_idx]
        model, skip = sequencer.new_models()
        model.fit(X_train, examples.runtime_s.iloc[train_idx])
        keep = timed[test_idx]
        predicted = np.log1p(model.predict(X_test))[keep]
        truth = y[test_idx][keep]
        err.append(np.abs(predicted - truth))
        seen = timed[train_idx]
        means = _task_means(tasks[train_idx][seen], y[train_idx][seen])
        fallback = float(np.mean(y[train_idx][seen])) if seen.any() else 0.0
        base.append(np.abs([means.get(t, fallback) for t in tasks[test_idx][keep]] - truth))
        labelled = examples.noop.iloc[test_idx].notna().to_numpy()
        if labelled.any():
            skip.fit(X_train, examples.noop.iloc[train_idx])
            p_noop.append(skip.predict_proba(X_test[labelled]))
            noop.append(examples.noop.iloc[test_idx].to_numpy()[labelled])
    errors, baseline = np.concatenate(err), np.concatenate(base)
    metrics = {
        "cv_runtime_mae_log": float(errors.mean()),
        "cv_runtime_within_2x": float((errors <= np.log(2.0)).mean()),
        "cv_task_mean_mae_log": float(baseline.mean()),
        "cv_folds": float(folds.get_n_splits()),
    }
    if p_noop:
        metrics.update(_skip_metrics(np.concatenate(p_noop), np.concatenate(noop), sequencer))
    return metrics


def _task_means(tasks: Any, y: Any) -> dict[str, float]:
    import numpy as np

    return {t: float(np.mean(y[tasks == t])) for t in set(tasks.tolist())}


def _skip_metrics(p: Any, noop: Any, sequencer: Any) -> dict[str, float]:
    """Brier score where a prediction exists; at the threshold, how many proposed skips
    were really harmless (precision) and how many harmless runs were found (recall)."""
    import numpy as np

    known = ~np.isnan(p)
    threshold = sequencer.threshold()
    proposed = known & (np.nan_to_num(p) >= threshold)
    out = {"cv_skip_labels": float(len(p)), "cv_skip_coverage": float(known.mean())}
    if known.any():
        out["cv_skip_brier"] = float(np.mean((p[known] - noop[known]) ** 2))
    if proposed.any():
        out["cv_skip_precision"] = float(noop[proposed].mean())
    if noop.sum():
        out["cv_skip_recall"] = float(proposed[noop == 1].mean())
    return out


def _track(
    report: TrainReport, model: LearnedModel, register_name: str | None, tracking_uri: str | None
) -> None:
    import mlflow

    from radps_seq.plan.sequencers.learned.model_store import log_model
    from radps_seq.tracking import client, experiment_id, log_values

    mlflow_client = client(tracking_uri)
    experiment = experiment_id(mlflow_client, TRAINING_EXPERIMENT)
    with mlflow.start_run(experiment_id=experiment, run_name=f"train-{report.created}") as run:
        log_values(
            mlflow_client,
            run.info.run_id,
            params={
                "sequencer": "learned",
                "objective": report.objective,
                **report.params,
                "sources": report.sources,
            },
            metrics={**report.metrics, "fit_s": report.fit_s, "reductions": report.reductions},
            tags={"radps_seq.kind": "training"},
        )
        mlflow_client.log_artifact(run.info.run_id, str(Path(report.out) / "MODEL_CARD.md"))
        info = log_model(model, registered_model_name=register_name)
        report.run_id = run.info.run_id
    if register_name:
        version = getattr(info, "registered_model_version", None)
        report.registered = f"models:/{register_name}/{version}" if version else register_name


def _check_objective(objective: str) -> None:
    from radps_seq.plan.base import OBJECTIVES

    if objective not in OBJECTIVES:
        raise RadpsError(f"train: objective must be one of {', '.join(OBJECTIVES)}")
