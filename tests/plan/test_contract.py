"""The contract every registered sequencer meets (scikit-learn's check_estimator, for
planners). New sequencers are picked up from the registry automatically."""

import copy
from pathlib import Path

import networkx as nx
import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import Plan, PlanContext, Sequencer, available_sequencers, check, get_sequencer
from radps_seq.testing.graphs import diamond, imaging_graph, layered_graph, synthetic_truth

TRACE = "pegasus_montage_montage-chameleon-2mass-005d-001.json"


def trace_graph():
    from radps_seq.experiments.traces import load_wfcommons

    root = Path(__file__).resolve().parents[2]
    for base in (root / "data" / "wfcommons", root.parent / "shared" / "data" / "wfcommons"):
        if (base / TRACE).exists():
            return load_wfcommons(base / TRACE)[0]
    return None


def graphs():
    cases = {
        "empty": nx.DiGraph(),
        "diamond": diamond(),
        "imaging": imaging_graph(nights=2),
        "layered": layered_graph(300, width=20, seed=3),
    }
    trace = trace_graph()
    if trace is not None:
        cases["montage"] = trace
    return cases


GRAPHS = graphs()


@pytest.fixture(params=available_sequencers())
def name(request):
    return request.param


def fitted(name, run_log):
    return get_sequencer(name).fit(run_log)


def context(graph, seed=0, with_truth=True):
    return PlanContext(
        workers=4, seed=seed, truth=synthetic_truth(graph, seed=1) if with_truth else None
    )


def test_is_a_sequencer_named_as_registered(name):
    sequencer = get_sequencer(name)
    assert isinstance(sequencer, Sequencer)
    assert sequencer.name == name


def test_init_only_stores_hyper_parameters(name):
    sequencer = get_sequencer(name)
    public = {k for k in vars(sequencer) if not k.startswith("_")}
    assert public == set(sequencer.get_params())
    assert not any(k.endswith("_") for k in public)
    clone = get_sequencer(name, **sequencer.get_params())
    assert clone.get_params() == sequencer.get_params()


def test_fit_returns_self_and_learns_only_underscore_attributes(name, run_log):
    sequencer = get_sequencer(name)
    before = dict(vars(sequencer))
    assert sequencer.fit(run_log) is sequencer
    changed = {k for k, v in vars(sequencer).items() if k not in before or before[k] is not v}
    assert all(k.endswith("_") or k.startswith("_") for k in changed), changed
    assert sequencer.get_params() == {k: before[k] for k in sequencer.get_params()}


def test_fit_without_run_log_returns_self_or_says_why(name):
    sequencer = get_sequencer(name)
    try:
        assert sequencer.fit(None) is sequencer
    except RadpsError as exc:
        assert str(exc)


@pytest.mark.parametrize("graph_name", list(GRAPHS))
def test_proposals_pass_the_guard_and_name_the_planner(name, run_log, graph_name):
    graph = GRAPHS[graph_name]
    snapshot = copy.deepcopy(graph)
    plan = fitted(name, run_log).propose(graph, context(graph))
    assert isinstance(plan, Plan)
    assert plan.planner == name
    assert check(plan, graph) == [], [str(v) for v in check(plan, graph)][:5]
    assert set(plan.predictions) <= set(graph)
    assert Plan.from_json(plan.to_json()) == plan
    # The graph is left exactly as it was.
    assert list(graph.nodes(data=True)) == list(snapshot.nodes(data=True))
    assert list(graph.edges(data=True)) == list(snapshot.edges(data=True))


@pytest.mark.parametrize("graph_name", ["imaging", "layered"])
def test_deterministic_for_a_fixed_seed(name, run_log, graph_name):
    graph = GRAPHS[graph_name]
    first = fitted(name, run_log).propose(graph, context(graph, seed=7))
    again = fitted(name, run_log).propose(graph, context(graph, seed=7))
    assert first == again


@pytest.mark.parametrize("graph_name", ["imaging", "layered"])
def test_only_clairvoyant_sequencers_read_the_truth(name, run_log, graph_name):
    graph = GRAPHS[graph_name]
    sequencer = fitted(name, run_log)
    if sequencer.uses_truth:
        with pytest.raises(RadpsError, match="truth"):
            sequencer.propose(graph, context(graph, with_truth=False))
    else:
        blind = sequencer.propose(graph, context(graph, with_truth=False))
        assert sequencer.propose(graph, context(graph)) == blind
