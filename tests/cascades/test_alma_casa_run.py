"""A small radio reduction with real CASA, end to end: simulate one measurement set, run
the alma cascade's default target, unroll the self-calibration loop (each round checked
by the guard), and end with FITS images that carry their QC and provenance."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from radps_seq.recipes.radio.casa import installed

# One real reduction (about a dozen CASA jobs) is set up once for the module; on a busy
# two-core machine it can take several minutes.
pytestmark = [pytest.mark.skipif(not installed(), reason="needs the casa extra"),
              pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
ALMA = str(ROOT / "cascades" / "alma")


def radps(*args, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "radps_seq.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=1500)


@pytest.fixture(scope="module")
def reduction(tmp_path_factory):
    base = tmp_path_factory.mktemp("alma")
    made = radps("simulate", "radio", "--datasets", "1", "--out", "raw", "--seed", "7", cwd=base)
    assert made.returncode == 0, made.stderr
    done = radps("run", "-w", ALMA, "-i", "raw", "--workdir", "w", "--no-track", "--format", "json",
                 cwd=base)
    assert done.returncode == 0, done.stderr[-3000:]
    return base, json.loads(done.stdout)


def test_the_default_target_runs_real_casa_and_ends_with_fits_images(reduction):
    from astropy.io import fits

    base, summary = reduction
    assert summary["status"] == "succeeded"
    tasks = {job["task"] for job in summary["jobs"]}
    assert {"casa_import", "casa_flagdata", "casa_refant", "casa_bandpass", "casa_gaincal",
            "casa_fluxscale", "casa_applycal", "casa_image", "casa_selfcal_1", "casa_export"} <= tasks
    export = next(j for j in summary["jobs"] if j["task"] == "casa_export")
    images = [p for p in export["products"] if p.endswith(".fits")]
    assert any(p.endswith("science.fits") for p in images) and len(images) >= 3
    science = next(p for p in images if p.endswith("science.fits"))
    with fits.open(base / science if not os.path.isabs(science) else science) as hdul:
        header, data = hdul[0].header, hdul[0].data
    assert data.shape[-2:] == (128, 128)
    assert header["HIERARCH RADPS QC IMAGE SNR"] > 5  # a source was imaged, not noise
    assert header["HIERARCH RADPS CASA VERSION"].startswith("6.7.0")


def test_each_product_records_its_provenance(reduction):
    base, summary = reduction
    for job in summary["jobs"]:
        record = json.loads(Path(_abs(base, next(p for p in job["products"]
                                                 if p.endswith("provenance.json")))).read_text())
        assert record["environment"]["casa"].startswith("6.7.0")
        assert record["environment"]["omp_num_threads"] == "1"
        assert all(len(i["sha256"]) == 64 for i in record["inputs"]) and record["inputs"]
        assert record["stage"].startswith("radio_")


def test_the_selfcal_loop_unrolled_round_by_round_each_checked_by_the_guard(reduction):
    base, summary = reduction
    rounds = summary["loop"]
    assert len(rounds) >= 2 and rounds[-1]["done"] and not rounds[0]["done"]
    assert all(r["violations"] == [] and r["status"] == "succeeded" for r in rounds)
    assert any("casa_selfcal_1" in job for job in rounds[0]["new_jobs"])
    assert [j.split()[0] for j in rounds[-1]["new_jobs"]] == ["casa_export"]
    iterations = [r["decision"]["iteration"] for r in rounds if r["decision"]]
    assert iterations == list(range(1, len(iterations) + 1))
    # one line per round, the fixture's run first (a later test's re-run appends its own)
    logged = [json.loads(line)["reduction"] for line in (base / "w" / "loops.jsonl").read_text().splitlines()]
    assert logged[: len(rounds)] == [r["reduction"] for r in rounds]


def test_the_run_log_records_each_iteration_with_its_convergence_test(reduction):
    base, _ = reduction
    exported = radps("runs", "--workdir", "w", "--format", "json", cwd=base)
    rows = json.loads(exported.stdout)
    selfcal = [r for r in rows if r["task"].startswith("casa_selfcal_")]
    assert selfcal and all("converged" in (r["qc"] or {}) for r in selfcal)
    flagging = [r for r in rows if r["task"] in ("casa_autoflag", "casa_lowgainflag")]
    assert all(r["effect"] is not None for r in flagging)


def test_a_second_run_reuses_every_job(reduction):
    base, _ = reduction
    again = radps("run", "-w", ALMA, "-i", "raw", "--workdir", "w", "--no-track", "--format", "json",
                  cwd=base)
    assert again.returncode == 0, again.stderr[-2000:]
    statuses = {job["status"] for job in json.loads(again.stdout)["jobs"]}
    assert statuses <= {"cached", "reused"}


def _abs(base, path):
    return path if os.path.isabs(path) else str(base / path)
