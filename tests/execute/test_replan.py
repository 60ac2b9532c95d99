"""Live priorities: a sequencer that re-plans as jobs finish, every new plan checked by
the guard before either executor uses it, a refused re-plan ignored with its reasons."""

import logging

import pytest

from radps_seq.execute import execute
from radps_seq.plan import BaseSequencer, Plan, PlanContext, accept, get_sequencer
from radps_seq.plan.guard import guarded_replan
from radps_seq.runlog import load_runs

from .helpers import sleepers


class Reverser(BaseSequencer):
    """Plans breadth-first; after the first finished job, reverses the jobs not yet
    started (``whole=True``: the whole order, parents after children — invalid)."""

    name = "reverser"
    replans = True

    def __init__(self, whole: bool = False) -> None:
        self.whole = whole
        self.calls = 0

    def propose(self, job_graph, context):
        plan = get_sequencer("bfs").propose(job_graph, context)
        return Plan(self.name, plan.order)

    def replan(self, job_graph, plan, observed, context):
        self.calls += 1
        if len(observed.finished) != 1:
            return None
        if self.whole:
            return Plan(self.name, plan.order[::-1])
        started = set(observed.finished) | set(observed.running)
        free = [j for j in plan.order if j not in started and job_graph.in_degree(j) == 0]
        rest = [j for j in plan.order if j not in started and j not in free]
        return Plan(self.name, [j for j in plan.order if j in started] + free[::-1] + rest)


def started_order(workdir):
    return load_runs(workdir).sort_values("start_ts")["job_id"].tolist()


@pytest.mark.parametrize(
    ("executor", "dummy"), [("local", True), ("local", False), ("dask", True)]
)
def test_a_replan_reorders_the_jobs_not_yet_started(tmp_path, executor, dummy):
    if executor == "dask":
        pytest.importorskip("distributed")
    c, naps, final = sleepers(tmp_path / "data", 4, 0.0)
    context = PlanContext()
    sequencer = Reverser()
    plan, _ = accept(sequencer.propose(c.graph, context), c.graph, context)
    assert plan.order == [*naps, final]
    replan = guarded_replan(sequencer, c.graph, plan, context)
    workdir = tmp_path / "work"
    result = execute(c.graph, plan, workdir=workdir, executor=executor, workers=1,
                     dummy=dummy, replan=replan)  # fmt: skip
    assert result.status == "succeeded"
    assert started_order(workdir) == [naps[0], naps[3], naps[2], naps[1], final]
    assert sequencer.calls == 5  # once per finished job


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_a_refused_replan_is_ignored_and_its_reasons_logged(tmp_path, caplog, executor):
    if executor == "dask":
        pytest.importorskip("distributed")
    c, naps, final = sleepers(tmp_path / "data", 3, 0.0)
    context = PlanContext()
    sequencer = Reverser(whole=True)
    plan, _ = accept(sequencer.propose(c.graph, context), c.graph, context)
    replan = guarded_replan(sequencer, c.graph, plan, context)
    workdir = tmp_path / "work"
    with caplog.at_level(logging.WARNING, logger="radps_seq.plan.guard"):
        result = execute(c.graph, plan, workdir=workdir, executor=executor, workers=1,
                         dummy=True, replan=replan)  # fmt: skip
    assert result.status == "succeeded" and result.refused == []
    assert started_order(workdir) == [*naps, final]  # the first plan went on
    refusal = [r.getMessage() for r in caplog.records if "refused by the guard" in r.getMessage()]
    assert len(refusal) == 1 and "keeping the current plan" in refusal[0]
    assert f"order: {naps[0]}" in refusal[0] or f"order: {final}" in refusal[0]


def test_the_executor_runs_only_checked_plans(tmp_path):
    from radps_seq.errors import RadpsError

    c, naps, final = sleepers(tmp_path / "data", 2, 0.0)
    with pytest.raises(RadpsError, match="only plans the guard accepted run"):
        execute(c.graph, Plan("manual", [*naps, final]), workdir=tmp_path / "w", dummy=True)
