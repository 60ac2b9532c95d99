"""The comparison's figures, written as PNG files for MLflow to keep with the run.

matplotlib is imported here with the non-interactive Agg backend: experiments run on
servers and in tests, where no display exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd


def _pyplot():  # noqa: ANN202 - the pyplot module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def ratio_plot(table: pd.DataFrame, path: Path) -> Path:
    """Mean makespan / lower bound per sequencer (dots, values written) with the worst
    case (marks), one panel per split × k; the axis spans the values, not 0 to the top,
    so that ratios a percent apart look apart."""
    plt = _pyplot()
    panels = list(table.groupby(["split", "workers"], sort=False))
    fig, axes = plt.subplots(
        1, len(panels), figsize=(max(4.0, 3.2 * len(panels)), 3.6), squeeze=False, sharey=True
    )
    for ax, ((split, workers), rows) in zip(axes[0], panels, strict=True):
        x = range(len(rows))
        ax.scatter(x, rows["ratio_lb_mean"], color="#4c72b0", marker="o", s=36, label="mean")
        ax.scatter(x, rows["ratio_lb_worst"], color="#c44e52", marker="_", s=200, label="worst")
        ax.vlines(x, rows["ratio_lb_mean"], rows["ratio_lb_worst"], color="#c44e52", lw=0.8)
        for i, value in zip(x, rows["ratio_lb_mean"], strict=True):
            ax.annotate(f"{value:.3f}", (i, value), xytext=(4, 0), textcoords="offset points", fontsize=7)
        ax.set_xticks(list(x), rows["sequencer"], rotation=60, ha="right", fontsize=8)
        ax.set_title(f"{split}, k={workers}", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    values = table[["ratio_lb_mean", "ratio_lb_worst"]].to_numpy().ravel()
    values = values[values == values]
    if len(values):  # zoom on the values: ratios that differ by 1 % must be visible
        low, high = float(values.min()), float(values.max())
        pad = max(0.08 * (high - low), 0.002 * high)
        axes[0][0].set_ylim(low - pad, high + pad)
    axes[0][0].set_ylabel("makespan / lower bound (axis zoomed on the values)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def threshold_plot(sweep: pd.DataFrame, path: Path) -> Path:
    """Cost versus safety of ``skip_threshold``: compute saved against the share of
    target products changed, one curve per learned sequencer, thresholds annotated."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 3.8))
    means = sweep.groupby(["sequencer", "threshold"], sort=False)[
        ["saved_frac", "targets_changed_frac"]
    ].mean()
    for label, rows in means.groupby(level="sequencer", sort=False):
        rows = rows.droplevel("sequencer")
        ax.plot(rows["targets_changed_frac"], rows["saved_frac"], marker="o", label=label)
        for threshold, row in rows.iterrows():
            ax.annotate(
                f"{threshold:g}", (row["targets_changed_frac"], row["saved_frac"]), fontsize=7
            )
    ax.set_xlabel("target products changed (share)")
    ax.set_ylabel("compute saved (share of total work)")
    ax.set_title("skip threshold: cost vs safety", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def job_graph_plot(graph: nx.DiGraph, path: Path, title: str = "") -> Path:
    """The job graph by level (sources left, targets right), coloured by task, target
    jobs outlined in black."""
    import networkx as nx

    from radps_seq.plan.graphs import depths

    plt = _pyplot()
    level = depths(graph)
    shown = graph.subgraph(level).copy()
    nx.set_node_attributes(shown, level, "layer")
    pos = nx.multipartite_layout(shown, subset_key="layer")
    tasks = sorted({str(t) for _, t in shown.nodes(data="task")})
    cmap = plt.get_cmap("tab20")
    colour = {t: cmap(i % 20) for i, t in enumerate(tasks)}
    size = 60 if shown.number_of_nodes() < 200 else 12
    fig, ax = plt.subplots(figsize=(8.0, 5.0))
    nx.draw_networkx_edges(shown, pos, ax=ax, alpha=0.25, arrows=False, width=0.5)
    for task in tasks:
        nodes = [n for n, t in shown.nodes(data="task") if str(t) == task]
        nx.draw_networkx_nodes(
            shown, pos, nodelist=nodes, ax=ax, node_size=size, label=task,
            node_color=[colour[task]], edgecolors=[
                "black" if shown.nodes[n].get("target") else colour[task] for n in nodes
            ],
        )  # fmt: skip
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title or f"job graph ({shown.number_of_nodes()} jobs)", fontsize=9)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
