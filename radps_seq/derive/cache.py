"""Reuse a derivation when nothing it depends on changed.

A re-scan of an unchanged pile should cost little more than a ``stat`` per file. The
header index makes the scan cheap; this cache does the same for derivation. Its key
covers everything the result depends on: the cascade package's files, the derivation
code itself, the headers (path and content identity of every file), the scan errors
and the request's options. Entries are written atomically and a damaged entry is
treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..gcpause import gc_paused

KEEP = 8
FOLDER = "derivations"


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for package in ("cascade", "derive"):
        folder = Path(__file__).resolve().parent.parent / package
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def workflow_fingerprint(origin: str) -> str:
    """Hash of every file of the cascade package (a change anywhere invalidates)."""
    digest = hashlib.sha256()
    folder = Path(origin).resolve().parent
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml", ".json"}:
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def derivation_key(
    origin: str, headers: Sequence[Any], errors: Sequence[Any], options: Mapping[str, Any]
) -> str:
    digest = hashlib.sha256()
    digest.update(_code_fingerprint().encode())
    digest.update(workflow_fingerprint(origin).encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    digest.update("\n".join(f"{h.path}\0{h.identity}\0{h.size}" for h in headers).encode())
    digest.update("\n".join(f"{e.file}\0{e.error}" for e in errors).encode())
    return digest.hexdigest()


def load_cached(workdir: str | os.PathLike, key: str) -> Any | None:
    path = Path(workdir) / FOLDER / f"{key}.pickle"
    try:
        with path.open("rb") as handle, gc_paused():
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged entry is a miss, and is replaced
        path.unlink(missing_ok=True)
        return None


def store(workdir: str | os.PathLike, key: str, derivation: Any) -> None:
    folder = Path(workdir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as handle, gc_paused():
            pickle.dump(derivation, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{key}.pickle")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
