"""A product damaged in place (same size, mtime restored) is never handed to a recipe."""

import os

from radps_seq.execute import execute
from radps_seq.execute.verify import verify_store

from .helpers import bfs, imaging


def damage_keeping_size_and_mtime(path):
    stat = os.stat(path)
    path.write_bytes(b"X" * stat.st_size)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_damaged_product_is_caught_before_a_recipe_reads_it(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    product = workdir / "products" / "bias" / ids["bias"] / "MASTER_BIAS.dat"
    good = product.read_bytes()
    damage_keeping_size_and_mtime(product)
    forced = execute(c.graph, bfs(c.graph), workdir=workdir, force_downstream=["flat"])
    flat = next(job for job in forced.jobs if job.id == ids["flat"])
    assert flat.status == "failed" and "input damaged: MASTER_BIAS.dat" in flat.error
    assert forced.status != "succeeded"
    again = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert again.status == "succeeded"
    assert {job.id: job.status for job in again.jobs}[ids["bias"]] == "succeeded"
    assert product.read_bytes() == good


def test_verify_finds_and_sets_aside_damaged_results(tmp_path, workdir):
    c, ids = imaging(tmp_path)
    execute(c.graph, bfs(c.graph), workdir=workdir)
    assert verify_store(workdir).damaged == {}
    product = workdir / "products" / "flat" / ids["flat"] / "MASTER_FLAT.dat"
    damage_keeping_size_and_mtime(product)
    report = verify_store(workdir)
    assert report.damaged == {str(product.parent): ["MASTER_FLAT.dat"]} and report.intact == 3
    assert (product.parent / "manifest.json").exists()  # nothing changes without --invalidate
    verify_store(workdir, invalidate_damaged=True)
    rerun = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert {job.id: job.status for job in rerun.jobs}[ids["flat"]] == "succeeded"
    assert verify_store(workdir).damaged == {}
