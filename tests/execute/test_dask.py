"""The Dask executor gives the same products and statuses as the local one."""

import json

import pytest

from radps_seq.execute import execute
from radps_seq.runlog import load_runs

from .helpers import Cascade, bfs, imaging

pytest.importorskip("distributed")


def manifests(workdir):
    found = {}
    for path in (workdir / "products").glob("*/*/manifest.json"):
        manifest = json.loads(path.read_text())
        found[manifest["id"]] = (
            manifest["cache_key"],
            sorted((p["path"], p["sha256"]) for p in manifest["products"]),
        )
    return found


def test_local_and_dask_give_the_same_products(tmp_path):
    c, ids = imaging(tmp_path / "data")
    fail = c.job("broken", recipe="t_raise", files=[(c.raw("x"), "RAW")])
    c.job("after", parents={fail: ("main", "PRODUCT")}, target=True)
    local = execute(c.graph, bfs(c.graph), workdir=tmp_path / "local", workers=2)
    dask = execute(c.graph, bfs(c.graph), workdir=tmp_path / "dask", workers=2, executor="dask")

    def ends(result):
        return [(j.id, j.status, (j.error or "").split(" (log: ")[0]) for j in result.jobs]

    assert ends(dask) == ends(local)
    assert [status for _, status, _ in ends(dask)].count("failed") == 2
    assert manifests(tmp_path / "dask") == manifests(tmp_path / "local")
    assert len(manifests(tmp_path / "dask")) == 4
    workers = set(load_runs(tmp_path / "dask")["worker"].dropna())
    assert workers and all(w.startswith("inproc://") for w in workers)
    again = execute(c.graph, bfs(c.graph), workdir=tmp_path / "dask", workers=2, executor="dask")
    assert {j.status for j in again.jobs if j.task != "broken" and j.task != "after"} == {"cached"}


def test_dask_dummy_run(tmp_path):
    c, ids = imaging(tmp_path / "data")
    result = execute(c.graph, bfs(c.graph), workdir=tmp_path / "w", executor="dask", dummy=True)
    assert result.status == "succeeded"
    assert len(list((tmp_path / "w" / "products").glob("*/*/*.dummy"))) == 4


def test_unknown_executor_is_refused(tmp_path):
    from radps_seq.errors import RadpsError

    c = Cascade(tmp_path)
    c.job("a", files=[(c.raw("a"), "RAW")])
    with pytest.raises(RadpsError, match="unknown executor 'ray'"):
        execute(c.graph, None, workdir=tmp_path / "w", executor="ray")
