"""Skips measured by re-running a tiny simulated night with the real recipes."""

import pytest

from radps_seq.experiments.measured import FullReduction, product_change
from radps_seq.reduction import ReductionRequest
from radps_seq.sim import SIMULATORS

pytest.importorskip("astropy")


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    root = tmp_path_factory.mktemp("night")
    SIMULATORS["imaging"](root / "data", nights=1, seed=5, size=32, with_masters=True)
    night = next(p for p in (root / "data" / "raw").iterdir() if p.is_dir())
    request = ReductionRequest(
        workflow="cascades/imaging",
        inputs=[str(night), str(root / "data" / "masters"), str(root / "data" / "calib")],
        workdir=str(root / "work"),
        meta_targets=["SCIENCE"],
        workers=2,
        track=False,
    )
    return FullReduction(request)


def test_a_rerun_without_skips_changes_no_target_product(full):
    assert full.targets and full.tolerances["cosmic_rays"] == pytest.approx(0.0025)
    same = full.rerun("none", [])
    assert same.skipped == [] and same.compute_saved_s == 0.0
    assert same.targets == len(full.targets) and same.targets_changed == 0


def test_several_skips_at_once_are_measured_on_the_target_products(full):
    refinements = sorted(
        j for j, a in full.graph.nodes(data=True) if a.get("skippable") and not a.get("target")
    )
    assert len(refinements) > 3
    run = full.rerun("all refinements", refinements)
    assert set(run.skipped) <= set(refinements) and len(run.skipped) > 3
    assert run.compute_saved_s > 0 and run.total_s > run.compute_saved_s
    assert 0 <= run.targets_changed <= run.targets
    for row in run.changed:
        assert row["changed_fraction"] > row["tolerance"]


def test_the_oracle_skips_only_stages_measured_within_tolerance(full):
    harmless = full.harmless()
    for job in harmless:
        task = full.graph.nodes[job]["task"]
        assert full.effect[job] <= full.tolerances[task]
    summary = full.rerun("oracle", harmless).summary()
    assert summary["skipped"] == len(harmless)
    assert 0.0 <= summary["targets_changed_frac"] <= 1.0


def test_product_change_of_missing_files_is_total(tmp_path):
    assert product_change(tmp_path / "a.fits", tmp_path / "b.fits") == 1.0


def test_the_jointly_safe_reference_is_verified_as_a_whole(full):
    harmless = set(full.harmless())
    messages = []
    run, tries = full.jointly_safe(say=messages.append)
    assert set(run.skipped) <= harmless
    assert run.targets_changed == 0  # the final set itself was re-run and compared
    assert tries == len(messages) + 1 and tries >= 2
    again = full.rerun("again", run.skipped)
    assert again.targets_changed == 0 and again.compute_saved_s == run.compute_saved_s
