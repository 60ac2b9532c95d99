"""Fixtures every test package may use: the real WfCommons traces shipped in data/."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRACE_DIRS = (ROOT / "data" / "wfcommons", ROOT.parent / "shared" / "data" / "wfcommons")


@pytest.fixture(scope="session")
def wfcommons_dir() -> Path:
    """The real WfCommons instances (project copy first, then the shared reference data)."""
    for base in TRACE_DIRS:
        if base.is_dir() and any(base.glob("*.json")):
            return base
    pytest.skip("WfCommons reference traces not available")


@pytest.fixture(scope="session")
def montage(wfcommons_dir) -> Path:
    path = wfcommons_dir / "pegasus_montage_montage-chameleon-2mass-005d-001.json"
    if not path.exists():
        pytest.skip(f"{path.name} not available")
    return path
