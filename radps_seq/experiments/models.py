"""The learned planner's two models and the bundle that is saved, shipped and loaded.

- :class:`RuntimeModel` predicts a job's wall time from what is known before it runs
  (gradient-boosted trees on log runtime: runtimes span four orders of magnitude and
  scheduling cares about ratios, not absolute errors);
- :class:`SkipModel` predicts ``p_noop``, the probability that a skippable stage would
  change its product by no more than its tolerance;
- :class:`LearnedModel` holds both plus a record of what they were trained on; it is
  what ``radps-seq train`` saves (MLflow model format, see :mod:`.model_store`).

Features are mixed (numbers, header strings such as the filter name, booleans), so
:class:`FeatureEncoder` learns a column schema at fit time and maps any later frame
onto it: unknown columns are ignored, missing ones and unseen categories become
"missing", which the trees handle natively. scikit-learn is imported inside methods so
loading this module costs nothing until a model is fitted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

import networkx as nx

from radps_seq.experiments.features import job_features

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from radps_seq.experiments.features import Examples

#: Default runtime (s) when nothing was learned: every job weighs the same.
UNIT_RUNTIME_S = 1.0


@contextmanager
def single_thread() -> Iterator[None]:
    """Run scikit-learn's OpenMP loops on one thread: run-log tables are small (thousands
    of rows), and there thread start-up costs more than it saves — several times more on
    a busy two-core machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        yield


class FeatureEncoder:
    """Numbers stay numbers; anything else becomes a category code (NaN if unseen).

    Only the ``max_categories`` most frequent values of a column get a code, because
    scikit-learn's histogram trees accept fewer categories than bins (255).
    """

    def __init__(self, max_categories: int = 250) -> None:
        self.max_categories = max_categories

    def fit(self, X: pd.DataFrame) -> Self:
        import pandas as pd

        self.columns_: list[str] = []
        self.categories_: dict[str, dict[str, int]] = {}
        for column in X.columns:
            values = X[column].dropna()
            if values.empty:
                continue
            self.columns_.append(str(column))
            if not _numeric(values):
                counts = pd.Series([str(v) for v in values]).value_counts(sort=True)
                top = sorted(counts.index[: self.max_categories])
                self.categories_[str(column)] = {v: i for i, v in enumerate(top)}
        return self

    @property
    def categorical_mask(self) -> list[bool]:
        return [c in self.categories_ for c in self.columns_]

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        import numpy as np
        import pandas as pd

        out = np.full((len(X), len(self.columns_)), np.nan)
        for i, column in enumerate(self.columns_):
            if column not in X.columns:
                continue
            values = X[column]
            codes = self.categories_.get(column)
            if codes is None:
                out[:, i] = pd.to_numeric(values, errors="coerce").astype(float)
            else:
                out[:, i] = [np.nan if _missing(v) else codes.get(str(v), np.nan) for v in values]
        return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _numeric(values: pd.Series) -> bool:
    import pandas as pd

    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return True
    return all(isinstance(v, int | float | bool) for v in values)


