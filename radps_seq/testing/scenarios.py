"""EDPS's own scenario tests (``tests/json_configuration/*.json``), run unchanged.

A suite file is ``{"scenarios": [...]}``; each scenario names the inputs as templates
(``name_prefix``, ``count``, ``keywords`` written into the primary header of generated
FITS files), the targets, the workflow parameters, and the expected jobs (``recipe``,
``inputs_prefixes``). No recipe runs: the scenario passes when the complete derived
jobs and the expected ones pair up one to one, each pair with the same recipe and
every on-disk input file of the job starting with one of the allowed prefixes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from ..cascade import Workflow
from ..errors import InputError, RadpsError
from .frames import write_frame

SCENARIO_KEYS = {
    "description", "workflow", "workflow_parameters", "workflow_parameter_set", "targets",
    "meta_targets", "skip", "input_files", "results",
}
TEMPLATE_KEYS = {"name_prefix", "count", "keywords"}
RESULT_KEYS = {"recipe", "inputs_prefixes"}


@dataclass
class ScenarioResult:
    """The outcome of one scenario, with every mismatch spelled out."""

    file: str
    index: int
    description: str
    status: str  # passed | failed | skipped | error
    problems: list[str] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def suite_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """JSON files named, or found below named folders (sorted)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(path.rglob("*.json"))
            if not found:
                raise InputError(f"{path}: no scenario file (*.json) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return files


def load_suite(path: Path) -> list[dict[str, Any]]:
    """The scenarios of one suite file; any malformation names the file and field."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read scenario file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(document, dict) or not isinstance(document.get("scenarios"), list):
        raise InputError(f'{path}: expected {{"scenarios": [...]}}')
    for n, scenario in enumerate(document["scenarios"]):
        _check_scenario(f"{path}: scenario {n + 1}", scenario)
    return document["scenarios"]


def _check_scenario(where: str, scenario: Any) -> None:
    if not isinstance(scenario, dict):
        raise InputError(f"{where}: expected an object")
    _unknown(where, scenario, SCENARIO_KEYS)
    for n, template in enumerate(scenario.get("input_files") or []):
        at = f"{where}: input_files[{n}]"
        if not isinstance(template, dict) or "name_prefix" not in template:
            raise InputError(f"{at}: expected an object with name_prefix")
        _unknown(at, template, TEMPLATE_KEYS)
        count = template.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InputError(f"{at}: count must be a non-negative integer, got {count!r}")
    for n, result in enumerate(scenario.get("results") or []):
        at = f"{where}: results[{n}]"
        if not isinstance(result, dict) or "recipe" not in result:
            raise InputError(f"{at}: expected an object with recipe")
        _unknown(at, result, RESULT_KEYS)
    for key in ("targets", "meta_targets"):
        if not isinstance(scenario.get(key) or [], list):
            raise InputError(f"{where}: {key} must be a list")


def _unknown(where: str, record: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(record) - known)
    if unknown:
        raise InputError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )


def write_inputs(scenario: dict[str, Any], folder: Path) -> list[Path]:
    """The scenario's FITS files: ``count`` files per template, named by its prefix."""
    paths = []
    for template in scenario.get("input_files") or []:
        prefix = template["name_prefix"]
        keywords = {k.lower(): v for k, v in (template.get("keywords") or {}).items()}
        for n in range(template.get("count", 1)):
            name = f"{prefix}_{n:04d}.fits"
            # a distinct ARCFILE keeps equal templates from being duplicates of each other
            paths.append(write_frame(folder / name, {"arcfile": name, **keywords}))
    return paths


def run_scenario(
    workflow: Workflow, scenario: dict[str, Any], file: str, index: int
) -> ScenarioResult:
    description = str(scenario.get("description") or f"scenario {index + 1}")
    result = ScenarioResult(file, index, description, "passed")
    if scenario.get("skip"):
        result.status = "skipped"
        return result
    from ..derive import derive

    with tempfile.TemporaryDirectory(prefix="radps-seq-scenario-") as folder:
        from ..headers import scan

        write_inputs(scenario, Path(folder))
        scanned = scan([folder])
        try:
            derivation = derive(
                workflow,
                scanned.headers,
                tasks=scenario.get("targets") or (),
                meta_targets=scenario.get("meta_targets") or (),
                workflow_parameters=dict(scenario.get("workflow_parameters") or {}),
                parameter_set_name=scenario.get("workflow_parameter_set"),
                scan_errors=scanned.errors,
            )
        except RadpsError as exc:
            result.status, result.problems = "error", [str(exc)]
            return result
        jobs = [_job_record(job, folder) for job in derivation.jobs if job.complete]
    result.jobs = jobs
    result.problems = compare(jobs, scenario.get("results") or [])
    result.status = "failed" if result.problems else "passed"
    return result


def _job_record(job: Any, folder: str) -> dict[str, Any]:
    files = sorted(os.path.basename(i.file) for i in job.inputs if i.file)
    return {"task": job.task, "recipe": job.recipe, "inputs": files}


def _fits(job: dict[str, Any], expected: dict[str, Any]) -> bool:
    prefixes = expected.get("inputs_prefixes") or []
    return job["recipe"] == expected["recipe"] and all(
        any(name.startswith(p) for p in prefixes) for name in job["inputs"]
    )


def compare(jobs: Sequence[dict[str, Any]], expected: Sequence[dict[str, Any]]) -> list[str]:
    """What keeps derived and expected jobs from pairing one to one (empty: they do)."""
    graph = nx.Graph()
    derived = [("job", n) for n in range(len(jobs))]
    wanted = [("expected", n) for n in range(len(expected))]
    graph.add_nodes_from(derived)
    graph.add_nodes_from(wanted)
    for n, job in enumerate(jobs):
        for m, want in enumerate(expected):
            if _fits(job, want):
                graph.add_edge(("job", n), ("expected", m))
    matching = nx.bipartite.hopcroft_karp_matching(graph, top_nodes=derived) if jobs else {}
    problems = []
    for node in wanted:
        if node not in matching:
            want = expected[node[1]]
            problems.append(
                f"expected job not derived: recipe {want['recipe']!r} with inputs "
                f"{want.get('inputs_prefixes') or []}"
            )
    for node in derived:
        if node not in matching:
            job = jobs[node[1]]
            problems.append(
                f"unexpected job: task {job['task']!r} recipe {job['recipe']!r} "
                f"inputs {job['inputs']}"
            )
    return problems


def run_suites(workflow: Workflow, files: Sequence[Path], progress: Any = None) -> list[ScenarioResult]:
    results = []
    for path in files:
        for n, scenario in enumerate(load_suite(path)):
            if progress is not None:
                progress(f"{path.name}: {scenario.get('description') or n + 1}")
            results.append(run_scenario(workflow, scenario, str(path), n))
    return results
