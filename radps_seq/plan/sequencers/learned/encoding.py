"""Mixed job features as a numeric matrix the trees accept, and a one-thread guard.

Features are mixed (numbers, header strings such as the filter name, booleans), so
:class:`FeatureEncoder` learns a column schema at fit time and maps any later frame
onto it: unknown columns are ignored, missing ones and unseen categories become
"missing", which the trees handle natively.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


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
