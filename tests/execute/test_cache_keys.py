"""Cache decisions as plain functions: components, change reasons, manifests, reuse."""

from __future__ import annotations

import json
import os

import pytest

from radps_seq.execute.cache import (
    MANIFEST,
    NO_PREVIOUS,
    REUSED,
    cache_key,
    change_reason,
    components,
    decide,
    product_problem,
    read_manifest,
)
from radps_seq.execute.hashing import sha256_file
from radps_seq.execute.result import FileRef


def parts(version="1+a", params=None, inputs=(("/d/x.fits", "RAW", "s1"),), recipe="python:r"):
    return components(recipe, version, params or {"k": 1}, [FileRef(*i) for i in inputs])


def test_components_are_canonical_and_sorted():
    made = components("python:r", "1+a", {"b": (1, 2), "a": {"z": 1}},
                      [FileRef("/d/y", "FLAT", "s2"), FileRef("/d/x", "RAW", "s1")])
    assert made == {"recipe": "python:r", "version": "1+a",
                    "parameters": {"a": {"z": 1}, "b": [1, 2]},
                    "inputs": [["/d/x", "RAW", "s1"], ["/d/y", "FLAT", "s2"]]}
    assert json.loads(json.dumps(made)) == made
    assert list(made["parameters"]) == ["a", "b"]


def test_change_reasons_name_what_changed_most_fundamental_first():
    old = parts()
    assert change_reason(old, parts(recipe="python:q")) == "recipe changed: python:r -> python:q"
    assert change_reason(old, parts(version="1+b")) == "recipe code changed"
    assert change_reason(old, parts(params={"k": 2, "j": 0})) == "parameters changed: j, k"
    assert change_reason(old, parts(inputs=[("/d/x.fits", "RAW", "s9")])) == "input changed: /d/x.fits"
    assert change_reason(old, parts(inputs=[("/d/x.fits", "BIAS", "s1")])) == "input changed: /d/x.fits"
    both = change_reason(old, parts(version="1+b", params={"k": 2}))
    assert both == "recipe code changed; parameters changed: k"
    assert change_reason(old, parts(recipe="python:q", version="1+b")).count("changed") == 1
    assert change_reason(old, old) == "cache key changed"
    assert change_reason({}, old).startswith("recipe changed: None -> python:r")


def test_many_changed_inputs_are_summarised():
    old = parts(inputs=[(f"/d/{n}", "RAW", "s") for n in "abcde"])
    new = parts(inputs=[(f"/d/{n}", "RAW", "t") for n in "abcde"])
    assert change_reason(old, new) == "input changed: /d/a, /d/b, /d/c and 2 more"
    three = parts(inputs=[(f"/d/{n}", "RAW", "t") for n in "abc"])
    assert change_reason(parts(inputs=[(f"/d/{n}", "RAW", "s") for n in "abc"]), three) == (
        "input changed: /d/a, /d/b, /d/c"
    )
    added = parts(inputs=[("/d/x.fits", "RAW", "s1"), ("/d/new", "RAW", "s")])
    assert change_reason(parts(), added) == "input changed: /d/new"


