"""Engine overhead of the executor per job, next to Dask and Prefect on the same DAG.

Goal: ``radps-seq run --dummy`` on a ~1,000-job cascade costs <= 1 ms per job on the
local executor. The job graph is *derived*: the imaging cascade over ``--nights``
simulated nights (``radps_seq.sim``), so its shape (fan-in of calibrations, chains of
skippable refinement stages, stacks) is a real cascade's. Measured side by side in one
run, median of ``--repeat`` runs each:

- radps_seq, dummy, local executor, fresh work directory (everything: the guard, hashing
  the raw inputs, an EDPS job folder with placeholder products per job, the run log);
- radps_seq, dummy, local executor, re-run on the same work directory (all reused);
- radps_seq, dummy, Dask executor (LocalCluster of in-process workers);
- Dask distributed alone: the same DAG of no-op tasks, ``client.submit`` with the
  parents' futures as arguments, on a LocalCluster (in-process workers, and processes);
- Prefect, when ``--prefect-python`` names an interpreter with prefect installed (kept
  out of this project's dependencies): the same DAG of no-op tasks in a flow
  (``task.submit(wait_for=parents)``), timed inside that interpreter, excluding import;
- for scale, real (non-dummy) jobs: a no-op Python recipe run in one supervised child
  process per job through the fork server, on 2 workers.

    .venv/bin/python benchmarks/bench_executor.py [--nights 7] [--repeat 3]
        [--scratch DIR] [--prefect-python PREFECT_VENV/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from radps_seq.recipes.registry import Product, RecipeResult, recipe


@recipe("bench_noop")
def noop_recipe(inputs, params, scratch):
    """Writes one tiny product: the per-job cost of a real job without the work."""
    (scratch / "OUT.dat").write_text("x")
    return RecipeResult([Product(str(scratch / "OUT.dat"), "OUT")])


PREFECT_FLOW = """
import json, sys, time
from prefect import flow, task

edges = json.load(open(sys.argv[1]))  # [[job, [parents...]], ...] in plan order

@task
def noop(*parents):
    return None

@flow
def cascade():
    futures = {}
    for job, parents in edges:
        futures[job] = noop.submit(wait_for=[futures[p] for p in parents])
    for future in futures.values():
        future.result()

cascade()  # warm-up: the ephemeral API server starts here
start = time.perf_counter()
cascade()
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def median_ms_per_job(samples: list[float], jobs: int) -> str:
    return f"{statistics.median(samples) / jobs * 1000:.3f}"


def derived_graph(scratch: Path, nights: int):
    from radps_seq.cascade.loader import load_workflow
    from radps_seq.derive import derive_request
    from radps_seq.plan import PlanContext, accept, get_sequencer
    from radps_seq.sim import simulate_imaging

    simulate_imaging(scratch / "data", nights=nights, seed=1, size=32)
    workflow = load_workflow("imaging")
    graph = derive_request(workflow, [scratch / "data"], workdir=scratch / "derive").graph
    plan, _ = accept(get_sequencer("bfs").propose(graph, PlanContext()), graph, PlanContext())
    return workflow, graph, plan


def radps(graph, plan, workflow, scratch: Path, repeat: int, **options) -> tuple[list, list]:
    """(fresh-workdir times, re-run times) of ``execute``."""
    from radps_seq.execute import execute

    fresh, again = [], []
    for n in range(repeat):
        workdir = scratch / f"w-{options.get('executor', 'local')}-{n}"
        start = time.perf_counter()
        result = execute(graph, plan, workdir=workdir, workflow=workflow, **options)
        fresh.append(time.perf_counter() - start)
        assert result.status == "succeeded", result.status
        start = time.perf_counter()
        result = execute(graph, plan, workdir=workdir, workflow=workflow, **options)
        again.append(time.perf_counter() - start)
        assert {j.status for j in result.jobs} == {"cached"}
        shutil.rmtree(workdir)
    return fresh, again


def noop(*parents):
    return None


def dask_alone(graph, plan, repeat: int, processes: bool, workers: int) -> list[float]:
    from distributed import Client, LocalCluster, wait

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        times = []
        for n in range(repeat + 1):  # the first round warms the cluster up
            start = time.perf_counter()
            futures = {}
            for i, job in enumerate(plan.order):
                parents = [futures[p] for p in graph.pred[job]]
                futures[job] = client.submit(
                    noop, *parents, key=f"{job}-{n}", priority=-i, pure=False
                )
            wait(list(futures.values()))
            if n:
                times.append(time.perf_counter() - start)
            del futures
    return times


