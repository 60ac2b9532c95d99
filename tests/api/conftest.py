"""Fixtures of the service tests: a data root of demo0 nights, a workflow folder with a
copy of demo0 and real recipes for it, and a service on them (in process or served)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from radps_seq.testing.demo0_night import demo0_night

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent

PARAMETERS = """\
default:
  is_default: yes
  workflow_parameters: {}
  recipe_parameters: {bias: {}, flat: {}, object: {}}
slow:
  workflow_parameters: {}
  recipe_parameters: {bias: {seconds: 1.5}, flat: {seconds: 1.5}, object: {seconds: 1.5}}
"""


def make_workflows(folder: Path) -> Path:
    """``folder/demo0``: the demo0 cascade with recipes and a ``slow`` parameter set."""
    target = folder / "demo0"
    shutil.copytree(ROOT / "cascades" / "demo0", target)
    shutil.copy(HERE / "recipes_demo0.py", target / "demo0_recipes.py")
    (target / "demo0_parameters.yaml").write_text(PARAMETERS)
    return folder


def make_nights(root: Path, count: int) -> list[str]:
    """``count`` demo0 nights (distinct MJDs, so distinct job ids) under ``root``."""
    names = []
    for n in range(count):
        demo0_night(root / f"night{n}", mjd=60310.0 + 3 * n)
        names.append(f"night{n}")
    return names


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("site")
    data = base / "data"
    make_nights(data, 6)
    return {"base": base, "data": data, "workflows": make_workflows(base / "workflows")}


def service_config(site: dict[str, Path], workdir: Path, **extra):
    from radps_seq.api import ServiceConfig

    return ServiceConfig(
        data_roots=[site["data"]], workdir=workdir, workflow_dirs=[site["workflows"]],
        track=False, poll_s=0.05, **extra,
    )


@pytest.fixture
def client(site: dict[str, Path], tmp_path: Path) -> Iterator:
    from fastapi.testclient import TestClient

    from radps_seq.api import create_app

    with TestClient(create_app(service_config(site, tmp_path / "w"))) as test_client:
        yield test_client


def wait_final(client, reduction_id: str, timeout: float = 60.0, headers=None) -> dict:
    """Poll ``GET /reductions/{id}`` until its status is final (bounded in time)."""
    deadline = time.monotonic() + timeout
    while True:
        record = client.get(f"/reductions/{reduction_id}", headers=headers or {}).json()
        if record["status"] not in ("queued", "running"):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"reduction {reduction_id} still {record['status']} after {timeout}s")
        time.sleep(0.1)


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll ``condition()`` until it is true (bounded in time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A ``radps-seq serve`` process on a free loopback port, and an httpx client for it."""

    def __init__(self, args: list[str], workdir: Path, token: str | None = None, env: dict | None = None):
        import os
        import subprocess
        import sys

        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        environ = {**os.environ, **(env or {})}
        command = [sys.executable, "-m", "radps_seq.cli", "serve", "--port", str(self.port),
                   "--workdir", str(workdir), *args]
        if token:
            environ["RADPS_SERVE_TOKEN"] = token
            command += ["--token-env", "RADPS_SERVE_TOKEN"]
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = open(workdir.parent / f"serve-{self.port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=environ)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the service did not start: {self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        import signal
        import subprocess

        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


SERVE_TOKEN = "served-token-0123456789"


@pytest.fixture(scope="module")
def served(site: dict[str, Path]) -> Iterator[Served]:
    """The service as a user starts it: a process with a token, on loopback."""
    service = Served(["--data-root", str(site["data"]), "--workflow-dir", str(site["workflows"]),
                      "--max-concurrent", "2", "--no-track"], site["base"] / "served", token=SERVE_TOKEN)
    yield service
    service.stop()
