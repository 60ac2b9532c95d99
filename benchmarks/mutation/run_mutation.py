"""Mutation testing of the core modules with mutmut: how many deliberate one-line
changes of the code the tests catch.

Why a benchmark and not a test: every mutant re-runs the tests that cover it, which
takes tens of minutes on two cores. The repository is copied to a scratch folder
outside it (mutmut writes its mutated copy under the current folder, and the working tree's
sources must never be rewritten), mutmut runs there on the modules listed below with the
tests that exercise them, and the results are written as JSON (score per module, the
surviving mutants with their diffs) for ``RESULTS.md``.

Usage (mutmut is not in the project's extras: ``pip install 'mutmut>=3.8,<4'``)::

    .venv/bin/python benchmarks/mutation/run_mutation.py --scratch /tmp/radps-mutation \\
        [--children 2] [--out benchmarks/mutation/results.json]
"""

from __future__ import annotations

import argparse
import ast
import difflib
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: mutmut's own command (``python -m mutmut`` re-imports itself and breaks test imports).
MUTMUT = str(Path(sys.executable).with_name("mutmut"))

#: The core modules: association and derivation, cache keys, the guard, the card parser.
MODULES = (
    "radps_seq/derive/associate.py",
    "radps_seq/derive/drafts.py",
    "radps_seq/derive/job.py",
    "radps_seq/execute/cache.py",
    "radps_seq/plan/guard.py",
    "radps_seq/headers/cards.py",
)
#: The tests that exercise them (mutmut runs, per mutant, those that reach its function).
#: The end-to-end tests of the executor (real child processes) are left out: they take
#: seconds each and the cache module's functions have unit tests of their own.
TESTS = (
    "tests/derive",
    "tests/execute/test_cache_keys.py",
    "tests/plan/test_guard.py",
    "tests/plan/test_guard_properties.py",
    "tests/headers/test_reader.py",
    "tests/headers/test_cards.py",
)
#: Property tests run with this fraction of their examples (at least 10) in the copy.
EXAMPLES_FRACTION = 0.1


def copy_repository(scratch: Path, keep_state: bool = False) -> None:
    """The tracked and new (not ignored) files of the repository, copied to ``scratch``.

    With ``keep_state`` the copy is refreshed in place: mutmut's ``mutants/`` folder (the
    mutated sources and every mutant's result) stays, and mutmut copies the refreshed
    tests into it at its next run.
    """
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    if scratch.exists() and not keep_state:
        shutil.rmtree(scratch)
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def fewer_examples(scratch: Path, tests: list[str]) -> None:
    """Scale the property tests' ``max_examples`` down in the scratch copy only."""
    for test in tests:
        root = scratch / test
        for path in [root] if root.is_file() else sorted(root.rglob("test_*.py")):
            text = path.read_text()
            scaled = re.sub(
                r"max_examples=(\d+)",
                lambda m: f"max_examples={max(10, int(int(m.group(1)) * EXAMPLES_FRACTION))}",
                text,
            )
            if scaled != text:
                path.write_text(scaled)


def configure(scratch: Path, modules: list[str], tests: list[str]) -> None:
    present = [t for t in tests if (scratch / t).exists()]
    fewer_examples(scratch, present)
    lines = ["[mutmut]", "source_paths=radps_seq", "only_mutate="]
    lines += [f"    {m}" for m in modules]
    lines += ["pytest_add_cli_args_test_selection="] + [f"    {t}" for t in present]
    lines += ["also_copy=", "    cascades", "    data", "timeout_multiplier=5"]
    lines += ["pytest_add_cli_args=", "    -p", "    no:randomly", "    -p", "    no:cacheprovider"]
    (scratch / "setup.cfg").write_text("\n".join(lines) + "\n")


#: mutmut's exit codes (``mutmut.stats.status_by_exit_code``), the ones that occur here.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout",
          -11: "segfault", -9: "segfault", 37: "caught by type check", None: "not checked"}


def results(scratch: Path) -> dict[str, str]:
    """Every mutant's status, read from the ``.meta`` files mutmut keeps per module."""
    found = {}
    for meta in (scratch / "mutants").rglob("*.py.meta"):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        found.update({name: STATUS.get(code, "suspicious") for name, code in codes.items()})
    return found


