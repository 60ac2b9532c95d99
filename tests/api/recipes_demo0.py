"""Recipes for a copy of the demo0 cascade in the service tests (``demo0_recipes.py``).

Real recipes run by the engine in child processes: each reads its inputs and writes a
product whose content is a digest of them, so equal requests give equal products. A
parameter ``seconds`` makes a job last (to follow or cancel a running reduction).
"""

import hashlib
import time
from pathlib import Path

from radps_seq.recipes.registry import Product, RecipeResult, recipe


def _product(category, inputs, params, scratch):
    time.sleep(float(params.get("seconds", 0)))
    digest = hashlib.sha256()
    for item in sorted(inputs, key=lambda i: (i.category, Path(i.path).name)):
        digest.update(item.category.encode() + Path(item.path).read_bytes())
    path = Path(scratch) / f"{category}.fits"
    path.write_text(f"{category} {digest.hexdigest()}\n")
    return RecipeResult([Product(str(path), category)], qc={"n_inputs": len(inputs)})


@recipe("run_bias")
def run_bias(inputs, params, scratch):
    return _product("MASTER_BIAS", inputs, params, scratch)


@recipe("run_flat")
def run_flat(inputs, params, scratch):
    return _product("MASTER_FLAT", inputs, params, scratch)


@recipe("run_science")
def run_science(inputs, params, scratch):
    return _product("SCIENCE_REDUCED", inputs, params, scratch)
