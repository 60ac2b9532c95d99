"""The child process that runs one job's recipe.

One process per job, supervised by the parent (:mod:`.supervise`): a recipe that
segfaults, calls ``os._exit`` or is killed takes only its own process down, and the
parent sees a failed job instead of a broken pool. The child

- leads its own process group (so a timeout kills the recipe *and* anything it started,
  e.g. esorex) and asks the kernel to kill it if its parent dies (a killed run leaves no
  orphan still writing products);
- sends its stdout/stderr (file descriptors, so C libraries too) and Python logging to
  the job folder's ``job.log``;
- hashes its products itself (in parallel with other jobs) and reports everything in
  ``result.json``, written atomically last; no ``result.json`` means it crashed.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from radps_seq.errors import RadpsError

from .hashing import sha256_file
from .recipe_call import ENGINE_FILES, CallResult, RecipeCallError, RecipeRef, call

RESULT = "result.json"
_PR_SET_PDEATHSIG = 1


def _detach() -> None:
    with contextlib.suppress(OSError):
        os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _capture_output(folder: Path) -> None:
    fd = os.open(folder / "job.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def collect_products(result: CallResult, folder: Path, what: str) -> list[dict[str, Any]]:
    """Products as manifest entries (path relative to ``folder``, category, sha256, size,
    mtime); a product written outside the folder is copied in."""
    root = folder.resolve()
    entries = []
    for path, category in result.products:
        source = Path(path) if os.path.isabs(path) else root / path
        source = source.resolve()
        if not source.is_file():
            raise RecipeCallError(
                f"{what} returned product {path} ({category}), which does not exist"
            )
        if root not in source.parents:
            target = root / source.name
            if target.exists():
                target = root / f"{category}_{source.name}"
            shutil.copy2(source, target)
            source = target
        relative = source.relative_to(root).as_posix()
        if relative in ENGINE_FILES:
            raise RecipeCallError(f"{what} returned product {relative}, a name the engine reserves")
        stat = source.stat()
        entries.append(
            {
                "path": relative,
                "category": category,
                "sha256": sha256_file(source),
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
            }
        )
    return entries


def _drop_products(folder: Path) -> None:
    """A failed attempt's files are not products: remove them (this also frees the
    space a recipe that filled the disk took, so the result can still be written)."""
    for entry in os.scandir(folder):
        if entry.name not in ENGINE_FILES:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def run_request(request: dict[str, Any]) -> None:
    """Run one job attempt in this (child) process and write ``result.json``."""
    folder = Path(request["folder"])
    _detach()
    _capture_output(folder)
    ref = RecipeRef.from_dict(request["recipe"])
    what = f"recipe {ref.name!r} (task {ref.task!r})"
    payload: dict[str, Any]
    try:
        logging.getLogger("radps_seq.execute").info("job %s: running %s", request["job"], what)
        result = call(ref, [tuple(i) for i in request["inputs"]], request["parameters"], folder)
        payload = {
            "ok": True,
            "products": collect_products(result, folder, what),
            "qc": result.qc,
            "effect": result.effect,
        }
    except BaseException as exc:  # noqa: BLE001 - every failure becomes the job's error
        with contextlib.suppress(OSError):
            traceback.print_exc()
        message = str(exc) if isinstance(exc, RadpsError) else f"{type(exc).__name__}: {exc}"
        payload = {"ok": False, "error": message}
        _drop_products(folder)
    with contextlib.suppress(OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    partial = folder / f".{RESULT}.part"
    partial.write_text(json.dumps(payload))
    os.replace(partial, folder / RESULT)
