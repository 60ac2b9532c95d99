"""Smart re-runs: cache keys, the manifest that makes a result reusable, and reasons.

A job's cache key hashes its *components*: the recipe's identity and code version, its
canonical parameters, and the category and sha256 of every input, upstream products
included (the components also keep the input paths, to name what changed). The manifest written last into a job folder records the components and the
sha256 of every product; a folder without a valid manifest is not a result. Every
decision comes with a reason a person can act on, as in Snakemake's dry run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .hashing import sha256_file
from .result import FileRef

MANIFEST = "manifest.json"
REUSED = "reused: cache key matches"
NO_PREVIOUS = "no previous result"


def components(
    recipe: str, version: str, parameters: Mapping[str, Any], inputs: Sequence[FileRef]
) -> dict[str, Any]:
    """What a result depends on, in canonical (JSON round-trippable, sorted) form."""
    return {
        "recipe": recipe,
        "version": version,
        "parameters": json.loads(json.dumps(dict(parameters), sort_keys=True, default=str)),
        "inputs": sorted([ref.path, ref.category, ref.sha256] for ref in inputs),
    }


def cache_key(parts: Mapping[str, Any]) -> str:
    """The hash of the components with input *paths* left out: moving the inputs or the
    work directory does not invalidate results, changing a byte of them does."""
    keyed = {**parts, "inputs": sorted([c, s] for _, c, s in parts.get("inputs") or ())}
    blob = json.dumps(keyed, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def change_reason(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Why ``new`` components do not match ``old`` ones, most fundamental change first."""
    reasons = []
    if old.get("recipe") != new.get("recipe"):
        reasons.append(f"recipe changed: {old.get('recipe')} -> {new.get('recipe')}")
    elif old.get("version") != new.get("version"):
        reasons.append("recipe code changed")
    old_params, new_params = old.get("parameters") or {}, new.get("parameters") or {}
    changed = sorted(
        k for k in old_params.keys() | new_params.keys() if old_params.get(k) != new_params.get(k)
    )
    if changed:
        reasons.append("parameters changed: " + ", ".join(changed))
    old_inputs = {(p, c): s for p, c, s in old.get("inputs") or ()}
    new_inputs = {(p, c): s for p, c, s in new.get("inputs") or ()}
    files = sorted(
        {path for path, _ in old_inputs.keys() ^ new_inputs.keys()}
        | {k[0] for k, sha in new_inputs.items() if k in old_inputs and old_inputs[k] != sha}
    )
    if files:
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        reasons.append(f"input changed: {shown}")
    return "; ".join(reasons) or "cache key changed"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when there is none or it is unreadable."""
    try:
        with open(folder / MANIFEST) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "cache_key" not in manifest:
        return None
    return manifest


def product_problem(folder: Path, manifest: Mapping[str, Any]) -> str | None:
    """Why the products listed in ``manifest`` cannot be reused, or None when intact.

    A product whose size and mtime are those recorded is trusted without reading it;
    otherwise its content is hashed and compared (a touched but identical file is fine).
    """
    for product in manifest.get("products", ()):
        path = folder / product["path"]
        try:
            stat = os.stat(path)
        except OSError:
            return f"product missing: {product['path']}"
        if stat.st_size == product.get("size") and stat.st_mtime_ns == product.get("mtime_ns"):
            continue
        try:
            if sha256_file(path) == product["sha256"]:
                continue
        except OSError:
            pass
        return f"product corrupted: {product['path']}"
    return None


def decide(
    folder: Path,
    key: str,
    parts: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    forced: str | None,
) -> tuple[str, str, dict[str, Any] | None]:
    """``(action, reason, manifest)``: ``("reuse", ...)`` when the folder holds an intact
    result for ``key``, else ``("run", why)``. ``previous`` are the components of the last
    result of the same logical job (possibly under another job id)."""
    if forced:
        return "run", forced, None
    manifest = read_manifest(folder)
    if manifest is None:
        if (folder / f"{MANIFEST}.damaged").exists():
            return "run", "previous result damaged: a product no longer matched its checksum", None
        if previous is not None and previous != parts:
            return "run", change_reason(previous, parts), None
        return "run", NO_PREVIOUS, None
    if manifest["cache_key"] != key:
        return "run", change_reason(manifest.get("components") or {}, parts), None
    problem = product_problem(folder, manifest)
    if problem:
        return "run", problem, None
    return "reuse", REUSED, manifest
