"""Fixtures of the command-line tests: a simulated imaging night, the CLI in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGING = str(ROOT / "cascades" / "imaging")
DEMO0 = str(ROOT / "cascades" / "demo0")


def radps(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``radps-seq ARGS`` as a user types it (stderr not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True, cwd=cwd,
        env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{cwd}/mlflow.db", **(env or {})},
    )


@pytest.fixture(scope="session")
def imaging_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One simulated night of the imaging instrument, small frames (shared, read only)."""
    from radps_seq.sim import SIMULATORS

    out = tmp_path_factory.mktemp("imaging") / "raw"
    SIMULATORS["imaging"](out, nights=1, seed=1, size=64)
    return out
