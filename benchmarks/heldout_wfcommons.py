"""Held-out WfCommons headlines: makespan over the best-known schedule, where order matters.

Real traces (Pegasus runs shipped in data/wfcommons; runtimes as recorded, replayed by
simulation on k identical workers). Splits: leave one family out (train on the other
two), and larger instances (train on the smaller traces of every family, test on the
largest of each). Every learned choice is made on the training traces only; the
planner never sees a test trace's outcomes except, for ``learned``, those of jobs that
finished earlier in the simulated run. The learned planners' tie-break and rank
tolerance are chosen per outer split on inner validation: the same protocol applied to
the split's training traces alone (leave one training family out; or their largest
traces held out), scored by makespan over critical-path's.

k = auto (ceil(total work / critical path), where order matters most) and the scarce
range k = 2, 4. Best-known = the best of CP-SAT with true runtimes (time limit per
instance, hinted with HEFT-with-truth; k = auto only) and every replayed schedule;
the proven lower bound is reported next to it. Statistics over test instances: mean
with a 95 % bootstrap interval, and the worst case. Also: learned (dynamic) over
critical-path per instance, and the feature ablation (learned-static trained and
planned with the old, leaky ``input_bytes`` that counted parents' products as read
from the trace).

With ``--generated``, one more split: trained on every real trace, tested on instances
WfChef generated for families no shipped trace covers (benchmarks/generate_wfchef.py;
generated from statistics of real traces, not real traces themselves).

    .venv/bin/python benchmarks/heldout_wfcommons.py [--time-limit 5] [--out FILE.json]
        [--generated 'DIR/*.json' [--generated-only]]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from radps_seq.experiments.bound import cpsat_bound
from radps_seq.experiments.data import instances_run_log, wfcommons_instances
from radps_seq.experiments.replay import auto_workers, replay_with_guard
from radps_seq.plan import PlanContext, get_sequencer

ROOT = Path(__file__).resolve().parents[1]
PLANNERS = ("dfs", "bfs", "type", "dynamic", "critical-path", "learned-static", "learned")
RANDOM_SEEDS = (0, 1, 2, 3, 4)
LEARNED = ("learned", "learned-static")
#: What inner validation chooses from: the tie-break among equal ranks and how close two
#: ranks must be to count as equal (see the learned sequencer).
TRUST_GRID = tuple({"ties": t, "rank_tolerance": r}
                   for t in ("input_bytes", "raw_bytes") for r in (0.0, 0.01))  # fmt: skip
#: Ablation: re-planning as before within-task trust (per-job differences as predicted,
#: equal ranks in submission order).
#: The split of generated instances (WfChef recipes), trained on every real trace.
GENERATED = "generated"
UNTRUSTED = "learned (ablation: no within-task trust, submission ties)"


def bootstrap(values: list[float], rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile bootstrap interval of the mean."""
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), (rounds, len(data)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def leaky(instances: list) -> list:
    """Copies whose ``input_bytes`` also counts the parents' recorded products (the
    feature as it was: known only after the parents ran)."""
    out = []
    for inst in instances:
        twin = copy.deepcopy(inst)
        for job in twin.graph:
            parents = sum(twin.truth[p].get("output_bytes", 0.0) for p in twin.graph.pred[job])
            twin.graph.nodes[job]["features"]["input_bytes"] += parents
        out.append(twin)
    return out


def folds(instances: list) -> list[tuple[str, list, list]]:
    families = sorted({i.meta["family"] for i in instances})
    cuts = [(f"family={f}", [i for i in instances if i.meta["family"] != f],
             [i for i in instances if i.meta["family"] == f]) for f in families]  # fmt: skip
    largest = {f: max(i.graph.number_of_nodes() for i in instances if i.meta["family"] == f)
               for f in families}  # fmt: skip
    test = [i for i in instances if i.graph.number_of_nodes() == largest[i.meta["family"]]]
    cuts.append(("larger-instances", [i for i in instances if i not in test], test))
    return cuts


def inner_cuts(fold: str, train: list) -> list[tuple[str, list, list]]:
    """The outer split's protocol applied to its training traces only: leave one
    training family out (outer leave-one-family-out), or the largest training trace of
    each family held out (outer larger-instances)."""
    cuts = folds(train)
    if fold == "larger-instances":
        return cuts[-1:]
    return [c for c in cuts[:-1] if c[1] and c[2]]


def choose_trust(fold: str, train: list, say) -> dict[str, dict]:
    """For ``learned`` and ``learned-static``: the :data:`TRUST_GRID` entry with the
    lowest mean makespan / critical-path's over the inner validation traces (k = auto),
    each inner model trained on the inner training traces. No outer test trace enters."""
    scores: dict[str, list[list[float]]] = {n: [[] for _ in TRUST_GRID] for n in LEARNED}
    for _, inner_train, valid in inner_cuts(fold, train):
        log = instances_run_log(inner_train)
        model = get_sequencer("learned-static").fit(log).model_
        baseline = get_sequencer("critical-path").fit(log)
        for inst in valid:
            k = auto_workers(inst.graph, inst.truth)
            context = PlanContext(workers=k)
            cp = replay_with_guard(baseline, inst.graph, context, inst.truth, k).makespan_s
            for name in LEARNED:
                for i, params in enumerate(TRUST_GRID):
                    sequencer = get_sequencer(name, model=model, **params).fit(None)
                    result = replay_with_guard(sequencer, inst.graph, context, inst.truth, k)
                    scores[name][i].append(result.makespan_s / cp)
    chosen = {n: TRUST_GRID[int(np.argmin([np.mean(s) for s in scores[n]]))] for n in LEARNED}
    say(f"{fold}: inner validation chose {chosen}")
    return chosen


def split_of(fold: str) -> str:
    return fold if fold in ("larger-instances", GENERATED) else "leave-one-family-out"


def evaluate(cuts: list, time_limit: float, say) -> tuple[list[dict], dict]:
    records, choices = [], {}
    ablation = {i.name: i for i in leaky([i for c in cuts for i in c[1] + c[2]])}
    for fold, train, test in cuts:
        log = instances_run_log(train)
        choices[fold] = choose_trust(fold, train, say)
        fitted = {n: get_sequencer(n, **choices[fold].get(n, {})).fit(log) for n in PLANNERS}
        fitted["learned-static (leaky input_bytes)"] = get_sequencer("learned-static").fit(
            instances_run_log([ablation[i.name] for i in train])
        )
        fitted[UNTRUSTED] = get_sequencer("learned", within_task="model", ties="submission").fit(log)
        for inst in test:
            auto = auto_workers(inst.graph, inst.truth)
            for k in sorted({auto, 2, 4}):
                say(f"{fold}: {inst.name} ({inst.graph.number_of_nodes()} jobs) k={k}")
                context = PlanContext(workers=k, truth=inst.truth)
                row = {"fold": fold, "instance": inst.name, "family": inst.meta["family"],
                       "jobs": inst.graph.number_of_nodes(), "k": k, "k_auto": k == auto}  # fmt: skip
                oracle = replay_with_guard(get_sequencer("oracle"), inst.graph, context,
                                           inst.truth, k)  # fmt: skip
                row["heft-truth"] = oracle.makespan_s
                row["lower_bound"] = oracle.lower_bound_s
                for name, sequencer in fitted.items():
                    graph = ablation[inst.name].graph if "leaky" in name else inst.graph
                    result = replay_with_guard(sequencer, graph, context, inst.truth, k)
                    row[name] = result.makespan_s
                    if name == "learned":
                        row["replans"] = result.replans
                        row["refused_replans"] = result.refused_replans
                randoms = [replay_with_guard(get_sequencer("random"), inst.graph,
                           PlanContext(workers=k, seed=s), inst.truth, k).makespan_s
                           for s in RANDOM_SEEDS]  # fmt: skip
                row["random"] = float(np.mean(randoms))
                best = min(v for key, v in row.items() if key in _SCHEDULES)
                if k == auto:
                    hint = {j: r.start_s for j, r in oracle.runs.items()}
                    bound = cpsat_bound(inst.graph, inst.truth, k, time_limit, hint)
                    row["cpsat"] = bound.makespan_s
                    row["cpsat_status"] = bound.status
                    row["lower_bound"] = max(row["lower_bound"], bound.lower_bound_s)
                    if bound.makespan_s is not None:
                        best = min(best, bound.makespan_s)
                row["best_known"] = best
                records.append(row)
    return records, choices


_SCHEDULES = {*PLANNERS, "heft-truth", "random", "learned-static (leaky input_bytes)", UNTRUSTED}


def summarize(records: list[dict]) -> dict:
    columns = ["random", *PLANNERS, UNTRUSTED, "learned-static (leaky input_bytes)",
               "heft-truth", "cpsat"]  # fmt: skip
    out: dict = {}
    for regime, rows in (("k=auto", [r for r in records if r["k_auto"]]),
                         ("k=2", [r for r in records if r["k"] == 2 and not r["k_auto"]]),
                         ("k=4", [r for r in records if r["k"] == 4 and not r["k_auto"]])):  # fmt: skip
        for split in ("leave-one-family-out", "larger-instances", GENERATED):
            chosen = [r for r in rows if split_of(r["fold"]) == split]
            if not chosen:
                continue
            table = {}
            for column in columns:
                values = [r[column] / r["best_known"] for r in chosen if r.get(column)]
                if values:
                    low, high = bootstrap(values)
                    table[column] = {"mean": float(np.mean(values)), "ci95": [low, high],
                                     "worst": float(np.max(values)), "n": len(values)}  # fmt: skip
            vs = [r["learned"] / r["critical-path"] for r in chosen]
            table["learned / critical-path"] = {"mean": float(np.mean(vs)), "ci95": bootstrap(vs),
                                                "worst": float(np.max(vs)), "n": len(vs)}  # fmt: skip
            gaps = [r["best_known"] / r["lower_bound"] for r in chosen]
            table["best-known / proven lower bound"] = {"mean": float(np.mean(gaps)),
                                                        "worst": float(np.max(gaps))}  # fmt: skip
            out[f"{regime} | {split}"] = table
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=5.0, help="CP-SAT seconds per instance")
    parser.add_argument("--out", type=Path, default=None, help="write records and summary (JSON)")
    parser.add_argument("--generated", default=None, metavar="GLOB",
                        help="also test, trained on every real trace, on these generated "
                             "instances (benchmarks/generate_wfchef.py)")
    parser.add_argument("--generated-only", action="store_true",
                        help="with --generated: skip the splits of the real traces")  # fmt: skip
    args = parser.parse_args()
    start, cpu = time.perf_counter(), time.process_time()
    instances = wfcommons_instances(str(ROOT / "data" / "wfcommons" / "*.json"))
    cuts = folds(instances) if not args.generated_only else []
    if args.generated:
        cuts.append((GENERATED, instances, wfcommons_instances(args.generated)))
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    records, choices = evaluate(cuts, args.time_limit, say)
    summary = summarize(records)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")  # fmt: skip
    doc = {"machine": machine, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "seconds": round(time.perf_counter() - start, 1),
           "cpu_seconds": round(time.process_time() - cpu, 1), "chosen_on_inner_folds": choices,
           "summary": summary, "records": records}  # fmt: skip
    if args.out:
        args.out.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    keys = ("machine", "date", "seconds", "cpu_seconds", "chosen_on_inner_folds", "summary")
    print(json.dumps({k: doc[k] for k in keys}, indent=1))


if __name__ == "__main__":
    main()