def _folder(tmp_path, key="k1", content=b"data"):
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "P.dat").write_bytes(content)
    stat = os.stat(folder / "P.dat")
    manifest = {"cache_key": key, "components": parts(),
                "products": [{"path": "P.dat", "sha256": sha256_file(folder / "P.dat"),
                              "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}]}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder, manifest


def test_a_manifest_is_read_only_when_it_is_one(tmp_path):
    assert read_manifest(tmp_path) is None
    (tmp_path / MANIFEST).write_text("{broken")
    assert read_manifest(tmp_path) is None
    (tmp_path / MANIFEST).write_text("[1, 2]")
    assert read_manifest(tmp_path) is None
    (tmp_path / MANIFEST).write_text('{"id": "x"}')
    assert read_manifest(tmp_path) is None
    (tmp_path / MANIFEST).write_text('{"cache_key": "k"}')
    assert read_manifest(tmp_path) == {"cache_key": "k"}


def test_products_are_checked_by_size_mtime_then_content(tmp_path):
    folder, manifest = _folder(tmp_path)
    assert product_problem(folder, manifest) is None
    product = folder / "P.dat"
    product.write_bytes(b"data")  # touched: new mtime, same content
    assert product_problem(folder, manifest) is None
    product.write_bytes(b"DATA")  # same size, other content
    assert product_problem(folder, manifest) == "product corrupted: P.dat"
    product.unlink()
    assert product_problem(folder, manifest) == "product missing: P.dat"


def test_a_product_whose_recorded_size_and_mtime_match_is_trusted_unread(tmp_path):
    folder, manifest = _folder(tmp_path)
    stat = os.stat(folder / "P.dat")
    (folder / "P.dat").write_bytes(b"DATA")
    os.utime(folder / "P.dat", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert product_problem(folder, manifest) is None  # the documented trade-off: no read
    manifest["products"][0]["size"] = 99
    assert product_problem(folder, manifest) == "product corrupted: P.dat"


def test_an_unreadable_product_is_corrupted(tmp_path):
    folder, manifest = _folder(tmp_path)
    (folder / "P.dat").unlink()
    (folder / "P.dat").mkdir()  # stat works, reading fails
    assert product_problem(folder, manifest) == "product corrupted: P.dat"


def test_decide_reuses_only_an_intact_result_for_the_same_key(tmp_path):
    folder, manifest = _folder(tmp_path)
    current = parts()
    assert decide(folder, "k1", current, None, None) == ("reuse", REUSED, manifest)
    assert decide(folder, "k1", current, None, "forced") == ("run", "forced", None)
    changed = parts(version="1+b")
    assert decide(folder, "k2", changed, None, None) == ("run", "recipe code changed", None)
    (folder / "P.dat").write_bytes(b"DATA")
    assert decide(folder, "k1", current, None, None) == ("run", "product corrupted: P.dat", None)


def test_decide_without_a_result_explains_with_the_previous_components(tmp_path):
    empty = tmp_path / "none"
    assert decide(empty, "k", parts(), None, None) == ("run", NO_PREVIOUS, None)
    assert decide(empty, "k", parts(), parts(), None) == ("run", NO_PREVIOUS, None)
    previous = parts(params={"k": 0})
    assert decide(empty, "k", parts(), previous, None) == ("run", "parameters changed: k", None)


@pytest.mark.parametrize("field", ["recipe", "version", "parameters"])
def test_every_component_is_in_the_key(field):
    base = parts()
    other = dict(base, **{field: "other" if field != "parameters" else {"k": 2}})
    assert cache_key(other) != cache_key(base)


def test_the_key_is_a_full_sha256_of_canonical_json():
    key = cache_key(parts())
    assert len(key) == 64 and int(key, 16) >= 0
    assert cache_key(json.loads(json.dumps(parts()))) == key
    assert cache_key({**parts(), "inputs": []}) != key
    assert cache_key({k: v for k, v in parts().items() if k != "inputs"}) == cache_key(
        {**parts(), "inputs": []}
    )


def test_the_key_formula_is_stable():
    """Changing how the key is computed silently invalidates every existing work
    directory: the key of fixed components is pinned here."""
    fixed = {"recipe": "python:r", "version": "1+a", "parameters": {"k": 1},
             "inputs": [["/d/x.fits", "RAW", "s1"]]}
    reordered = {"inputs": [["/else/x.fits", "RAW", "s1"]], "parameters": {"k": 1},
                 "version": "1+a", "recipe": "python:r"}
    assert cache_key(fixed) == cache_key(reordered) == PINNED_KEY


PINNED_KEY = "a3bf45f6144981327bee5f75a37aca25d3f12372fd18f6d70f7a7c15b712e5f4"


def test_four_changed_inputs_are_listed_as_three_and_one_more():
    old = parts(inputs=[(f"/d/{n}", "RAW", "s") for n in "abcd"])
    new = parts(inputs=[(f"/d/{n}", "RAW", "t") for n in "abcd"])
    assert change_reason(old, new) == "input changed: /d/a, /d/b, /d/c and 1 more"


def _second_product(folder, manifest):
    """A second product, Q.dat, written and recorded in ``manifest``."""
    (folder / "Q.dat").write_bytes(b"more")
    stat = os.stat(folder / "Q.dat")
    manifest["products"].append({"path": "Q.dat", "sha256": sha256_file(folder / "Q.dat"),
                                 "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})


def test_every_product_is_checked_not_only_the_first(tmp_path):
    folder, manifest = _folder(tmp_path)
    _second_product(folder, manifest)
    (folder / "P.dat").write_bytes(b"data")  # touched, intact: checked by content
    assert product_problem(folder, manifest) is None
    (folder / "Q.dat").write_bytes(b"MORE")
    assert product_problem(folder, manifest) == "product corrupted: Q.dat"
    (folder / "Q.dat").unlink()
    assert product_problem(folder, manifest) == "product missing: Q.dat"


def test_a_manifest_without_products_has_nothing_to_check(tmp_path):
    assert product_problem(tmp_path, {"cache_key": "k"}) is None


def test_parameters_that_json_cannot_hold_are_kept_as_text():
    made = components("python:r", "1", {"path": tmp_path_type(), "n": 1}, [])
    assert made["parameters"] == {"n": 1, "path": "/x/y"}


def tmp_path_type():
    from pathlib import PurePosixPath

    return PurePosixPath("/x/y")


def test_a_trusted_first_product_does_not_end_the_check(tmp_path):
    folder, manifest = _folder(tmp_path)
    _second_product(folder, manifest)
    (folder / "Q.dat").write_bytes(b"MORE")  # P.dat untouched: trusted by size and mtime
    assert product_problem(folder, manifest) == "product corrupted: Q.dat"


def test_a_result_set_aside_as_damaged_is_run_again_and_says_why(tmp_path):
    folder, _ = _folder(tmp_path)
    (folder / MANIFEST).rename(folder / f"{MANIFEST}.damaged")
    assert decide(folder, "k1", parts(), parts(), None) == (
        "run", "previous result damaged: a product no longer matched its checksum", None
    )
