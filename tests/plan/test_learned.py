"""The learned sequencer beyond the shared contract: what it learns, what it skips, and
how the interactive objective orders targets."""

import networkx as nx
import pytest

from radps_seq.errors import RadpsError
from radps_seq.experiments.replay import replay
from radps_seq.experiments.traces import trace_as_run_log
from radps_seq.plan import NotFittedError, PlanContext, check, get_sequencer
from radps_seq.plan.sequencers.learned import target_chains
from radps_seq.testing.graphs import imaging_graph, job


def imaging_truth(graph, dark_changes=False):
    """Runtimes by task (flat is slow); darkcorr never changes anything, cosmetic always."""
    seconds = {
        "bias": 2.0,
        "flat": 8.0,
        "darkcorr": 3.0,
        "science": 4.0,
        "cosmetic": 1.0,
        "stack": 2.0,
    }
    truth = {}
    for j, attrs in graph.nodes(data=True):
        changed = None
        if attrs["task"] == "darkcorr":
            changed = dark_changes
        elif attrs["task"] == "cosmetic":
            changed = True
        truth[j] = {"runtime_s": seconds[attrs["task"]], "changed": changed}
    return truth


@pytest.fixture(scope="module")
def history():
    graph = imaging_graph(nights=10)
    return trace_as_run_log(graph, imaging_truth(graph), reduction_id="night-log")


@pytest.fixture(scope="module")
def fitted(history):
    return get_sequencer("learned", min_samples_leaf=1).fit(history)


def test_runtimes_are_learned_per_task(fitted):
    graph = imaging_graph(nights=1)
    predicted = fitted.propose(graph, PlanContext()).predictions
    assert predicted["flat0"]["runtime_s"] == pytest.approx(8.0, rel=0.05)
    assert predicted["bias0"]["runtime_s"] == pytest.approx(2.0, rel=0.05)


def test_skips_only_what_was_measured_harmless(fitted):
    graph = imaging_graph(nights=2)
    plan = fitted.propose(graph, PlanContext())
    assert sorted(plan.skip) == ["dark0", "dark1"]
    assert check(plan, graph) == []
    assert plan.predictions["dark0"]["p_noop"] > 0.9
    assert plan.predictions["cosm00"]["p_noop"] < 0.5
    assert plan.predictions["bias0"]["p_noop"] is None  # not skippable: no estimate


def test_threshold_above_one_never_skips(history):
    sequencer = get_sequencer("learned", skip_threshold=1.01, min_samples_leaf=1).fit(history)
    assert sequencer.propose(imaging_graph(nights=2), PlanContext()).skip == []


def test_unseen_skippable_task_is_never_skipped(fitted):
    graph = nx.DiGraph()
    job(graph, "raw", "ingest", files=1)
    job(graph, "fix", "newfix", {"raw": "main"}, skippable=True)
    job(graph, "use", "science", {"fix": "main"}, target=True)
    plan = fitted.propose(graph, PlanContext())
    assert plan.skip == []
    assert plan.predictions["fix"]["p_noop"] is None


def test_skips_that_would_starve_a_job_are_dropped(history):
    graph = nx.DiGraph()  # darkcorr with no main input of its own: nothing to hand on
    job(graph, "bias", "bias", files=1)
    job(graph, "dark", "darkcorr", {"bias": "MASTER_BIAS"}, skippable=True)
    job(graph, "sci", "science", {"dark": "MASTER_FLAT"}, target=True)
    plan = get_sequencer("learned", min_samples_leaf=1).fit(history).propose(graph, PlanContext())
    assert plan.skip == []
    assert check(plan, graph) == []


def test_without_a_model_it_plans_longest_chain_first():
    graph = nx.DiGraph()
    job(graph, "short", "a", files=1, target=True)
    job(graph, "c1", "b", files=1)
    job(graph, "c2", "b", {"c1": "main"})
    job(graph, "c3", "b", {"c2": "main"}, target=True)
    plan = get_sequencer("learned").fit(None).propose(graph, PlanContext())
    assert plan.order == ["c1", "c2", "short", "c3"]
    assert plan.skip == []
    assert {p["runtime_s"] for p in plan.predictions.values()} == {1.0}


def test_propose_before_fit_says_so():
    with pytest.raises(NotFittedError, match="fit"):
        get_sequencer("learned").propose(imaging_graph(1), PlanContext())


@pytest.mark.parametrize(
    "params",
    [{"objective": "fastest"}, {"skip_threshold": -0.5}, {"resolution": -1}, {"unseen_tasks": "x"}],
)
def test_bad_hyper_parameters_are_named(params):
    with pytest.raises(RadpsError, match=next(iter(params))):
        get_sequencer("learned", **params).fit(None)


def test_interactive_gets_the_first_target_out_sooner(fitted):
    graph = imaging_graph(nights=3)
    truth = imaging_truth(graph)
    context = PlanContext(workers=1, objective="interactive")
    interactive = fitted.propose(graph, context)
    batch = get_sequencer("learned", min_samples_leaf=1, objective="makespan")
    batch = batch.fit(None).propose(graph, context)  # objective parameter beats context
    first = replay(interactive, graph, truth, 1).time_to_first_target_s
    assert first < replay(batch, graph, truth, 1).time_to_first_target_s
    # One night's chain at a time: every night-0 job comes before any night-1 science.
    position = {j: i for i, j in enumerate(interactive.order)}
    assert position["sci00"] < position["bias1"]


def test_target_chains_claim_shared_ancestors_for_the_first_target():
    graph = nx.DiGraph()
    job(graph, "calib", "calib", files=1)
    job(graph, "big", "prep", files=1)
    job(graph, "t_slow", "sci", {"calib": "main", "big": "CAL"}, target=True)
    job(graph, "t_fast", "sci", {"calib": "main"}, target=True)
    job(graph, "t_next", "sci", {"calib": "main"}, target=True)
    runtime = {"calib": 1.0, "big": 10.0, "t_slow": 1.0, "t_fast": 1.0, "t_next": 1.0}
    chain = target_chains(graph, runtime)
    assert chain["t_fast"] == 0 and chain["calib"] == 0
    assert chain["t_next"] == 1  # cheap now that calib is claimed
    assert chain["t_slow"] == 2 and chain["big"] == 2


def test_loads_a_saved_model_by_reference(tmp_path, fitted):
    from radps_seq.plan.sequencers.learned.model_store import save_model

    save_model(fitted.model_, tmp_path / "model")
    loaded = get_sequencer("learned", model=str(tmp_path / "model"))
    graph = imaging_graph(nights=2)
    plan = loaded.propose(graph, PlanContext())  # loads on first use, no fit needed
    assert plan == fitted.propose(graph, PlanContext())
