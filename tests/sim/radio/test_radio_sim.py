"""The radio simulator: real measurement sets, descriptors the engine classifies, and
corruptions drawn from observable conditions plus chance."""

import json

import numpy as np
import pytest

from radps_seq.cascade.loader import load_workflow
from radps_seq.derive import classify
from radps_seq.headers import scan
from radps_seq.recipes.radio.casa import installed
from radps_seq.recipes.radio.descriptor import (
    card_name,
    read_descriptor,
    tables_hash,
    write_descriptor,
)
from radps_seq.sim import SimulationError
from radps_seq.sim.radio import corrupt

pytestmark = pytest.mark.skipif(not installed(), reason="needs the casa extra")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from radps_seq.sim.radio import simulate

    out = tmp_path_factory.mktemp("radio")
    return out, simulate(out, datasets=2, seed=5)


def test_each_dataset_is_a_measurement_set_with_its_descriptor(simulated):
    out, summary = simulated
    assert len(summary.datasets) == 2
    for record in summary.datasets:
        keywords = read_descriptor(out / f"{record.id}.fits")
        ms = out / keywords["ms.name"]
        assert (ms / "table.dat").is_file()
        assert keywords["ms.sha256"] == tables_hash(ms)
        assert keywords["obs.pwv"] == record.pwv and keywords["obs.band"] == record.band
        from radps_seq.recipes.radio.casa import casa

        table = casa().tools.table()
        table.open(str(ms))
        assert table.nrows() > 0 and "DATA" in table.colnames()
        table.close()


def test_the_alma_cascade_classifies_the_descriptors_only(simulated):
    out, _ = simulated
    workflow = load_workflow("alma")
    scanned = scan([str(out)], None)
    result = classify(scanned.headers, workflow)
    assert sorted(f["tags"][0] for f in result.files()) == ["EB", "EB"]


def _visibilities(ms):
    from radps_seq.recipes.radio.casa import casa

    table = casa().tools.table()
    table.open(str(ms))
    try:
        return table.getcol("DATA"), table.getcol("UVW")
    finally:
        table.close()


def test_same_seed_same_data_other_seed_other_data(simulated, tmp_path):
    """The visibilities and the descriptor repeat for a seed (CASA's own tables carry
    creation times, so the bytes of a measurement set do not)."""
    from radps_seq.sim.radio import simulate

    out, summary = simulated
    simulate(tmp_path / "again", datasets=1, seed=5)
    first = summary.datasets[0].id
    data, uvw = _visibilities(out / f"{first}.ms")
    again, again_uvw = _visibilities(tmp_path / "again" / f"{first}.ms")
    assert np.array_equal(data, again) and np.allclose(uvw, again_uvw)
    described = {k: v for k, v in read_descriptor(out / f"{first}.fits").items() if k != "ms.sha256"}
    redescribed = read_descriptor(tmp_path / "again" / f"{first}.fits")
    assert described == {k: v for k, v in redescribed.items() if k != "ms.sha256"}
    other = simulate(tmp_path / "other", datasets=1, seed=6)
    assert other.datasets[0].id != first
    assert not np.array_equal(_visibilities(tmp_path / "other" / f"{other.datasets[0].id}.ms")[0], data)


def test_truth_is_kept_apart_from_the_descriptor(simulated):
    out, summary = simulated
    truth = json.loads((out / "truth.json").read_text())
    assert set(truth) == {d.id for d in summary.datasets}
    keywords = read_descriptor(out / f"{summary.datasets[0].id}.fits")
    assert not any("bad" in k or "rfi" in k for k in keywords)


def test_corruptions_follow_the_conditions():
    rng = np.random.default_rng(0)
    low = [corrupt.draw(rng, 8, 16, pwv=1.0, elevation=80, band="L") for _ in range(300)]
    high = [corrupt.draw(rng, 8, 16, pwv=8.0, elevation=30, band="X") for _ in range(300)]
    assert np.mean([bool(c.rfi_channels) for c in low]) > np.mean([bool(c.rfi_channels) for c in high])
    assert np.mean([c.phase_walk_deg for c in high]) > 4 * np.mean([c.phase_walk_deg for c in low])
    assert np.mean([c.noise_jy for c in high]) > np.mean([c.noise_jy for c in low])
    assert 0.2 < np.mean([c.bad_antenna is not None for c in low]) < 0.5


def test_descriptor_round_trip(tmp_path):
    assert card_name("obs.array") == "HIERARCH OBS ARRAY" and card_name("telescop") == "TELESCOP"
    path = write_descriptor(tmp_path / "d.fits", {"obs.array": "SIM", "ms.descr": "MEASUREMENT_SET",
                                                  "telescop": "SIMVLA", "obs.pwv": 2.5})
    assert read_descriptor(path) == {"obs.array": "SIM", "ms.descr": "MEASUREMENT_SET",
                                     "telescop": "SIMVLA", "obs.pwv": 2.5}


def test_no_datasets_is_an_error(tmp_path):
    from radps_seq.sim.radio import simulate

    with pytest.raises(SimulationError, match="--datasets"):
        simulate(tmp_path, datasets=0)
