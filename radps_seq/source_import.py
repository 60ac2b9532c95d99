"""Import cascade and recipe code from its source text, never from a cached ``.pyc``.

Why: CPython reuses a ``__pycache__`` file while the source's recorded mtime (in whole
seconds) and size are unchanged. A recipe edited within one second without changing
its size (``"one"`` -> ``"two"``) would then run as the *old* bytecode, while the
engine, which hashes the source text for the cache key, sees the *new* code: the old
code's product would be stored under the new code's key. Cascade and recipe modules
are small, so compiling them from the bytes on disk at every import costs little and
makes the code that runs the code that was hashed. Library modules (numpy, astropy, the
engine itself) keep their bytecode caches.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Set on every module this loader executes: the sha256 of the bytes it compiled.
SOURCE_SHA256 = "__source_sha256__"


class SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """A source-file loader that compiles the current bytes and writes no bytecode."""

    def get_code(self, fullname: str) -> Any:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)

    def exec_module(self, module: Any) -> None:
        path = self.get_filename(module.__name__)
        stat = os.stat(path)
        data = self.get_data(path)
        setattr(module, SOURCE_SHA256, hashlib.sha256(data).hexdigest())
        # ``inspect.getsource`` (the recipe's code version) must read the text compiled
        # here: linecache would keep an older text of a file whose size and mtime match
        lines = importlib.util.decode_source(data).splitlines(keepends=True)
        linecache.cache[path] = (stat.st_size, stat.st_mtime, lines, path)
        exec(self.source_to_code(data, path), module.__dict__)  # noqa: S102 - an import


def edited_since_import(module: Any) -> bool:
    """True when ``module`` was loaded from source and its file now holds other bytes."""
    recorded = getattr(module, SOURCE_SHA256, None)
    path = getattr(module, "__file__", None)
    if recorded is None or not path:
        return False
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest() != recorded
    except OSError:
        return True


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds modules as usual; those under ``roots`` get a :class:`SourceOnlyLoader`."""

    def __init__(self, roots: tuple[str, ...]) -> None:
        self.roots = roots

    def covers(self, origin: str) -> bool:
        real = os.path.realpath(origin)
        return any(real == root or real.startswith(root + os.sep) for root in self.roots)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if (
            spec is None
            or type(spec.loader) is not importlib.machinery.SourceFileLoader
            or not spec.origin
            or not self.covers(spec.origin)
        ):
            return None
        spec.loader = SourceOnlyLoader(fullname, spec.origin)
        return spec


#: ``sys.meta_path`` is replaced, never changed in place: an import in another thread
#: walks the list it read, and removing an entry from under it would make it skip the
#: next finder (a module then "not found"). The lock keeps two replacements from racing.
_META_PATH_LOCK = threading.Lock()


@contextlib.contextmanager
def from_source(*roots: str | os.PathLike) -> Iterator[None]:
    """Within the block, modules whose file is one of ``roots`` (files or folders) are
    compiled from their source, whatever ``__pycache__`` holds."""
    resolved = tuple(os.path.realpath(root) for root in roots if root)
    if not resolved:
        yield
        return
    finder = _SourceFinder(resolved)
    with _META_PATH_LOCK:
        sys.meta_path = [finder, *sys.meta_path]
    try:
        yield
    finally:
        with _META_PATH_LOCK:
            sys.meta_path = [f for f in sys.meta_path if f is not finder]


def source_loader(module_name: str, path: str | os.PathLike) -> SourceOnlyLoader:
    """The loader for ``importlib.util.spec_from_file_location(..., loader=...)``."""
    return SourceOnlyLoader(module_name, str(Path(path)))
