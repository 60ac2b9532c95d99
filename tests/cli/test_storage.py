"""Full disks and read-only work directories: clear messages, nothing deleted, reads work."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from radps_seq.testing.demo0_night import demo0_night

from .conftest import DEMO0, radps


@pytest.fixture
def mount(tmp_path: Path) -> Iterator:
    """``mount(folder, size)``: a tmpfs of ``size`` there (needs root, as CI has)."""
    mounted: list[Path] = []

    def make(folder: Path, size: str) -> Path:
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield make
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_read_only_work_directory_is_read_and_never_damaged(tmp_path: Path, mount):
    demo0_night(tmp_path / "raw")
    store = mount(tmp_path / "ro", "50m")
    work = store / "w"
    first = radps("run", "-w", DEMO0, "-i", "raw", "--workdir", str(work), "--dummy", "--no-track", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    subprocess.run(["mount", "-o", "remount,ro", str(store)], check=True)
    export = radps("runs", "--workdir", str(work), "--format", "csv", "-o", "runs.csv", cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    assert len((tmp_path / "runs.csv").read_text().splitlines()) > 1
    for args in (["derive"], ["run", "-n", "--dummy", "--no-track"]):
        read = radps(args[0], "-w", DEMO0, "-i", "raw", "--workdir", str(work), *args[1:], cwd=tmp_path)
        assert read.returncode == 0, read.stderr
    assert "reuse" in read.stdout
    again = radps("run", "-w", DEMO0, "-i", "raw", "--workdir", str(work), "--dummy", "--no-track", cwd=tmp_path)
    assert again.returncode == 2 and "is read-only" in again.stderr and "delete" not in again.stderr
    job = next((work / "products" / "bias").iterdir())
    rerun = radps("exec-job", str(job), cwd=tmp_path)
    assert rerun.returncode == 2 and "read-only" in rerun.stderr and "internal error" not in rerun.stderr
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == before


def test_a_full_disk_is_named_not_an_internal_error(tmp_path: Path, mount):
    demo0_night(tmp_path / "raw")
    store = mount(tmp_path / "full", "48k")
    result = radps("run", "-w", DEMO0, "-i", "raw", "--workdir", str(store / "w"), "--dummy", "--no-track",
                   cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "no space left" in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
