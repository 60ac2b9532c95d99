"""The guard against a brute-force reference written from the definition (DESIGN.md 5.3,
contracts.md): it never accepts an invalid plan and never refuses a valid one."""

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from radps_seq.plan import Plan, check, repair

SLOTS = ("main", "CAL")


@st.composite
def job_graphs(draw):
    """Random DAGs over n0..nk with contract attributes. Every complete job's slots are
    satisfiable by its complete parents and files (as derivation guarantees)."""
    n = draw(st.integers(1, 8))
    g = nx.DiGraph()
    for i in range(n):
        g.add_node(
            f"n{i}",
            task=f"t{i % 3}",
            complete=draw(st.booleans()) or draw(st.booleans()) or draw(st.booleans()),
            target=draw(st.integers(0, 4)) == 0,
            skippable=draw(st.booleans()),
        )
    for j in range(n):
        for i in range(j):
            if draw(st.booleans()):
                g.add_edge(
                    f"n{i}",
                    f"n{j}",
                    slot=draw(st.sampled_from(SLOTS)),
                    passthrough=draw(st.booleans()),
                )
    for v in g:
        slots = {}
        for s in SLOTS:
            files = draw(st.sampled_from((0, 0, 1, 2)))
            producers = sum(
                1 for u in g.pred[v] if g.edges[u, v]["slot"] == s and g.nodes[u]["complete"]
            )
            available = files + producers
            need = draw(st.one_of(st.just(available), st.integers(0, available)))
            slots[s] = {"min_ret": need, "files": files}
        g.nodes[v]["slots"] = slots
    return g


@st.composite
def pass_through_chains(draw):
    """Chains of skippable stages fed through main slots, where whether a skipped
    stage still has a main input to hand on decides everything downstream."""
    n = draw(st.integers(2, 7))
    g = nx.DiGraph()
    for i in range(n):
        files = draw(st.sampled_from((0, 0, 1)))
        parents = {f"n{i - 1}": "main"} if i else {}
        for j in range(i - 1):
            if draw(st.integers(0, 2)) == 0:
                parents[f"n{j}"] = draw(st.sampled_from(SLOTS))
        g.add_node(
            f"n{i}",
            task="stage",
            complete=True,
            target=i == n - 1,
            skippable=i < n - 1,
            slots={
                s: {
                    "min_ret": draw(st.integers(0, (files if s == "main" else 0) + n_in)),
                    "files": files if s == "main" else 0,
                }
                for s, n_in in (
                    (s, sum(1 for slot in parents.values() if slot == s)) for s in SLOTS
                )
            },
        )
        for p, slot in parents.items():
            g.add_edge(p, f"n{i}", slot=slot, passthrough=slot == "main")
    return g


@st.composite
def graphs_and_plans(draw):
    g = draw(st.one_of(job_graphs(), pass_through_chains()))
    complete = [v for v in g if g.nodes[v]["complete"]]
    ids = list(g) + ["ghost"]
    style = draw(st.sampled_from(("anything", "any-skips", "legal-kind-skips", "legal-kind-skips")))
    if style == "anything":
        # Wrong ids, duplicates, any order.
        order = draw(st.lists(st.sampled_from(ids), max_size=len(ids) + 2))
        skip = draw(st.lists(st.sampled_from(ids), max_size=4))
    else:
        # A random topological order of the complete jobs with random skips: valid
        # unless the skips break a rule, so both outcomes are well represented.
        sub = g.subgraph(complete)
        order = []
        remaining = set(complete)
        while remaining:
            ready = sorted(v for v in remaining if not any(u in remaining for u in sub.pred[v]))
            pick = draw(st.sampled_from(ready))
            order.append(pick)
            remaining.remove(pick)
        pool = complete
        if style == "legal-kind-skips":
            pool = [v for v in complete if g.nodes[v]["skippable"] and not g.nodes[v]["target"]]
        skip = draw(st.lists(st.sampled_from(pool), unique=True)) if pool else []
    return g, Plan("random", order, skip)


def reference_kinds(plan, g):
    """The kinds of violation, straight from the definition, by brute force."""
    complete = {v for v in g if g.nodes[v]["complete"]}
    kinds = set()
    for field in (plan.order, plan.skip):
        if any(v not in g for v in field):
            kinds.add("unknown")
        if any(v in g and v not in complete for v in field):
            kinds.add("incomplete")
        listed = [v for v in field if v in complete]
        if len(listed) != len(set(listed)):
            kinds.add("duplicate")
    if complete - set(plan.order):
        kinds.add("missing")
    for u, v in g.edges:
        if u in complete and v in complete and u in plan.order and v in plan.order:
            if plan.order.index(u) > plan.order.index(v):
                kinds.add("order")
    skipped = {v for v in plan.skip if v in complete}
    if any(g.nodes[v]["target"] for v in skipped):
        kinds.add("target-skipped")
    if any(not g.nodes[v]["skippable"] for v in skipped):
        kinds.add("not-skippable")

    def main_input_available(u):
        if g.nodes[u]["slots"]["main"]["files"] > 0:
            return True
        return any(
            p not in skipped or main_input_available(p)
            for p in g.pred[u]
            if p in complete and g.edges[p, u]["slot"] == "main"
        )

    def contributes(u, v):
        if u not in skipped:
            return True
        return g.edges[u, v]["passthrough"] and main_input_available(u)

    for v in complete - skipped:
        for s, spec in g.nodes[v]["slots"].items():
            parents = [u for u in g.pred[v] if u in complete and g.edges[u, v]["slot"] == s]
            if spec["files"] + sum(contributes(u, v) for u in parents) < spec["min_ret"]:
                kinds.add("left-incomplete")
    return kinds


@settings(max_examples=400, deadline=None)
@given(graphs_and_plans())
def test_guard_agrees_with_the_definition(case):
    g, plan = case
    found = check(plan, g)
    expected = reference_kinds(plan, g)
    assert (found == []) == (expected == set())
    assert {v.kind for v in found} == expected


@settings(max_examples=300, deadline=None)
@given(graphs_and_plans())
def test_repair_always_yields_a_plan_the_guard_accepts(case):
    g, plan = case
    fixed = repair(plan, g)
    assert reference_kinds(fixed, g) == set()
    assert check(fixed, g) == []
    assert set(fixed.skip) <= set(plan.skip)


@settings(max_examples=300, deadline=None)
@given(graphs_and_plans())
def test_repair_keeps_a_valid_plan_unchanged(case):
    g, plan = case
    if check(plan, g) == []:
        assert repair(plan, g) == plan
