"""Measurement sets and calibration tables as files, and the provenance of every product.

The engine hashes, caches and hands on files; CASA works on table directories. A
stage therefore receives tar archives (``*.ms.tar``, ``*.tb.tar``), unpacks them into
its scratch folder, works there, and packs what it made. Archives are written with
fixed member order, owner and time, so the same tables give the same bytes (and the
same cache key downstream). Each job also writes ``provenance.json``: the CASA version,
the stage and its parameters, the hashes of its inputs and outputs, and the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..registry import Product, RecipeError, RecipeInput

MS, CALTABLE, IMAGE, REFANT, PROVENANCE = "MS", "CALTABLE", "IMAGE", "REFANT", "PROVENANCE"


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def of_category(inputs: Iterable[RecipeInput], suffix: str) -> list[RecipeInput]:
    """Inputs whose category ends in ``suffix`` (``MS`` matches ``MS`` and ``MS_SELFCAL``)."""
    return [i for i in inputs if i.category == suffix or i.category.endswith(f"_{suffix}")
            or i.category.startswith(f"{suffix}_")]


def one(inputs: Iterable[RecipeInput], category: str, stage: str) -> RecipeInput:
    found = of_category(inputs, category)
    if not found:
        raise RecipeError(f"{stage}: no {category} input (got {[i.category for i in inputs]})")
    return found[-1]


def unpack(item: RecipeInput, scratch: Path, name: str | None = None) -> Path:
    """Unpack an archived table into ``scratch`` and return the table directory."""
    target = scratch / "work"
    target.mkdir(exist_ok=True)
    with tarfile.open(item.path) as archive:
        members = archive.getnames()
        if not members:
            raise RecipeError(f"{item.path}: empty archive")
        root = members[0].split("/")[0]
        archive.extractall(target, filter="data")
    table = target / root
    if name and name != root:
        renamed = target / name
        table.rename(renamed)
        table = renamed
    return table


def pack(table: Path, scratch: Path, category: str, name: str | None = None) -> Product:
    """Archive ``table`` (a directory) reproducibly as ``scratch/<name>.tar``."""
    out = scratch / f"{name or table.name}.tar"

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(table, arcname=table.name, recursive=False, filter=normalise)
        for path in sorted(table.rglob("*")):
            archive.add(path, arcname=f"{table.name}/{path.relative_to(table).as_posix()}",
                        recursive=False, filter=normalise)
    return Product(str(out), category)


def provenance(scratch: Path, stage: str, params: Mapping[str, Any], inputs: Iterable[RecipeInput],
               products: Iterable[Product], qc: Mapping[str, Any]) -> Product:
    """Write ``provenance.json`` for the job's products and return it as a product."""
    from .casa import environment

    record = {
        "stage": stage,
        "parameters": dict(params),
        "inputs": [{"path": os.path.basename(i.path), "category": i.category, "sha256": sha256(i.path)}
                   for i in inputs],
        "products": [{"path": os.path.basename(p.path), "category": p.category, "sha256": sha256(p.path)}
                     for p in products],
        "qc": dict(qc),
        "environment": environment(),
    }
    out = scratch / "provenance.json"
    out.write_text(json.dumps(record, indent=1, sort_keys=True, default=str))
    return Product(str(out), PROVENANCE)
