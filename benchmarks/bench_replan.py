"""How long replaying a 10,000-job graph takes when the learned planner re-plans as jobs
finish (goal: <= 30 s on this machine).

A random layered DAG (radps_seq.testing.graphs.layered_graph, 100 levels of 100 jobs) with
synthetic runtimes stands in for a large trace; the planner is trained on another such
graph (a different seed) seen as a run log. Timed (wall and CPU seconds: the
machine is shared, CPU time is what the replay itself costs): the static learned plan,
and the re-planning policy (every re-plan checked by the guard), at k = auto.
Simulation only: no recipe runs, runtimes are synthetic.

    .venv/bin/python benchmarks/bench_replan.py [--jobs 10000]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from radps_seq.experiments.replay import auto_workers, replay_with_guard
from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.plan import PlanContext, get_sequencer
from radps_seq.testing.graphs import layered_graph, synthetic_truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args()
    width = 100
    levels = max(1, args.jobs // width)
    train = layered_graph(levels * width, width=width, seed=1)
    log = trace_as_run_log(train, synthetic_truth(train, seed=1))
    graph = layered_graph(levels * width, width=width, seed=2)
    truth = synthetic_truth(graph, seed=2)
    k = auto_workers(graph, truth)
    context = PlanContext(workers=k, truth=truth)
    print(f"{graph.number_of_nodes()} jobs, k = {k}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for name in ("learned-static", "learned"):
        sequencer = get_sequencer(name).fit(log)
        start, cpu = time.perf_counter(), time.process_time()
        result = replay_with_guard(sequencer, graph, context, truth, k)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(f"{name:15s} replay {seconds:6.2f} s wall, {cpu:6.2f} s CPU  "
              f"makespan/LB {result.ratio:.4f}  "
              f"re-plans {result.replans} (refused {result.refused_replans})")  # fmt: skip


if __name__ == "__main__":
    main()
