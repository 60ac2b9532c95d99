import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

import radps_seq.headers.reader as reader
from radps_seq.errors import InputError
from radps_seq.headers import scan
from radps_seq.headers.index import HeaderIndex

from .conftest import ESO_BIAS, write_fits


def forbid_reading(monkeypatch):
    def refuse(path):
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(reader, "read_header", refuse)


def count_reads(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = reader.read_header

    def counting(path):
        calls.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(reader, "read_header", counting)
    return calls


def test_unchanged_files_are_not_parsed_again(raw, tmp_path, monkeypatch):
    first = scan([raw], tmp_path / "work")
    forbid_reading(monkeypatch)
    again = scan([raw], tmp_path / "work")
    assert again == first
    assert again.headers[0].keywords == first.headers[0].keywords


def test_index_is_shared_by_relative_and_absolute_spellings(raw, tmp_path, monkeypatch):
    scan([raw], tmp_path / "work")
    forbid_reading(monkeypatch)
    monkeypatch.chdir(raw)
    result = scan(["."], tmp_path / "work")
    assert [h.path for h in result.headers] == ["./b1.fits", "./b2.fits.gz", "./night2/f1.fits"]


def test_explicit_files_use_the_index_too(raw, tmp_path, monkeypatch):
    scan([raw], tmp_path / "work")
    forbid_reading(monkeypatch)
    result = scan([raw / "b1.fits", raw / "night2" / "f1.fits"], tmp_path / "work")
    assert len(result.headers) == 2 and result.errors == []


def test_changed_file_is_read_again(raw, tmp_path, monkeypatch):
    scan([raw], tmp_path / "work")
    path = raw / "b1.fits"
    write_fits(path, {**ESO_BIAS, "HIERARCH ESO DPR TYPE": "DARK"})
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # coarse clocks
    reads = count_reads(monkeypatch)
    result = scan([raw], tmp_path / "work")
    assert reads == ["b1.fits"]
    assert result.headers[0]["dpr.type"] == "DARK"
    assert scan([raw], tmp_path / "work") == result
    assert reads == ["b1.fits"]


def test_new_and_removed_files(raw, tmp_path, monkeypatch):
    work = tmp_path / "work"
    scan([raw], work)
    os.remove(raw / "b1.fits")
    write_fits(raw / "night2" / "f2.fits")
    reads = count_reads(monkeypatch)
    result = scan([raw], work)
    assert reads == ["f2.fits"]
    assert [os.path.basename(h.path) for h in result.headers] == ["b2.fits.gz", "f1.fits", "f2.fits"]
    with HeaderIndex(work) as index:
        entries = index.load([os.path.realpath(raw)], [])
    assert sorted(name for folder in entries.values() for name in folder) == [
        "b2.fits.gz", "f1.fits", "f2.fits"
    ]


def test_removed_folder_is_dropped_from_the_index(raw, tmp_path):
    work = tmp_path / "work"
    scan([raw], work)
    for name in os.listdir(raw / "night2"):
        os.remove(raw / "night2" / name)
    os.rmdir(raw / "night2")
    scan([raw], work)
    with HeaderIndex(work) as index:
        entries = index.load([os.path.realpath(raw)], [])
    assert list(entries) == [os.path.realpath(raw)]


def test_errors_are_not_cached(raw, tmp_path):
    work = tmp_path / "work"
    (raw / "late.fits").write_bytes(b"")
    assert len(scan([raw], work).errors) == 1
    write_fits(raw / "late.fits")
    assert scan([raw], work).errors == []


def test_no_workdir_no_index(raw, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scan([raw])
    assert not any(p.name == "headers.sqlite" for p in tmp_path.rglob("*"))


def test_unusable_index_is_a_clear_error(raw, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "headers.sqlite").write_bytes(b"this is not a database" * 200)
    with pytest.raises(InputError, match=r"headers\.sqlite: not a usable header index"):
        scan([raw], work)


def test_index_uses_wal(raw, tmp_path):
    scan([raw], tmp_path / "work")
    con = sqlite3.connect(tmp_path / "work" / "headers.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


# Each process keeps changing the files of its own night and re-scanning all nights, so
# both write to the index again and again while the other reads and writes it.
_SCANNER = textwrap.dedent(
    """
    import os, sys
    from radps_seq.headers import scan
    raw, work, night = sys.argv[1:]
    for round in range(8):
        folder = os.path.join(raw, night)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            st = os.stat(path)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        result = scan([raw], work)
        assert len(result.headers) == 60 and not result.errors, result
    print("ok")
    """
)


def test_two_processes_scanning_one_workdir(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    for night in range(4):
        (raw / f"n{night}").mkdir(parents=True)
        for i in range(15):
            write_fits(raw / f"n{night}" / f"f{i}.fits", {**ESO_BIAS, "MJD-OBS": night + i / 100})
    work = tmp_path / "work"
    procs = [
        subprocess.Popen([sys.executable, "-c", _SCANNER, str(raw), str(work), f"n{night}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for night in (0, 1)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    con = sqlite3.connect(work / "headers.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    scan([raw], work)  # settles the last round's changes of the other process
    forbid_reading(monkeypatch)
    assert len(scan([raw], work).headers) == 60
