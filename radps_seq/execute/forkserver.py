"""A small fork server: one child process per job, started fast and reaped with its
resource usage.

Why not ``multiprocessing``: its children re-import the caller's ``__main__`` script
(so an unguarded script would run itself again inside every job) and it cannot start
children from daemonic processes such as Dask workers; and why not a plain subprocess
per job: importing numpy and astropy anew costs a third of a second per job. The server
is a separate interpreter (running :func:`serve`) that imports the
heavy modules once and forks a child per request; being single-threaded, it forks
safely. It reaps children with ``wait4``, so even a crashed job reports its CPU time.

Protocol (JSON lines): the client sends ``{"sys_path": [...]}`` once, then
``{"tag": n, "request": {...}}``; the server answers ``{"tag": n, "pid": p}`` at once
and ``{"tag": n, "exit": code, "cpu_s": s}`` when the child ends (negative code: killed
by that signal). When the client goes away (its end of the pipe closes, even on
``kill -9``), the server kills its children and exits.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
from typing import Any

#: Imported once by the server so that every job starts with them loaded.
PRELOAD = ("radps_seq.execute.child", "radps_seq.recipes.registry", "numpy", "astropy.io.fits")


# -- server side --------------------------------------------------------------------------
def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _fork(request: dict[str, Any], closing: list[int]) -> int:
    gc.freeze()  # children's collections then skip the inherited objects: fewer copied pages
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in closing:
            os.close(fd)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        from radps_seq.execute.child import run_request

        run_request(request)
        code = 0
    finally:
        os._exit(code)


def _stop(children: dict[int, int]) -> None:
    for pid in children:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def serve() -> None:
    for module in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    stdin = sys.stdin.fileno()
    selector.register(stdin, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    closing = [wake_r, wake_w, selector.fileno()]
    children: dict[int, int] = {}  # pid -> tag
    pending = b""
    while True:
        for key, _ in selector.select():
            if key.fd == wake_r:
                with contextlib.suppress(BlockingIOError, InterruptedError):
                    os.read(wake_r, 4096)
                continue
            chunk = os.read(stdin, 1 << 16)
            if not chunk:  # the client is gone: so are its jobs
                _stop(children)
                return
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                message = json.loads(line)
                if "sys_path" in message:
                    sys.path[:] = message["sys_path"]
                    continue
                pid = _fork(message["request"], closing)
                children[pid] = message["tag"]
                _send({"tag": message["tag"], "pid": pid})
        while children:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            tag = children.pop(pid)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            _send({"tag": tag, "exit": code, "cpu_s": usage.ru_utime + usage.ru_stime})


# -- client side --------------------------------------------------------------------------
class ServerGone(RuntimeError):
    """The fork server died; the jobs it was running are lost."""


class Child:
    """A job's child process as the client sees it."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.exitcode: int | None = None
        self.cpu_s: float | None = None
        self.lost = False
        self.started = threading.Event()
        self.ended = threading.Event()

    def wait(self, timeout: float | None) -> bool:
        """True once the child has ended (or the server died)."""
        return self.ended.wait(timeout)

    def kill(self) -> None:
        """Kill the child's whole process group (it leads one) and the child."""
        if self.pid is None:
            return
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)


class ForkServer:
    """Client of one fork server process; thread-safe."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from radps_seq.execute.forkserver import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._children: dict[int, Child] = {}
        self._tags = 0
        self.alive = True
        self._write({"sys_path": list(sys.path)})
        threading.Thread(target=self._read, name="radps-forkserver", daemon=True).start()

    def _write(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            with self._lock:
                child = self._children.get(message["tag"])
            if child is None:
                continue
            if "pid" in message:
                child.pid = message["pid"]
                child.started.set()
            else:
                child.exitcode, child.cpu_s = message["exit"], message["cpu_s"]
                with self._lock:
                    del self._children[message["tag"]]
                child.started.set()
                child.ended.set()
        with self._lock:
            self.alive = False
            lost, self._children = list(self._children.values()), {}
        for child in lost:
            child.lost = True
            child.started.set()
            child.ended.set()

    def start(self, request: dict[str, Any]) -> Child:
        child = Child()
        with self._lock:
            if not self.alive:
                raise ServerGone("the job fork server is not running")
            self._tags += 1
            tag = self._tags
            self._children[tag] = child
            try:
                self._write({"tag": tag, "request": request})
            except (OSError, ValueError) as exc:
                del self._children[tag]
                self.alive = False
                raise ServerGone(f"the job fork server is not running ({exc})") from exc
        child.started.wait()
        return child


_server: ForkServer | None = None
_server_lock = threading.Lock()


def fork_server() -> ForkServer:
    """This process's fork server, started on first use and again if it died."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive:
            _server = ForkServer()
        return _server
