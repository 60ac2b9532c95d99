"""Simulated imaging nights as experiment data: simulate, reduce, read the run log.

``data: [{imaging: {nights: 4, size: 128}}]`` in an experiment file makes, for every
seed of the experiment, a synthetic imager's nights (``radps_seq.sim``), reduces each
night as its own reduction with the real recipes (breadth-first, every stage run, so
every skippable stage's effect is measured), and replays those logged reductions. The
data seed is the experiment seed: seed 3's sequencers train and test on seed 3's sky.

Everything is kept in ``workdir`` (default ``work/experiments/imaging`` under the
experiment root) and reused when the same nights were already reduced, so a second
``compare`` or a ``tune`` costs no recipe run. Runtimes are measured wall times of the
recipes on this machine; effects are measured by the recipes — the simulator's hidden
state is never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from radps_seq.experiments.config import ExperimentConfig
    from radps_seq.experiments.data import Instance

DEFAULTS: dict[str, Any] = {
    "nights": 4,
    "size": 128,
    "workers": 2,
    "workflow": "cascades/imaging",
    "meta_targets": ["SCIENCE"],
    "workdir": "work/experiments/imaging",
}


def imaging_instances(config: ExperimentConfig, spec: Any, where: str) -> list[Instance]:
    """One instance per simulated night per experiment seed (``meta['seed']`` set)."""
    from radps_seq.experiments.data import seeded_instances

    return seeded_instances(config, spec, where, DEFAULTS, "imaging",
                            lambda seed, o: f"seed{seed}-nights{o['nights']}-size{o['size']}",
                            reduce_nights)


def reduce_nights(folder: Path, seed: int, options: dict[str, Any], config: Any) -> Path:
    """Simulate (once) and reduce every night not reduced yet; returns the work dir."""
    from radps_seq.reduction import ReductionRequest, run_reduction
    from radps_seq.sim import SIMULATORS

    raw = folder / "data"
    if not (raw / "DONE").exists():
        SIMULATORS["imaging"](
            raw, nights=int(options["nights"]), seed=seed, size=int(options["size"]),
            with_masters=True,
        )  # fmt: skip
        (raw / "DONE").write_text("simulated\n")
    workdir = folder / "work"
    for night in sorted(p for p in (raw / "raw").iterdir() if p.is_dir()):
        marker = workdir / "nights" / night.name
        if marker.exists():
            continue
        request = ReductionRequest(
            workflow=config.resolve(str(options["workflow"])),
            inputs=[str(night), str(raw / "masters"), str(raw / "calib")],
            workdir=str(workdir),
            meta_targets=list(options["meta_targets"]),
            planner="bfs",
            workers=int(options["workers"]),
            track=False,
        )
        run_reduction(request)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("reduced\n")
    return workdir
