"""What a model may know about a job before it runs: its ``features`` plus its position.

A learned planner is only deployable if everything it reads exists when the plan is
made. The node attribute ``features`` (contracts.md) carries the header setup keywords,
input counts and sizes known at derivation time; the graph adds where the job sits
(how many jobs feed it, how much hangs below it). Outcome fields that some trace formats
put next to the features (output sizes are only known once the job has written them)
are dropped here, in one place, so no model can train on them by accident.

The same function serves training (a trace or a logged reduction rebuilt as a graph) and
planning (a freshly derived graph), which is what keeps the two consistent.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx

from radps_seq.errors import InputError
from radps_seq.plan.graphs import complete_jobs, priority_order

if TYPE_CHECKING:
    import pandas as pd

#: Feature keys that describe a job's outcome, not its inputs: never learned from.
OUTCOME_KEYS = frozenset({"output_bytes", "runtime_s", "wall_s", "cpu_s", "effect", "changed"})

#: The one feature about other jobs: the sizes of the parents' products (predicted or
#: already written, never read from a trace's record of them).
PARENT_BYTES = "parent_output_bytes"

#: Graph-position features added to every job (they override same-named node features).
POSITION_KEYS = (
    "n_parents",
    "n_children",
    "depth",
    "height",
    "n_ancestors",
    "n_descendants",
    "task_width",
    "graph_jobs",
)


def position_features(job_graph: nx.DiGraph) -> dict[str, dict[str, int]]:
    """Graph position of every complete job, over the complete jobs only.

    ``depth``/``height``: longest path (in edges) from a source / to a sink;
    ``n_ancestors``/``n_descendants``: how many jobs it waits for / holds up;
    ``task_width``: jobs of its task in this graph (how wide that stage fans out);
    ``graph_jobs``: size of the whole reduction. Ancestor and descendant sets are
    bitsets (Python ints), so a 10,000-job graph costs milliseconds, not minutes.
    """
    order = priority_order(job_graph)
    bit = {job: 1 << i for i, job in enumerate(order)}
    planned = bit.keys()
    parents = {j: [p for p in job_graph.pred[j] if p in planned] for j in order}
    children = {j: [c for c in job_graph.succ[j] if c in planned] for j in order}
    above: dict[str, int] = {}
    depth: dict[str, int] = {}
    for job in order:
        mask = 0
        for p in parents[job]:
            mask |= above[p] | bit[p]
        above[job] = mask
        depth[job] = max((depth[p] + 1 for p in parents[job]), default=0)
    below: dict[str, int] = {}
    height: dict[str, int] = {}
    for job in reversed(order):
        mask = 0
        for c in children[job]:
            mask |= below[c] | bit[c]
        below[job] = mask
        height[job] = max((height[c] + 1 for c in children[job]), default=0)
    width = Counter(job_graph.nodes[j].get("task") for j in order)
    return {
        job: {
            "n_parents": len(parents[job]),
            "n_children": len(children[job]),
            "depth": depth[job],
            "height": height[job],
            "n_ancestors": above[job].bit_count(),
            "n_descendants": below[job].bit_count(),
            "task_width": width[job_graph.nodes[job].get("task")],
            "graph_jobs": len(order),
        }
        for job in order
    }


def job_features(
    job_graph: nx.DiGraph,
    output_bytes: Mapping[str, float] | None = None,
    static: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per complete job (index: job id, in submission order): the node's
    ``features`` without outcome keys, its ``task``, :data:`POSITION_KEYS`, and
    ``parent_output_bytes``, the summed sizes of its parents' products as given by
    ``output_bytes`` (``{job: bytes}``): predictions when a plan is made, sizes already
    written when a running reduction re-plans. NaN when no parent's size is given; 0
    for a job without parents. Nothing else about other jobs' outcomes enters.
    ``static``: :func:`static_features` of this graph, when a caller re-plans often."""
    frame = (static if static is not None else static_features(job_graph)).copy()
    sizes = output_bytes or {}
    frame[PARENT_BYTES] = [_parent_bytes(job_graph, job, sizes) for job in frame.index]
    return frame


