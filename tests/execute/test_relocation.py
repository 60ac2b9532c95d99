"""Moving the inputs and the work directory: job ids, cache keys and reuse survive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGING = str(ROOT / "cascades" / "imaging")
#: Real recipes on real FITS, with upstream products: bias -> dark.
TARGETS = ("-t", "dark")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True,
                          text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done


def reduce(raw: str, workdir: str, cwd: Path) -> dict:
    out = cli("run", "-w", IMAGING, "-i", raw, *TARGETS, "--workdir", workdir, "--workers", "2",
              "--no-track", "--format", "json", cwd=cwd)
    return json.loads(out.stdout)


def keys(workdir: Path) -> dict[str, str]:
    found = {}
    for path in (workdir / "products").glob("*/*/manifest.json"):
        manifest = json.loads(path.read_text())
        found[manifest["id"]] = manifest["cache_key"]
    return found


def stamps(workdir: Path) -> dict[str, int]:
    return {str(p.relative_to(workdir)): p.stat().st_mtime_ns
            for p in (workdir / "products").glob("*/*/*.fits")}


@pytest.fixture(scope="module")
def reduced(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("first")
    cli("simulate", "imaging", "--nights", "1", "--out", "raw", "--seed", "3", "--size", "32", cwd=site)
    first = reduce("raw", "w", site)
    assert first["status"] == "succeeded"
    (site / "first.json").write_text(json.dumps(first))
    return site


def test_moving_inputs_and_work_directory_reuses_every_job(reduced, tmp_path):
    first = json.loads((reduced / "first.json").read_text())
    before_keys, before_stamps = keys(reduced / "w"), stamps(reduced / "w")
    assert len(first["jobs"]) == len(before_keys) >= 3 and before_stamps
    site = tmp_path / "elsewhere"
    (site / "data").mkdir(parents=True)
    shutil.copytree(reduced / "raw", site / "data" / "raw-moved", copy_function=shutil.copy2)
    shutil.copytree(reduced / "w", site / "work", copy_function=shutil.copy2, symlinks=True)
    again = reduce(os.path.join("data", "raw-moved"), "work", site)
    assert [(j["id"], j["task"]) for j in again["jobs"]] == [(j["id"], j["task"]) for j in first["jobs"]]
    assert {j["status"] for j in again["jobs"]} == {"cached"}
    assert keys(site / "work") == before_keys
    assert stamps(site / "work") == before_stamps  # nothing recomputed or rewritten
    runs = json.loads(cli("runs", "--workdir", "work", "--format", "json", cwd=site).stdout)
    latest = [r for r in runs if r["reduction_id"] != runs[0]["reduction_id"]]
    assert {r["cache_reason"] for r in latest} == {"reused: cache key matches"}


def test_a_moved_job_folder_still_reproduces_its_job(reduced, tmp_path):
    """After the move, the reused jobs' SOFs name the inputs where they are now, and
    ``command.sh`` re-runs the job from its new folder (the old places are gone)."""
    site = tmp_path / "elsewhere"
    shutil.copytree(reduced / "raw", site / "raw-moved", copy_function=shutil.copy2)
    shutil.copytree(reduced / "w", site / "work", copy_function=shutil.copy2, symlinks=True)
    again = reduce("raw-moved", "work", site)
    dark = next(j for j in again["jobs"] if j["task"] == "dark")
    folder = site / "work" / "products" / "dark" / dark["id"]
    sof = [Path(line.rpartition(" ")[0]) for line in (folder / "input.sof").read_text().splitlines()]
    assert sof and all(path.is_file() and site in path.parents for path in sof)
    old_product = next(folder.glob("*.fits"))
    old_product.unlink()
    done = subprocess.run(["sh", str(folder / "command.sh")], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert done.returncode == 0, done.stderr
    assert old_product.is_file()


def test_a_changed_input_at_the_new_place_reruns_only_its_jobs(reduced, tmp_path):
    site = tmp_path / "moved"
    shutil.copytree(reduced / "raw", site / "raw2", copy_function=shutil.copy2)
    shutil.copytree(reduced / "w", site / "w2", copy_function=shutil.copy2, symlinks=True)
    first = json.loads((reduced / "first.json").read_text())
    dark = next(j for j in first["jobs"] if j["task"] == "dark")
    sof = (reduced / "w" / "products" / "dark" / dark["id"] / "input.sof").read_text()
    raw_dark = next(Path(line.split()[0]) for line in sof.splitlines() if line.endswith(" DARK"))
    target = site / "raw2" / raw_dark.relative_to(reduced / "raw")
    from astropy.io import fits

    with fits.open(target, mode="update") as hdus:
        hdus[0].data = hdus[0].data + 1  # other pixels, the same header
    again = reduce("raw2", "w2", site)
    status = {j["id"]: j["status"] for j in again["jobs"]}
    assert status[dark["id"]] == "succeeded"
    assert {s for i, s in status.items() if i != dark["id"]} == {"cached"}
