"""Job graphs for tests and benchmarks of sequencers, the guard and replay.

Shared here (as Optuna's ``testing`` package does) so every sequencer — including ones
added later — is exercised on the same graphs, and the benchmark measures the guard on
the same kind of graph the tests check it on. Graphs carry every contract attribute
(task, complete, target, skippable, slots, features; edge slot and passthrough).
"""

from __future__ import annotations

import random
from typing import Any

import networkx as nx


def job(
    graph: nx.DiGraph,
    job_id: str,
    task: str,
    parents: dict[str, str] | None = None,
    *,
    files: int = 0,
    min_ret: dict[str, int] | None = None,
    complete: bool = True,
    target: bool = False,
    skippable: bool = False,
    same_category: tuple[str, ...] = (),
) -> None:
    """Add a job fed by ``parents`` ({parent: slot}); every input is mandatory unless
    ``min_ret`` says otherwise. ``files`` counts raw files in the main slot. An edge is
    pass-through when its parent is skippable and it fills the main slot or the parent is
    listed in ``same_category`` (its product has the category it consumes as main input;
    contracts.md)."""
    parents = parents or {}
    need = {"main": files}
    for slot in parents.values():
        need[slot] = need.get(slot, 0) + 1
    need.update(min_ret or {})
    graph.add_node(
        job_id,
        task=task,
        recipe=f"run_{task}",
        complete=complete,
        target=target,
        skippable=skippable,
        slots={s: {"min_ret": m, "files": files if s == "main" else 0} for s, m in need.items()},
        features={"task": task, "n_inputs": files, "level": 0},
    )
    for parent, slot in parents.items():
        passthrough = bool(graph.nodes[parent].get("skippable")) and (
            slot == "main" or parent in same_category
        )
        graph.add_edge(parent, job_id, slot=slot, passthrough=passthrough)


def imaging_graph(nights: int = 2) -> nx.DiGraph:
    """A small imaging cascade per night: bias -> flat -> a skippable correction of the
    master flat -> two science frames (targets) -> a skippable cosmetic stage each ->
    one stack; plus an incomplete science job that must never be planned."""
    graph = nx.DiGraph()
    for n in range(nights):
        job(graph, f"bias{n}", "bias", files=5)
        job(graph, f"flat{n}", "flat", {f"bias{n}": "MASTER_BIAS"}, files=5)
        job(graph, f"dark{n}", "darkcorr", {f"flat{n}": "main"}, skippable=True)
        for i in range(2):
            job(
                graph,
                f"sci{n}{i}",
                "science",
                {f"bias{n}": "MASTER_BIAS", f"dark{n}": "MASTER_FLAT"},
                files=1,
                target=True,
                same_category=(f"dark{n}",),
            )
            job(graph, f"cosm{n}{i}", "cosmetic", {f"sci{n}{i}": "main"}, skippable=True)
        job(graph, f"stack{n}", "stack", {f"cosm{n}0": "main", f"cosm{n}1": "main"})
    job(graph, "orphan", "science", {"bias0": "MASTER_BIAS"}, complete=False)
    return graph


def diamond() -> nx.DiGraph:
    """a -> b, a -> c, b -> d, c -> d; d is the target."""
    graph = nx.DiGraph()
    job(graph, "a", "prep", files=1)
    job(graph, "b", "left", {"a": "main"})
    job(graph, "c", "right", {"a": "main"})
    job(graph, "d", "join", {"b": "main", "c": "main"}, target=True)
    return graph


def layered_graph(
    jobs: int, width: int = 100, seed: int = 0, skippable: float = 1 / 3
) -> nx.DiGraph:
    """Levels of ``width`` jobs, each fed by 1-3 jobs of the level above through its
    main slot (every parent needed, plus one raw file); a ``skippable`` fraction of the
    non-source jobs may be skipped; the last level is the target."""
    rng = random.Random(seed)
    graph = nx.DiGraph()
    ids = [f"j{i:05d}" for i in range(jobs)]
    levels = [ids[s : s + width] for s in range(0, jobs, width)]
    for depth, level in enumerate(levels):
        for job_id in level:
            above = levels[depth - 1] if depth else []
            above = rng.sample(above, rng.randint(1, min(3, len(above)))) if above else []
            job(
                graph,
                job_id,
                f"t{depth % 7}",
                dict.fromkeys(above, "main"),
                files=1,
                target=depth == len(levels) - 1,
                skippable=depth > 0 and rng.random() < skippable,
            )
    return graph


def synthetic_truth(graph: nx.DiGraph, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Runtimes that depend on the task (so per-task means carry signal) and, for
    skippable jobs, a measured effect that is mostly within tolerance."""
    rng = random.Random(seed)
    scale: dict[str, float] = {}
    truth = {}
    for job_id, attrs in graph.nodes(data=True):
        base = scale.setdefault(attrs.get("task", ""), rng.uniform(1.0, 10.0))
        changed = (rng.random() < 0.3) if attrs.get("skippable") else None
        truth[job_id] = {"runtime_s": round(base * rng.uniform(0.8, 1.2), 3), "changed": changed}
    return truth
