"""Small recipes the executor tests run in real child processes."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from radps_seq.recipes.registry import Product, RecipeResult, recipe


def _products(inputs, params, scratch: Path) -> list[Product]:
    digest = hashlib.sha256()
    for item in sorted(inputs, key=lambda i: (i.category, Path(i.path).name)):
        digest.update(item.category.encode() + Path(item.path).read_bytes())
    digest.update(str(params.get("extra", "")).encode())
    products = []
    for category in params.get("categories", ["PRODUCT"]):
        path = scratch / f"{category}.dat"
        path.write_text(f"{category} {digest.hexdigest()}\n")
        products.append(Product(str(path), category))
    return products


@recipe("t_combine")
def combine(inputs, params, scratch):
    """Writes one product per category: a digest of its inputs (deterministic)."""
    print(f"combining {len(inputs)} inputs")
    return RecipeResult(
        _products(inputs, params, scratch),
        qc={"n_inputs": len(inputs)},
        effect=params.get("effect"),
    )


@recipe("t_raise")
def fail(inputs, params, scratch):
    (scratch / "PARTIAL.dat").write_text("half")
    raise ValueError("bad data in the inputs")


@recipe("t_sleep")
def sleep(inputs, params, scratch):
    time.sleep(float(params.get("seconds", 1.0)))
    return RecipeResult(_products(inputs, params, scratch))


@recipe("t_exit")
def hard_exit(inputs, params, scratch):
    os._exit(3)


@recipe("t_segfault")
def segfault(inputs, params, scratch):
    import ctypes

    ctypes.string_at(0)


@recipe("t_flaky")
def flaky(inputs, params, scratch):
    """Fails until it has been called ``fail_times`` times (counted in a file)."""
    counter = Path(params["counter"])
    calls = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(calls + 1))
    if calls < int(params["fail_times"]):
        raise RuntimeError(f"flaky failure {calls + 1}")
    return RecipeResult(_products(inputs, params, scratch))


@recipe("t_big")
def big(inputs, params, scratch):
    """Writes ``megabytes`` of data: fills a small disk."""
    with open(scratch / "BIG.dat", "wb") as handle:
        for _ in range(int(params.get("megabytes", 4))):
            handle.write(b"\0" * (1 << 20))
    return RecipeResult([Product(str(scratch / "BIG.dat"), "BIG")])


@recipe("t_spin")
def spin(inputs, params, scratch):
    """Burns CPU for a while (so cpu_s is measurably positive)."""
    end = time.process_time() + float(params.get("cpu_seconds", 0.2))
    while time.process_time() < end:
        pass
    return RecipeResult(_products(inputs, params, scratch), effect=params.get("effect"))


@recipe("t_wait_to_be_killed")
def wait_to_be_killed(inputs, params, scratch):
    """Writes its pid where the test can find it, then sleeps until killed."""
    partial = Path(params["pidfile"] + ".part")
    partial.write_text(str(os.getpid()))
    partial.rename(params["pidfile"])  # never seen half-written
    time.sleep(120)
    return RecipeResult(_products(inputs, params, scratch))
