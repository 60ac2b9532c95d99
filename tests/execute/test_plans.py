"""Plans at execution: skips hand on the main input, refused plans fall back to bfs,
incomplete jobs are reported but never run, the plan's order decides among ready jobs."""

import json
from pathlib import Path

from radps_seq.execute import execute
from radps_seq.plan import Plan
from radps_seq.runlog import RunLog, load_runs

from .helpers import Cascade, bfs, checked


def skippable_chain(tmp_path):
    """raw SCIENCE -> fix (skippable, main) -> reduce (target)."""
    c = Cascade(tmp_path)
    raw = c.raw("s0")
    fix = c.job(
        "fix", files=[(raw, "SCIENCE")], products=("SCIENCE",), skippable=True, tolerance=0.1
    )
    reduce = c.job("reduce", parents={fix: ("main", "SCIENCE")}, target=True)
    return c, raw, fix, reduce


def test_skipped_job_hands_on_its_main_input(tmp_path, workdir):
    c, raw, fix, reduce = skippable_chain(tmp_path)
    result = execute(c.graph, bfs(c.graph, skip=[fix]), workdir=workdir)
    assert {j.id: j.status for j in result.jobs} == {fix: "skipped", reduce: "succeeded"}
    sof = (workdir / "products" / "reduce" / reduce / "input.sof").read_text()
    assert sof == f"{raw} SCIENCE\n"
    assert not (workdir / "products" / "fix").exists()
    runs = load_runs(workdir)
    assert runs.set_index("job_id").loc[fix, "status"] == "skipped"


def test_running_instead_of_skipping_feeds_the_product(tmp_path, workdir):
    c, raw, fix, reduce = skippable_chain(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    sof = (workdir / "products" / "reduce" / reduce / "input.sof").read_text()
    assert sof == f"{workdir / 'products' / 'fix' / fix / 'SCIENCE.dat'} SCIENCE\n"


def test_refused_plan_falls_back_to_bfs_and_the_refusal_is_recorded(tmp_path, workdir):
    c, raw, fix, reduce = skippable_chain(tmp_path)
    bad = Plan("learned", order=[reduce, fix], skip=[reduce])
    result = execute(c.graph, checked(c.graph, bad), workdir=workdir)
    assert result.planner == "bfs" and result.status == "succeeded"
    assert any(r.startswith("order: ") for r in result.refused)
    assert any(r.startswith("target-skipped: ") for r in result.refused)
    with RunLog(workdir) as log:
        record = log.reduction(result.reduction)
    assert record["refused"] == result.refused
    assert record["planner"] == "bfs" and record["status"] == "succeeded"
    assert record["summary"] == json.loads(json.dumps(result.to_dict()))


def test_incomplete_jobs_are_reported_not_run(tmp_path, workdir):
    c = Cascade(tmp_path)
    ok = c.job("bias", files=[(c.raw("b"), "BIAS")], target=True)
    lame = c.job("flat", files=[(c.raw("f"), "FLAT")], missing=("MASTER_BIAS",), target=True)
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert {j.id: j.status for j in result.jobs} == {ok: "succeeded", lame: "incomplete"}
    assert result.status == "partial" and result.missing_targets == [lame]
    runs = load_runs(workdir).set_index("job_id")
    assert runs.loc[lame, "error"] == "incomplete: missing MASTER_BIAS"


def test_plan_order_decides_among_ready_jobs(tmp_path, workdir):
    c = Cascade(tmp_path)
    jobs = [c.job(f"t{i}", files=[(c.raw(f"r{i}"), "RAW")], target=True) for i in range(4)]
    order = [jobs[2], jobs[0], jobs[3], jobs[1]]
    execute(c.graph, checked(c.graph, Plan("manual", order)), workdir=workdir, workers=1)
    runs = load_runs(workdir).sort_values("start_ts")
    assert runs["job_id"].tolist() == order


def test_dummy_runs_no_recipe_and_writes_placeholders(tmp_path, workdir):
    c = Cascade(tmp_path)
    bad = c.job(
        "bad", recipe="t_raise", files=[(c.raw("a"), "RAW")], products=("MASTER", "QC_TABLE")
    )
    ghost = c.job(
        "ghost", recipe="not_registered_anywhere", parents={bad: ("main", "MASTER")}, target=True
    )
    result = execute(c.graph, bfs(c.graph), workdir=workdir, dummy=True)
    assert result.status == "succeeded"
    folder = workdir / "products" / "bad" / bad
    assert sorted(p.name for p in folder.glob("*.dummy")) == ["MASTER.dummy", "QC_TABLE.dummy"]
    sof = (workdir / "products" / "ghost" / ghost / "input.sof").read_text()
    assert sof == f"{folder / 'MASTER.dummy'} MASTER\n"
    runs = load_runs(workdir)
    assert set(runs["worker"].str.endswith(":MainThread")) == {True}

    real = execute(c.graph, bfs(c.graph), workdir=workdir)  # placeholders are never reused
    assert {j.task: j.status for j in real.jobs} == {"bad": "failed", "ghost": "failed"}
    first = load_runs(workdir, real.reduction).iloc[0]
    assert first["cache_reason"] == "recipe changed: dummy:t_raise -> python:t_raise"
    assert Path(folder / "MASTER.dummy").exists()  # the old result stays until replaced
