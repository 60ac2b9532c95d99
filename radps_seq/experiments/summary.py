"""The comparison table: per-instance records aggregated per sequencer × split × k.

Means say how a sequencer does on average; worst cases say whether it can be trusted
(DESIGN.md 6 asks for both, over at least five seeds). "Worst" is the largest ratio or
the smallest speed-up over every held-out instance and seed; ``*_seed_worst`` is the
worst of the per-seed means, which is what a rerun with another seed could show.
``*_ci_low`` / ``*_ci_high`` are a 95 % percentile bootstrap interval of the mean over
test *instances* (each instance's figure first averaged over seeds: seeds of one
instance are not independent draws of new data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

KEYS = ["sequencer", "split", "workers"]
PAIR = ["split", "fold", "seed", "workers", "instance"]
#: Columns that get a bootstrap interval (when present in the records).
INTERVALS = ("ratio_best", "ratio_lb", "ratio_baseline", "first_target_speedup_bfs")
ROUNDS = 2000


def summarize(records: pd.DataFrame, baseline: str | None = None) -> pd.DataFrame:
    """One row per sequencer × split × workers, in the order sequencers were listed."""
    import pandas as pd

    frame = records.copy()
    if baseline is not None and baseline in set(frame["sequencer"]):
        base = frame[frame["sequencer"] == baseline][[*PAIR, "makespan_s"]]
        frame = frame.merge(base.rename(columns={"makespan_s": "baseline_s"}), on=PAIR, how="left")
        frame["ratio_baseline"] = frame["makespan_s"] / frame["baseline_s"]
    grouped = frame.groupby(KEYS, sort=False)
    table = pd.DataFrame(
        {
            "n": grouped.size(),
            "seeds": grouped["seed"].nunique(),
            "makespan_s": grouped["makespan_s"].mean(),
            "ratio_lb_mean": grouped["ratio_lb"].mean(),
            "ratio_lb_worst": grouped["ratio_lb"].max(),
            "ratio_oracle_mean": grouped["ratio_oracle"].mean(),
            "ratio_oracle_worst": grouped["ratio_oracle"].max(),
            "ratio_oracle_seed_worst": _seed_worst(frame, "ratio_oracle", "max"),
            "first_target_s": grouped["first_target_s"].mean(),
            "first_target_speedup_bfs_mean": grouped["first_target_speedup_bfs"].mean(),
            "first_target_speedup_bfs_worst": grouped["first_target_speedup_bfs"].min(),
            "first_target_speedup_ceiling_mean": grouped["first_target_speedup_ceiling"].mean(),
            "saved_frac_mean": grouped["saved_frac"].mean(),
            "saving_recovered_mean": grouped["saving_recovered"].mean(),
            "saving_recovered_worst": grouped["saving_recovered"].min(),
            "products_changed_mean": grouped["products_changed"].mean(),
            "targets_changed_frac_mean": grouped["targets_changed_frac"].mean(),
            "targets_changed_frac_worst": grouped["targets_changed_frac"].max(),
            "refusals": grouped["refused"].sum(),
            "fit_s": grouped["fit_s"].mean(),
            "propose_s": grouped["propose_s"].mean(),
        }
    )
    if "ratio_baseline" in frame:
        table.insert(7, "ratio_baseline_mean", grouped["ratio_baseline"].mean())
        table.insert(8, "ratio_baseline_worst", grouped["ratio_baseline"].max())
    if "ratio_best" in frame:
        table.insert(3, "ratio_best_mean", grouped["ratio_best"].mean())
        table.insert(4, "ratio_best_worst", grouped["ratio_best"].max())
    for column in INTERVALS:
        if column in frame:
            low, high = _intervals(frame, column)
            table[f"{column}_ci_low"], table[f"{column}_ci_high"] = low, high
    return table.reset_index()


def bootstrap(values: object, rounds: int = ROUNDS, seed: int = 0) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the mean of the finite ``values``."""
    import numpy as np

    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if len(data) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), (rounds, len(data)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def _intervals(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """Per sequencer × split × k: the bootstrap interval over instances of ``column``."""
    import pandas as pd

    per_instance = frame.groupby([*KEYS, "instance"], sort=False)[column].mean()
    bounds = {key: bootstrap(group.to_numpy())
              for key, group in per_instance.groupby(level=KEYS, sort=False)}  # fmt: skip
    index = pd.MultiIndex.from_tuples(list(bounds), names=KEYS)
    low = pd.Series([b[0] for b in bounds.values()], index=index)
    high = pd.Series([b[1] for b in bounds.values()], index=index)
    return low, high


def _seed_worst(frame: pd.DataFrame, column: str, how: str) -> pd.Series:
    per_seed = frame.groupby([*KEYS, "seed"], sort=False)[column].mean()
    return per_seed.groupby(level=KEYS, sort=False).agg(how)


def to_markdown(table: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-style table without extra dependencies; NaN shows as an empty cell."""
    import pandas as pd

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:.{digits}f}"
        return str(value)

    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"
