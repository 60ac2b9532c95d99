"""The learned planner's two models and the bundle that is saved, shipped and loaded.

- :class:`RuntimeModel` predicts a job's wall time from what is known before it runs
  (gradient-boosted trees on log runtime: runtimes span four orders of magnitude and
  scheduling cares about ratios, not absolute errors);
- :class:`SkipModel` predicts ``p_noop``, the probability that a skippable stage would
  change its product by no more than its tolerance;
- :class:`LearnedModel` holds both plus a record of what they were trained on; it is
  what ``radps-seq train`` saves (MLflow model format, see :mod:`.model_store`).

Features are mixed (numbers, header strings, booleans): :mod:`.encoding` maps them onto
a schema learned at fit time. scikit-learn is imported inside methods so
loading this module costs nothing until a model is fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import networkx as nx
import numpy as np

from radps_seq.plan.sequencers.learned.encoding import FeatureEncoder, single_thread
from radps_seq.plan.sequencers.learned.features import job_features

if TYPE_CHECKING:
    import pandas as pd

    from radps_seq.plan.sequencers.learned.features import Examples

#: Default runtime (s) when nothing was learned: every job weighs the same.
UNIT_RUNTIME_S = 1.0


class RuntimeModel:
    """Gradient-boosted trees on ``log1p(runtime_s)``; the median runtime with < 2 rows.

    ``unseen`` says what a task type never seen in training gets: ``"mean"`` (default)
    the mean of the per-task mean runtimes — exactly what the critical-path baseline
    assumes, so on an unknown workflow the learned planner falls back to that baseline
    rather than extrapolating — or ``"model"``, the trees' guess from the job's inputs
    and position (measured to help on average and to hurt in the worst case on trace
    families never trained on; see benchmarks/results).

    ``within_task`` says how far the per-job differences *within* a task are trusted:
    ``"validated"`` (default) scales them by a weight per task measured on inner
    validation folds of the training reductions (:mod:`.reliability`; needs ``groups``
    at fit time, else every task weighs 0), ``"model"`` keeps them as predicted. The
    weights are learned state (``task_weight_``) and are applied by :meth:`shrink`
    over a whole graph's predictions.
    """

    def __init__(
        self,
        max_iter: int = 200,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 31,
        min_samples_leaf: int = 5,
        l2_regularization: float = 0.0,
        unseen: str = "mean",
        within_task: str = "validated",
        random_state: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.unseen = unseen
        self.within_task = within_task
        self.random_state = random_state

    def fit(
        self, X: pd.DataFrame, runtime_s: pd.Series, groups: pd.Series | None = None
    ) -> Self:
        """Fit on rows ``X``; ``groups`` (the reduction of every row) are the units the
        within-task weights are validated on."""
        keep = runtime_s.notna().to_numpy()
        X, seconds = X[keep], runtime_s.to_numpy(dtype=float)[keep].clip(min=0.0)
        y = np.log1p(seconds)
        self.n_examples_ = int(len(y))
        self.default_s_ = float(np.expm1(np.median(y))) if len(y) else UNIT_RUNTIME_S
        tasks = X["task"].astype(str).to_numpy() if "task" in X else np.array([""] * len(y))
        means = [float(seconds[tasks == t].mean()) for t in set(tasks.tolist())]
        self.tasks_ = set(tasks.tolist())
        self.unseen_s_ = float(np.mean(means)) if means else UNIT_RUNTIME_S
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
            codes = self.encoder_.transform(X)
            with single_thread():
                self.estimator_ = estimator.fit(codes, y)
        self.task_weight_: dict[str, float] | None = None
        if self.within_task == "validated":
            self.task_weight_ = dict.fromkeys(self.tasks_, 0.0)
            if self.estimator_ is not None and groups is not None:
                names = groups.to_numpy()[keep].astype(str)
                self.task_weight_.update(self._validated(codes, y, tasks, names))
        return self

    def _validated(
        self, codes: np.ndarray, y: np.ndarray, tasks: np.ndarray, groups: np.ndarray
    ) -> dict[str, float]:
        from sklearn.base import clone

        from radps_seq.plan.sequencers.learned.reliability import within_task_weights

        def fit_predict(train: np.ndarray, valid: np.ndarray) -> np.ndarray:
            with single_thread():
                inner = clone(self.estimator_).fit(codes[train], y[train])
                return inner.predict(codes[valid])

        return within_task_weights(fit_predict, y, tasks, groups)

    def shrink(self, seconds: Mapping[str, float], tasks: Mapping[str, Any]) -> dict[str, float]:
        """``seconds`` (predictions for the jobs of one graph) with each task's per-job
        differences scaled by its validated weight; unchanged under ``"model"``."""
        weights = getattr(self, "task_weight_", None)
        if not weights:
            return dict(seconds)
        from radps_seq.plan.sequencers.learned.reliability import shrink_within_task

        return shrink_within_task(seconds, tasks, weights)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted wall time in seconds (never negative)."""

        if self.estimator_ is None or not len(X):
            return np.full(len(X), self.default_s_)
        with single_thread():
            log_runtime = self.estimator_.predict(self.encoder_.transform(X))
        seconds = np.expm1(log_runtime).clip(min=0.0)
        if self.unseen == "mean" and "task" in X:
            unknown = ~X["task"].astype(str).isin(list(self.tasks_)).to_numpy()
            seconds[unknown] = self.unseen_s_
        return seconds