@functools.cache
def _functions(path: Path) -> dict[str, str]:
    source = path.read_text()
    lines = source.splitlines()  # sliced by line numbers: get_source_segment re-splits per call
    return {
        node.name: "\n".join(lines[node.lineno - 1:node.end_lineno])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def mutant_change(scratch: Path, mutant: str) -> tuple[str, int | None]:
    """The changed lines of ``mutant`` (its function against the original in mutants/)
    and the line of the module where the change starts."""
    module, _, function = mutant.rpartition(".")
    bodies = _functions(scratch / "mutants" / (module.replace(".", "/") + ".py"))
    original = bodies.get(re.sub(r"__mutmut_\d+$", "__mutmut_orig", function), "")
    changed = bodies.get(function, "")
    lines = list(difflib.unified_diff(original.splitlines()[1:], changed.splitlines()[1:], lineterm="", n=0))
    text = " | ".join(
        line[0] + " " + line[1:].strip() for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")
    )
    hunk = next((re.match(r"@@ -(\d+)", line) for line in lines if line.startswith("@@")), None)
    start = _definition_lines(scratch / (module.replace(".", "/") + ".py")).get(_source_name(function))
    return text, (start + int(hunk.group(1)) if hunk and start else None)


def _source_name(function: str) -> str:
    """``xǁRuleIndexǁmatches__mutmut_3`` -> ``RuleIndex.matches``; ``x__distance__mutmut_1``
    -> ``_distance``."""
    name = re.sub(r"__mutmut_(\d+|orig)$", "", function)
    if name.startswith("x\u01c1"):
        return ".".join(name[2:].split("\u01c1"))
    return name[2:]


@functools.cache
def _definition_lines(path: Path) -> dict[str, int]:
    """``name`` or ``Class.name`` -> line of its ``def`` in the original module."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            found.update({f"{node.name}.{item.name}": item.lineno for item in node.body
                          if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)})
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = node.lineno
    return found


def module_of(mutant: str) -> str:
    """``radps_seq.derive.jobs.x_job_id__mutmut_3`` -> ``radps_seq/derive/jobs.py``."""
    dotted = mutant.split(".x")[0].split(".x_")[0]
    for module in MODULES:
        if dotted == module.removesuffix(".py").replace("/", "."):
            return module
    return dotted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, required=True, help="a folder outside the repo")
    parser.add_argument("--children", type=int, default=2, help="mutants run in parallel")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    parser.add_argument("--reuse", action="store_true",
                        help="keep the scratch copy's mutants and results; refresh its sources and tests")
    parser.add_argument("--rerun-survivors", action="store_true",
                        help="with --reuse: after the mutants of changed functions, run again "
                             "the mutants that survived or had no tests (killed ones stay "
                             "killed when tests are only added)")
    parser.add_argument("--report-only", action="store_true",
                        help="only write the results of the scratch copy's last run")
    args = parser.parse_args()
    scratch = args.scratch.resolve()
    if scratch == ROOT or ROOT in scratch.parents:
        parser.error("--scratch must lie outside the repository")
    started, returncode = time.time(), None
    if not args.report_only:
        copy_repository(scratch, keep_state=args.reuse)
        configure(scratch, list(MODULES), list(TESTS))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        run = [MUTMUT, "run", "--max-children", str(args.children)]
        # mutmut regenerates the mutants of every function whose source changed and runs
        # those (and any not yet checked); the others keep their result
        returncode = subprocess.run(run, cwd=scratch, env=env).returncode
        if args.rerun_survivors:
            again = sorted(m for m, s in results(scratch).items() if s in ("survived", "no tests"))
            if again:
                returncode = subprocess.run(run + again, cwd=scratch, env=env).returncode
    elapsed = time.time() - started
    statuses = results(scratch)
    per_module: dict[str, dict[str, int]] = {}
    for mutant, status in statuses.items():
        counts = per_module.setdefault(module_of(mutant), {})
        counts[status] = counts.get(status, 0) + 1
    survivors = {}
    for mutant, status in sorted(statuses.items()):
        if status in ("survived", "no tests"):
            change, line = mutant_change(scratch, mutant)
            survivors[mutant] = {"status": status, "module": module_of(mutant), "line": line, "change": change}
    killed = sum(1 for s in statuses.values() if s in ("killed", "timeout", "segfault"))
    scored = sum(1 for s in statuses.values() if s not in ("skipped", "not checked"))
    unchecked = sum(1 for s in statuses.values() if s == "not checked")
    record = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}",
        "python": platform.python_version(),
        "command": " ".join(["benchmarks/mutation/run_mutation.py", *sys.argv[1:]]),
        "mutmut_exit": returncode,
        "elapsed_s": round(elapsed),
        "modules": list(MODULES),
        "tests": list(TESTS),
        "killed": killed,
        "scored": scored,
        "not_checked": unchecked,
        "score": round(killed / scored, 4) if scored else None,
        "per_module": per_module,
        "survivors": survivors,
    }
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{killed}/{scored} mutants killed (score {record['score']}) in {elapsed:.0f} s; "
          f"{len(survivors)} survivors listed in {args.out}")


if __name__ == "__main__":
    main()