class RuntimeModel:
    """Gradient-boosted trees on ``log1p(runtime_s)``; the median runtime with < 2 rows."""

    def __init__(
        self,
        max_iter: int = 200,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 5,
        l2_regularization: float = 0.0,
        random_state: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, runtime_s: pd.Series) -> Self:
        import numpy as np

        keep = runtime_s.notna().to_numpy()
        X, y = X[keep], np.log1p(runtime_s.to_numpy(dtype=float)[keep].clip(min=0.0))
        self.n_examples_ = int(len(y))
        self.default_s_ = float(np.expm1(np.median(y))) if len(y) else UNIT_RUNTIME_S
        self.encoder_ = FeatureEncoder().fit(X)
        self.estimator_ = None
        if len(y) >= 2 and self.encoder_.columns_:
            from sklearn.ensemble import HistGradientBoostingRegressor

            estimator = HistGradientBoostingRegressor(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization,
                categorical_features=self.encoder_.categorical_mask,
                early_stopping=False,
                random_state=self.random_state,
            )
            with single_thread():
                self.estimator_ = estimator.fit(self.encoder_.transform(X), y)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted wall time in seconds (never negative)."""
        import numpy as np

        if self.estimator_ is None or not len(X):
            return np.full(len(X), self.default_s_)
        with single_thread():
            log_runtime = self.estimator_.predict(self.encoder_.transform(X))
        return np.expm1(log_runtime).clip(min=0.0)


class SkipModel:
    """``p_noop`` of skippable stages, only for tasks seen with a measured effect.

    With enough labels of both kinds it is a gradient-boosted classifier; otherwise the
    smoothed no-op rate of the task ((no-ops + 1) / (runs + 2), so one lucky run is not
    certainty). A task never observed gets NaN: the planner never skips what it has not
    seen.
    """

    def __init__(
        self,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        min_samples_leaf: int = 5,
        min_examples: int = 20,
        random_state: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.min_samples_leaf = min_samples_leaf
        self.min_examples = min_examples
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, noop: pd.Series) -> Self:
        keep = noop.notna().to_numpy()
        X, y = X[keep], noop.to_numpy(dtype=float)[keep].astype(int)
        self.n_examples_ = int(len(y))
        tasks = X["task"].astype(str) if "task" in X else None
        self.task_rate_: dict[str, float] = {}
        if tasks is not None:
            for task, labels in zip(*_by_task(tasks.to_numpy(), y), strict=True):
                self.task_rate_[task] = (labels.sum() + 1.0) / (len(labels) + 2.0)
        self.encoder_ = FeatureEncoder().fit(X)
        self.estimator_ = None
        if len(y) >= self.min_examples and len(set(y)) == 2 and self.encoder_.columns_:
            from sklearn.ensemble import HistGradientBoostingClassifier

            estimator = HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                min_samples_leaf=self.min_samples_leaf,
                categorical_features=self.encoder_.categorical_mask,
                early_stopping=False,
                random_state=self.random_state,
            )
            with single_thread():
                self.estimator_ = estimator.fit(self.encoder_.transform(X), y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(the stage changes nothing beyond tolerance); NaN for unseen tasks."""
        import numpy as np

        if not len(X):
            return np.zeros(0)
        tasks = X["task"].astype(str) if "task" in X else None
        if tasks is None:
            return np.full(len(X), np.nan)
        seen = tasks.isin(list(self.task_rate_)).to_numpy()
        if self.estimator_ is not None:
            with single_thread():
                p = self.estimator_.predict_proba(self.encoder_.transform(X))[:, 1]
        else:
            p = tasks.map(self.task_rate_).to_numpy(dtype=float)
        return np.where(seen, p, np.nan)


def _by_task(tasks: np.ndarray, y: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    names = sorted(set(tasks.tolist()))
    return names, [y[tasks == name] for name in names]


class LearnedModel:
    """Runtime and skip models plus ``info``: what they were trained on, when, and the
    planning parameters (``objective``, ``skip_threshold``) they were trained or tuned
    for. This is the unit ``radps-seq train`` saves and ``--model`` loads."""

    def __init__(
        self, runtime: RuntimeModel, skip: SkipModel, info: Mapping[str, Any] | None = None
    ) -> None:
        self.runtime = runtime
        self.skip = skip
        self.info = dict(info or {})

    @classmethod
    def fit(
        cls,
        examples: Examples,
        runtime: RuntimeModel | None = None,
        skip: SkipModel | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> LearnedModel:
        """Fit both models on ``examples`` (see :func:`.features.training_examples`)."""
        runtime = (runtime or RuntimeModel()).fit(examples.X, examples.runtime_s)
        skip = (skip or SkipModel()).fit(examples.X, examples.noop)
        record = {
            "runtime_examples": runtime.n_examples_,
            "skip_examples": skip.n_examples_,
            "reductions": int(examples.group.nunique()),
            "tasks": sorted({str(t) for t in examples.X.get("task", [])}),
        }
        record.update(info or {})
        return cls(runtime, skip, record)

    def predict_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """``runtime_s`` and ``p_noop`` (NaN: unknown) for rows of job features."""
        import pandas as pd

        return pd.DataFrame(
            {"runtime_s": self.runtime.predict(X), "p_noop": self.skip.predict_proba(X)},
            index=X.index,
        )

    def predict(self, job_graph: nx.DiGraph) -> dict[str, dict[str, float | None]]:
        """Plan predictions for every complete job; ``p_noop`` only for skippable ones."""
        X = job_features(job_graph)
        frame = self.predict_frame(X)
        out: dict[str, dict[str, float | None]] = {}
        for job, runtime_s, p_noop in frame.itertuples():
            skippable = job_graph.nodes[job].get("skippable", False)
            known = skippable and p_noop == p_noop  # NaN != NaN
            out[job] = {"runtime_s": float(runtime_s), "p_noop": float(p_noop) if known else None}
        return out
