"""cascades/demo0: the EDPS demo0 example, loadable and classifiable."""

import pytest

from radps_seq.cascade import QC1_CALIB, SCIENCE, Task
from radps_seq.cascade.loader import load_workflow


@pytest.fixture(scope="module")
def demo0():
    return load_workflow("demo0")


def test_bias_flat_object_cascade(demo0):
    assert demo0.name == "demo0"
    assert list(demo0.tasks) == ["bias", "flat", "object"]
    assert {t.name: t.recipe for t in demo0.tasks.values()} == {
        "bias": "run_bias", "flat": "run_flat", "object": "run_science"}
    assert set(demo0.task_graph().edges) == {("bias", "flat"), ("bias", "object"), ("flat", "object")}


def test_object_inputs(demo0):
    science = demo0.tasks["object"]
    assert science.main_input is demo0.data_sources["OBJECT"]
    sky, bias, flat, catalog = science.associated_inputs
    assert sky.source is demo0.data_sources["SKY"] and sky.min_ret == 0
    assert bias.source is demo0.tasks["bias"] and bias.min_ret == 1
    assert flat.source is demo0.tasks["flat"]
    assert catalog.source is demo0.data_sources["catalog"] and catalog.min_ret == 1
    assert all(not a.match_rules for a in science.associated_inputs)
    assert isinstance(demo0.tasks["flat"].associated_inputs[0].source, Task)


def test_classification_by_dpr_type_and_pro_catg(demo0):
    rules = {name: [(r.tag, dict(r.keywords)) for r in s.classification_rules]
             for name, s in demo0.data_sources.items()}
    assert rules == {
        "BIAS": [("BIAS", {"dpr.type": "BIAS"})],
        "FLAT": [("FLAT", {"dpr.type": "FLAT"})],
        "OBJECT": [("OBJECT", {"dpr.type": "OBJECT"})],
        "SKY": [("SKY", {"dpr.type": "SKY"})],
        "catalog": [("CATALOG", {"pro.catg": "CATALOG"})],
    }


def test_meta_targets_and_default_parameters(demo0):
    assert [t.name for t in demo0.resolve_targets(meta_targets=[SCIENCE])] == ["object"]
    assert [t.name for t in demo0.resolve_targets(meta_targets=[QC1_CALIB])] == ["bias", "flat"]
    chosen = demo0.parameters.select()
    assert chosen.name == "default" and chosen.workflow_parameters == {}


def test_one_night_of_frames_derives_complete_object_jobs(tmp_path):
    from radps_seq.derive import derive_request
    from radps_seq.testing.demo0_night import demo0_night

    demo0_night(tmp_path / "raw")
    derivation = derive_request("demo0", [tmp_path / "raw"], workdir=tmp_path / "work")
    assert derivation.targets == ["object"]
    assert derivation.unclassified == [] and derivation.incomplete == []
    jobs = [derivation.graph.nodes[n]["job"] for n in derivation.graph.graph["order"]]
    objects = [j for j in jobs if j.task == "object"]
    assert len(objects) == 2 and all(j.complete for j in objects)
    by_task = {j.id: j.task for j in jobs}
    for job in objects:
        from_files = {i.category for i in job.inputs if i.file}
        from_jobs = {by_task[i.job] for i in job.inputs if i.job}
        assert from_files == {"OBJECT", "SKY", "CATALOG"}
        assert from_jobs == {"bias", "flat"}
