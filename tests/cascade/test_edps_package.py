"""An ESO-style EDPS workflow package (fixtures/edps_pkgs/fakeinst) loads unchanged."""

from pathlib import Path

import pytest

from radps_seq.cascade import (
    CALCHECKER,
    IDP,
    ONE_DAY,
    ONE_MONTH,
    ONE_WEEK,
    QC0,
    QC1_CALIB,
    SAME_NIGHT,
    SCIENCE,
    UNLIMITED,
    Alternatives,
    DataSource,
    FilterMode,
    RelativeTimeRange,
)
from radps_seq.cascade.loader import load_workflow
from radps_seq.derive.job_parameters import JobParameters

FAKEINST = Path(__file__).parent / "fixtures" / "edps_pkgs" / "fakeinst"


@pytest.fixture(scope="module")
def wkf():
    return load_workflow(FAKEINST)


def test_tasks_in_dependency_order(wkf):
    assert list(wkf.tasks) == ["bias", "dark", "flat", "flat_qc", "zeropoint", "science", "quicklook"]
    assert {t: wkf.tasks[t].recipe for t in ("bias", "science")} == {
        "bias": "fakeinst_bias", "science": "fakeinst_science"}
    assert set(wkf.task_graph().edges) == {
        ("bias", "dark"), ("bias", "flat"), ("dark", "flat"), ("flat", "flat_qc"),
        ("bias", "zeropoint"), ("flat", "zeropoint"), ("bias", "science"), ("flat", "science"),
        ("zeropoint", "science"), ("science", "quicklook"),
    }


def test_data_sources_and_their_rules(wkf):
    assert list(wkf.data_sources) == ["BIAS", "DARK", "FLAT", "MASTER_BIAS", "PHOT_TABLE", "SCIENCE", "STD"]
    bias = wkf.data_sources["BIAS"]
    assert bias.classification_rules[0].keywords == {
        "instrume": "FAKEINST", "dpr.catg": "CALIB", "dpr.type": "BIAS"}
    assert bias.grouping_keywords == ["tpl.start"]
    assert bias.setup_keywords == ["det.binx", "det.biny", "det.read.speed"]
    assert bias.min_group_size == 3
    assert [(r.keywords, r.time_range, r.level) for r in bias.match_rules.rules] == [
        (("det.binx", "det.biny", "det.read.speed"), ONE_DAY, 0),
        (("det.binx", "det.biny", "det.read.speed"), ONE_WEEK, 1),
        (("det.binx", "det.biny"), UNLIMITED, 3),
    ]
    flat = wkf.data_sources["FLAT"]
    assert flat.tags == ["FLAT_LAMP", "FLAT_SKY"]
    assert flat.match_rules.rules[0].time_range is SAME_NIGHT
    assert flat.match_rules.rules[1].time_range == RelativeTimeRange(-3, 1)
    dark_rule = wkf.data_sources["DARK"].match_rules.rules[0]
    assert dark_rule.time_range == ONE_MONTH and dark_rule.level == 1
    assert dark_rule.function({"det.binx": 2, "det.biny": 2, "det.read.speed": 1},
                              {"det.binx": 2, "det.biny": 2, "det.read.speed": 1})
    assert not dark_rule.function({"det.binx": 2}, {"det.binx": 1})
    assert wkf.data_sources["SCIENCE"].grouping_keywords == ["$science_grouping"]
    assert wkf.data_sources["SCIENCE"].cluster.keyword == "mjd-obs"


def test_rule_functions_from_the_rules_module_classify(wkf):
    sky_rule = wkf.data_sources["FLAT"].classification_rules[1]
    assert sky_rule.function({"dpr.catg": "CALIB", "dpr.type": "FLAT,SKY"})
    assert not sky_rule.function({"dpr.catg": "CALIB", "dpr.type": "FLAT,LAMP"})
    long_dark = wkf.data_sources["DARK"].classification_rules[1]
    assert long_dark.tag == "LONG_DARK"
    assert long_dark.function({"dpr.type": "DARK", "exptime": 300.0})


