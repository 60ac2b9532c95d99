"""Commands of daily use: verify, show, reductions, clean, the task graph, timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radps_seq.testing.demo0_night import demo0_night

from .conftest import DEMO0, radps


@pytest.fixture
def reduced(tmp_path: Path) -> Path:
    demo0_night(tmp_path / "raw")
    done = radps("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_reductions_and_show(reduced: Path):
    listed = json.loads(radps("reductions", "--workdir", "w", "--format", "json", cwd=reduced).stdout)
    assert [r["status"] for r in listed] == ["succeeded"] and listed[0]["workflow"] == "demo0"
    assert listed[0]["planner"] == "dfs" and listed[0]["duration_s"] > 0
    job = next((reduced / "w" / "products" / "object").iterdir()).name
    shown = radps("show", job[:8], "--workdir", "w", cwd=reduced)
    assert shown.returncode == 0, shown.stderr
    for part in ("object [", "cache key: ", "parameters:", "inputs (", "reusable while", "log: "):
        assert part in shown.stdout
    info = json.loads(radps("show", job, "--workdir", "w", "--format", "json", cwd=reduced).stdout)
    assert info["attempts"][0]["status"] == "succeeded" and info["cache_key"]
    missing = radps("show", "ffffffff", "--workdir", "w", cwd=reduced)
    assert missing.returncode == 2 and "no job 'ffffffff'" in missing.stderr


def test_clean_is_a_dry_run_unless_told(reduced: Path):
    tmp = reduced / "w" / "products" / "object" / ".deadbeef.tmp"
    tmp.mkdir()
    listed = json.loads(radps("clean", "--workdir", "w", "--format", "json", cwd=reduced).stdout)
    assert listed["temporary folders"] == [str(Path("w") / "products" / "object" / ".deadbeef.tmp")]
    assert listed["stale results"] == [] and tmp.exists()
    assert radps("clean", "--workdir", "w", "--yes", cwd=reduced).returncode == 0
    assert not tmp.exists()
    again = radps("run", "-w", DEMO0, "-i", "raw", "--workdir", "w", "--dummy", "--no-track", "--format", "json",
                  cwd=reduced)
    assert {j["status"] for j in json.loads(again.stdout)["jobs"]} == {"cached"}


def test_task_graph_timeline_and_verify(reduced: Path):
    dot = radps("graph", "-w", DEMO0, cwd=reduced).stdout
    assert "bias" in dot and "->" in dot and dot.count("->") < 10
    made = radps("timeline", "--workdir", "w", "-o", "t.png", cwd=reduced)
    assert made.returncode == 0, made.stderr
    assert (reduced / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "object" in made.stdout
    assert radps("verify", "--workdir", "w", cwd=reduced).returncode == 0