class SkipModel:
    """``p_noop`` of skippable stages: one small decision tree per task, read as smoothed
    leaf frequencies ``(no-ops + 1) / (runs + 2)``; NaN for tasks never seen.

    One wrong skip changes every product downstream, so a skip is only worth proposing
    on overwhelming evidence, and a smoothed leaf frequency says how much evidence there
    is: a leaf of 20 harmless runs gives 0.95, of 98 gives 0.99. The skip threshold then
    reads as "how many consistent past runs does a skip need". (Boosted probabilities
    saturate on small leaves and do not read that way.) A task with fewer than
    ``min_examples`` labels, or only one outcome, gets its smoothed overall rate.

    Text features (filter, instrument mode) enter as the task's smoothed no-op rate for
    that value (an unseen value gets the task's overall rate), so one split can separate
    "filters where this stage never matters" from the rest; a night-level number such
    as the moon's altitude would otherwise win the first split on a small log and
    not carry over to the next night.
    """

    def __init__(
        self,
        max_depth: int = 4,
        min_samples_leaf: int = 10,
        min_examples: int = 20,
        random_state: int = 0,
    ) -> None:
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.min_examples = min_examples
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, noop: pd.Series) -> Self:
        keep = noop.notna().to_numpy()
        X, y = X[keep], noop.to_numpy(dtype=float)[keep].astype(int)
        self.n_examples_ = int(len(y))
        self.encoder_ = FeatureEncoder().fit(X.drop(columns="task", errors="ignore"))
        self.task_rate_: dict[str, float] = {}
        self.trees_: dict[str, _TaskTree] = {}
        if "task" not in X:
            return self
        tasks = X["task"].astype(str).to_numpy()
        for task, labels in zip(*_by_task(tasks, y), strict=True):
            self.task_rate_[task] = _smoothed(labels.sum(), len(labels))
            if len(labels) >= self.min_examples and 0 < labels.sum() < len(labels):
                self.trees_[task] = self._tree(X[tasks == task], labels)
        return self

    def _tree(self, X: pd.DataFrame, y: np.ndarray) -> _TaskTree:
        from sklearn.tree import DecisionTreeClassifier

        rates = {}
        codes = self.encoder_.transform(X)
        for i, column in enumerate(self.encoder_.columns_):
            if column in self.encoder_.categories_:
                values = codes[:, i]
                rates[i] = {
                    float(v): _smoothed(y[values == v].sum(), int((values == v).sum()))
                    for v in set(values[~np.isnan(values)].tolist())
                }
        task_tree = _TaskTree(None, {}, rates, _smoothed(y.sum(), len(y)))
        features = task_tree.features(codes)
        tree = DecisionTreeClassifier(
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            random_state=self.random_state,
        ).fit(features, y)
        leaves = tree.apply(features)
        task_tree.tree = tree
        task_tree.leaf_rate = {
            int(leaf): _smoothed(y[leaves == leaf].sum(), int((leaves == leaf).sum()))
            for leaf in set(leaves.tolist())
        }
        return task_tree

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(the stage changes nothing beyond tolerance); NaN for unseen tasks."""

        p = np.full(len(X), np.nan)
        if not len(X) or "task" not in X:
            return p
        tasks = X["task"].astype(str).to_numpy()
        for task in set(tasks.tolist()) & self.task_rate_.keys():
            rows = tasks == task
            if task in self.trees_:
                p[rows] = self.trees_[task].predict(self.encoder_.transform(X[rows]))
            else:
                p[rows] = self.task_rate_[task]
        return p


class _TaskTree:
    """One task's skip tree: category columns replaced by their no-op rates, and the
    smoothed no-op rate of every leaf."""

    def __init__(
        self,
        tree: Any,
        leaf_rate: dict[int, float],
        rates: dict[int, dict[float, float]],
        prior: float,
    ) -> None:
        self.tree = tree
        self.leaf_rate = leaf_rate
        self.rates = rates
        self.prior = prior

    def features(self, codes: np.ndarray) -> np.ndarray:
        out = codes.copy()
        for i, rate in self.rates.items():
            out[:, i] = [rate.get(float(v), self.prior) for v in codes[:, i]]
        return out

    def predict(self, codes: np.ndarray) -> np.ndarray:

        leaves = self.tree.apply(self.features(codes))
        return np.array([self.leaf_rate[int(leaf)] for leaf in leaves])


def _smoothed(noops: float, runs: int) -> float:
    return (float(noops) + 1.0) / (runs + 2.0)


def _by_task(tasks: np.ndarray, y: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    names = sorted(set(tasks.tolist()))
    return names, [y[tasks == name] for name in names]


class OutputSizeModel:
    """Predicted size of a job's products: the median recorded for its task in training
    (None for tasks never seen, or when no sizes were recorded). Product sizes of one
    task vary far less than runtimes, and a median cannot be thrown by one huge file."""

    def fit(self, X: pd.DataFrame, output_bytes: pd.Series | None) -> Self:
        self.task_bytes_: dict[str, float] = {}
        if output_bytes is None or "task" not in X:
            return self
        keep = output_bytes.notna().to_numpy()
        tasks = X["task"].astype(str).to_numpy()[keep]
        sizes = output_bytes.to_numpy(dtype=float)[keep]
        for task in set(tasks.tolist()):
            self.task_bytes_[task] = float(np.median(sizes[tasks == task]))
        return self

    def predict(self, job_graph: nx.DiGraph) -> dict[str, float]:
        """``{job: bytes}`` for every job whose task has a recorded size."""
        out = {}
        for job, attrs in job_graph.nodes(data=True):
            size = self.task_bytes_.get(str(attrs.get("task")))
            if size is not None:
                out[job] = size
        return out


class LearnedModel:
    """Runtime and skip models plus ``info``: what they were trained on, when, and the
    planning parameters (``objective``, ``skip_threshold``) they were trained or tuned
    for. This is the unit ``radps-seq train`` saves and ``--model`` loads."""

    def __init__(
        self,
        runtime: RuntimeModel,
        skip: SkipModel,
        info: Mapping[str, Any] | None = None,
        output: OutputSizeModel | None = None,
    ) -> None:
        self.runtime = runtime
        self.skip = skip
        self.info = dict(info or {})
        self.output = output or OutputSizeModel().fit(_no_rows(), None)

    @classmethod
    def fit(
        cls,
        examples: Examples,
        runtime: RuntimeModel | None = None,
        skip: SkipModel | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> LearnedModel:
        """Fit both models on ``examples`` (see :func:`.features.training_examples`)."""
        runtime = (runtime or RuntimeModel()).fit(examples.X, examples.runtime_s, examples.group)
        skip = (skip or SkipModel()).fit(examples.X, examples.noop)
        output = OutputSizeModel().fit(examples.X, examples.output_bytes)
        record = {
            "runtime_examples": runtime.n_examples_,
            "skip_examples": skip.n_examples_,
            "reductions": int(examples.group.nunique()),
            "tasks": sorted({str(t) for t in examples.X.get("task", [])}),
        }
        record.update(info or {})
        return cls(runtime, skip, record, output)

    def predict_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """``runtime_s`` and ``p_noop`` (NaN: unknown) for rows of job features."""
        import pandas as pd

        return pd.DataFrame(
            {"runtime_s": self.runtime.predict(X), "p_noop": self.skip.predict_proba(X)},
            index=X.index,
        )

    def features(
        self,
        job_graph: nx.DiGraph,
        written: Mapping[str, float] | None = None,
        static: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Job features with the parents' product sizes: ``written`` where a running
        reduction has them, this model's predictions elsewhere (``static``: see
        :func:`.features.job_features`)."""
        sizes = self.output.predict(job_graph)
        sizes.update(written or {})
        return job_features(job_graph, sizes, static)

    def predict(
        self,
        job_graph: nx.DiGraph,
        written: Mapping[str, float] | None = None,
        X: pd.DataFrame | None = None,
    ) -> dict[str, dict[str, float | None]]:
        """Plan predictions for every complete job; ``p_noop`` only for skippable ones.
        ``written``: product sizes of jobs already finished (see :meth:`features`);
        ``X``: those features, when the caller has them already."""
        if X is None:
            X = self.features(job_graph, written)
        frame = self.predict_frame(X)
        out: dict[str, dict[str, float | None]] = {}
        for job, runtime_s, p_noop in frame.itertuples():
            skippable = job_graph.nodes[job].get("skippable", False)
            known = skippable and p_noop == p_noop  # NaN != NaN
            out[job] = {"runtime_s": float(runtime_s), "p_noop": float(p_noop) if known else None}
        return out


def _no_rows() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()