def test_alternatives_with_sort_keys_and_an_unnamed_static_source(wkf):
    (alternatives,) = wkf.tasks["dark"].alternatives
    assert isinstance(alternatives, Alternatives)
    assert alternatives.sort_keys == ("mjd-obs",)
    from_task, from_static = alternatives.inputs
    assert from_task.source is wkf.tasks["bias"] and from_task.categories == ("MASTER_BIAS",)
    assert isinstance(from_static.source, DataSource) and from_static.source.name == "MASTER_BIAS"
    assert from_static.source is wkf.data_sources["MASTER_BIAS"]
    assert wkf.tasks["dark"].input_filter.categories == ("MASTER_BIAS",)
    assert wkf.tasks["dark"].input_filter.mode is FilterMode.SELECT


def test_subworkflow_tasks(wkf):
    assert wkf.subworkflows == {"flat": "flat_fielding", "flat_qc": "flat_fielding"}
    flat = wkf.tasks["flat"]
    master_bias, master_dark = flat.associated_inputs
    assert master_bias.source is wkf.tasks["bias"]
    assert (master_dark.categories, master_dark.min_ret) == (("MASTER_DARK",), 0)


def test_science_task(wkf):
    science = wkf.tasks["science"]
    assert science.main_input is wkf.data_sources["SCIENCE"]
    bias, flat, zeropoint = science.associated_inputs
    assert bias.label == "MASTER_BIAS" and bias.match_rules is None
    assert [(r.keywords, r.time_range, r.level) for r in flat.match_rules.rules] == [
        (("ins.filt1.name", "det.binx"), ONE_DAY, 0), (("ins.filt1.name",), UNLIMITED, 2)]
    assert zeropoint.min_ret == 0
    assert zeropoint.condition(JobParameters({"reduction_mode": "full"})) is True
    assert zeropoint.condition(JobParameters({"reduction_mode": "fast"})) is False
    assert science.input_filter.mode is FilterMode.REJECT
    assert science.dynamic_parameters["filter"]([{"ins.filt1.name": "R"}]) == "R"
    (processing,) = science.job_processing
    assert processing.__name__ == "flag_short_exposures"
    assert science.meta_targets == [SCIENCE, IDP]


def test_condition_using_get_parameter_and_output_filter(wkf):
    quicklook = wkf.tasks["quicklook"]
    assert quicklook.condition(JobParameters({"reduction_mode": "fast"})) is True
    assert quicklook.condition(JobParameters({"reduction_mode": "full"})) is False
    assert quicklook.output_filter.categories == ("QUICKLOOK_IMAGE",)


def test_meta_targets_and_report(wkf):
    assert wkf.tasks["bias"].meta_targets == [QC1_CALIB, CALCHECKER]
    assert wkf.meta_targets() == sorted([CALCHECKER, IDP, QC0, QC1_CALIB, SCIENCE])
    assert [t.name for t in wkf.resolve_targets(meta_targets=[QC0])] == ["flat_qc", "quicklook"]
    ((report, when),) = wkf.tasks["bias"].reports
    assert report == "fakeinst_rawdisp" and when.name == "RECIPE_INPUTS"


def test_parameter_sets_with_anchors_and_merge_keys(wkf):
    params = wkf.parameters
    assert list(params.sets) == ["science_fast", "science_full", "qc_calibrations"]
    assert params.default == "science_fast"
    fast, full, qc = (params.select(n) for n in params.sets)
    assert params.select() is fast
    assert fast.workflow_parameters == {
        "reduction_mode": "fast", "science_grouping": "tpl.start", "bias_min_count": 3}
    assert full.workflow_parameters == {**fast.workflow_parameters, "reduction_mode": "full"}
    assert full.recipe_parameters == fast.recipe_parameters
    assert qc.workflow_parameters == full.workflow_parameters
    assert qc.for_task("bias") == {"fakeinst.fakeinst_bias.stack_method": "mean"}
    assert qc.for_task("science") == {"fakeinst.fakeinst_science.sky_subtract": True}
