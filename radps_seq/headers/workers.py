"""Read many headers in worker processes (big first scans only).

Reading and parsing is pure-python CPU work, so a first scan of tens of thousands of
files runs faster on two cores. Workers are plain ``python -m`` subprocesses fed
through pipes, not ``multiprocessing``: that never re-imports the caller's main module
and is safe from threaded callers (a web service, a progress bar). Results come back
per chunk as one marshal blob, so the keyword names and repeated values of a chunk
are sent, and later stored, once.

A worker answers each chunk of paths with a list holding, per path, either
``(identity, keywords)`` or the sentence saying why the header could not be read.
"""

import marshal
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import BinaryIO

from radps_seq.headers.reader import HeaderReadError, read_header

Result = tuple[str, dict[str, object]] | str
_LENGTH = struct.Struct("<Q")
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_in_workers(
    paths: list[str], workers: int = 2, chunk: int = 500
) -> Iterator[list[Result]]:
    """Yield the results for ``paths`` chunk by chunk, in order."""
    chunks = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
    count = min(workers, len(chunks))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        for _ in range(count)
    ]
    try:
        # One feeding thread per worker: requests and answers flow independently, so
        # neither side can block on a full pipe while the other waits for it.
        for i, proc in enumerate(procs):
            threading.Thread(target=_feed, args=(proc.stdin, chunks[i::count]), daemon=True).start()
        for i in range(len(chunks)):
            proc = procs[i % count]
            blob = _receive(proc.stdout)
            if blob is None:
                raise RuntimeError(f"header worker process exited with status {proc.wait()}")
            yield marshal.loads(blob)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
            proc.stdout.close()


def read_chunk(paths: list[str]) -> list[Result]:
    """Read the headers of ``paths`` in this process (what a worker does per chunk)."""
    out: list[Result] = []
    for path in paths:
        try:
            keywords, identity = read_header(path)
        except HeaderReadError as exc:
            out.append(exc.reason)
        else:
            out.append((identity, keywords))
    return out


def _feed(pipe: BinaryIO, chunks: list[list[str]]) -> None:
    try:
        for paths in chunks:
            _send(pipe, marshal.dumps(paths))
        pipe.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the worker is gone; the reading side reports it


def _send(pipe: BinaryIO, blob: bytes) -> None:
    pipe.write(_LENGTH.pack(len(blob)))
    pipe.write(blob)
    pipe.flush()


def _receive(pipe: BinaryIO) -> bytes | None:
    head = pipe.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    return pipe.read(_LENGTH.unpack(head)[0])


def _serve(requests: BinaryIO, answers: BinaryIO) -> None:
    while (blob := _receive(requests)) is not None:
        _send(answers, marshal.dumps(read_chunk(marshal.loads(blob))))


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
