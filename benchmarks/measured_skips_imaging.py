"""Imaging skips measured by re-running held-out nights (real recipes, simulated sky).

The shipped model (models/default, trained on simulator seeds 0-4) proposes skips; its
threshold is chosen here on *validation* nights of another sky (seed 22): going down a
grid from the strictest, a threshold is taken when it skips more there and re-running
those nights with its skips changed no target product (see ``choose_threshold``). Test nights (seed 21, never used for
any choice) are then reduced in full (every stage run) and again with

- the per-stage oracle: every stage whose measured effect was within its tolerance
  (not a safe set: stages interact, several harmless skips can add up);
- the jointly-safe reference: those skips added greedily by saving, each addition kept
  only if a re-run with the whole set changed no target product
  (radps_seq.experiments.measured.FullReduction.jointly_safe);
- the learned skips at the chosen threshold, and at the model's own.

Each re-run's target products (stacks) are compared with the full reduction's. Reports
compute saved (measured wall time of the skipped jobs), the share of the jointly-safe
reference's saving recovered, and the target products changed.

    .venv/bin/python benchmarks/measured_skips_imaging.py [--nights 2] [--size 64] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from radps_seq.experiments.measured import FullReduction
from radps_seq.plan import get_sequencer
from radps_seq.reduction import ReductionRequest
from radps_seq.sim import SIMULATORS

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "default"
#: Thresholds validation tries, strictest first.
GRID = (0.97, 0.9, 0.8, 0.7, 0.6, 0.5)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def nights(workdir: Path, seed: int, count: int, size: int) -> list[FullReduction]:
    """Simulate ``count`` nights of sky ``seed`` and reduce each in full."""
    data = workdir / f"seed{seed}-size{size}-n{count}"
    if not (data / "DONE").exists():
        SIMULATORS["imaging"](data, nights=count, seed=seed, size=size, with_masters=True)
        (data / "DONE").write_text("simulated\n")
    out = []
    for night in sorted(p for p in (data / "raw").iterdir() if p.is_dir()):
        say(f"seed {seed}, night {night.name}: full reduction")
        request = ReductionRequest(
            workflow=str(ROOT / "cascades" / "imaging"),
            inputs=[str(night), str(data / "masters"), str(data / "calib")],
            workdir=str(workdir / f"work-seed{seed}-{night.name}"), meta_targets=["SCIENCE"],
            workers=2, track=False,
        )  # fmt: skip
        out.append(FullReduction(request))
    return out


def learned_skips(full: FullReduction, threshold: float | None) -> list[str]:
    sequencer = get_sequencer("learned-static", model=str(MODEL), skip_threshold=threshold)
    return list(sequencer.fit(None).propose(full.graph, full.request.plan_context()).skip)


def choose_threshold(valid: list[FullReduction]) -> tuple[float, list[dict]]:
    """The strictest model threshold, loosened down the grid only while validation
    shows it is safe to: a lower threshold is taken when it skips more on the
    validation nights and its re-runs changed no target product there; one that skips
    the same is no evidence either way (the stricter stays); the first that changed a
    target product ends the search."""
    chosen, tried, current = GRID[0], [], None
    for threshold in GRID:
        skips = [sorted(learned_skips(full, threshold)) for full in valid]
        if skips == current:
            continue
        runs = [full.rerun(f"validation {threshold:g}", s) for full, s in zip(valid, skips, strict=True)]
        changed = sum(run.targets_changed for run in runs)
        tried += [{"threshold": threshold, **run.summary()} for run in runs]
        say(f"validation: threshold {threshold:g} skips {sum(map(len, skips))}, "
            f"changed {changed} target product(s)")  # fmt: skip
        if changed:
            if current is None:
                chosen = 1.01  # even the strictest changed something: no skips
            break
        chosen, current = threshold, skips
    return chosen, tried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=2, help="test nights")
    parser.add_argument("--valid-nights", type=int, default=2)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=21, help="test sky")
    parser.add_argument("--valid-seed", type=int, default=22, help="validation sky")
    parser.add_argument("--workdir", type=Path, default=Path("work/measured-skips"))
    args = parser.parse_args()
    start, cpu = time.perf_counter(), time.process_time()
    threshold, validation = choose_threshold(
        nights(args.workdir, args.valid_seed, args.valid_nights, args.size)
    )
    rows = []
    for full in nights(args.workdir, args.seed, args.nights, args.size):
        night = Path(full.request.inputs[0]).name
        reference, tries = full.jointly_safe(say=say)
        runs = [reference]
        for label, skips in (("per-stage oracle", full.harmless()),
                             (f"learned (threshold {threshold:g}, chosen on validation)",
                              learned_skips(full, threshold)),
                             ("learned (model's own threshold)", learned_skips(full, None))):  # fmt: skip
            say(f"night {night}: re-run with {label} ({len(skips)} skips)")
            runs.append(full.rerun(label, skips))
        for run in runs:
            summary = run.summary()
            summary["saving_recovered"] = (run.compute_saved_s / reference.compute_saved_s
                                           if reference.compute_saved_s else None)  # fmt: skip
            rows.append({"night": night, **summary})
        rows[-len(runs)]["reruns_to_find"] = tries
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")  # fmt: skip
    print(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "seconds": round(time.perf_counter() - start, 1),
                      "cpu_seconds": round(time.process_time() - cpu, 1),
                      "chosen_threshold": threshold, "validation": validation, "runs": rows},
                     indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
