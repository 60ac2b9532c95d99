"""The command-line contract: JSON shapes, -i with several values, errors and exits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radps_seq.cli import spread_multi_values
from radps_seq.testing.demo0_night import demo0_night

ROOT = Path(__file__).resolve().parents[1]
DEMO0 = str(ROOT / "cascades" / "demo0")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "radps_seq.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120"},
    )


@pytest.fixture
def night(tmp_path: Path) -> Path:
    demo0_night(tmp_path / "raw")
    return tmp_path


def test_multi_value_options_are_spread():
    assert spread_multi_values(["derive", "-i", "a", "b", "-t", "x", "y", "-w", "w"]) == [
        "derive", "-i", "a", "-i", "b", "-t", "x", "-t", "y", "-w", "w",
    ]
    assert spread_multi_values(["-i", "a", "-i", "b"]) == ["-i", "a", "-i", "b"]


def test_help_is_everywhere():
    for command in ([], ["tasks"], ["classify"], ["derive"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout


def test_tasks_json():
    result = run("tasks", "-w", DEMO0, "--format", "json")
    assert result.returncode == 0, result.stderr
    tasks = json.loads(result.stdout)["tasks"]
    assert [t["name"] for t in tasks] == ["bias", "flat", "object"]
    obj = tasks[2]
    assert set(obj) >= {"name", "recipe", "meta_targets", "main_input", "associated_inputs"}
    assert obj["recipe"] == "run_science" and obj["meta_targets"] == ["science"]
    assert obj["main_input"] == "OBJECT"


def test_classify_json_keeps_relative_paths(night: Path):
    (night / "raw" / "notes.fits").write_text("not a fits file")
    result = run("classify", "-w", DEMO0, "-i", "raw", "--format", "json", cwd=night)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    files = {f["file"]: f["tags"] for f in record["files"]}
    assert files[os.path.join("raw", "BIAS_0.fits")] == ["BIAS"]
    assert files[os.path.join("raw", "catalog.fits")] == ["CATALOG"]
    assert record["errors"][0]["file"] == os.path.join("raw", "notes.fits")
    assert "not a FITS file" in record["errors"][0]["error"]


def test_derive_json_contract(night: Path):
    raw = night / "raw"
    result = run("derive", "-w", DEMO0, "-i", *sorted(str(p.relative_to(night)) for p in raw.iterdir()),
                 "--workdir", "w", "--format", "json", cwd=night)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == {"workflow", "targets", "jobs", "unclassified", "errors", "incomplete"}
    assert record["workflow"] == "demo0" and record["targets"] == ["object"]
    jobs = {j["id"]: j for j in record["jobs"]}
    objects = [j for j in jobs.values() if j["task"] == "object"]
    assert len(objects) == 2
    for job in objects:
        assert set(job) == {"id", "label", "task", "recipe", "complete", "level", "inputs", "parents"}
        assert job["complete"] is True
        categories = {i["category"] for i in job["inputs"]}
        assert {"OBJECT", "CATALOG", "BIAS", "FLAT"} <= categories
        for parent in job["parents"]:
            assert parent in jobs
        for item in job["inputs"]:
            if item["file"]:
                assert not os.path.isabs(item["file"])
    assert (night / "w" / "headers.sqlite").exists()


def test_derive_text_dot_mermaid(night: Path):
    text = run("derive", "-w", DEMO0, "-i", "raw", "--verbose", cwd=night)
    assert text.returncode == 0 and "object " in text.stdout and "flat " in text.stdout
    dot = run("derive", "-w", DEMO0, "-i", "raw", "--format", "dot", cwd=night)
    assert dot.stdout.startswith('digraph "demo0"') and "->" in dot.stdout
    mermaid = run("derive", "-w", DEMO0, "-i", "raw", "--format", "mermaid", cwd=night)
    assert mermaid.stdout.startswith("flowchart LR") and "-->" in mermaid.stdout


def test_meta_target_and_task_targets(night: Path):
    calib = json.loads(run("derive", "-w", DEMO0, "-i", "raw", "-m", "qc1calib", "--format", "json", cwd=night).stdout)
    assert sorted({j["task"] for j in calib["jobs"]}) == ["bias", "flat"]
    only_bias = json.loads(run("derive", "-w", DEMO0, "-i", "raw", "-t", "bias", "--format", "json", cwd=night).stdout)
    # no grouping keywords: the three biases of the night make one master bias (EDPS)
    assert {j["task"] for j in only_bias["jobs"]} == {"bias"} and len(only_bias["jobs"]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "nope"], "unknown task 'nope'"),
        (["-m", "idp"], "unknown meta-target 'idp'"),
        (["-wps", "nightly"], "parameter set 'nightly' does not exist"),
    ],
)
def test_bad_requests_exit_non_zero_with_one_message(night: Path, args, message):
    result = run("derive", "-w", DEMO0, "-i", "raw", *args, cwd=night)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_broken_workflow_is_named(tmp_path: Path):
    pkg = tmp_path / "broken"
    pkg.mkdir()
    (pkg / "broken_wkf.py").write_text("from edps import task\n\nx = task('a').with_main_input(undefined_source)\n")
    result = run("tasks", "-w", str(pkg))
    assert result.returncode == 2
    assert "broken_wkf.py" in result.stderr and "undefined_source" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_input_path_is_refused_unreadable_files_are_reported(night: Path):
    result = run("derive", "-w", DEMO0, "-i", "raw", "missing-dir", "--format", "json", cwd=night)
    assert result.returncode == 2 and "input not found: missing-dir" in result.stderr
    (night / "raw" / "broken.fits").write_bytes(b"not a fits file")
    result = run("derive", "-w", DEMO0, "-i", "raw", "--format", "json", cwd=night)
    assert result.returncode == 0
    record = json.loads(result.stdout)
    assert any(e["file"].endswith("broken.fits") for e in record["errors"])
    assert len([j for j in record["jobs"] if j["task"] == "object"]) == 2
