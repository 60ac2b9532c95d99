"""Association rules one by one: levels, time-range boundaries, several rules at one
level, optional and multiple inputs, task conditions, triggers without a time."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from radps_seq.cascade import (
    ONE_WEEK,
    SAME_NIGHT,
    SCIENCE,
    UNLIMITED,
    MatchRule,
    RelativeTimeRange,
    classification_rule,
    collect_workflow,
    data_source,
    match_rules,
    task,
)
from radps_seq.derive import derive
from radps_seq.derive.associate import Candidate, RuleIndex
from radps_seq.errors import ParameterError, WorkflowError

from .conftest import hdr

TRIGGER_MJD = 60001.5  # x.5 values are exact in binary: boundaries are compared exactly


def cal(name: str, mjd: float | None, binx: int = 1, filt: str = "R"):
    keywords = {"dpr_type": "CAL", "det_binx": binx, "ins_filt1_name": filt}
    if mjd is not None:
        keywords["mjd"] = mjd
    return hdr(f"{name}.fits", **keywords)


def trigger(mjd: float | None = TRIGGER_MJD, binx: int = 1, filt: str = "R", **kw: object):
    keywords = {"dpr_type": "OBJECT", "det_binx": binx, "ins_filt1_name": filt, **kw}
    if mjd is not None:
        keywords["mjd"] = mjd
    return hdr("sci.fits", **keywords)


def cascade(*source_rules, min_ret: int = 1, max_ret: int = 1, rules=None, condition=None):
    """One science task reading raw CAL files; ``source_rules``: (keywords, range, level)."""
    cal_source = data_source("CAL").with_classification_rule(
        classification_rule("CAL", {"dpr.type": "CAL"})
    )
    for keywords, time_range, level in source_rules:
        cal_source = cal_source.with_match_keywords(keywords, time_range=time_range, level=level)
    science_source = data_source("OBJECT").with_classification_rule(
        classification_rule("OBJECT", {"dpr.type": "OBJECT"})
    ).build()
    science = (
        task("science").with_main_input(science_source)
        .with_associated_input(cal_source.build(), min_ret=min_ret, max_ret=max_ret,
                               match_rules=rules)
        .with_meta_targets([SCIENCE])
    )
    if condition is not None:
        science = science.with_condition(condition)
    return collect_workflow("rules", [science.build()])


def science_job(workflow, frames):
    (job,) = [j for j in derive(workflow, frames).jobs if j.task == "science"]
    return job


def chosen(job) -> list[str]:
    return [i.file for i in job.inputs if i.slot == "CAL"]


def test_optional_inputs_widen_to_later_levels():
    rules = ((["det.binx"], SAME_NIGHT, 0), (["det.binx"], ONE_WEEK, 1))
    workflow = cascade(*rules, min_ret=0)
    later = science_job(workflow, [trigger(), cal("c3", TRIGGER_MJD + 3)])
    assert chosen(later) == ["c3.fits"] and later.level == 1 and later.complete
    tonight = science_job(workflow, [trigger(), cal("c3", TRIGGER_MJD + 3), cal("c0", TRIGGER_MJD + 0.1)])
    assert chosen(tonight) == ["c0.fits"] and tonight.level == 0
    beyond = science_job(workflow, [trigger(), cal("c9", TRIGGER_MJD + 9)])
    assert chosen(beyond) == [] and beyond.complete  # optional: missing is fine


def test_an_unlimited_rule_gives_candidates_to_a_trigger_without_mjd():
    workflow = cascade((["det.binx"], UNLIMITED, 0), max_ret=2)
    frames = [trigger(mjd=None), cal("a", TRIGGER_MJD - 30), cal("b", TRIGGER_MJD + 400)]
    job = science_job(workflow, frames)
    assert job.complete and sorted(chosen(job)) == ["a.fits", "b.fits"]
    untimed = science_job(workflow, [trigger(mjd=None), cal("u", None)])
    assert untimed.complete and chosen(untimed) == ["u.fits"]
    # a time range other than UNLIMITED cannot place a trigger without a time
    bounded = science_job(cascade((["det.binx"], ONE_WEEK, 0)), frames)
    assert not bounded.complete and bounded.missing == ["CAL"]


def test_an_unlimited_rule_prefers_timed_candidates_by_distance():
    workflow = cascade((["det.binx"], UNLIMITED, 0))
    frames = [trigger(), cal("untimed", None), cal("far", TRIGGER_MJD - 300), cal("near", TRIGGER_MJD + 2)]
    assert chosen(science_job(workflow, frames)) == ["near.fits"]
    assert chosen(science_job(workflow, [trigger(), cal("untimed", None)])) == ["untimed.fits"]


def test_several_rules_at_one_level_keep_the_closest_candidate():
    rules = ((["det.binx"], ONE_WEEK, 0), (["ins.filt1.name"], ONE_WEEK, 0))
    # "far" matches the binning rule only, "near" the filter rule only
    far = cal("far", TRIGGER_MJD - 2, binx=1, filt="V")
    near = cal("near", TRIGGER_MJD + 0.1, binx=2, filt="R")
    assert chosen(science_job(cascade(*rules), [trigger(), far, near])) == ["near.fits"]
    # the same with the rules' roles swapped: the winner is the closer, not the first rule's
    far_filter = cal("far", TRIGGER_MJD - 2, binx=2, filt="R")
    near_binning = cal("near", TRIGGER_MJD + 0.1, binx=1, filt="V")
    assert chosen(science_job(cascade(*rules), [trigger(), far_filter, near_binning])) == ["near.fits"]
    both = science_job(cascade(*rules, max_ret=2), [trigger(), far, near])
    assert chosen(both) == ["near.fits", "far.fits"]
    # a candidate that neither rule admits is never taken
    neither = cal("neither", TRIGGER_MJD, binx=2, filt="V")
    assert chosen(science_job(cascade(*rules, max_ret=3), [trigger(), far, near, neither])) == [
        "near.fits", "far.fits"
    ]


def test_a_partly_met_minimum_says_how_many_were_found():
    workflow = cascade((["det.binx"], ONE_WEEK, 0), min_ret=3, max_ret=3)
    frames = [trigger(), cal("a", TRIGGER_MJD + 1), cal("b", TRIGGER_MJD - 1)]
    job = science_job(workflow, frames)
    assert not job.complete and job.missing == ["CAL (need 3, found 2)"]
    assert sorted(chosen(job)) == ["a.fits", "b.fits"]  # what was found is still shown
    enough = science_job(workflow, frames + [cal("c", TRIGGER_MJD + 2)])
    assert enough.complete and len(chosen(enough)) == 3


def test_a_partly_met_minimum_widens_to_the_level_that_meets_it():
    rules = ((["det.binx"], SAME_NIGHT, 0), (["det.binx"], ONE_WEEK, 1))
    workflow = cascade(*rules, min_ret=2, max_ret=2)
    frames = [trigger(), cal("tonight", TRIGGER_MJD + 0.1), cal("later", TRIGGER_MJD + 3)]
    job = science_job(workflow, frames)
    assert job.complete and job.level == 1
    assert chosen(job) == ["tonight.fits", "later.fits"]


def test_a_task_condition_drops_the_jobs_it_rejects():
    def long_exposures(params):
        return params.get_keyword("exptime") > 30

    workflow = cascade((["det.binx"], ONE_WEEK, 0), condition=long_exposures)
    frames = [
        hdr("long.fits", dpr_type="OBJECT", mjd=TRIGGER_MJD, det_binx=1, exptime=60.0),
        hdr("short.fits", dpr_type="OBJECT", mjd=TRIGGER_MJD + 0.01, det_binx=1, exptime=5.0),
        cal("c", TRIGGER_MJD),
    ]
    jobs = derive(workflow, frames).jobs
    assert [j.inputs[0].file for j in jobs if j.task == "science"] == ["long.fits"]


def test_a_closer_candidate_after_the_trigger_wins():
    workflow = cascade((["det.binx"], ONE_WEEK, 0))
    before, after = cal("before", TRIGGER_MJD - 0.3), cal("after", TRIGGER_MJD + 0.1)
    assert chosen(science_job(workflow, [trigger(), before, after])) == ["after.fits"]
    before, after = cal("before", TRIGGER_MJD - 0.1), cal("after", TRIGGER_MJD + 0.3)
    assert chosen(science_job(workflow, [trigger(), before, after])) == ["before.fits"]


def test_the_level_boundary_is_inclusive_at_the_derivation_level():
    rules = ((["det.binx"], RelativeTimeRange(-1.0, 1.0), 0), (["det.binx"], ONE_WEEK, 1))
    workflow = cascade(*rules)
    edge = science_job(workflow, [trigger(), cal("edge", TRIGGER_MJD + 1.0)])
    assert edge.level == 0 and chosen(edge) == ["edge.fits"]
    edge_before = science_job(workflow, [trigger(), cal("edge", TRIGGER_MJD - 1.0)])
    assert edge_before.level == 0
    past = science_job(workflow, [trigger(), cal("past", TRIGGER_MJD + 1.0 + 2**-10)])
    assert past.level == 1 and chosen(past) == ["past.fits"] and past.complete
    outside = science_job(workflow, [trigger(), cal("out", TRIGGER_MJD + 7.0 + 2**-10)])
    assert not outside.complete and outside.missing == ["CAL"]


def test_an_input_level_rule_overrides_the_source_rules():
    source_rules = ((["det.binx"], SAME_NIGHT, 0),)
    own = match_rules().with_match_keywords(["ins.filt1.name"], time_range=ONE_WEEK, level=3)
    job = science_job(cascade(*source_rules, rules=own), [trigger(), cal("c", TRIGGER_MJD + 3, binx=2)])
    assert job.complete and job.level == 3 and chosen(job) == ["c.fits"]


def _candidates(*mjds):
    return [Candidate("file", cal(f"c{n}", m), None, f"id{n}") for n, m in enumerate(mjds)]


def test_the_rule_index_walks_out_from_the_trigger_on_both_sides():
    index = RuleIndex(_candidates(TRIGGER_MJD - 0.5, TRIGGER_MJD + 0.2, TRIGGER_MJD - 0.1,
                                  TRIGGER_MJD + 3),
                      MatchRule(("det.binx",), time_range=RelativeTimeRange(-1, 1)), ["det.binx"])
    found = index.matches(trigger(), 3)
    assert [c.identity for _, c in found] == ["id2", "id1", "id0"]
    assert [round(d, 6) for d, _ in found] == [0.1, 0.2, 0.5]
    assert [c.identity for _, c in index.matches(trigger(), 10)] == ["id2", "id1", "id0"]
    assert index.matches(trigger(binx=2), 3) == []


def same_binning(ref, f):
    """A workflow match function: equal binning (EDPS file views)."""
    return ref["det.binx"] == f["det.binx"]


def _function_index(*candidates, time_range=RelativeTimeRange(-1, 1)):
    return RuleIndex(list(candidates), MatchRule(function=same_binning, time_range=time_range), [])


def test_a_match_function_rule_keeps_admitted_candidates_in_range_closest_first():
    far_before = Candidate("file", cal("far", TRIGGER_MJD - 5), None, "id_far")
    other_binning = Candidate("file", cal("other", TRIGGER_MJD + 0.01, binx=2), None, "id_other")
    later = Candidate("file", cal("later", TRIGGER_MJD + 0.5), None, "id_later")
    close = Candidate("file", cal("close", TRIGGER_MJD - 0.25), None, "id_close")
    # the out-of-range candidate comes first: it is passed over, not the end of the search
    index = _function_index(far_before, other_binning, later, close)
    found = index.matches(trigger(), 5)
    assert [(d, c.identity) for d, c in found] == [(0.25, "id_close"), (0.5, "id_later")]
    assert [c.identity for _, c in index.matches(trigger(), 1)] == ["id_close"]
    assert index.matches(trigger(binx=3), 5) == []


def test_an_unlimited_match_function_rule_ranks_untimed_candidates_last():
    timed = Candidate("file", cal("timed", TRIGGER_MJD + 40), None, "id_b_timed")
    untimed = Candidate("file", cal("untimed", None), None, "id_a_untimed")
    index = _function_index(untimed, timed, time_range=UNLIMITED)
    found = index.matches(trigger(), 5)
    assert [(d, c.identity) for d, c in found] == [(40.0, "id_b_timed"), (math.inf, "id_a_untimed")]
    # a trigger without a time: every distance is unknown, ties broken by identity
    found = index.matches(trigger(mjd=None), 5)
    assert [(d, c.identity) for d, c in found] == [(math.inf, "id_a_untimed"), (math.inf, "id_b_timed")]


def test_a_half_open_range_is_not_unlimited():
    earlier_only = RelativeTimeRange(-math.inf, 0.0)
    untimed = cal("untimed", None)
    workflow = cascade((["det.binx"], earlier_only, 0))
    job = science_job(workflow, [trigger(), untimed])
    assert not job.complete and job.missing == ["CAL"]
    index = _function_index(Candidate("file", untimed, None, "id_u"), time_range=earlier_only)
    assert index.matches(trigger(), 5) == []
    assert chosen(science_job(workflow, [trigger(), untimed, cal("old", TRIGGER_MJD - 90)])) == ["old.fits"]


def test_a_failing_match_function_names_itself_its_line_and_both_files():
    def broken_rule(ref, f):
        return ref["det.binx"] / 0

    index = RuleIndex([Candidate("file", cal("c1", TRIGGER_MJD), None, "id1")],
                      MatchRule(function=broken_rule, time_range=ONE_WEEK), [])
    with pytest.raises(WorkflowError) as caught:
        index.matches(trigger(), 1)
    where, _, rest = str(caught.value).partition(": match function ")
    file, _, line = where.rpartition(":")
    assert Path(file).resolve() == Path(__file__).resolve()
    assert int(line) == broken_rule.__code__.co_firstlineno + 1  # the failing line
    assert rest == "broken_rule() failed on sci.fits against c1.fits: ZeroDivisionError: division by zero"


def test_a_match_function_rule_associates_at_the_derivation_level():
    source = data_source("CAL").with_classification_rule(
        classification_rule("CAL", {"dpr.type": "CAL"})
    ).with_match_function(same_binning, time_range=ONE_WEEK, level=0).build()
    science_source = data_source("OBJECT").with_classification_rule(
        classification_rule("OBJECT", {"dpr.type": "OBJECT"})
    ).build()
    science = (task("science").with_main_input(science_source)
               .with_associated_input(source).with_meta_targets([SCIENCE]).build())
    workflow = collect_workflow("functions", [science])
    frames = [trigger(), cal("binned", TRIGGER_MJD + 0.1, binx=2), cal("week", TRIGGER_MJD - 3),
              cal("month", TRIGGER_MJD + 0.01 - 30)]
    assert chosen(science_job(workflow, frames)) == ["week.fits"]


def test_candidates_equally_close_on_both_sides_are_chosen_by_identity():
    before = Candidate("file", cal("before", TRIGGER_MJD - 0.5), None, "id_b")
    after = Candidate("file", cal("after", TRIGGER_MJD + 0.5), None, "id_a")
    same_time = Candidate("file", cal("same", TRIGGER_MJD - 0.5), None, "id_0")
    keyword_rule = MatchRule(("det.binx",), time_range=ONE_WEEK)
    function_rule = MatchRule(function=same_binning, time_range=ONE_WEEK)
    for rule in (keyword_rule, function_rule):
        index = RuleIndex([before, after], rule, ["det.binx"] if rule.function is None else [])
        assert [c.identity for _, c in index.matches(trigger(), 1)] == ["id_a"]
        index = RuleIndex([before, same_time, after], rule, ["det.binx"] if rule.function is None else [])
        assert [c.identity for _, c in index.matches(trigger(), 2)] == ["id_0", "id_a"]


def test_several_rules_at_one_level_order_equal_distances_by_identity():
    rules = ((["det.binx"], ONE_WEEK, 0), (["ins.filt1.name"], ONE_WEEK, 0))
    both = cal("both", TRIGGER_MJD - 0.5)  # matches both rules: counted once
    by_filter = cal("by_filter", TRIGGER_MJD + 0.5, binx=2)
    by_binning = cal("by_binning", TRIGGER_MJD + 0.25, filt="V")
    job = science_job(cascade(*rules, max_ret=3), [trigger(), both, by_filter, by_binning])
    identities = {h.path: h.identity for h in (both, by_filter)}
    tied = sorted(["both.fits", "by_filter.fits"], key=identities.__getitem__)
    assert chosen(job) == ["by_binning.fits", *tied]


def test_an_unknown_workflow_parameter_in_match_keywords_names_the_task_and_input():
    workflow = cascade((["$calibration_keys"], ONE_WEEK, 0))
    with pytest.raises(ParameterError, match=r"task 'science', input 'CAL'.*calibration_keys"):
        science_job(workflow, [trigger(), cal("c", TRIGGER_MJD)])
    several = cascade((["$calibration_keys"], ONE_WEEK, 0), (["ins.filt1.name"], ONE_WEEK, 0))
    with pytest.raises(ParameterError, match=r"task 'science', input 'CAL'.*calibration_keys"):
        science_job(several, [trigger(), cal("c", TRIGGER_MJD)])
    frames = [trigger(), cal("c", TRIGGER_MJD + 1), cal("other", TRIGGER_MJD, binx=2)]
    job = science_job_with(workflow, frames, {"calibration_keys": "det.binx"})
    assert chosen(job) == ["c.fits"]


def science_job_with(workflow, frames, workflow_parameters):
    (job,) = [j for j in derive(workflow, frames, workflow_parameters=workflow_parameters).jobs
              if j.task == "science"]
    return job


def test_a_candidate_at_the_far_edge_of_an_asymmetric_range_is_found():
    # the range reaches 3 days after the trigger but only 1 before: the candidate 3 days
    # before is out of range, the one 3 days after (as far, walked second) is in it
    index = RuleIndex(_candidates(TRIGGER_MJD - 3, TRIGGER_MJD + 3),
                      MatchRule(("det.binx",), time_range=RelativeTimeRange(-1, 3)), ["det.binx"])
    assert [(d, c.identity) for d, c in index.matches(trigger(), 1)] == [(3.0, "id1")]


def test_a_closer_candidate_after_the_trigger_beats_several_before_it():
    index = RuleIndex(_candidates(TRIGGER_MJD - 0.3, TRIGGER_MJD - 0.5, TRIGGER_MJD + 0.1),
                      MatchRule(("det.binx",), time_range=ONE_WEEK), ["det.binx"])
    assert [c.identity for _, c in index.matches(trigger(), 1)] == ["id2"]
