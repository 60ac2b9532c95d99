"""The derivation cache: reused for an identical request, invalidated by any change."""

from __future__ import annotations

import shutil
from pathlib import Path

from radps_seq.derive import request
from radps_seq.derive.request import derive_request
from radps_seq.testing import write_frame
from radps_seq.testing.demo0_night import demo0_night

DEMO0 = Path(__file__).resolve().parents[2] / "cascades" / "demo0"


def test_identical_request_is_reused_and_changes_invalidate(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    demo0_night(raw)
    cascade = tmp_path / "demo0"
    shutil.copytree(DEMO0, cascade)
    calls = []
    real = request.derive
    monkeypatch.setattr(request, "derive", lambda *a, **k: calls.append(1) or real(*a, **k))

    first = derive_request(cascade, [raw], workdir=tmp_path / "w")
    again = derive_request(cascade, [raw], workdir=tmp_path / "w")
    assert len(calls) == 1 and again.to_dict() == first.to_dict()

    derive_request(cascade, [raw], workdir=tmp_path / "w", meta_targets=["qc1calib"])
    assert len(calls) == 2  # other options

    write_frame(raw / "OBJECT_9.fits", {"dpr.type": "OBJECT", "mjd-obs": 60311.2})
    more = derive_request(cascade, [raw], workdir=tmp_path / "w")
    assert len(calls) == 3 and len(more.jobs) == len(first.jobs) + 1

    (cascade / "demo0_wkf.py").write_text((cascade / "demo0_wkf.py").read_text() + "\n# edited\n")
    derive_request(cascade, [raw], workdir=tmp_path / "w")
    assert len(calls) == 4

    for entry in (tmp_path / "w" / "derivations").glob("*.pickle"):
        entry.write_bytes(b"garbage")
    damaged = derive_request(cascade, [raw], workdir=tmp_path / "w")
    assert len(calls) == 5 and damaged.to_dict() == more.to_dict()
