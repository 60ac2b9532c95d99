"""The comparison table: per-instance records aggregated per sequencer × split × k.

Means say how a sequencer does on average; worst cases say whether it can be trusted
(DESIGN.md 6 asks for both, over at least five seeds). "Worst" is the largest ratio or
the smallest speed-up over every held-out instance and seed; ``*_seed_worst`` is the
worst of the per-seed means, which is what a rerun with another seed could show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

KEYS = ["sequencer", "split", "workers"]
PAIR = ["split", "fold", "seed", "workers", "instance"]


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
    return table.reset_index()


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
