"""Trusting the product store: products checked against their manifest's sha256.

A reused result is trusted on size and mtime (a no-op rerun must not read every
product), so a product damaged in place with its size and mtime kept would be handed on
unnoticed. Two checks close that gap: a product is hashed before a recipe reads it (it
is read then anyway), and ``radps-seq verify`` hashes the whole store. A damaged
result's manifest is moved aside (``manifest.json.damaged``), so the next run recomputes
that job and, through the changed hashes, everything downstream; nothing is deleted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import MANIFEST, read_manifest
from .hashing import sha256_file
from .result import PRODUCED, FileRef, JobOutcome

DAMAGED = MANIFEST + ".damaged"


def damaged_products(folder: Path, manifest: Mapping[str, Any]) -> list[str]:
    """The products of a result whose content is not what its manifest recorded."""
    bad = []
    for product in manifest.get("products", ()):
        try:
            ok = sha256_file(folder / product["path"]) == product["sha256"]
        except OSError:
            ok = False
        if not ok:
            bad.append(str(product["path"]))
    return bad


def invalidate(folder: Path) -> None:
    """Make the result in ``folder`` not reusable (its manifest moved aside)."""
    try:
        os.replace(folder / MANIFEST, folder / DAMAGED)
    except FileNotFoundError:
        pass


def check_inputs(
    inputs: Sequence[FileRef], parents: Mapping[str, JobOutcome], folder_of: Any
) -> str | None:
    """Why the upstream products among ``inputs`` cannot be handed to a recipe, or None.

    ``folder_of(task, job_id)`` is the parent's result folder; a damaged parent result is
    invalidated so the next run recomputes it.
    """
    wanted = {ref.path: ref.sha256 for ref in inputs}
    problems = []
    for parent in parents.values():
        if parent.status not in PRODUCED:
            continue
        bad = []
        for ref in parent.outputs:
            if ref.path not in wanted:
                continue
            try:
                ok = sha256_file(ref.path) == wanted[ref.path]
            except OSError:
                ok = False
            if not ok:
                bad.append(os.path.basename(ref.path))
        if bad:
            invalidate(folder_of(parent.task, parent.id))
            problems.append(
                f"input damaged: {', '.join(bad)} of job {parent.id} (task {parent.task}) no "
                "longer matches its manifest checksum; that result was set aside, run again "
                "to recompute it"
            )
    return "; ".join(problems) or None


@dataclass
class StoreReport:
    """What ``radps-seq verify`` found: intact results and damaged ones with their files."""

    intact: int = 0
    damaged: dict[str, list[str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    invalidated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "damaged": [{"folder": k, "products": v} for k, v in sorted(self.damaged.items())],
            "unreadable_manifests": sorted(self.unreadable),
            "invalidated": self.invalidated,
        }

    def __str__(self) -> str:
        lines = [f"{self.intact} result(s) intact, {len(self.damaged)} damaged, "
                 f"{len(self.unreadable)} with an unreadable manifest"]  # fmt: skip
        for folder, products in sorted(self.damaged.items()):
            lines.append(f"  damaged: {folder}: {', '.join(products)}")
        lines += [f"  unreadable manifest: {folder}" for folder in sorted(self.unreadable)]
        if self.damaged and not self.invalidated:
            lines.append("run 'radps-seq verify --workdir W --invalidate' to have them recomputed")
        elif self.damaged:
            lines.append("their manifests were set aside: the next run recomputes them")
        return "\n".join(lines)


def result_folders(workdir: str | os.PathLike) -> Iterator[Path]:
    """Every published job folder of the store (temporary and trashed ones left out)."""
    products = Path(workdir) / "products"
    if not products.is_dir():
        return
    for task in sorted(products.iterdir()):
        if task.is_dir():
            yield from (f for f in sorted(task.iterdir()) if f.is_dir() and not f.name.startswith("."))


def verify_store(workdir: str | os.PathLike, invalidate_damaged: bool = False) -> StoreReport:
    """Hash every product of the store against its manifest."""
    report = StoreReport(invalidated=invalidate_damaged)
    for folder in result_folders(workdir):
        if not (folder / MANIFEST).exists():
            continue
        manifest = read_manifest(folder)
        if manifest is None:
            report.unreadable.append(str(folder))
            continue
        bad = damaged_products(folder, manifest)
        if not bad:
            report.intact += 1
            continue
        report.damaged[str(folder)] = bad
        if invalidate_damaged:
            invalidate(folder)
    return report

