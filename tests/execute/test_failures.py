"""Bad input, faults and load: every case ends in a clear status per job, a non-zero
exit when targets were not produced, and no lost or half-written product."""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from radps_seq.execute import execute
from radps_seq.runlog import load_runs

from .helpers import Cascade, bfs


def by_task(result):
    return {job.task: job for job in result.jobs}


def no_leftovers(workdir):
    """Only complete job folders (with a manifest) and failure logs under products/."""
    for task in (workdir / "products").iterdir():
        for entry in task.iterdir():
            if entry.name.endswith(".failed.log"):
                continue
            assert not entry.name.startswith("."), f"temporary folder left: {entry}"
            assert (entry / "manifest.json").is_file(), f"incomplete folder: {entry}"


def broken_cascade(tmp_path, recipe, params=None):
    """`bad` (recipe under test) -> `after` (target); `sibling` (target) independent."""
    c = Cascade(tmp_path)
    bad = c.job("bad", recipe=recipe, files=[(c.raw("a"), "RAW")], params=params)
    after = c.job("after", parents={bad: ("main", "PRODUCT")}, target=True)
    sibling = c.job("sibling", files=[(c.raw("b"), "RAW")], target=True)
    return c, bad, after, sibling


def test_recipe_exception_fails_the_job_and_blocks_its_dependents(tmp_path, workdir):
    c, bad, after, sibling = broken_cascade(tmp_path, "t_raise")
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2)
    jobs = by_task(result)
    assert jobs["bad"].status == "failed"
    assert jobs["bad"].error.startswith("ValueError: bad data in the inputs (log: ")
    assert jobs["after"].status == "failed"
    assert jobs["after"].error == f"blocked by failed job {bad} (task bad)"
    assert jobs["sibling"].status == "succeeded"
    assert result.status == "partial" and result.exit_code == 1
    assert result.missing_targets == [after]
    log = workdir / "products" / "bad" / f"{bad}.failed.log"
    assert "Traceback" in log.read_text() and "bad data" in log.read_text()
    assert not (workdir / "products" / "bad" / bad).exists()  # the partial file is gone
    no_leftovers(workdir)


def test_timeout_kills_the_job(tmp_path, workdir):
    c, bad, _, _ = broken_cascade(tmp_path, "t_sleep", {"seconds": 60})
    result = execute(c.graph, bfs(c.graph), workdir=workdir, timeout_s={"bad": 0.5})
    assert by_task(result)["bad"].error.startswith("timed out after 0.5 s (process killed)")
    assert by_task(result)["sibling"].status == "succeeded"
    assert result.makespan_s < 30
    no_leftovers(workdir)


@pytest.mark.parametrize(
    ("recipe", "message"),
    [
        ("t_exit", "worker process crashed: exited with code 3 before reporting a result"),
        ("t_segfault", "worker process crashed: killed by SIGSEGV"),
    ],
)
def test_crashed_worker_process_is_a_failed_job(tmp_path, workdir, recipe, message):
    c, bad, after, _ = broken_cascade(tmp_path, recipe)
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2)
    assert by_task(result)["bad"].error.startswith(message)
    assert by_task(result)["after"].error == f"blocked by failed job {bad} (task bad)"
    assert by_task(result)["sibling"].status == "succeeded"
    no_leftovers(workdir)


def test_child_killed_from_outside_is_a_failed_job(tmp_path, workdir):
    pidfile = tmp_path / "pid"
    c, bad, after, _ = broken_cascade(tmp_path, "t_wait_to_be_killed", {"pidfile": str(pidfile)})

    def kill_when_started():
        deadline = time.monotonic() + 60
        while not pidfile.exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(int(pidfile.read_text()), signal.SIGKILL)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    result = execute(c.graph, bfs(c.graph), workdir=workdir, workers=2, timeout_s=30)
    killer.join()
    assert by_task(result)["bad"].error.startswith("worker process crashed: killed by SIGKILL")
    assert by_task(result)["after"].status == "failed"
    assert by_task(result)["sibling"].status == "succeeded"
    no_leftovers(workdir)


def test_retries_per_task(tmp_path, workdir):
    counter = tmp_path / "calls"
    c, bad, _, _ = broken_cascade(tmp_path, "t_flaky", {"counter": str(counter), "fail_times": 2})
    result = execute(c.graph, bfs(c.graph), workdir=workdir, retries={"bad": 2, "*": 0})
    assert by_task(result)["bad"].status == "succeeded"
    runs = load_runs(workdir)
    rows = runs[runs["task"] == "bad"]
    assert rows["attempt"].tolist() == [1, 2, 3]
    assert rows["status"].tolist() == ["failed", "failed", "succeeded"]
    assert rows["error"].iloc[1].startswith("RuntimeError: flaky failure 2")
    assert rows["error"].isna().tolist() == [False, False, True]


def test_retries_exhausted(tmp_path, workdir):
    counter = tmp_path / "calls"
    c, bad, _, _ = broken_cascade(tmp_path, "t_flaky", {"counter": str(counter), "fail_times": 5})
    result = execute(c.graph, bfs(c.graph), workdir=workdir, retries=1)
    assert by_task(result)["bad"].status == "failed"
    assert counter.read_text() == "2"


def test_missing_input_file_at_run_time(tmp_path, workdir):
    c, bad, _, _ = broken_cascade(tmp_path, "t_combine")
    raw = next(i.file for i in c.graph.nodes[bad]["job"].inputs)
    os.unlink(raw)
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert by_task(result)["bad"].error.startswith(f"input file missing: {raw}")
    assert by_task(result)["after"].status == "failed"
    assert by_task(result)["sibling"].status == "succeeded"


def test_unknown_recipe_without_esorex_says_so(tmp_path, workdir, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    c, bad, _, _ = broken_cascade(tmp_path, "no_such_recipe")
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert by_task(result)["bad"].error.startswith(
        "task 'bad': recipe 'no_such_recipe' has no Python registration and neither esorex "
        "nor pyesorex is installed"
    )


@pytest.fixture
def small_disk(workdir):
    """A 256 KiB tmpfs where the job folders go; skipped where mounting is not allowed."""
    products = workdir / "products"
    products.mkdir(parents=True)

    def mount(options):
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(products)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")

    yield products, mount
    subprocess.run(["umount", str(products)], check=False)


def test_full_disk_fails_the_job_without_half_products(tmp_path, workdir, small_disk):
    products, mount = small_disk
    mount("size=256k")
    c, bad, _, _ = broken_cascade(tmp_path, "t_big", {"megabytes": 4})
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert "No space left on device" in by_task(result)["bad"].error
    assert by_task(result)["sibling"].status == "succeeded"
    assert not list(products.rglob("BIG.dat"))
    no_leftovers(workdir)


def test_read_only_output_folder(tmp_path, workdir, small_disk):
    products, mount = small_disk
    mount("size=256k,ro")
    c, bad, _, _ = broken_cascade(tmp_path, "t_combine")
    result = execute(c.graph, bfs(c.graph), workdir=workdir)
    assert {j.status for j in result.jobs} == {"failed"}
    assert "Read-only file system" in by_task(result)["bad"].error
    assert result.status == "failed" and result.exit_code == 1


def test_unwritable_delivery_folder_is_refused_before_running(tmp_path, workdir):
    from radps_seq.errors import RadpsError

    c, *_ = broken_cascade(tmp_path, "t_combine")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(RadpsError, match="output folder .* is not writable"):
        execute(c.graph, bfs(c.graph), workdir=workdir, output_dir=blocker / "out")
    assert not Path(workdir / "products").exists()
