"""The cascades' EDPS scenario suites (tests/json_configuration) and the command that runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITES = {
    "demo0": ROOT / "cascades" / "demo0" / "tests" / "json_configuration",
    "imaging": ROOT / "cascades" / "imaging" / "tests" / "json_configuration",
}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True, cwd=cwd,
        env={**os.environ, "COLUMNS": "120"},
    )


@pytest.mark.parametrize("workflow", sorted(SUITES))
def test_every_scenario_of_the_suite_passes(workflow):
    done = run("test-scenarios", "-w", workflow, str(SUITES[workflow]), "--format", "json")
    record = json.loads(done.stdout)
    failures = [(s["description"], s["problems"]) for s in record["scenarios"] if s["status"] != "passed"]
    assert failures == [] and done.returncode == 0
    assert record["passed"] == len(record["scenarios"]) >= 4


def _suite(tmp_path: Path, scenario: dict) -> Path:
    path = tmp_path / "suite.json"
    path.write_text(json.dumps({"scenarios": [scenario]}))
    return path


DEMO0_NIGHT = [
    {"name_prefix": "BIAS", "count": 3, "keywords": {"dpr.type": "BIAS", "mjd-obs": 60310.9}},
    {"name_prefix": "FLAT", "count": 2, "keywords": {"dpr.type": "FLAT", "mjd-obs": 60310.95}},
]


def test_a_wrong_expectation_fails_with_both_sides_named(tmp_path):
    suite = _suite(tmp_path, {
        "description": "flat expected to read biases", "targets": ["flat"], "input_files": DEMO0_NIGHT,
        "results": [{"recipe": "run_bias", "inputs_prefixes": ["BIAS"]},
                    {"recipe": "run_flat", "inputs_prefixes": ["BIAS"]}],
    })
    done = run("test-scenarios", "-w", "demo0", str(suite))
    assert done.returncode == 1
    assert "1 failed" in done.stdout.splitlines()[0]
    assert "expected job not derived: recipe 'run_flat' with inputs ['BIAS']" in done.stdout
    assert "unexpected job: task 'flat' recipe 'run_flat' inputs ['FLAT_0000.fits', 'FLAT_0001.fits']" in done.stdout


def test_a_missing_job_fails_and_skip_is_reported(tmp_path):
    suite = tmp_path / "two.json"
    suite.write_text(json.dumps({"scenarios": [
        {"description": "one job too many expected", "targets": ["bias"], "input_files": DEMO0_NIGHT,
         "results": [{"recipe": "run_bias", "inputs_prefixes": ["BIAS"]}] * 2},
        {"description": "not ready", "skip": True, "results": []},
    ]}))
    record = json.loads(run("test-scenarios", "-w", "demo0", str(suite), "--format", "json").stdout)
    assert [s["status"] for s in record["scenarios"]] == ["failed", "skipped"]
    assert record["scenarios"][0]["problems"] == [
        "expected job not derived: recipe 'run_bias' with inputs ['BIAS']"]


@pytest.mark.parametrize("content,message", [
    ("{", "line 1: invalid JSON"),
    ('{"scenarios": [{"decsription": "typo"}]}', "scenario 1: unknown field(s) decsription"),
    ('{"scenarios": [{"input_files": [{"name_prefix": "A", "count": -1}]}]}', "count must be a non-negative"),
    ('{"tests": []}', 'expected {"scenarios": [...]}'),
])
def test_malformed_suites_exit_2_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    done = run("test-scenarios", "-w", "demo0", str(path))
    assert done.returncode == 2 and "bad.json" in done.stderr and message in done.stderr
    assert "internal error" not in done.stderr


def test_an_unknown_task_target_is_an_error_not_a_pass(tmp_path):
    suite = _suite(tmp_path, {"targets": ["no_such_task"], "input_files": DEMO0_NIGHT, "results": []})
    record = json.loads(run("test-scenarios", "-w", "demo0", str(suite), "--format", "json").stdout)
    assert record["error"] == 1 and "unknown task 'no_such_task'" in record["scenarios"][0]["problems"][0]
