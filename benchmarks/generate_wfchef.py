"""Generate synthetic WfCommons instances of workflow families no shipped trace covers.

WfChef recipes (the ``wfcommons`` package, not a dependency of radps_seq: install it in
a separate environment) build instances from statistics of real traces of each family:
task-type structure, runtimes and file sizes drawn from distributions fitted to those
traces. They are **generated, not real traces**: good for "families never trained on",
not for claims about real runs. Written to a directory outside the repository.

    python -m venv /tmp/wfc && /tmp/wfc/bin/pip install wfcommons==1.6
    /tmp/wfc/bin/python benchmarks/generate_wfchef.py --out /tmp/generated
"""

from __future__ import annotations

import argparse
import importlib
import random
from pathlib import Path

#: Families with a WfChef recipe and no trace in data/wfcommons.
FAMILIES = ("seismology", "srasearch", "blast", "bwa", "cycles", "soykb", "rnaseq")
SIZES = (200, 500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import numpy as np
    from wfcommons import WorkflowGenerator

    recipes = importlib.import_module("wfcommons.wfchef.recipes")
    args.out.mkdir(parents=True, exist_ok=True)
    for family in FAMILIES:
        recipe = getattr(recipes, f"{family.capitalize()}Recipe")
        for i, size in enumerate(SIZES):
            random.seed(args.seed + i)
            np.random.seed(args.seed + i)
            workflow = WorkflowGenerator(recipe.from_num_tasks(num_tasks=size)).build_workflow()
            path = args.out / f"wfchef_{family}_{family}-{size}-seed{args.seed + i}.json"
            workflow.write_json(path)
            print(path)


if __name__ == "__main__":
    main()
