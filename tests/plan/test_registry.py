import networkx as nx
import pytest

from radps_seq.errors import RadpsError
from radps_seq.plan import (
    BaseSequencer,
    Plan,
    PlanContext,
    available_sequencers,
    get_sequencer,
    register_sequencer,
)
from radps_seq.plan import sequencers as registry

BASELINES = {"dfs", "bfs", "type", "dynamic", "random", "critical-path", "oracle"}


def test_baselines_are_registered():
    assert BASELINES <= set(available_sequencers())


def test_unknown_planner_lists_the_known_ones():
    with pytest.raises(RadpsError, match="unknown planner 'fastest'.*bfs"):
        get_sequencer("fastest")


def test_bad_hyper_parameter_is_a_project_error():
    with pytest.raises(RadpsError, match="critical-path.*bad parameters"):
        get_sequencer("critical-path", speed=3)


class Reverse(BaseSequencer):
    name = "reverse-submission"

    def __init__(self, tag: str = "x") -> None:
        self.tag = tag

    def propose(self, job_graph, context):
        return Plan(self.name, list(reversed(list(nx.topological_sort(job_graph)))))


def test_register_a_class_or_a_path(monkeypatch):
    monkeypatch.setitem(registry._REGISTRY, "reverse-submission", Reverse)
    sequencer = get_sequencer("reverse-submission", tag="y")
    assert repr(sequencer) == "Reverse(tag='y')"
    assert sequencer.get_params() == {"tag": "y"}
    monkeypatch.setitem(
        registry._REGISTRY, "bfs2", "radps_seq.plan.sequencers.bfs:BreadthFirstSequencer"
    )
    assert "bfs2" in available_sequencers()
    assert get_sequencer("bfs2").propose(nx.DiGraph([("a", "b")]), PlanContext()).order == [
        "a",
        "b",
    ]


def test_register_sequencer_adds_to_the_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    register_sequencer("reverse-submission", Reverse)
    assert "reverse-submission" in available_sequencers()
