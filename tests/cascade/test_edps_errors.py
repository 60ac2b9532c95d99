"""Errors in workflow code name the workflow's file:line and what was being evaluated;
EDPS shapes radps_seq lacks say 'not supported yet'. Never an internal error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from radps_seq.cascade.loader import load_workflow
from radps_seq.derive import derive
from radps_seq.errors import WorkflowError
from radps_seq.testing.frames import write_frames

from ..derive.conftest import hdr
from .test_loader import make_package

HEAD = """\
from edps import task, data_source, classification_rule, match_rules
bias_class = classification_rule("BIAS", {"dpr.type": "BIAS"})
master_bias_class = classification_rule("MASTER_BIAS")
raw_bias = data_source().with_classification_rule(bias_class).build()
raw_flat = (data_source("FLAT").with_classification_rule("FLAT", {"dpr.type": "FLAT"})
            .with_grouping_keywords(["mjd-obs"]).build())
bias = task("bias").with_recipe("b").with_main_input(raw_bias).build()
"""

FRAMES = [hdr(f"b{i}.fits", dpr_type="BIAS", mjd=1.0 + i) for i in range(2)] + [hdr("f.fits", dpr_type="FLAT", mjd=1.5)]


def package(tmp_path: Path, body: str) -> Path:
    return make_package(tmp_path, "x", {"x_wkf.py": HEAD + body})


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "COLUMNS": "120"})


def test_rule_objects_naming_products_derive_without_internal_error(tmp_path):
    """The idiom of nearly every ESO workflow once failed with "unhashable type: 'dict'"."""
    folder = package(tmp_path, """\
flat = (task("flat").with_recipe("f").with_main_input(raw_flat)
        .with_associated_input(bias, [master_bias_class]).with_meta_targets(["science"]).build())
""")
    write_frames(tmp_path / "raw", [("b.fits", {"dpr.type": "BIAS", "mjd-obs": 1.0}),
                                    ("f.fits", {"dpr.type": "FLAT", "mjd-obs": 1.2})])
    done = run("derive", "-w", str(folder), "-i", "raw", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0 and "internal error" not in done.stderr
    assert '"category": "MASTER_BIAS"' in done.stdout


@pytest.mark.parametrize("body,message", [
    ('flat = task("flat").with_main_input(raw_flat).with_shell_command("ls").build()\n',
     r"^not supported yet: task 'flat': with_shell_command\(\) \(.*x_wkf.py:8\)$"),
    ('flat = task("flat").with_main_input(raw_flat).with_magic(1).build()\n',
     r"^not supported yet: task\(...\).with_magic\(\) \(.*x_wkf.py:8\)$"),
    ('src = data_source("A").with_unheard_of([]).build()\n',
     r"^not supported yet: data_source\(...\).with_unheard_of\(\) \(.*x_wkf.py:8\)$"),
    ('flat = task("flat").with_main_input(raw_flat).with_associated_input(bias, [3]).build()\n',
     r"^not supported yet: int 3 as a category of an associated input .* \(.*x_wkf.py:8\)$"),
    ('flat = task("flat").with_main_input(raw_flat).with_input_filter("A", mode="KEEP").build()\n',
     r"filter mode must be .* got 'KEEP' \(.*x_wkf.py:8\)$"),
    ('from edps import with_everything\n', r"^not supported yet: edps.with_everything \(.*x_wkf.py:8\)$"),
    ('src = data_source("A").with_match_keywords(["a"], window=1).build()\n',
     r"^not supported yet: data_source\(...\).with_match_keywords\(list, window=\): .*'window' \(.*x_wkf.py:8\)$"),
    ('flat = task("flat").with_main_input(raw_flat, ["A"], "B").build()\n',
     r"^not supported yet: task\(...\).with_main_input\(DataSource, list, str\): .* \(.*x_wkf.py:8\)$"),
    ('rules = match_rules().with_match_keywords()\n',
     r"^not supported yet: match_rules\(\).with_match_keywords\(\): .* \(.*x_wkf.py:8\)$"),
])
def test_unsupported_shapes_name_the_workflow_line(tmp_path, body, message):
    with pytest.raises(WorkflowError, match=message):
        load_workflow(package(tmp_path, body))


def _derive_error(tmp_path: Path, body: str) -> str:
    workflow = load_workflow(package(tmp_path, body))
    with pytest.raises(WorkflowError) as error:
        derive(workflow, FRAMES, tasks=["flat"])
    return str(error.value)


def test_a_failing_condition_names_its_line_the_task_and_the_file(tmp_path):
    message = _derive_error(tmp_path, """\
def broken(params):
    return params.get_workflow_param("x")["y"]
flat = task("flat").with_main_input(raw_flat).with_condition(broken).build()
""")
    assert "x_wkf.py:9: task 'flat': condition broken() failed on f.fits: TypeError" in message


def test_a_failing_dynamic_parameter_and_hook_name_their_lines(tmp_path):
    message = _derive_error(tmp_path, """\
def setup(files):
    return files[0]["det.binx"] + 1
flat = task("flat").with_main_input(raw_flat).with_dynamic_parameter("binx", setup).build()
""")
    assert "x_wkf.py:9: task 'flat': dynamic parameter 'binx' setup() failed on f.fits: TypeError" in message
    message = _derive_error(tmp_path / "2", """\
def hook(job):
    job.no_such_thing.append(1)
flat = task("flat").with_main_input(raw_flat).with_job_processing(hook).build()
""")
    assert "x_wkf.py:9: task 'flat': job processing hook() failed on f.fits: AttributeError" in message


def test_a_failing_match_function_names_both_files(tmp_path):
    message = _derive_error(tmp_path, """\
def same(ref, f):
    return ref["det.binx"] > f["det.binx"]
rules = match_rules().with_match_function(same)
flat = task("flat").with_main_input(raw_flat).with_associated_input(bias, match_rules=rules).build()
""")
    assert "x_wkf.py:9: match function same() failed on f.fits against b" in message


def test_a_failing_classification_function_names_the_rule_and_file(tmp_path):
    workflow = load_workflow(package(tmp_path, """\
def odd(f):
    return f["dpr.type"].startswith("O")
odd_source = data_source().with_classification_rule(classification_rule("ODD", odd)).build()
flat = task("flat").with_main_input(odd_source).build()
"""))
    with pytest.raises(WorkflowError, match=r"x_wkf.py:9: classification rule 'ODD' odd\(\) failed on f.fits"):
        derive(workflow, [hdr("f.fits", mjd=1.0)], tasks=["flat"])
