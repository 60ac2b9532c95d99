"""The EDPS inspection options as radps-seq commands (README: the edps option table)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radps_seq.testing.demo0_night import demo0_night

CONFORM = str(Path(__file__).resolve().parent / "fixtures" / "conform")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "COLUMNS": "120"})


@pytest.fixture
def night(tmp_path: Path) -> Path:
    demo0_night(tmp_path / "raw")
    return tmp_path


def test_association_map_is_a_markdown_table_per_task(night):
    text = run("associations", "-w", "demo0", "-i", "raw", cwd=night).stdout
    assert [line for line in text.splitlines() if line.startswith("## ")] == ["## bias", "## flat", "## object"]
    assert "| job | main input | SKY | BIAS | FLAT | catalog | level | complete |" in text
    record = json.loads(run("associations", "-w", "demo0", "-i", "raw", "--format", "json", cwd=night).stdout)
    (flat,) = record["tasks"]["flat"]
    assert flat["inputs"] == {"BIAS": [f"bias[{record['tasks']['bias'][0]['job'][:8]}]"]} and flat["complete"]


def test_organise_shows_the_groups_only(night):
    record = json.loads(run("organise", "-w", "demo0", "-i", "raw", "--format", "json", cwd=night).stdout)
    assert {t: [len(g["files"]) for g in groups] for t, groups in record["tasks"].items()} == {
        "bias": [3], "flat": [2], "object": [1, 1]}


def test_recipe_parameters_on_the_command_line_and_their_errors(night):
    base = json.loads(run("derive", "-w", "demo0", "-i", "raw", "-t", "bias", "--format", "json", cwd=night).stdout)
    changed = json.loads(run("derive", "-w", "demo0", "-i", "raw", "-t", "bias", "-rp", "bias", "kappa", "3",
                             "--format", "json", cwd=night).stdout)
    assert base["jobs"][0]["id"] != changed["jobs"][0]["id"]
    done = run("derive", "-w", "demo0", "-i", "raw", "-rp", "biass", "kappa", "3", cwd=night)
    assert done.returncode == 2 and "unknown task 'biass'" in done.stderr
    done = run("derive", "-w", "demo0", "-i", "raw", "-rp", "bias", "kapa", "3", cwd=night)
    assert done.returncode == 2 and "unknown recipe parameter 'kapa'" in done.stderr
    assert "known: iterations, kappa" in done.stderr  # what the cascade's parameter sets name
    done = run("derive", "-w", "demo0", "-i", "raw", "-rps", "nope", cwd=night)
    assert done.returncode == 2 and "parameter set 'nope' does not exist" in done.stderr


def test_task_graphs_in_dot():
    plain = run("graph", "-w", CONFORM).stdout
    assert '"bias" -> "dark";' in plain and "ds:" not in plain
    detailed = run("graph", "-w", CONFORM, "--detailed").stdout
    assert '"science" -> "quicklook" [label="SCI_REDUCED", style=bold];' in detailed
    assert '"ds:SKY" -> "science" [label="optional", style=dashed];' in detailed


def test_list_expand_describe_and_parameters():
    assert "demo0.demo0_wkf" in run("workflows").stdout
    record = json.loads(run("meta-targets", "-w", CONFORM, "-m", "qc0", "--format", "json").stdout)
    assert record["meta_targets"]["qc0"] == ["arc_qc", "flat_qc", "quicklook"]
    assert record["needed"] == ["bias", "arc", "arc_qc", "dark", "flat", "flat_qc", "science", "quicklook"]
    science = json.loads(run("describe", "-w", CONFORM, "science", "--format", "json").stdout)
    assert science["input_map"] == {"MASTER_FLAT": "FLAT_FIELD"}
    assert science["job_processing"] == ["drop_test_exposures", "exposure_time_to_recipe"]
    assert run("describe", "-w", CONFORM, "sciense").returncode == 2
    sets = json.loads(run("parameters", "-w", CONFORM, "--format", "json").stdout)["parameter_sets"]
    assert [(s["name"], s["default"], s["tags"]) for s in sets] == [
        ("default_parameters", True, ["science"]), ("full_parameters", False, ["science", "idp"]),
        ("qc_parameters", False, ["qc1calib"])]
    assert run("parameters", "-w", CONFORM, "bias", "-s", "qc_parameters").stdout.strip() == \
        "conf.conf_bias.stack_method = 'mean'"
