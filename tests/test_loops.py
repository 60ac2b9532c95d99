"""Loops that unroll at run time: each round re-derived by the rules, guard-checked, run
and recorded; the loop declaration itself is checked."""

import json
from pathlib import Path

import networkx as nx
import pytest

from radps_seq.errors import RadpsError
from radps_seq.loops import _extension_problems, loop_spec, run_with_loops
from radps_seq.recipes.radio.descriptor import write_descriptor
from radps_seq.reduction import ReductionRequest

ALMA = str(Path(__file__).resolve().parents[1] / "cascades" / "alma")


def simulated_descriptor(folder: Path) -> Path:
    """A descriptor of a simulated execution block (the dummy run reads no data)."""
    return write_descriptor(folder / "eb.fits", {
        "ms.descr": "MEASUREMENT_SET", "obs.id": "uid_sim", "obs.array": "SIM", "mjd-obs": 60300.3,
        "obs.intents": "TARGET,PHASE,BANDPASS,AMPLITUDE", "obs.state": "RAW", "obs.pwv": 3.0})


def test_the_alma_default_set_declares_its_selfcal_loop(tmp_path):
    spec = loop_spec(ReductionRequest(workflow=ALMA, inputs=[], workdir=str(tmp_path)))
    assert (spec.counter, spec.done, spec.maximum, spec.iterations) == ("selfcal_rounds", "selfcal_done", 3,
                                                                        "selfcal")


def test_a_malformed_loop_declaration_is_refused(tmp_path):
    request = ReductionRequest(workflow=ALMA, inputs=[], workdir=str(tmp_path),
                               workflow_parameters={"loop": {"counter": "n"}})
    with pytest.raises(RadpsError, match="must name exactly counter, decision, done, iterations, max"):
        loop_spec(request)


def test_a_round_that_drops_earlier_jobs_is_not_an_extension():
    before = nx.DiGraph()
    before.add_node("a", job=type("J", (), {"task": "image"})())
    before.add_edge("a", "b")
    after = nx.DiGraph([("b", "c")])
    problems = _extension_problems(before, after)
    assert any("job a (image) is gone" in p for p in problems)
    assert any("edge a -> b is gone" in p for p in problems)
    assert _extension_problems(None, after) == []


def test_rounds_are_derived_guard_checked_run_and_recorded(tmp_path):
    simulated_descriptor(tmp_path / "raw")
    request = ReductionRequest(workflow=ALMA, inputs=[str(tmp_path / "raw")], workdir=str(tmp_path / "w"),
                               dummy=True, track=False, workers=2)
    _, plan, result, rounds = run_with_loops(request)
    assert result.status == "succeeded"
    # dummy products carry no convergence decision: the loop stops after one iteration
    assert [(r.round, r.done) for r in rounds] == [(1, False), (1, True)]
    assert all(r.violations == [] for r in rounds)
    assert any(j.startswith("casa_selfcal_1 ") for j in rounds[0].new_jobs)
    assert [j.split()[0] for j in rounds[1].new_jobs] == ["casa_export"]
    records = [json.loads(line) for line in (tmp_path / "w" / "loops.jsonl").read_text().splitlines()]
    assert [r["reduction"] for r in records] == [r.reduction for r in rounds]
