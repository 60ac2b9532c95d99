"""How long the guard takes on a 10,000-job plan (goal: check <= 50 ms).

A random layered DAG (radps_seq.testing.graphs.layered_graph) stands in for a large
derived graph: 100 levels of 100 jobs, each fed by 1-3 jobs of the level above through
its main slot (every parent needed, one raw file each), a third of the jobs skippable
with pass-through edges. Three plans are
checked: the valid breadth-first plan, the same plan with 500 legal skips, and a shuffled
order with illegal skips (thousands of violations, all listed). ``repair`` is timed on
the shuffled plan too.

    .venv/bin/python benchmarks/bench_guard.py [--jobs 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time

import networkx as nx

from radps_seq.plan import Plan, PlanContext, check, get_sequencer, repair
from radps_seq.testing.graphs import layered_graph


def timed(fn, repeat: int) -> float:
    """Median wall time of ``fn()`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    graph = layered_graph(args.jobs)
    valid = get_sequencer("bfs").propose(graph, PlanContext())
    rng = random.Random(1)
    skippable = [j for j in valid.order if graph.nodes[j]["skippable"]]
    legal = repair(Plan("bench", valid.order, rng.sample(skippable, 500)), graph)
    shuffled = Plan(
        "bench", rng.sample(valid.order, len(valid.order)), rng.sample(valid.order, 2000)
    )
    assert check(valid, graph) == [] and check(legal, graph) == []

    print(
        f"{platform.machine()}, {os.cpu_count()} cores | "
        f"Python {platform.python_version()} | networkx {nx.__version__}"
    )
    print(f"graph: {graph.number_of_nodes()} jobs, {graph.number_of_edges()} edges")
    print(
        f"check, valid plan, no skips      : {timed(lambda: check(valid, graph), args.repeat):7.1f} ms"
    )
    print(
        f"check, valid plan, {len(legal.skip):4d} skips     : "
        f"{timed(lambda: check(legal, graph), args.repeat):7.1f} ms"
    )
    print(
        f"check, shuffled plan ({len(check(shuffled, graph))} violations): "
        f"{timed(lambda: check(shuffled, graph), args.repeat):7.1f} ms"
    )
    print(f"repair, shuffled plan            : {timed(lambda: repair(shuffled, graph), 5):7.1f} ms")


if __name__ == "__main__":
    main()
