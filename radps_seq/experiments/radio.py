"""Simulated radio datasets as experiment data: simulate, reduce with real CASA, read the log.

``data: [{radio: {datasets: 4}}]`` makes, for every seed of the experiment, that many
simulated execution blocks (``radps-seq simulate radio``), reduces each as its own
reduction with the real CASA stages of the alma cascade (breadth-first, every stage
run, self-calibration unrolled to ``selfcal_iterations`` so every skippable stage's
effect is measured), and replays those logged reductions. Each dataset is its own
"night" (one MJD each), so ``leave_one_out: night`` holds out whole datasets.

Work is kept in ``workdir`` and reused, so a second ``compare`` runs no CASA. Runtimes
are measured wall times of the CASA stages on this machine; effects are measured by the
stages (flagged fraction, image SNR gain) -- the simulator's truth is never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from radps_seq.experiments.config import ExperimentConfig
    from radps_seq.experiments.data import Instance

DEFAULTS: dict[str, Any] = {
    "datasets": 4,
    "workers": 2,
    "selfcal_iterations": 2,
    "workflow": "cascades/alma",
    "workdir": "work/experiments/radio",
}


def radio_instances(config: ExperimentConfig, spec: Any, where: str) -> list[Instance]:
    """One instance per simulated dataset per experiment seed (``meta['seed']`` set)."""
    from radps_seq.experiments.data import seeded_instances

    return seeded_instances(config, spec, where, DEFAULTS, "radio",
                            lambda seed, o: f"seed{seed}-datasets{o['datasets']}", reduce_datasets)


def reduce_datasets(folder: Path, seed: int, options: dict[str, Any], config: Any) -> Path:
    """Simulate (once) and reduce every dataset not reduced yet; returns the work dir."""
    from radps_seq.reduction import ReductionRequest, run_reduction
    from radps_seq.sim import SIMULATORS

    raw = folder / "data"
    if not (raw / "DONE").exists():
        SIMULATORS["radio"](raw, datasets=int(options["datasets"]), seed=seed)
        (raw / "DONE").write_text("simulated\n")
    workdir = folder / "work"
    rounds = int(options["selfcal_iterations"])
    for descriptor in sorted(raw.glob("*.fits")):
        marker = workdir / "datasets" / descriptor.stem
        if marker.exists():
            continue
        request = ReductionRequest(
            workflow=config.resolve(str(options["workflow"])),
            inputs=[str(descriptor)],
            workdir=str(workdir),
            workflow_parameters={"selfcal_rounds": rounds, "selfcal_done": True},
            planner="bfs",
            workers=int(options["workers"]),
            track=False,
        )
        run_reduction(request)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("reduced\n")
    return workdir
