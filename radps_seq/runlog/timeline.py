"""A reduction's timeline (Gantt chart) and per-task runtime table, from its run-log rows.

Each attempt that ran is a bar from its start to its end on the lane of the worker that
ran it, coloured by task; failed attempts are hatched. Reused and skipped jobs took no
time and are left out. The image is what ``radps-seq timeline`` writes and what a
reduction's MLflow run carries as an artifact.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Statuses of attempts that occupied a worker.
RAN = ("succeeded", "failed")


def ran(rows: pd.DataFrame) -> pd.DataFrame:
    """The attempts that occupied a worker, with a start and an end."""
    keep = rows["status"].isin(RAN) & rows["start_ts"].notna() & rows["end_ts"].notna()
    return rows[keep & (rows["end_ts"] > rows["start_ts"])]


def task_runtimes(rows: pd.DataFrame) -> pd.DataFrame:
    """Per task: jobs, how many ran/were reused/failed, total and mean runtime (s)."""
    import pandas as pd

    records = []
    for task, group in rows.groupby("task", sort=True):
        done = ran(group)
        wall = done["end_ts"] - done["start_ts"]
        records.append({
            "task": task,
            "jobs": int(group["job_id"].nunique()),
            "ran": int((group["status"] == "succeeded").sum()),
            "reused": int((group["status"] == "cached").sum()),
            "failed": int((group["status"] == "failed").sum()),
            "total_s": round(float(wall.sum()), 3),
            "mean_s": round(float(wall.mean()), 3) if len(wall) else None,
        })  # fmt: skip
    return pd.DataFrame(records, columns=["task", "jobs", "ran", "reused", "failed", "total_s", "mean_s"])


def timeline_png(rows: pd.DataFrame, path: str | os.PathLike, title: str = "") -> str:
    """Draw the Gantt chart of ``rows`` (one reduction) into ``path``; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = ran(rows)
    workers = sorted(done["worker"].fillna("?").unique())
    lane = {worker: i for i, worker in enumerate(workers)}
    tasks = list(dict.fromkeys(done.sort_values("start_ts")["task"]))
    colours = plt.get_cmap("tab20")
    origin = float(done["start_ts"].min()) if len(done) else 0.0
    fig, ax = plt.subplots(figsize=(11, max(3.0, 1.5 + 0.5 * len(workers))))
    for task_index, task in enumerate(tasks):
        group = done[done["task"] == task]
        for n, (_, row) in enumerate(group.iterrows()):
            ax.barh(lane[row["worker"] if isinstance(row["worker"], str) else "?"],
                    row["end_ts"] - row["start_ts"], left=row["start_ts"] - origin, height=0.8,
                    color=colours(task_index % 20), edgecolor="black", linewidth=0.3,
                    hatch="//" if row["status"] == "failed" else None,
                    label=task if n == 0 else None)  # fmt: skip
    ax.set_yticks(range(len(workers)), [w.rsplit(":", 1)[-1] for w in workers])
    ax.set_xlabel("seconds since the first job started")
    ax.set_ylabel("worker")
    ax.set_title(title or "reduction timeline")
    if tasks:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), title="task")
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return os.fspath(path)
