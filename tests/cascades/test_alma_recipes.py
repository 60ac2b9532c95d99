"""The alma cascade against the 32 ALMA/VLA pipeline recipes it replaces."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from radps_seq.cascade.loader import load_workflow
from radps_seq.experiments.recipes_compare import (
    compare_all,
    compare_recipe,
    load_recipes,
    recipe_roles,
    specification_size,
)

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "data" / "pipeline_recipes.json"


@pytest.fixture(scope="module")
def workflow():
    return load_workflow(str(ROOT / "cascades" / "alma"))


@pytest.fixture(scope="module")
def report(workflow):
    return compare_all(workflow, load_recipes(RECIPES))


def test_every_recipe_is_derived_with_its_stages_in_a_valid_order(report):
    failing = {r["name"]: (r["missing"], r["extra"], r["incomplete"])
               for r in report["recipes"] if not r["reproduced"]}
    assert failing == {}
    assert (report["reproduced"], report["total"]) == (32, 32)
    assert all(r["order_consistent"] for r in report["recipes"])


def test_parallel_running_shortens_the_long_recipes(report):
    by_name = {r["name"]: r for r in report["recipes"]}
    calimage = by_name["hifa_calimage"]
    assert calimage["stages"] == 49  # 50 entries, one of them a breakpoint
    assert calimage["critical_path"] < calimage["stages"]
    assert all(r["critical_path"] <= r["stages"] for r in report["recipes"])


def test_roles_count_repeats_and_images_take_the_role_of_their_list():
    stages = [{"task": "hif_makeimlist", "parameters": {"specmode": "cube", "datatype": "best"}},
              {"task": "hif_makeimages", "parameters": {"hm_cyclefactor": "3.0"}},
              {"task": "breakpoint", "parameters": {}},
              {"task": "hsd_baseline", "parameters": {}},
              {"task": "hsd_baseline", "parameters": {}}]
    assert recipe_roles(stages) == ["hif_makeimlist(specmode=cube,datatype=best)",
                                    "hif_makeimages(specmode=cube,datatype=best)",
                                    "hsd_baseline", "hsd_baseline"]


def test_a_changed_recipe_is_reported_with_what_differs(workflow, tmp_path):
    recipes = load_recipes(RECIPES)
    stages = list(recipes["hifa_cal"])
    # swap two dependent stages and drop one: the comparison must notice both
    stages[13], stages[14] = stages[14], stages[13]  # hifa_bandpass <-> hifa_spwphaseup
    del stages[2]  # hifa_fluxcalflag
    stages.append({"task": "hifa_imageprecheck", "parameters": {}})
    changed = compare_all(workflow, {"hifa_cal": stages})["recipes"][0]
    assert not changed["reproduced"]
    assert changed["extra"] == ["hifa_fluxcalflag"]
    assert changed["missing"] == ["hifa_imageprecheck"]
    assert not changed["order_consistent"]


def test_a_recipe_without_use_case_is_not_reproduced(workflow):
    result = compare_all(workflow, {"my_recipe": [{"task": "hifa_importdata"}]})["recipes"][0]
    assert not result["reproduced"]
    assert "use case" in result["incomplete"][0]


def test_the_specification_is_smaller_than_the_recipes(workflow):
    size = specification_size(workflow, load_recipes(RECIPES))
    assert size["recipe_stages"] == 765
    assert size["cascade_lines"] < size["recipe_stages"]
    assert size["cascade_tasks"] < size["recipe_stages"]


def test_compare_command_json_and_bad_file(tmp_path):
    command = [sys.executable, "-m", "radps_seq.cli", "recipes", "compare", "-w",
               str(ROOT / "cascades" / "alma"), "--recipes", str(RECIPES), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    record = json.loads(done.stdout)
    assert record["total"] == 32 and record["reproduced"] == 32
    assert set(record["recipes"][0]) >= {"name", "reproduced", "missing", "extra",
                                         "order_consistent", "stages", "critical_path"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"stages": []}')
    failed = subprocess.run(command[:-4] + ["--recipes", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 2
    assert "bad.json" in failed.stderr and "internal error" not in failed.stderr


def test_compare_recipe_on_an_empty_graph_reports_everything_missing():
    import networkx as nx

    graph = nx.DiGraph(order=[])
    result = compare_recipe("r", [{"task": "hifv_importdata"}], graph)
    assert result.missing == ["hifv_importdata"] and not result.reproduced


def _use_case(tmp_path, name, workflow):
    from radps_seq.experiments.recipes_compare import load_use_cases
    from radps_seq.recipes.radio.descriptor import write_descriptor

    raw = tmp_path / "raw"
    write_descriptor(raw / "eb.fits", {"ms.descr": "MEASUREMENT_SET", "obs.id": "uid_x",
                                       "mjd-obs": 60000.0, **load_use_cases(workflow)[name]})
    return raw


def test_pipeline_stages_are_listed_as_unimplemented_and_run_only_as_dummies(workflow, tmp_path):
    from radps_seq.render import tasks_record

    kinds = {t["name"]: t["implementation"] for t in tasks_record(workflow)["tasks"]}
    assert kinds["a_bandpass"] == "none" and kinds["casa_bandpass"] == "python"
    raw = _use_case(tmp_path, "hifa_calimage", workflow)
    base = [sys.executable, "-m", "radps_seq.cli", "run", "-w", str(ROOT / "cascades" / "alma"),
            "-i", str(raw), "-m", "pipeline", "-wps", "hifa_calimage", "--no-track", "--format", "json"]
    dummy = subprocess.run(base + ["--workdir", str(tmp_path / "w1"), "--dummy", "--workers", "2"],
                           capture_output=True, text=True)
    assert dummy.returncode == 0, dummy.stderr[-2000:]
    assert len(json.loads(dummy.stdout)["jobs"]) == 49
    real = subprocess.run(base + ["--workdir", str(tmp_path / "w2")], capture_output=True, text=True)
    assert real.returncode == 1
    runs = subprocess.run([sys.executable, "-m", "radps_seq.cli", "runs", "--workdir", str(tmp_path / "w2"),
                           "--format", "json"], capture_output=True, text=True, check=True)
    errors = {r["task"]: r["error"] for r in json.loads(runs.stdout)}
    assert "hifa_importdata" in errors["a_import"] and "esorex" in errors["a_import"]