def prefect(graph, plan, python: str, scratch: Path, repeat: int) -> list[float]:
    edges = [[job, list(graph.pred[job])] for job in plan.order]
    (scratch / "edges.json").write_text(json.dumps(edges))
    (scratch / "prefect_flow.py").write_text(PREFECT_FLOW)
    env = {
        **os.environ,
        "PREFECT_HOME": str(scratch / "prefect-home"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    times = []
    for _ in range(repeat):
        done = subprocess.run(
            [python, str(scratch / "prefect_flow.py"), str(scratch / "edges.json")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        times.append(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
    return times


def real_jobs(scratch: Path, jobs: int, workers: int) -> float:
    """Seconds per job of ``jobs`` no-op recipe jobs (chains of 4) on ``workers`` workers."""
    import networkx as nx

    from radps_seq.derive import Job, JobInput
    from radps_seq.execute import execute
    from radps_seq.plan import PlanContext, accept, get_sequencer

    graph = nx.DiGraph()
    raw = scratch / "raw.dat"
    raw.write_text("raw")
    for n in range(jobs):
        job_id = f"{n:016x}"
        previous = f"{n - 1:016x}" if n % 4 else None
        inputs = (
            [JobInput("OUT", "main", job=previous)]
            if previous
            else [JobInput("RAW", "main", file=str(raw))]
        )
        job = Job(
            id=job_id, task=f"stage{n % 4}", recipe="bench_noop", inputs=inputs, products=["OUT"]
        )
        graph.add_node(
            job_id,
            task=job.task,
            recipe=job.recipe,
            complete=True,
            target=False,
            skippable=False,
            slots={"main": {"min_ret": 1, "files": 0}},
            features={},
            job=job,
        )
        if previous:
            graph.add_edge(previous, job_id, slot="main", passthrough=False)
    plan, _ = accept(get_sequencer("bfs").propose(graph, PlanContext()), graph, PlanContext())
    execute(graph, plan, workdir=scratch / "real-warm", workers=workers)  # fork server up
    start = time.perf_counter()
    result = execute(graph, plan, workdir=scratch / "real", workers=workers)
    elapsed = time.perf_counter() - start
    assert result.status == "succeeded", [j.error for j in result.jobs if j.error][:3]
    return elapsed / jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scratch", default=None, help="folder for data and work dirs")
    parser.add_argument("--prefect-python", default=None)
    parser.add_argument("--real-jobs", type=int, default=200)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-executor-", dir=args.scratch))
    try:
        workflow, graph, plan = derived_graph(scratch, args.nights)
        jobs = len(plan.order)
        import dask
        import distributed

        print(
            f"{platform.machine()}, {os.cpu_count()} cores | Python "
            f"{platform.python_version()} | dask {dask.__version__}, distributed "
            f"{distributed.__version__} | scratch {scratch}"
        )
        print(
            f"graph: imaging cascade over {args.nights} simulated nights: {jobs} jobs, "
            f"{graph.number_of_edges()} edges; median of {args.repeat} runs"
        )
        rows = []
        fresh, again = radps(graph, plan, workflow, scratch, args.repeat, dummy=True)
        rows.append(("radps_seq --dummy, local, fresh workdir", median_ms_per_job(fresh, jobs)))
        rows.append(
            ("radps_seq --dummy, local, re-run (all reused)", median_ms_per_job(again, jobs))
        )
        fresh, _ = radps(
            graph,
            plan,
            workflow,
            scratch,
            args.repeat,
            dummy=True,
            executor="dask",
            workers=args.workers,
        )
        rows.append(
            (
                f"radps_seq --dummy, dask executor ({args.workers} in-process workers)",
                median_ms_per_job(fresh, jobs),
            )
        )
        for processes in (False, True):
            kind = "worker processes" if processes else "in-process workers"
            times = dask_alone(graph, plan, args.repeat, processes, args.workers)
            rows.append(
                (
                    f"Dask distributed alone, no-op tasks ({args.workers} {kind})",
                    median_ms_per_job(times, jobs),
                )
            )
        if args.prefect_python:
            times = prefect(graph, plan, args.prefect_python, scratch, args.repeat)
            rows.append(
                (
                    "Prefect flow, no-op tasks (task.submit, wait_for parents)",
                    median_ms_per_job(times, jobs),
                )
            )
        per_job = real_jobs(scratch, args.real_jobs, args.workers)
        rows.append(
            (
                f"radps_seq real jobs, no-op recipe, child process per job "
                f"({args.workers} workers, {args.real_jobs} jobs)",
                f"{per_job * 1000:.3f}",
            )
        )
        width = max(len(name) for name, _ in rows)
        print(f"{'what':<{width}}  ms/job")
        for name, value in rows:
            print(f"{name:<{width}}  {value}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
