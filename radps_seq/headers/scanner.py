"""Scan input paths into headers, reusing the header index for unchanged files."""

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from radps_seq.gcpause import gc_paused
from radps_seq.headers import reader
from radps_seq.headers.index import DirEntries, Entry, HeaderIndex
from radps_seq.headers.model import Header, ScanError, ScanResult, make_header
from radps_seq.headers.walk import FoundFile, Walk, walk

# (directory key, (path, name, size, mtime_ns, mtime)) of a file whose header is read
_Todo = tuple[str, FoundFile]
_PROGRESS_STEP = 500


def scan(
    inputs: Sequence[str | os.PathLike],
    workdir: str | os.PathLike | None = None,
    *,
    progress: bool = False,
) -> ScanResult:
    """Read the primary headers of the FITS files in ``inputs``.

    Directories are walked recursively (FITS-named files only, hidden entries and the
    work directory skipped); files named explicitly are read whatever their name. Every
    problem — a missing path, a non-FITS or truncated file, an unreadable one — becomes
    a :class:`ScanError` and the scan goes on. With a ``workdir`` the header index
    ``<workdir>/headers.sqlite`` is used and updated: a file whose size and mtime are
    unchanged is not read again. ``progress`` shows a progress bar on a terminal.
    """
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    skip = os.path.realpath(workdir) if workdir is not None else None
    with gc_paused():
        found = walk(inputs, skip)
        index = HeaderIndex(workdir) if workdir is not None else None
        try:
            cached = _load(index, found)
            headers, todo, removed = _reuse(found, cached)
            read, errors, changed = _read_all(todo, progress)
            if index is not None:
                dropped = [d for d in cached if d not in found.folders and _in_trees(d, found)]
                index.save(changed, removed, dropped)
        finally:
            if index is not None:
                index.close()
    headers += read
    headers.sort(key=lambda header: header.path)
    errors += found.errors
    errors.sort(key=lambda error: error.file)
    return ScanResult(headers=headers, errors=errors)


def _load(index: HeaderIndex | None, found: Walk) -> dict[str, DirEntries]:
    if index is None:
        return {}
    return index.load(found.trees, [key for key in found.folders if key not in found.walked])


def _reuse(
    found: Walk, cached: dict[str, DirEntries]
) -> tuple[list[Header], list[_Todo], dict[str, list[str]]]:
    """Headers of unchanged files from the index; the files to read; stale names."""
    headers: list[Header] = []
    todo: list[_Todo] = []
    removed: dict[str, list[str]] = {}
    for key, folder in found.folders.items():
        entries = cached.get(key)
        if not entries:
            todo.extend((key, found_file) for found_file in folder.files)
            continue
        matched = 0
        for found_file in folder.files:
            path, name, size, mtime_ns, mtime = found_file
            entry = entries.get(name)
            if entry is None:
                todo.append((key, found_file))
                continue
            matched += 1
            if entry[0] == size and entry[1] == mtime_ns:
                headers.append(make_header(path, entry[3], size, mtime, entry[2]))
            else:
                todo.append((key, found_file))
        if matched < len(entries) and key in found.walked:
            names = {found_file[1] for found_file in folder.files}
            removed[key] = [name for name in entries if name not in names]
    return headers, todo, removed


def _read_all(
    todo: list[_Todo], progress: bool
) -> tuple[list[Header], list[ScanError], dict[str, dict[str, Entry]]]:
    """Read the headers of ``todo``; return headers, errors and new index entries."""
    headers: list[Header] = []
    errors: list[ScanError] = []
    changed: dict[str, dict[str, Entry]] = {}
    results = _results([found_file[0] for _, found_file in todo])
    with _progress(len(todo), progress) as advance:
        for done, ((key, (path, name, size, mtime_ns, mtime)), result) in enumerate(
            zip(todo, results, strict=True), 1
        ):
            if done % _PROGRESS_STEP == 0:
                advance(_PROGRESS_STEP)
            if isinstance(result, str):
                errors.append(ScanError(path, result))
                continue
            identity, keywords = result
            headers.append(make_header(path, keywords, size, mtime, identity))
            entries = changed.get(key)
            if entries is None:
                entries = changed[key] = {}
            entries[name] = (size, mtime_ns, identity, keywords)
    return headers, errors, changed


def _results(paths: list[str]) -> Iterator[tuple[str, dict[str, object]] | str]:
    """Per path ``(identity, keywords)`` or why it could not be read; in order.

    In this process: reading in worker processes was measured not to pay off on the
    two-core machines this runs on (see benchmarks/README.md).
    """
    for path in paths:
        try:
            keywords, identity = reader.read_header(path)
        except reader.HeaderReadError as exc:
            yield exc.reason
        else:
            yield identity, keywords


def _in_trees(directory: str, found: Walk) -> bool:
    return any(
        directory == tree or directory.startswith(tree.rstrip("/") + "/") for tree in found.trees
    )


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator:
    """Yield ``advance(n)``; a transient rich bar when enabled and stderr is a terminal."""
    if not enabled or total < _PROGRESS_STEP or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("reading headers", total=total)
        yield lambda n: bar.advance(task, n)
