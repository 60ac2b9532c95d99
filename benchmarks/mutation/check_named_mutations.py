"""The deliberate one-line changes that once broke results with the suite staying green,
each applied to a scratch copy of the repository and run against the test named for
the behaviour it breaks: every one must fail.

Usage::

    .venv/bin/python benchmarks/mutation/check_named_mutations.py --scratch /tmp/radps-named
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_mutation import ROOT, copy_repository  # noqa: E402

#: (behaviour broken, file, original text, mutated text, tests that must catch it)
MUTATIONS = (
    ("job id built from the file path instead of its content identity",
     "radps_seq/derive/job.py",
     'f"file:{identities.get(i.file, i.file)}"', 'f"file:{i.file}"',
     ["tests/derive/test_association.py::test_the_same_frames_under_other_paths_give_the_same_job_ids"]),
    ("cache key without the input category",
     "radps_seq/execute/cache.py",
     'sorted([c, s] for _, c, s in parts.get("inputs") or ())',
     'sorted([s] for _, c, s in parts.get("inputs") or ())',
     ["tests/execute/test_cache.py::test_the_cache_key_covers_the_input_category",
      "tests/execute/test_cache.py::test_cache_key_composition"]),
    ("cache key with the input paths",
     "radps_seq/execute/cache.py",
     'keyed = {**parts, "inputs": sorted([c, s] for _, c, s in parts.get("inputs") or ())}',
     "keyed = dict(parts)",
     ["tests/execute/test_cache.py::test_cache_key_composition",
      "tests/execute/test_relocation.py::test_moving_inputs_and_work_directory_reuses_every_job"]),
    ("optional inputs never widening to later association levels",
     "radps_seq/derive/associate.py",
     "need = max(item.min_ret, 1)", "need = item.min_ret",
     ["tests/derive/test_association_rules.py::test_optional_inputs_widen_to_later_levels"]),
    ("an UNLIMITED rule for a trigger without MJD-OBS getting no candidates",
     "radps_seq/derive/associate.py",
     "(untimed if t_mjd is not None else timed + untimed)",
     "(untimed if t_mjd is not None else untimed)",
     ["tests/derive/test_association_rules.py::test_an_unlimited_rule_gives_candidates_to_a_trigger_without_mjd"]),
    ("several match rules at one level keeping the farther candidate",
     "radps_seq/derive/associate.py",
     "ordered = sorted(best.values(), key=lambda dc: (dc[0], dc[1].identity))",
     "ordered = sorted(best.values(), key=lambda dc: (-dc[0], dc[1].identity))",
     ["tests/derive/test_association_rules.py::test_several_rules_at_one_level_keep_the_closest_candidate"]),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, required=True, help="a folder outside the repo")
    scratch = parser.parse_args().scratch.resolve()
    if scratch == ROOT or ROOT in scratch.parents:
        parser.error("--scratch must lie outside the repository")
    copy_repository(scratch)
    env = {**os.environ, "PYTHONPATH": str(scratch)}
    missed = 0
    for behaviour, relative, original, mutated, tests in MUTATIONS:
        path = scratch / relative
        text = path.read_text()
        if text.count(original) != 1:
            print(f"cannot apply: {behaviour} ({relative} changed)")
            missed += 1
            continue
        path.write_text(text.replace(original, mutated))
        for test in tests:
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                 "-p", "no:randomly", test],
                cwd=scratch, env=env, capture_output=True, text=True,
            )
            caught = done.returncode == 1
            missed += not caught
            print(f"{'caught' if caught else 'MISSED'}  {behaviour}  <-  {test}")
        path.write_text(text)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
