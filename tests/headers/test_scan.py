import os

import pytest

import radps_seq.headers.scanner as scanner
from radps_seq.headers import Header, ScanError, ScanResult, scan
from radps_seq.headers.model import make_header

from .conftest import write_fits


def paths(result: ScanResult) -> list[str]:
    return [header.path for header in result.headers]


def test_walks_recursively_and_keeps_the_users_relative_paths(raw, monkeypatch):
    monkeypatch.chdir(raw.parent)
    result = scan(["raw/"])
    assert paths(result) == ["raw/b1.fits", "raw/b2.fits.gz", "raw/night2/f1.fits"]
    assert result.errors == []
    flat = result.headers[2]
    assert flat["dpr.type"] == "FLAT"
    assert flat.get("no.such.key", "-") == "-"
    with pytest.raises(KeyError):
        flat["no.such.key"]
    assert flat.size == os.path.getsize(raw / "night2" / "f1.fits")
    assert flat.mtime == os.stat(raw / "night2" / "f1.fits").st_mtime


def test_absolute_input_gives_absolute_paths_and_a_single_path_is_accepted(raw):
    result = scan(raw)
    assert paths(result) == [str(raw / "b1.fits"), str(raw / "b2.fits.gz"),
                             str(raw / "night2" / "f1.fits")]


def test_fits_suffixes_hidden_entries_and_other_files_when_walking(tmp_path):
    for name in ("a.fits", "b.FIT", "c.fts", "d.fits.gz", "e.fit.gz"):
        write_fits(tmp_path / name)
    write_fits(tmp_path / ".hidden.fits")
    (tmp_path / ".cache").mkdir()
    write_fits(tmp_path / ".cache" / "x.fits")
    (tmp_path / "notes.txt").write_text("not scanned")
    (tmp_path / "x.fits").mkdir()  # a directory is walked whatever its name
    write_fits(tmp_path / "x.fits" / "inner.fits")
    result = scan([tmp_path])
    names = [os.path.relpath(p, tmp_path) for p in paths(result)]
    assert names == ["a.fits", "b.FIT", "c.fts", "d.fits.gz", "e.fit.gz", "x.fits/inner.fits"]
    assert result.errors == []


def test_the_workdir_inside_an_input_folder_is_skipped(raw):
    workdir = raw / "work"
    workdir.mkdir()
    write_fits(workdir / "product.fits")
    result = scan([raw], workdir)
    assert str(workdir / "product.fits") not in paths(result)
    assert len(result.headers) == 3
    assert (workdir / "headers.sqlite").exists()


def test_bad_inputs_become_errors_and_the_scan_goes_on(raw, tmp_path):
    (raw / "junk.fits").write_text("SIMPLE? no\n")
    (raw / "short.fits").write_bytes(open(raw / "b1.fits", "rb").read()[:80])
    (raw / "readme.txt").write_text("hello")
    os.mkfifo(raw / "pipe.fits")
    os.symlink(raw / "gone.fits", raw / "dangling.fits")
    result = scan([raw, tmp_path / "missing", raw / "readme.txt", raw / "pipe.fits"])
    assert len(result.headers) == 3
    assert result.errors == sorted(result.errors, key=lambda e: e.file)
    reasons = {os.path.basename(e.file): e.error for e in result.errors}
    assert reasons == {
        "dangling.fits": "no such file or directory (broken symbolic link)",
        "junk.fits": "not a FITS file: first card is not SIMPLE = T",
        "missing": "no such file or directory",
        "pipe.fits": "not a regular file",
        "readme.txt": "not a FITS file: first card is not SIMPLE = T",
        "short.fits": "truncated FITS header: no END card in 1 block",
    }
    assert sum(1 for e in result.errors if e.file.endswith("pipe.fits")) == 2  # walked + named


def test_file_removed_between_walk_and_read(raw, monkeypatch):
    real_walk = scanner.walk

    def walk_then_remove(inputs, skip):
        found = real_walk(inputs, skip)
        os.remove(raw / "b1.fits")
        return found

    monkeypatch.setattr(scanner, "walk", walk_then_remove)
    result = scan([raw])
    assert result.errors == [ScanError(str(raw / "b1.fits"), "no such file or directory")]
    assert len(result.headers) == 2


def test_explicit_files_of_any_name_and_no_duplicates(raw, tmp_path):
    odd = write_fits(tmp_path / "frame.dat")
    result = scan([raw, raw / "b1.fits", odd, odd])
    assert paths(result).count(str(raw / "b1.fits")) == 1
    assert paths(result).count(odd) == 1
    assert len(result.headers) == 4


def test_nested_inputs_are_walked_once(raw):
    result = scan([raw / "night2", raw])
    assert len(result.headers) == 3
    assert len(set(paths(result))) == 3


def test_symlinked_directory_loop_terminates(raw):
    os.symlink(raw, raw / "night2" / "loop")
    result = scan([raw])
    assert len(result.headers) == 3


def test_progress_flag_without_a_terminal(raw, capsys):
    result = scan([raw], progress=True)
    assert len(result.headers) == 3
    assert capsys.readouterr().err == ""


def test_header_is_a_frozen_value():
    header = Header(path="a.fits", keywords={"dpr.type": "BIAS"}, size=1, mtime=0.0, identity="x")
    with pytest.raises(AttributeError):
        header.path = "b.fits"
    assert "dpr.type" not in repr(header)
    assert hash(header) == hash(Header("a.fits", {"other": 1}, 1, 0.0, "x"))
    fast = make_header("a.fits", {"dpr.type": "BIAS"}, 1, 0.0, "x")
    assert fast == header and type(fast) is Header
    with pytest.raises(AttributeError):
        fast.size = 2
