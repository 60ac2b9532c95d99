"""Benchmark: a no-op re-run of one simulated imaging night, next to make and Snakemake.

One night (``radps-seq simulate imaging --nights 1 --seed 11``, ~190 jobs) is reduced
once; then, each a fresh ``radps-seq`` process timed whole (wall clock, and the CPU of
the process from ``getrusage``):

- ``rerun``: ``radps-seq run`` again — every job reused, the reduction still logged to
  the run log and to MLflow (both counts are checked after each re-run);
- ``dry-run``: ``radps-seq run -n``;
- ``derive``: ``radps-seq derive``.

The references are the same job graph (one target per job, its inputs the job's raw
files and its parents' targets, ``touch`` as the recipe) as a Makefile and as a
Snakefile, built once, then timed doing nothing: ``make`` and ``snakemake -c1``.
Snakemake is no dependency: give its executable with ``--snakemake`` (install it in a
throwaway venv). Python writes bytecode caches as on a user's machine (the variable
``PYTHONDONTWRITEBYTECODE`` is removed for the timed processes).

Usage::

    .venv/bin/python benchmarks/bench_noop.py --dir /tmp/noop --snakemake /tmp/snk/bin/snakemake

Results are recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASCADE = REPO / "cascades" / "imaging"
BIN = Path(sys.executable).parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the process and its children, stdout) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def references(graph, root: Path) -> tuple[Path, Path]:
    """The job graph as a Makefile and as a Snakefile (in ``root``), one target per job."""
    deps = {
        job: [f"out/{p}" for p in graph.pred[job]]
        + sorted({str(Path(i.file).resolve()) for i in attrs["job"].inputs if i.file})
        for job, attrs in graph.nodes(data=True)
        if attrs.get("complete", True)
    }
    make = root / "make"
    make.mkdir(parents=True, exist_ok=True)
    lines = ["all: " + " ".join(f"out/{j}" for j in deps), "out:\n\tmkdir -p out"]
    lines += [f"out/{j}: {' '.join(d)} | out\n\ttouch $@" for j, d in deps.items()]
    (make / "Makefile").write_text("\n".join(lines) + "\n")
    snake = root / "snake"
    snake.mkdir(parents=True, exist_ok=True)
    (snake / "Snakefile").write_text(
        f"DEPS = {json.dumps(deps)}\n"
        "rule all:\n    input: [f'out/{j}' for j in DEPS]\n"
        "rule job:\n    output: 'out/{job}'\n    input: lambda wc: DEPS[wc.job]\n"
        "    shell: 'touch {output}'\n"
    )
    return make, snake


def summary(name: str, runs: list[tuple[float, float]]) -> dict[str, object]:
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return {
        "what": name,
        "n": len(runs),
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "wall_max_s": round(max(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path, help="Scratch folder (emptied).")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--snakemake", default=None, help="A snakemake executable.")
    args = parser.parse_args()
    root = args.dir.resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    radps = str(BIN / "radps-seq")
    timed([radps, "simulate", "imaging", "--nights", "1", "--seed", "11", "--out", "raw"], root, env)
    run = [radps, "run", "-w", str(CASCADE), "-i", "raw", "--workdir", "w", "--workers", "2"]
    first = timed([*run, "--format", "json"], root, env)
    jobs = json.loads(first[2])["jobs"]
    results = [summary("first run", [first[:2]])]
    reruns = []
    for _ in range(args.repeat):
        before = count(root / "mlflow.db", "runs"), count(root / "w" / "runlog.sqlite", "reductions")
        wall, cpu, out = timed([*run, "--format", "json"], root, env)
        statuses = {j["status"] for j in json.loads(out)["jobs"]}
        after = count(root / "mlflow.db", "runs"), count(root / "w" / "runlog.sqlite", "reductions")
        assert statuses == {"cached"}, statuses
        assert after == (before[0] + 1, before[1] + 1), (before, after)
        reruns.append((wall, cpu))
    results.append(summary("rerun (all reused, logged)", reruns))
    dry = [timed([*run, "-n", "--format", "json"], root, env)[:2] for _ in range(args.repeat)]
    results.append(summary("run -n", dry))
    derive = [radps, "derive", "-w", str(CASCADE), "-i", "raw", "--workdir", "w", "--format", "json"]
    results.append(summary("derive", [timed(derive, root, env)[:2] for _ in range(args.repeat)]))

    sys.path.insert(0, str(REPO))
    from radps_seq.derive import derive_request

    graph = derive_request(str(CASCADE), [root / "raw"], workdir=root / "w").graph
    make, snake = references(graph, root / "ref")
    timed(["make", "-s", "-j2"], make, env)
    results.append(summary("make (no-op)", [timed(["make", "-s"], make, env)[:2]
                                            for _ in range(args.repeat)]))  # fmt: skip
    if args.snakemake:
        snakemake = [args.snakemake, "-c1", "--quiet", "all"]
        timed(snakemake, snake, env)
        results.append(summary("snakemake -c1 (no-op)",
                               [timed(snakemake, snake, env)[:2] for _ in range(args.repeat)]))  # fmt: skip
    load = os.getloadavg()
    print(json.dumps({
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores".strip(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_1_5_15": [round(x, 1) for x in load],
        "jobs": len(jobs),
        "results": results,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
