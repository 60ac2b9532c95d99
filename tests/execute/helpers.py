"""Hand-built job graphs with real Job objects, following contracts.md."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import networkx as nx
import numpy as np
from astropy.io import fits

from radps_seq.derive import Job, JobInput
from radps_seq.plan import PlanContext, accept, get_sequencer


class Cascade:
    """Builds a job graph job by job; ids are content hashes like derived ones."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.graph = nx.DiGraph()
        self.graph.graph["order"] = []
        self.graph.graph["workflow"] = "handmade"

    def raw(self, name: str, value: float = 1.0, overwrite: bool = True) -> str:
        """A real FITS file (2x2 pixels of ``value``) in the raw folder."""
        path = self.root / "raw" / f"{name}.fits"
        path.parent.mkdir(exist_ok=True)
        if overwrite or not path.exists():
            fits.PrimaryHDU(np.full((2, 2), value, dtype="f4")).writeto(path, overwrite=True)
        return str(path)

    def job(
        self,
        task: str,
        *,
        recipe: str | None = "t_combine",
        files: list[tuple[str, str]] = (),
        parents: dict[str, tuple[str, str]] | None = None,
        params: dict | None = None,
        products: tuple[str, ...] = ("PRODUCT",),
        target: bool = False,
        skippable: bool = False,
        tolerance: float | None = None,
        missing: tuple[str, ...] = (),
        night: str | None = "2024-01-01",
    ) -> str:
        """Add a job reading ``files`` ([(path, category)], main slot) and ``parents``
        ({parent id: (slot, category)}); the recipe is told to write ``products``."""
        parents = parents or {}
        params = {"categories": list(products), **(params or {})}
        inputs = [JobInput(category, "main", file=path) for path, category in files]
        inputs += [JobInput(category, slot, job=p) for p, (slot, category) in parents.items()]
        record = [task, recipe, [i.to_dict() | {"slot": i.slot} for i in inputs], params]
        job_id = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]
        job = Job(
            id=job_id,
            task=task,
            recipe=recipe,
            complete=not missing,
            inputs=inputs,
            parents=sorted(parents),
            missing=list(missing),
            parameters=params,
            target=target,
            skippable=skippable,
            tolerance=tolerance,
            products=list(products),
            night=night,
        )
        slots = {"main": {"min_ret": 1, "files": len(files)}}
        for slot, _ in parents.values():
            slots.setdefault(slot, {"min_ret": 1, "files": 0})
        features = {
            "task": task,
            "n_inputs": len(inputs),
            "exptime": 10.0,
            "input_bytes": sum(Path(p).stat().st_size for p, _ in files if Path(p).exists()),
        }
        self.graph.add_node(
            job_id,
            task=task,
            recipe=recipe,
            complete=not missing,
            target=target,
            skippable=skippable,
            slots=slots,
            features=features,
            job=job,
        )
        for parent, (slot, _) in parents.items():
            passthrough = bool(self.graph.nodes[parent]["skippable"]) and slot == "main"
            self.graph.add_edge(parent, job_id, slot=slot, passthrough=passthrough)
        self.graph.graph["order"].append(job_id)
        return job_id


def checked(graph: nx.DiGraph, plan):
    """``plan`` as the guard accepts it (or the baseline that replaces it)."""
    return accept(plan, graph, PlanContext())[0]


def bfs(graph: nx.DiGraph, skip=()):
    plan = get_sequencer("bfs").propose(graph, PlanContext())
    plan.skip = list(skip)
    return checked(graph, plan)


def imaging(root: Path, **science) -> tuple[Cascade, dict[str, str]]:
    """bias -> flat -> two science jobs (targets), plus a second science frame each."""
    c = Cascade(root)
    biases = [(c.raw(f"b{i}", i), "BIAS") for i in range(3)]
    flats = [(c.raw(f"f{i}", 10 + i), "FLAT") for i in range(2)]
    ids = {"bias": c.job("bias", files=biases, products=("MASTER_BIAS",))}
    ids["flat"] = c.job(
        "flat",
        files=flats,
        parents={ids["bias"]: ("MASTER_BIAS", "MASTER_BIAS")},
        products=("MASTER_FLAT",),
    )
    for n in range(2):
        ids[f"sci{n}"] = c.job(
            "science",
            files=[(c.raw(f"s{n}", 100 + n), "SCIENCE")],
            parents={
                ids["bias"]: ("MASTER_BIAS", "MASTER_BIAS"),
                ids["flat"]: ("MASTER_FLAT", "MASTER_FLAT"),
            },
            products=("SCIENCE_REDUCED",),
            target=True,
            **science,
        )
    return c, ids


def sleepers(root: Path, n: int, seconds: float) -> tuple[Cascade, list[str], str]:
    """``n`` independent jobs sleeping ``seconds`` each, and a target reading them all.
    Raw files are written only when missing, so concurrent builders do not race."""
    c = Cascade(root)
    jobs = [
        c.job(
            f"nap{i}",
            recipe="t_sleep",
            files=[(c.raw(f"n{i}", i, overwrite=False), "RAW")],
            params={"seconds": seconds},
        )
        for i in range(n)
    ]
    final = c.job("gather", parents={j: ("main", "PRODUCT") for j in jobs}, target=True)
    return c, jobs, final
