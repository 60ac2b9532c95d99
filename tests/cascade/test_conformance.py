"""The conformance package (tests/fixtures/conform): every row of the EDPS API sheet,
laid out as instrument packages are, loads, classifies, derives, runs and tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from radps_seq.cascade import Alternatives, FilterMode, Task
from radps_seq.cascade.edps_compat import EDPS_MODULES, edps_modules
from radps_seq.cascade.edps_types import ClassifiedFitsFile, Job, JobParameters, TaskType
from radps_seq.cascade.loader import load_workflow
from radps_seq.testing.scenarios import load_suite, write_inputs

CONFORM = Path(__file__).resolve().parents[1] / "fixtures" / "conform"
SUITE = CONFORM / "tests" / "json_configuration"

API_NAMES = {
    "builders": ["task", "data_source", "classification_rule", "match_rules", "subworkflow",
                 "alternative_associated_inputs", "alternative_association", "associated_input", "match"],
    "upper": ["SCIENCE", "QC1_CALIB", "QC0", "CALCHECKER", "IDP", "QC1_SCIENCE", "ALL"],
    "lower": ["science", "qc1calib", "qc0", "calchecker", "idp", "qc1science", "phase3"],
    "enums": ["FilterMode", "ReportInput"],
    "parameters": ["get_parameter", "JobParameters"],
    "types": ["Job", "JobParameters", "ClassifiedFitsFile", "File", "FitsFile", "List", "RecipeInputs",
              "RecipeInvocationArguments", "RecipeInvocationResult", "InvokerProvider", "ProductRenamer"],
    "time ranges": ["ONE_AND_HALF_HOURS", "SAME_NIGHT", "NEXT_DAY", "ONE_DAY", "TWO_DAYS", "THREE_DAYS",
                    "FOUR_DAYS", "FIVE_DAYS", "ONE_WEEK", "TWO_WEEKS", "THREE_WEEKS", "ONE_MONTH",
                    "QUARTERLY", "IN_THE_PAST", "UNLIMITED", "RelativeTimeRange"],
}


@pytest.fixture(scope="module")
def wkf():
    return load_workflow(CONFORM)


@pytest.mark.parametrize("group", sorted(API_NAMES))
def test_every_name_of_the_sheet_is_importable_from_edps(group):
    with edps_modules():
        import edps  # noqa: PLC0415 - lent only inside the block

        missing = [n for n in API_NAMES[group] if not hasattr(edps, n)]
    assert missing == []


def test_meta_target_constants_hold_lower_case_strings():
    edps = EDPS_MODULES["edps"]
    assert [edps[n] for n in API_NAMES["upper"][:6]] == ["science", "qc1calib", "qc0", "calchecker",
                                                          "idp", "qc1science"]
    assert edps["List"] is typing.List  # noqa: UP006
    assert EDPS_MODULES["edps.generator.task"] == {"Task": Task, "DataSource": edps["DataSource"],
                                                    "TaskType": TaskType}
    assert set(EDPS_MODULES["edps.generator.time_range"]) >= set(API_NAMES["time ranges"])
    assert [m.name for m in edps["ReportInput"]] == ["RECIPE_INPUTS", "RECIPE_INPUTS_OUTPUTS", "RECIPE_OUTPUTS"]


def test_time_ranges_are_the_documented_windows():
    tr = EDPS_MODULES["edps.generator.time_range"]
    windows = {n: (tr[n].before, tr[n].after) for n in
               ("ONE_AND_HALF_HOURS", "NEXT_DAY", "ONE_DAY", "THREE_WEEKS", "ONE_MONTH", "QUARTERLY")}
    assert windows == {"ONE_AND_HALF_HOURS": (-0.0625, 0.0625), "NEXT_DAY": (0, 1), "ONE_DAY": (-1, 1),
                       "THREE_WEEKS": (-21, 21), "ONE_MONTH": (-30, 30), "QUARTERLY": (-90, 90)}


def test_the_package_loads_with_its_subworkflows(wkf):
    assert set(wkf.tasks) == {"bias", "dark", "bias_trend", "flat", "flat_qc", "arc", "arc_qc", "science",
                              "quicklook", "errors_qc", "stack"}  # arc_spare is built but never used
    assert wkf.subworkflows == {"flat": "flat_fielding", "flat_qc": "flat_fielding", "arc": "wavelength",
                                "arc_qc": "wavelength", "bias_trend": "monitoring"}
    assert "science" in wkf.tasks["science"].meta_targets
    assert wkf.tasks["quicklook"].meta_targets == ["qc0", "conf_custom"]
    assert wkf.tasks["bias"].task_type is TaskType.RECIPE


def test_rule_objects_name_categories_everywhere(wkf):
    dark, science, quicklook, bias = (wkf.tasks[n] for n in ("dark", "science", "quicklook", "bias"))
    assert dark.associated_inputs[0].categories == ("MASTER_BIAS", "BIAS_STATS")
    assert quicklook.main_categories == ("SCI_REDUCED",)
    assert bias.output_filter.categories == ("BIAS_STATS",) and bias.output_filter.mode is FilterMode.REJECT
    assert science.input_filter.mode is FilterMode.REJECT  # given as the string "REJECT"
    assert science.input_map == {"MASTER_FLAT": "FLAT_FIELD"}
    assert wkf.tasks["arc"].input_filter.categories == ("LINE_CATALOG",)
    (alternatives,) = science.alternatives
    assert isinstance(alternatives, Alternatives) and alternatives.sort_keys == ("mjd-obs",)
    assert science.associated_inputs[2].max_ret == 1000
    assert wkf.data_sources["MASTER_BIAS"].classification_rules[0].classification == "MASTER_BIAS"


def test_classification_dicts_with_lists_none_and_functions(wkf):
    from radps_seq.derive import classify

    from ..derive.conftest import hdr

    files = [hdr("a.fits", instrume="CONF", dpr_catg="CALIB", dpr_type="WAVE,LAMP"),
             hdr("b.fits", instrume="CONF", dpr_catg="CALIB", dpr_type="WAVE"),
             hdr("c.fits", instrume="CONF", dpr_catg="CALIB", dpr_type="WAVE", pro_catg="X"),
             hdr("d.fits", instrume="CONF", dpr_catg="CALIB", dpr_type="FLAT,SKY"),
             hdr("e.fits", instrume="CONF", pro_catg="LINE_CATALOG"),
             hdr("f.fits", instrume="CONF", pro_catg="MASTER_BIAS")]
    result = classify(files, wkf)
    assert {f["file"]: f["tags"] for f in result.files()} == {
        "a.fits": ["ARC"], "b.fits": ["ARC"], "d.fits": ["FLAT_SKY"], "e.fits": ["LINE_CATALOG"],
        "f.fits": ["MASTER_BIAS"]}
    assert result.unclassified == ["c.fits"]


def test_parameter_sets_with_tags_packaging_anchors_and_merges(wkf):
    sets = wkf.parameters
    default, full, qc = (sets.select(n) for n in ("default_parameters", "full_parameters", "qc_parameters"))
    assert sets.select() is default and default.tags == ["science"]
    assert default.packaging_parameters == {"archive_products": False}
    assert full.workflow_parameters == {"science_grouping": "tpl.start", "reduction_mode": "full"}
    assert qc.tags == ["qc1calib"] and qc.workflow_parameters["quality_threshold"] == 0
    assert qc.for_task("bias") == {"conf.conf_bias.stack_method": "mean"}
    assert qc.for_task("science") == full.for_task("science") == {"conf.conf_science.sky_subtract": True}


def test_edps_types_behave_as_workflow_functions_expect():
    f = ClassifiedFitsFile({"exptime": 3.0}, "SCIENCE")
    assert (f["exptime"], f["missing"], f.get_keyword_value("missing", 7), f.classification) == (3.0, None, 7, "SCIENCE")
    job = Job("science", "conf_science", [f], [], JobParameters({"a": 1}, {"p": 1}, dynamic_parameters={"m": 2}))
    job.parameters.recipe_parameters["q"] = 2
    assert job.parameters.recipe_parameters == {"p": 1, "q": 2}
    from radps_seq.cascade.edps_types import get_parameter

    assert (get_parameter(job.parameters, "m"), get_parameter(job.parameters, "a")) == (2, 1)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "COLUMNS": "120"})


def test_its_scenario_suite_passes():
    done = run("test-scenarios", "-w", str(CONFORM), str(SUITE), "--format", "json")
    record = json.loads(done.stdout)
    assert [s["description"] for s in record["scenarios"] if s["status"] != "passed"] == []
    assert done.returncode == 0 and record["passed"] == 8


def test_it_classifies_derives_and_runs_with_dummy(tmp_path):
    (spectro,) = [s for s in load_suite(SUITE / "conform.json") if s["description"].startswith("spectroscopy:")]
    write_inputs(spectro, tmp_path / "raw")
    classified = json.loads(run("classify", "-w", str(CONFORM), "-i", "raw", "--format", "json", cwd=tmp_path).stdout)
    assert classified["unclassified"] == [] and len(classified["files"]) == 15
    derived = run("derive", "-w", str(CONFORM), "-i", "raw", "-t", "all", "--format", "json", cwd=tmp_path)
    assert derived.returncode == 0 and "internal error" not in derived.stderr
    tasks = {j["task"] for j in json.loads(derived.stdout)["jobs"]}
    assert {"bias", "dark", "flat", "arc", "science", "stack", "quicklook"} <= tasks
    done = run("run", "-w", str(CONFORM), "-i", "raw", "--workdir", "w", "--dummy", "--no-track",
               "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "succeeded"
