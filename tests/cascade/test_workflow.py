import pytest

from radps_seq.cascade import QC1_CALIB, SCIENCE, collect_workflow, data_source, subworkflow, task
from radps_seq.errors import TargetError, WorkflowError


@pytest.fixture
def cascade():
    raw_bias, raw_flat, raw_obj = (data_source(n).build() for n in ("BIAS", "FLAT", "OBJECT"))
    bias = task("bias").with_main_input(raw_bias).with_meta_targets([QC1_CALIB]).build()

    @subworkflow("flats")
    def flats():
        return task("flat").with_main_input(raw_flat).with_associated_input(bias).build()

    flat = flats()
    science = (task("object").with_main_input(raw_obj).with_associated_input(bias)
               .with_associated_input(flat).with_meta_targets([SCIENCE]).build())
    # Only the final task is a module-level object: the others are found through it.
    return collect_workflow("demo", [science, raw_obj, "not a task", 42], origin="demo_wkf.py")


def test_collect_finds_reachable_tasks_in_topological_order(cascade):
    assert list(cascade.tasks) == ["bias", "flat", "object"]
    assert list(cascade.data_sources) == ["BIAS", "FLAT", "OBJECT"]
    assert cascade.subworkflows == {"flat": "flats"}
    assert cascade.origin == "demo_wkf.py"
    assert set(cascade.task_graph().edges) == {("bias", "flat"), ("bias", "object"), ("flat", "object")}


def test_targets(cascade):
    assert [t.name for t in cascade.resolve_targets(["flat"])] == ["flat"]
    assert [t.name for t in cascade.resolve_targets(meta_targets=["SCIENCE"])] == ["object"]
    assert len(cascade.resolve_targets(["all"])) == 3
    assert len(cascade.resolve_targets(meta_targets=["all"])) == 3
    assert cascade.meta_targets() == [QC1_CALIB, SCIENCE]
    with pytest.raises(TargetError, match="unknown task 'nope' in workflow 'demo'; known tasks: bias, flat, object"):
        cascade.resolve_targets(["nope"])
    with pytest.raises(TargetError, match="unknown meta-target 'idp'.*qc1calib, science"):
        cascade.resolve_targets(meta_targets=["IDP"])


def test_duplicate_task_names_are_refused():
    raw = data_source("RAW").build()
    a = task("same").with_main_input(raw).build()
    b = task("same").with_main_input(raw).build()
    with pytest.raises(WorkflowError, match="two different tasks are named 'same'"):
        collect_workflow("w", [a, b])


def test_a_cycle_is_refused_with_its_path():
    raw = data_source("RAW").build()
    a = task("a").with_main_input(raw).build()
    b = task("b").with_main_input(a).build()
    a.main_input = b  # tasks are plain data after build(): make a -> b -> a
    with pytest.raises(WorkflowError, match=r"cycle: (a -> b -> a|b -> a -> b)"):
        collect_workflow("w", [a, b])


def test_a_workflow_without_tasks_is_refused():
    with pytest.raises(WorkflowError, match="defines no task"):
        collect_workflow("w", [data_source("RAW").build()], origin="w_wkf.py")
