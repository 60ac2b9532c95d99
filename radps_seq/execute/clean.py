"""``radps-seq clean``: what a work directory holds that no run will use again.

- stale results: job folders that are not the last result of their logical job (a run
  with other parameters or inputs replaced them; the index of results says which is
  last), and folders without a manifest (set aside as damaged);
- temporary folders left by a killed run (``.ID.tmp``, ``.ID.trash``);
- logs of failed attempts (``ID.failed.log``);
- lock files no run holds.

Nothing is removed unless asked: the default lists what would go and how much space.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import MANIFEST
from .store import LOCKS, PRODUCTS
from .workdb import WorkDB


@dataclass
class Cleanup:
    """What ``clean`` found (and removed, with ``removed``), by kind."""

    found: dict[str, list[str]] = field(default_factory=dict)
    bytes: int = 0
    removed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"removed": self.removed, "bytes": self.bytes, **self.found}

    def __str__(self) -> str:
        verb = "removed" if self.removed else "would remove"
        lines = [f"{verb} {sum(map(len, self.found.values()))} item(s), {self.bytes / 1e6:.1f} MB:"]
        for kind, items in self.found.items():
            lines.append(f"  {len(items)} {kind}" + (f", e.g. {items[0]}" if items else ""))
        if not self.removed and any(self.found.values()):
            lines.append("run again with --yes to remove them")
        return "\n".join(lines)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _unheld(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def survey(workdir: str | os.PathLike) -> dict[str, list[Path]]:
    """The removable items of ``workdir`` by kind."""
    root = Path(workdir)
    last = {entry[0] for entry in WorkDB(root, create=False).last_results()}
    found: dict[str, list[Path]] = {"stale results": [], "temporary folders": [],
                                    "failed logs": [], "unheld locks": []}  # fmt: skip
    for task in sorted((root / PRODUCTS).glob("*")):
        for entry in sorted(task.iterdir()):
            if entry.name.startswith("."):
                found["temporary folders"].append(entry)
            elif entry.name.endswith(".failed.log"):
                found["failed logs"].append(entry)
            elif entry.is_dir() and (entry.name not in last or not (entry / MANIFEST).exists()):
                found["stale results"].append(entry)
    found["unheld locks"] = [lock for lock in sorted((root / LOCKS).glob("*.lock")) if _unheld(lock)]
    return found


def clean(workdir: str | os.PathLike, remove: bool = False) -> Cleanup:
    found = survey(workdir)
    report = Cleanup({k: [str(p) for p in v] for k, v in found.items()}, removed=remove)
    report.bytes = sum(_size(p) for items in found.values() for p in items)
    if remove:
        for items in found.values():
            for path in items:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        path.unlink()
    return report
