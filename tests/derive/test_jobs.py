"""What a derived job carries besides its inputs: its record, night, setup, skip
tolerance and slots; tasks grouping upstream jobs; alternatives; errors of workflow
functions naming the task, the file and what failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from radps_seq.cascade import (
    ONE_WEEK,
    SCIENCE,
    alternative_associated_inputs,
    classification_rule,
    collect_workflow,
    data_source,
    task,
)
from radps_seq.derive import derive
from radps_seq.errors import ParameterError, WorkflowError

from .conftest import bias, hdr

SCIENCE_MJD = 60001.1  # 02:24 UT on 2023-02-26: the night that began on the 25th


def raw(tag: str, dpr_type: str, *, grouping=("mjd-obs",), setup=(), match=("det.binx",)):
    builder = data_source(tag).with_classification_rule(classification_rule(tag, {"dpr.type": dpr_type}))
    if grouping:
        builder = builder.with_grouping_keywords(list(grouping))
    if setup:
        builder = builder.with_setup_keywords(list(setup))
    return builder.with_match_keywords(list(match), time_range=ONE_WEEK, level=0).build()


def obj(path: str, mjd: float, **kw: object):
    keywords = {"dpr_type": "OBJECT", "det_binx": 1, "ins_filt1_name": "R", "exptime": 60.0, **kw}
    return hdr(path, mjd=mjd, **keywords)


def by_task(derivation) -> dict[str, list]:
    out: dict[str, list] = {}
    for job in derivation.jobs:
        out.setdefault(job.task, []).append(job)
    return out


def test_the_job_record_is_the_documented_json():
    bias_source = raw("BIAS", "BIAS", grouping=("det.binx",))
    master = task("bias").with_recipe("run_bias").with_main_input(bias_source).build()
    science = (task("object").with_recipe("run_science").with_main_input(raw("OBJECT", "OBJECT"))
               .with_associated_input(master, ["MASTER_BIAS"]).with_meta_targets([SCIENCE]).build())
    derivation = derive(collect_workflow("w", [science]), bias(2, SCIENCE_MJD - 0.2) + [obj("s.fits", SCIENCE_MJD)])
    master_job, science_job = derivation.jobs
    assert science_job.to_dict() == {
        "id": science_job.id,
        "task": "object",
        "recipe": "run_science",
        "complete": True,
        "level": 0,
        "inputs": [
            {"file": "s.fits", "category": "OBJECT", "job": None},
            {"file": None, "category": "MASTER_BIAS", "job": master_job.id},
        ],
        "parents": [master_job.id],
    }
    assert derivation.to_dict()["jobs"][0]["inputs"] == [
        {"file": "bias_n1_1_0.fits", "category": "BIAS", "job": None},
        {"file": "bias_n1_1_1.fits", "category": "BIAS", "job": None},
    ]


def test_a_job_carries_the_night_it_was_observed_in():
    workflow = collect_workflow("w", [
        task("object").with_main_input(raw("OBJECT", "OBJECT")).with_meta_targets([SCIENCE]).build()
    ])
    late, early, untimed = obj("late.fits", SCIENCE_MJD), obj("early.fits", 60001.7), hdr("u.fits", dpr_type="OBJECT")
    nights = {j.inputs[0].file: j.night for j in derive(workflow, [late, early, untimed]).jobs}
    # the night boundary is 16:00 UT: 02:24 UT belongs to the evening before, 16:48 UT to that day
    assert nights == {"late.fits": "2023-02-25", "early.fits": "2023-02-26", "u.fits": None}


def test_a_job_carries_its_setup_and_skip_tolerance_down_the_task_chain():
    source = raw("OBJECT", "OBJECT", grouping=("mjd-obs",), setup=("ins.filt1.name", "exptime"))
    first = task("reduce").with_main_input(source).with_skippable(tolerance=0.25).build()
    second = task("stack").with_main_input(first).with_meta_targets([SCIENCE]).build()
    jobs = by_task(derive(collect_workflow("w", [second]), [obj("s.fits", SCIENCE_MJD, ins_filt1_name="V")]))
    (reduce_job,), (stack_job,) = jobs["reduce"], jobs["stack"]
    expected_setup = {"ins.filt1.name": "V", "exptime": 60.0, "mjd-obs": SCIENCE_MJD}
    assert reduce_job.setup == expected_setup and stack_job.setup == expected_setup
    assert reduce_job.skippable and reduce_job.tolerance == 0.25
    assert not stack_job.skippable and stack_job.tolerance is None


def _stacking(grouping):
    reduce_task = task("reduce").with_main_input(raw("OBJECT", "OBJECT")).build()
    stack = task("stack").with_main_input(reduce_task).with_meta_targets([SCIENCE])
    if grouping:
        stack = stack.with_grouping_keywords(grouping)
    return collect_workflow("w", [stack.build()])


def _frames():
    # listed out of time order: a group's members still come in time order
    return [obj("r2.fits", SCIENCE_MJD + 0.02), obj("v1.fits", SCIENCE_MJD + 0.01, ins_filt1_name="V"),
            obj("r1.fits", SCIENCE_MJD), obj("v2.fits", SCIENCE_MJD + 0.03, ins_filt1_name="V")]


def _stacks(derivation) -> list[list[str]]:
    jobs = {j.id: j for j in derivation.jobs}
    return sorted([jobs[i.job].inputs[0].file for i in j.main_inputs] for j in by_task(derivation)["stack"])


def test_a_task_groups_upstream_jobs_by_its_grouping_keywords():
    assert _stacks(derive(_stacking(["ins.filt1.name"]), _frames())) == [
        ["r1.fits", "r2.fits"], ["v1.fits", "v2.fits"]
    ]
    # without grouping keywords: one job per upstream job
    assert _stacks(derive(_stacking(None), _frames())) == [["r1.fits"], ["r2.fits"], ["v1.fits"], ["v2.fits"]]


def test_a_task_groups_upstream_jobs_by_a_workflow_parameter():
    workflow = _stacking(["$stack_by"])
    by_filter = derive(workflow, _frames(), workflow_parameters={"stack_by": "ins.filt1.name"})
    assert _stacks(by_filter) == [["r1.fits", "r2.fits"], ["v1.fits", "v2.fits"]]
    by_binning = derive(workflow, _frames(), workflow_parameters={"stack_by": "det.binx"})
    assert _stacks(by_binning) == [["r1.fits", "v1.fits", "r2.fits", "v2.fits"]]  # time order
    with pytest.raises(ParameterError, match=r"task 'stack'.*stack_by"):
        derive(workflow, _frames())


def _with_flats(alternatives, *, twilight_condition=None, min_ret=1):
    def flat(tag: str, dpr_type: str):
        return task(tag.lower()).with_main_input(raw(tag, dpr_type, grouping=("det.binx",))).build()

    twilight, dome = flat("TWILIGHT", "FLAT,SKY"), flat("DOME", "FLAT,LAMP")
    alternatives = (alternatives.with_associated_input(twilight, ["MASTER_FLAT"], min_ret=min_ret,
                                                       condition=twilight_condition)
                    .with_associated_input(dome, ["MASTER_FLAT"], min_ret=min_ret))
    science = (task("object").with_main_input(raw("OBJECT", "OBJECT"))
               .with_alternatives(alternatives).with_meta_targets([SCIENCE]).build())
    return collect_workflow("w", [science])


def flats(dpr_type: str, mjd: float, **kw: object):
    return [hdr(f"{dpr_type}_{n}.fits", dpr_type=dpr_type, mjd=mjd + n * 1e-3, det_binx=1, **kw) for n in range(2)]


def _object_job(derivation):
    (job,) = by_task(derivation)["object"]
    return job, derivation.graph.nodes[job.id]


def _flat_task(derivation, job) -> list[str]:
    jobs = {j.id: j for j in derivation.jobs}
    return [jobs[parent].task for parent in job.parents]


def test_alternatives_take_the_first_that_matches_or_the_closest_by_sort_keys():
    frames = [obj("s.fits", SCIENCE_MJD, exptime=60.0), *flats("FLAT,SKY", SCIENCE_MJD - 1, exptime=5.0),
              *flats("FLAT,LAMP", SCIENCE_MJD - 1, exptime=50.0)]
    first = derive(_with_flats(alternative_associated_inputs()), frames)
    assert _flat_task(first, _object_job(first)[0]) == ["twilight"]
    closest = derive(_with_flats(alternative_associated_inputs(sort_keys=["exptime"])), frames)
    assert _flat_task(closest, _object_job(closest)[0]) == ["dome"]
    # a keyword that differs as text puts that alternative behind any numeric difference
    text = [obj("s.fits", SCIENCE_MJD, exptime=60.0, ins_mode="IMG"),
            *flats("FLAT,SKY", SCIENCE_MJD - 1, exptime=60.0, ins_mode="SPEC"),
            *flats("FLAT,LAMP", SCIENCE_MJD - 1, exptime=10.0, ins_mode="IMG")]
    by_mode = derive(_with_flats(alternative_associated_inputs(sort_keys=["ins.mode", "exptime"])), text)
    assert _flat_task(by_mode, _object_job(by_mode)[0]) == ["dome"]
    equal_mode = derive(_with_flats(alternative_associated_inputs(sort_keys=["ins.mode", "exptime"])),
                        [*text[:1], *flats("FLAT,SKY", SCIENCE_MJD - 1, exptime=55.0, ins_mode="IMG"), *text[3:]])
    assert _flat_task(equal_mode, _object_job(equal_mode)[0]) == ["twilight"]


def test_an_alternative_whose_condition_rejects_the_job_is_passed_over():
    frames = [obj("s.fits", SCIENCE_MJD), *flats("FLAT,SKY", SCIENCE_MJD - 1), *flats("FLAT,LAMP", SCIENCE_MJD - 1)]
    workflow = _with_flats(alternative_associated_inputs(),
                           twilight_condition=lambda p: p.get_keyword("exptime") < 10)
    derivation = derive(workflow, frames)
    assert _flat_task(derivation, _object_job(derivation)[0]) == ["dome"]


def test_unmatched_alternatives_are_missing_unless_optional():
    frames = [obj("s.fits", SCIENCE_MJD)]
    job, node = _object_job(derive(_with_flats(alternative_associated_inputs()), frames))
    assert not job.complete
    assert job.missing == ["MASTER_FLAT (none of the alternatives matched: twilight or dome)"]
    # the slot the guard reads: how many the cascade requires, how many files fill it
    assert node["slots"] == {"main": {"min_ret": 1, "files": 1}, "MASTER_FLAT": {"min_ret": 1, "files": 0}}
    optional = _with_flats(alternative_associated_inputs(), min_ret=0)
    job, node = _object_job(derive(optional, frames))
    assert job.complete and job.missing == [] and job.parents == []
    assert node["slots"]["MASTER_FLAT"] == {"min_ret": 0, "files": 0}
    # an optional alternative that found nothing does not hide a later one that did
    with_dome = derive(optional, frames + flats("FLAT,LAMP", SCIENCE_MJD - 1))
    assert _flat_task(with_dome, _object_job(with_dome)[0]) == ["dome"]


def test_a_failing_condition_names_its_line_the_task_and_the_file():
    def needs_airmass(params):
        return params.get_keyword("airmass") > 1.2

    science = (task("object").with_main_input(raw("OBJECT", "OBJECT"))
               .with_condition(needs_airmass).with_meta_targets([SCIENCE]).build())
    with pytest.raises(WorkflowError) as caught:
        derive(collect_workflow("w", [science]), [obj("s.fits", SCIENCE_MJD)])
    where, _, rest = str(caught.value).partition(": task ")
    file, _, line = where.rpartition(":")
    assert Path(file).resolve() == Path(__file__).resolve()
    assert int(line) == needs_airmass.__code__.co_firstlineno + 1
    assert rest == ("'object': condition needs_airmass() failed on s.fits: "
                    "TypeError: '>' not supported between instances of 'NoneType' and 'float'")


def test_sort_keys_add_up_numeric_differences_and_rank_a_missing_keyword_last():
    frames = [obj("s.fits", SCIENCE_MJD, exptime=60.0, det_binx=1),
              *flats("FLAT,SKY", SCIENCE_MJD - 1, exptime=40.0),  # 20 + 0 away
              *flats("FLAT,LAMP", SCIENCE_MJD - 1, exptime=59.0, airmass=9.0)]  # 1 + 0 away
    by_both = _with_flats(alternative_associated_inputs(sort_keys=["exptime", "det.binx"]))
    derivation = derive(by_both, frames)
    assert _flat_task(derivation, _object_job(derivation)[0]) == ["dome"]
    # the trigger has an airmass the twilight flats lack: that difference outweighs any number
    with_airmass = [obj("s.fits", SCIENCE_MJD, exptime=60.0, airmass=1.2), *frames[1:]]
    by_airmass = _with_flats(alternative_associated_inputs(sort_keys=["airmass", "exptime"]))
    derivation = derive(by_airmass, with_airmass)
    assert _flat_task(derivation, _object_job(derivation)[0]) == ["dome"]


def test_a_dynamic_parameter_of_a_task_fed_by_jobs_sees_their_triggers():
    reduce_task = task("reduce").with_main_input(raw("OBJECT", "OBJECT")).build()
    stack = (task("stack").with_main_input(reduce_task).with_grouping_keywords(["det.binx"])
             .with_dynamic_parameter("frames", lambda files: sorted((f.name, f.classification) for f in files))
             .with_meta_targets([SCIENCE]).build())
    (job,) = by_task(derive(collect_workflow("w", [stack]), _frames()))["stack"]
    # the triggers carry no product category of their own yet
    assert job.dynamic_parameters == {"frames": [(n, "UNKNOWN") for n in ("r1.fits", "r2.fits", "v1.fits", "v2.fits")]}


def test_unmatched_alternatives_with_conditions_are_still_reported_missing():
    workflow = _with_flats(alternative_associated_inputs(), twilight_condition=lambda p: True)
    job, _ = _object_job(derive(workflow, [obj("s.fits", SCIENCE_MJD)]))
    assert job.missing == ["MASTER_FLAT (none of the alternatives matched: twilight or dome)"]


def test_the_job_id_formula_is_stable():
    """Job ids name work folders and run-log rows: changing how they are computed
    silently re-runs every job of every existing work directory. The id of fixed
    content is pinned here (an input outside the identity map counts by its path)."""
    from radps_seq.derive.job import Job, JobInput

    job = Job(id="", task="flat", recipe="run_flat",
              inputs=[JobInput("FLAT", "main", file="raw/f1.fits"), JobInput("FLAT", "main", file="raw/f2.fits"),
                      JobInput("MASTER_BIAS", "MASTER_BIAS", job="b1")],
              parameters={"z": 1, "a": Path("/x/y")}, dynamic_parameters={"n": 2})
    assert job.content_id({"raw/f1.fits": "sha-f1"}) == PINNED_JOB_ID


PINNED_JOB_ID = "1dde8e0e08188638"


def test_an_associated_task_input_is_wanted_only_where_its_task_condition_holds():
    def long_exposures(params):
        return params.get_keyword("exptime") > 30

    bias_source = raw("BIAS", "BIAS", grouping=("det.binx",))
    master = task("bias").with_main_input(bias_source).with_condition(long_exposures).build()
    science = (task("object").with_main_input(raw("OBJECT", "OBJECT"))
               .with_associated_input(master, ["MASTER_BIAS"]).with_meta_targets([SCIENCE]).build())
    workflow = collect_workflow("w", [science])
    frames = bias(2, SCIENCE_MJD - 0.2, exptime=60.0)
    long_job = by_task(derive(workflow, [*frames, obj("long.fits", SCIENCE_MJD, exptime=60.0)]))["object"][0]
    assert long_job.complete and [i.slot for i in long_job.inputs] == ["main", "MASTER_BIAS"]
    short_job = by_task(derive(workflow, [*frames, obj("short.fits", SCIENCE_MJD, exptime=5.0)]))["object"][0]
    assert short_job.complete and [i.slot for i in short_job.inputs] == ["main"]


def test_a_failing_input_condition_names_the_input_the_task_and_the_file():
    def broken(params):
        return params.get_keyword("airmass") > 1

    science = (task("object").with_main_input(raw("OBJECT", "OBJECT"))
               .with_associated_input(raw("SKY", "SKY"), min_ret=0, condition=broken)
               .with_meta_targets([SCIENCE]).build())
    with pytest.raises(WorkflowError) as caught:
        derive(collect_workflow("w", [science]), [obj("s.fits", SCIENCE_MJD)])
    assert str(caught.value).split(": ", 1)[1] == (
        "task 'object': condition of input 'SKY' broken() failed on s.fits: "
        "TypeError: '>' not supported between instances of 'NoneType' and 'int'"
    )


def test_an_unknown_workflow_parameter_in_setup_keywords_names_the_data_source():
    source = raw("OBJECT", "OBJECT", setup=("$setup_by",))
    workflow = collect_workflow("w", [task("object").with_main_input(source).with_meta_targets([SCIENCE]).build()])
    with pytest.raises(ParameterError, match=r"data source 'OBJECT'.*setup_by"):
        derive(workflow, [obj("s.fits", SCIENCE_MJD)])


def test_graph_edges_carry_the_input_slot_their_parent_fills():
    bias_source = raw("BIAS", "BIAS", grouping=("det.binx",))
    master = task("bias").with_main_input(bias_source).build()
    science = (task("object").with_main_input(raw("OBJECT", "OBJECT"))
               .with_associated_input(master, ["MASTER_BIAS"]).with_meta_targets([SCIENCE]).build())
    derivation = derive(collect_workflow("w", [science]), bias(2, SCIENCE_MJD - 0.2) + [obj("s.fits", SCIENCE_MJD)])
    master_job, science_job = derivation.jobs
    assert derivation.graph.edges[master_job.id, science_job.id]["slot"] == "MASTER_BIAS"


def test_a_task_fed_by_jobs_needs_one_complete_upstream_job_in_its_main_slot():
    workflow = _stacking(["ins.filt1.name"])
    derivation = derive(workflow, _frames())
    stack_job = by_task(derivation)["stack"][0]
    assert derivation.graph.nodes[stack_job.id]["slots"] == {"main": {"min_ret": 1, "files": 0}}
    assert {derivation.graph.edges[p, stack_job.id]["slot"] for p in stack_job.parents} == {"main"}
    # an upstream job missing its calibration leaves the stack incomplete, saying which
    cal = raw("CAL", "CAL")
    reduce_task = task("reduce").with_main_input(raw("OBJECT", "OBJECT")).with_associated_input(cal).build()
    stack = task("stack").with_main_input(reduce_task).with_meta_targets([SCIENCE]).build()
    incomplete = derive(collect_workflow("w", [stack]), [obj("s.fits", SCIENCE_MJD)])
    (reduce_job,), (stack_job,) = by_task(incomplete)["reduce"], by_task(incomplete)["stack"]
    assert not stack_job.complete
    assert stack_job.missing == [f"reduce: upstream job {reduce_job.id} is incomplete"]


def test_a_dynamic_parameter_sees_the_product_category_a_frame_carries():
    reduce_task = task("reduce").with_main_input(raw("OBJECT", "OBJECT")).build()
    stack = (task("stack").with_main_input(reduce_task)
             .with_dynamic_parameter("categories", lambda files: sorted({f.classification for f in files}))
             .with_meta_targets([SCIENCE]).build())
    frames = [obj("s.fits", SCIENCE_MJD, pro_catg="REDUCED_IMG")]
    (job,) = by_task(derive(collect_workflow("w", [stack]), frames))["stack"]
    assert job.dynamic_parameters == {"categories": ["REDUCED_IMG"]}


def test_an_input_filter_never_drops_the_main_inputs():
    bias_source = raw("BIAS", "BIAS", grouping=("det.binx",))
    master = task("bias").with_main_input(bias_source).build()
    science = (task("object").with_main_input(raw("OBJECT", "OBJECT"))
               .with_associated_input(master, ["MASTER_BIAS"]).with_input_filter("MASTER_DARK")
               .with_meta_targets([SCIENCE]).build())
    derivation = derive(collect_workflow("w", [science]), bias(2, SCIENCE_MJD - 0.2) + [obj("s.fits", SCIENCE_MJD)])
    science_job = by_task(derivation)["object"][0]
    assert [(i.slot, i.category) for i in science_job.inputs] == [("main", "OBJECT")]
