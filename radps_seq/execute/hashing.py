"""Content hashes of files, with the size/mtime memo that spares re-reading them.

Cache keys use content, not paths or timestamps, so touching a file or copying the
inputs elsewhere does not force a recomputation, and editing one in place does.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from .workdb import Memo

_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_files(
    paths: Iterable[str], memo: Memo, threads: int = 4
) -> tuple[dict[str, str], dict[str, str], Memo]:
    """``(hashes, errors, new_memo_entries)`` for ``paths``.

    A path whose size and mtime match its memo entry is not read again. A file that
    cannot be read lands in ``errors`` with the reason, so the jobs reading it fail with
    a clear message while the rest of the reduction goes on. Large files are hashed in
    threads (hashlib releases the GIL while digesting).
    """
    hashes: dict[str, str] = {}
    errors: dict[str, str] = {}
    fresh: Memo = {}
    stale: list[tuple[str, int, int]] = []
    for path in dict.fromkeys(paths):
        try:
            stat = os.stat(path)
        except OSError as exc:
            errors[path] = f"input file missing: {path} ({exc.strerror})"
            continue
        known = memo.get(path)
        if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            hashes[path] = known[2]
        else:
            stale.append((path, stat.st_size, stat.st_mtime_ns))

    def digest(item: tuple[str, int, int]) -> tuple[tuple[str, int, int], str | None, str | None]:
        try:
            return item, sha256_file(item[0]), None
        except OSError as exc:
            return item, None, f"input file unreadable: {item[0]} ({exc.strerror})"

    if len(stale) > 1 and threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(digest, stale))
    else:
        results = [digest(item) for item in stale]
    for (path, size, mtime), sha, error in results:
        if sha is None:
            errors[path] = error or path
        else:
            hashes[path] = sha
            fresh[path] = (size, mtime, sha)
    return hashes, errors, fresh
