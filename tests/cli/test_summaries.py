"""Summaries first, with labels next to ids: derive per task, dry runs per action,
check-plan per kind; the detail with --verbose or --format."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import IMAGING, radps


def test_derive_summarises_per_task_and_labels_jobs(imaging_raw: Path, tmp_path: Path):
    text = radps("derive", "-w", IMAGING, "-i", str(imaging_raw), cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) < 40 and lines[2].split() == ["task", "jobs", "complete", "incomplete", "missing"]
    assert any(line.split()[:1] == ["stack"] for line in lines)
    tree = radps("derive", "-w", IMAGING, "-i", str(imaging_raw), "--verbose", cwd=tmp_path).stdout
    assert len(tree.splitlines()) > 5 * len(lines)
    record = json.loads(radps("derive", "-w", IMAGING, "-i", str(imaging_raw), "--format", "json",
                              cwd=tmp_path).stdout)
    stack = next(job for job in record["jobs"] if job["task"] == "stack")
    assert stack["label"].startswith("stack 2024-") and stack["label"] in tree
    dot = radps("derive", "-w", IMAGING, "-i", str(imaging_raw), "--format", "dot", cwd=tmp_path).stdout
    assert f'label="{stack["label"]}\\n{stack["id"]}"' in dot


def test_dry_run_and_check_plan_summarise(imaging_raw: Path, tmp_path: Path):
    common = ["-w", IMAGING, "-i", str(imaging_raw)]
    dry = radps("run", *common, "--workdir", "w", "-n", "--dummy", "--no-track", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert len(dry.stdout.splitlines()) < 15 and " to run: " in dry.stdout
    plan = json.loads(radps("plan", *common, "--planner", "bfs", "--format", "json", cwd=tmp_path).stdout)
    plan["order"].reverse()
    (tmp_path / "bad.json").write_text(json.dumps(plan))
    bad = radps("check-plan", *common, "bad.json", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[1].startswith("  order: ") and len(bad.stdout.splitlines()) < 10
    full = radps("check-plan", *common, "bad.json", "--verbose", cwd=tmp_path)
    assert len(full.stdout.splitlines()) > 2 * len(bad.stdout.splitlines())
