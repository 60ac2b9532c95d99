"""The Q-learning sequencer learns, per state of four statistics, which skippable stages
can go: skipping is worth the runtime only where the product would not have changed."""

import networkx as nx
import pandas as pd
import pytest

from radps_seq.plan import PlanContext, check, get_sequencer
from radps_seq.plan.base import NotFittedError
from radps_seq.plan.sequencers.qlearning import _actions

STATS = {"obs.elev": 60.0, "obs.freq": 5.0, "obs.expflux": 0.3}


def run_log(n=40):
    """Wet datasets need the self-calibration (skipping it changes the image); dry ones
    do not. RFI flagging never matters here."""
    rows = []
    for r in range(n):
        wet = r % 2 == 0
        features = {"obs.pwv": 7.0 if wet else 1.5, **STATS}
        for t, (task, changed) in enumerate([("import", None), ("autoflag", False),
                                             ("selfcal", wet), ("export", None)]):
            rows.append({"reduction_id": f"r{r}", "job_id": f"r{r}-{task}", "task": task,
                         "status": "succeeded", "wall_s": 10.0, "start_ts": float(t),
                         "skippable": changed is not None, "changed": changed,
                         "features": features, "attempt": 1, "parents": []})
    return pd.DataFrame(rows)


def graph(pwv):
    g = nx.DiGraph()
    features = {"obs.pwv": pwv, **STATS}
    chain = ["import", "autoflag", "selfcal", "export"]
    for task in chain:
        g.add_node(task, task=task, skippable=task in ("autoflag", "selfcal"), target=task == "export",
                   complete=True, features=features, slots={})
    nx.add_path(g, chain)
    return g


def test_it_skips_what_does_not_change_the_product_in_this_state():
    sequencer = get_sequencer("qlearning", runtime_weight=0.02).fit(run_log())
    dry = sequencer.propose(graph(1.5), PlanContext())
    wet = sequencer.propose(graph(7.0), PlanContext())
    assert set(dry.skip) == {"autoflag", "selfcal"}
    assert wet.skip == ["autoflag"]
    for plan, g in ((dry, graph(1.5)), (wet, graph(7.0))):
        assert check(plan, g) == []


def test_without_runtime_cost_nothing_is_worth_skipping():
    sequencer = get_sequencer("qlearning", runtime_weight=0.0, epsilon=1.0).fit(run_log())
    assert sequencer.propose(graph(7.0), PlanContext()).skip in ([], ["autoflag"])
    assert "selfcal" not in sequencer.propose(graph(7.0), PlanContext()).skip


def test_six_actions_over_the_skippable_stages():
    actions = _actions(["a", "b", "c"])
    assert len(actions) == 6 and actions[0] == frozenset() and actions[-1] == frozenset("abc")
    assert len(_actions(["a"])) == 6


def test_needs_a_run_log():
    with pytest.raises(NotFittedError):
        get_sequencer("qlearning").fit(None)
    with pytest.raises(NotFittedError):
        get_sequencer("qlearning").propose(graph(1.0), PlanContext())
