import pytest

from radps_seq.cascade import (
    CALCHECKER,
    QC1_CALIB,
    SCIENCE,
    AssociatedInput,
    CategoryFilter,
    FilterMode,
    Skippable,
    alternative_associated_inputs,
    data_source,
    match_rules,
    task,
)


@pytest.fixture
def sources():
    return {name: data_source(name).build() for name in ("BIAS", "FLAT", "OBJECT", "SKY", "CAT")}


def test_every_builder_method_stores_its_value(sources):
    bias = task("bias").with_recipe("run_bias").with_main_input(sources["BIAS"]).build()

    def cond(params):
        return params.get_workflow_param("use_sky") == "yes"

    def exptime(files):
        return files[0]["exptime"]

    def process(job):
        return job

    def reduce_in_python(args):
        return args

    flat_rules = match_rules().with_match_keywords(["ins.filt1.name"])
    alternatives = (alternative_associated_inputs(sort_keys=["MJD-OBS"])
                    .with_associated_input(bias, "MASTER_BIAS")
                    .with_associated_input(sources["CAT"], min_ret=0))
    t = (task("object")
         .with_recipe("run_science")
         .with_function(reduce_in_python)
         .with_main_input(sources["OBJECT"])
         .with_associated_input(sources["SKY"], min_ret=0, max_ret=3, condition=cond)
         .with_associated_input(bias, ["MASTER_BIAS"], match_rules=flat_rules)
         .with_alternatives(alternatives)
         .with_condition(cond)
         .with_dynamic_parameter("exptime", exptime)
         .with_job_processing(process)
         .with_input_filter("MASTER_BIAS", ["SKY"], mode=FilterMode.REJECT)
         .with_output_filter("REDUCED")
         .with_input_map({"SKY": "SKY_FRAME"})
         .with_meta_targets([SCIENCE, "QC1CALIB"])
         .with_report("rawdisp", "inputs")
         .with_skippable(tolerance=0.01, description="refines in place")
         .with_grouping_keywords(["OBJECT", "ins.filt1.name"])
         .with_description("reduce science frames")
         .build())
    assert t.name == "object" and t.recipe == "run_science" and t.function is reduce_in_python
    assert t.main_input is sources["OBJECT"]
    sky, master_bias = t.associated_inputs
    assert (sky.source, sky.categories, sky.min_ret, sky.max_ret, sky.condition) == (
        sources["SKY"], None, 0, 3, cond)
    assert sky.label == "SKY"
    assert master_bias.categories == ("MASTER_BIAS",) and master_bias.match_rules is flat_rules
    assert t.alternatives == [alternatives]
    assert alternatives.sort_keys == ("mjd-obs",)
    assert [a.label for a in alternatives.inputs] == ["MASTER_BIAS", "CAT"]
    assert alternatives.min_ret == 0 and alternatives.label == "MASTER_BIAS"
    assert t.inputs == [sky, master_bias, alternatives]
    assert t.condition is cond
    assert t.dynamic_parameters == {"exptime": exptime}
    assert t.job_processing == [process]
    assert t.input_filter == CategoryFilter(("MASTER_BIAS", "SKY"), FilterMode.REJECT)
    assert t.output_filter == CategoryFilter(("REDUCED",), FilterMode.SELECT)
    assert t.input_map == {"SKY": "SKY_FRAME"}
    assert t.meta_targets == [SCIENCE, QC1_CALIB]
    assert t.reports == [("rawdisp", "inputs")]
    assert t.skippable == Skippable(0.01, "refines in place")
    assert t.grouping_keywords == ["object", "ins.filt1.name"]
    assert t.description == "reduce science frames"
    assert t.upstream() == [sources["OBJECT"], sources["SKY"], bias, bias, sources["CAT"]]


def test_defaults(sources):
    t = task("bias").with_main_input(sources["BIAS"]).build()
    assert t.recipe is None and t.function is None and t.condition is None
    assert t.inputs == [] and t.meta_targets == [] and t.skippable is None
    assert t.subworkflow is None and t.input_filter is None


def test_associated_task_label_is_its_upper_case_name(sources):
    bias = task("bias").with_main_input(sources["BIAS"]).build()
    assert AssociatedInput(bias).label == "BIAS"


def test_category_filter_select_and_reject():
    assert CategoryFilter(("A",)).keeps("A") and not CategoryFilter(("A",)).keeps("B")
    reject = CategoryFilter(("A",), FilterMode.REJECT)
    assert not reject.keeps("A") and reject.keeps("B")


def test_keyword_lists_accept_one_string(sources):
    t = (task("bias").with_main_input(sources["BIAS"]).with_meta_targets(CALCHECKER)
         .with_grouping_keywords("OBJECT").build())
    assert t.meta_targets == [CALCHECKER]
    assert t.grouping_keywords == ["object"]
    assert alternative_associated_inputs(sort_keys="MJD-OBS").sort_keys == ("mjd-obs",)


@pytest.mark.parametrize("name", ["", None, 3])
def test_task_needs_a_name(name):
    with pytest.raises(ValueError, match="non-empty name"):
        task(name)


def test_build_without_main_input_names_the_task():
    with pytest.raises(ValueError, match="task 'flat' has no main input"):
        task("flat").with_recipe("run_flat").build()


def test_main_input_must_be_a_source_or_task():
    with pytest.raises(TypeError, match="task 'flat': main input must be a data_source or a task, got str"):
        task("flat").with_main_input("FLAT")


def test_associated_input_must_be_a_source_or_task(sources):
    builder = task("flat").with_main_input(sources["FLAT"])
    with pytest.raises(TypeError, match="associated input must be a data_source or a task, got str"):
        builder.with_associated_input("BIAS")
    with pytest.raises(TypeError, match="got str"):
        alternative_associated_inputs().with_associated_input("BIAS")


@pytest.mark.parametrize("min_ret,max_ret", [(-1, 1), (2, 1), (0, 0)])
def test_bad_retrieval_counts_are_named(sources, min_ret, max_ret):
    with pytest.raises(ValueError, match=rf"'BIAS'.*min_ret={min_ret}, max_ret={max_ret}"):
        task("flat").with_main_input(sources["FLAT"]).with_associated_input(
            sources["BIAS"], min_ret=min_ret, max_ret=max_ret)