def static_features(job_graph: nx.DiGraph) -> pd.DataFrame:
    """The part of :func:`job_features` that no outcome can change: node features and
    graph position, computed once per graph."""
    import pandas as pd

    position = position_features(job_graph)
    jobs = complete_jobs(job_graph)
    rows = []
    for job in jobs:
        attrs = job_graph.nodes[job]
        row = {k: v for k, v in (attrs.get("features") or {}).items() if k not in OUTCOME_KEYS}
        row["task"] = attrs.get("task", row.get("task"))
        row.update(position[job])
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(jobs, name="job_id"))


def input_sizes(X: pd.DataFrame | None, raw: bool = False) -> dict[str, float]:
    """What every job of feature rows ``X`` reads: its own files (``input_bytes``) plus,
    unless ``raw``, its parents' products (written sizes where known, predictions
    elsewhere, 0 when neither); ``{}`` without rows."""
    if X is None or not len(X):
        return {}
    own = X["input_bytes"].fillna(0.0) if "input_bytes" in X else X[PARENT_BYTES] * 0.0
    total = own if raw else X[PARENT_BYTES].fillna(0.0) + own
    return total.astype(float).to_dict()


def _parent_bytes(job_graph: nx.DiGraph, job: str, sizes: Mapping[str, float]) -> float:
    parents = list(job_graph.predecessors(job))
    if not parents:
        return 0.0
    known = [float(sizes[p]) for p in parents if sizes.get(p) is not None]
    return sum(known) if known else math.nan


@dataclass
class Examples:
    """What a run log teaches: features of every complete job of every reduction, and
    the two labels where they were measured (NaN elsewhere).

    ``runtime_s`` is the wall time of the job's latest succeeded attempt; ``noop`` is
    True/False for skippable jobs whose effect was measured (True: the stage changed its
    product by no more than its tolerance, so skipping it would have been harmless);
    ``group`` is the reduction id, the unit validation folds hold out;
    ``output_bytes`` the measured size of the job's products where recorded (NaN
    elsewhere). ``X`` holds :data:`PARENT_BYTES` from the parents' *written* sizes:
    what a running reduction knows when a job becomes ready (all its parents are done);
    a plan made before anything runs fills it with predictions instead.
    """

    X: pd.DataFrame
    runtime_s: pd.Series
    noop: pd.Series
    group: pd.Series
    output_bytes: pd.Series | None = None

    def __len__(self) -> int:
        return len(self.X)


def training_examples(run_log: pd.DataFrame) -> Examples:
    """Rebuild every reduction of ``run_log`` as a job graph and label its jobs.

    Features come from the rebuilt graph exactly as :func:`job_features` computes them
    for a live plan, so training and planning see the same columns.
    """
    import numpy as np
    import pandas as pd

    from radps_seq.runlog.graph import REQUIRED_COLUMNS, reduction_graph

    missing = [c for c in REQUIRED_COLUMNS if c not in run_log.columns]
    if missing:
        raise InputError(f"run log lacks column(s) {', '.join(missing)} needed for training")
    frames, runtimes, noops, groups, outputs = [], [], [], [], []
    for reduction, rows in run_log.groupby("reduction_id", sort=False):
        graph, truth, _ = reduction_graph(rows, "run log", str(reduction))
        written = {j: t["output_bytes"] for j, t in truth.items() if "output_bytes" in t}
        X = job_features(graph, written)
        ok = rows[(rows["status"] == "succeeded") & rows["wall_s"].notna()]
        measured = set(ok["job_id"].astype(str))
        runtime = [truth[j]["runtime_s"] if j in measured else np.nan for j in X.index]
        noop = [
            float(not truth[j]["changed"])
            if graph.nodes[j].get("skippable") and truth[j].get("changed") is not None
            else np.nan
            for j in X.index
        ]
        frames.append(X)
        runtimes.append(pd.Series(runtime, index=X.index, dtype=float))
        noops.append(pd.Series(noop, index=X.index, dtype=float))
        groups.append(pd.Series(str(reduction), index=X.index))
        outputs.append(pd.Series([written.get(j, np.nan) for j in X.index], index=X.index))
    if not frames:
        empty = pd.Index([], name="job_id")
        return Examples(
            pd.DataFrame(index=empty),
            pd.Series(index=empty, dtype=float),
            pd.Series(index=empty, dtype=float),
            pd.Series(index=empty, dtype=str),
            pd.Series(index=empty, dtype=float),
        )
    return Examples(
        pd.concat(frames),
        pd.concat(runtimes),
        pd.concat(noops),
        pd.concat(groups),
        pd.concat(outputs).astype(float),
    )
