"""Experiments: replay, trace loaders, the learned planner's training, the comparison
harness, tuning, and MLflow tracking.

The entry points the command line uses are importable from here; they are resolved on
first use so importing this package (or ``radps-seq --help``) loads none of scikit-learn,
MLflow or Optuna.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "train": "radps_seq.experiments.training",
    "TrainReport": "radps_seq.experiments.training",
    "load_model": "radps_seq.plan.sequencers.learned.model_store",
    "compare": "radps_seq.experiments.harness",
    "ComparisonResult": "radps_seq.experiments.harness",
    "tune": "radps_seq.experiments.tuning",
    "TuneResult": "radps_seq.experiments.tuning",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
