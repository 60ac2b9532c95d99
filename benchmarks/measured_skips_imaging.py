"""Imaging skips measured by re-running held-out nights (real recipes, simulated sky).

Nights of a sky the shipped model never saw (seed 21) are simulated and reduced in full
(every stage run); each is then reduced again with (a) the oracle's skips — every stage
whose measured effect was within its tolerance — and (b) the skips the learned planner
proposes with the shipped model (models/default) at its own threshold and at lower
ones; each re-run's target products (stacks) are compared with the full reduction's
(radps_seq.experiments.measured). Reports compute saved (measured wall time of the
skipped jobs), the share of it the planner recovers of the oracle's, and the target
products changed.

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
THRESHOLDS = (None, 0.9, 0.8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--workdir", type=Path, default=Path("work/measured-skips"))
    args = parser.parse_args()
    start = time.perf_counter()
    data = args.workdir / f"seed{args.seed}-size{args.size}"
    if not (data / "DONE").exists():
        SIMULATORS["imaging"](data, nights=args.nights, seed=args.seed, size=args.size,
                              with_masters=True)  # fmt: skip
        (data / "DONE").write_text("simulated\n")
    rows = []
    for night in sorted(p for p in (data / "raw").iterdir() if p.is_dir()):
        print(f"night {night.name}: full reduction", file=sys.stderr, flush=True)
        request = ReductionRequest(
            workflow=str(ROOT / "cascades" / "imaging"),
            inputs=[str(night), str(data / "masters"), str(data / "calib")],
            workdir=str(args.workdir / f"work-{night.name}"), meta_targets=["SCIENCE"],
            workers=2, track=False,
        )  # fmt: skip
        full = FullReduction(request)
        runs = {"oracle": full.harmless()}
        for threshold in THRESHOLDS:
            sequencer = get_sequencer("learned-static", model=str(ROOT / "models" / "default"),
                                      skip_threshold=threshold)  # fmt: skip
            plan = sequencer.fit(None).propose(full.graph, request.plan_context())
            runs[f"learned (threshold {sequencer.threshold():g})"] = list(plan.skip)
        oracle_saving = None
        for label, skips in runs.items():
            print(f"night {night.name}: re-run with {label} ({len(skips)} skips)",
                  file=sys.stderr, flush=True)  # fmt: skip
            summary = full.rerun(label, skips).summary()
            if label == "oracle":
                oracle_saving = summary["compute_saved_s"]
            summary["saving_recovered"] = (summary["compute_saved_s"] / oracle_saving
                                           if oracle_saving else None)  # fmt: skip
            summary["night"] = night.name
            rows.append(summary)
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")  # fmt: skip
    print(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "seconds": round(time.perf_counter() - start, 1), "runs": rows}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
