"""Does one cascade reproduce hand-written pipeline recipes? (``radps-seq recipes compare``)

A recipe is an ordered list of stages, each a pipeline task with parameters. A stage is
identified by its *role*: the task name plus the arguments that say what it works on
(:data:`ROLE_KEYS`: intent, spectral mode, data type, Stokes, ...). An imaging stage
(``hif_makeimages``) plays the role of the image list it images, so it takes the role
arguments of the list before it. The cascade is derived for each recipe's use case (the
descriptor of one execution block written with the keywords of
``<cascade>_use_cases.yaml``, and the parameter set named after the recipe); every
derived job gets a role the same way, from its recipe name and recipe parameters.

Per recipe: the roles missing from the derived graph and the extra ones (multisets:
repeats count), whether the recipe's own order is a topological order of the derived
graph (each stage mapped to the job of its role, repeats in graph order), the number of
stages and the critical path (jobs on the longest chain), which bounds the makespan
with unlimited parallelism in stage units.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from ..errors import InputError

#: Arguments that make two stages of the same task different roles.
ROLE_KEYS = ("intent", "specmode", "datatype", "stokes", "per_eb", "per_session",
             "checkflagmode", "unregister_existing")
LIST_TASKS = ("hif_makeimlist", "hif_editimlist")
IMAGE_TASKS = ("hif_makeimages",)
PIPELINE_TARGET = "pipeline"


@dataclass
class RecipeComparison:
    """One recipe against the cascade derived for its use case."""

    name: str
    reproduced: bool
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    order_consistent: bool = False
    stages: int = 0
    critical_path: int = 0
    parameter_set: str = ""
    incomplete: list[str] = field(default_factory=list)


def role(task: str, parameters: Mapping[str, Any], inherited: Sequence[tuple[str, str]] = ()) -> str:
    """``hif_makeimlist(specmode=cube,datatype=best)``: a task and its role arguments."""
    own = {k: _text(parameters[k]) for k in ROLE_KEYS if k in parameters}
    merged = dict(inherited) | own
    args = ",".join(f"{k}={merged[k]}" for k in ROLE_KEYS if k in merged)
    return f"{task}({args})" if args else task


def _text(value: Any) -> str:
    return str(value).strip()


def recipe_roles(stages: Sequence[Mapping[str, Any]]) -> list[str]:
    """The role of each stage of a recipe in order (breakpoints are not stages)."""
    roles: list[str] = []
    listed: list[tuple[str, str]] = []
    for stage in stages:
        task, parameters = stage["task"], stage.get("parameters") or {}
        if task == "breakpoint":
            continue
        if task in LIST_TASKS:
            listed = [(k, _text(parameters[k])) for k in ROLE_KEYS if k in parameters]
        roles.append(role(task, parameters, listed if task in IMAGE_TASKS else ()))
    return roles


def job_roles(graph: nx.DiGraph) -> dict[str, str]:
    """Job id -> role; an imaging job inherits the role arguments of its list job."""
    roles: dict[str, str] = {}
    for node in graph.graph["order"]:
        job = graph.nodes[node]["job"]
        inherited: list[tuple[str, str]] = []
        if job.recipe in IMAGE_TASKS:
            for parent in (i.job for i in job.main_inputs if i.job):
                upstream = graph.nodes[parent]["job"] if parent in graph else None
                if upstream is not None and upstream.recipe in LIST_TASKS:
                    params = upstream.parameters
                    inherited = [(k, _text(params[k])) for k in ROLE_KEYS if k in params]
        roles[node] = role(job.recipe or job.task, job.parameters, inherited)
    return roles


def compare_recipe(name: str, stages: Sequence[Mapping[str, Any]], graph: nx.DiGraph,
                   incomplete: Sequence[str] = (), parameter_set: str = "") -> RecipeComparison:
    """Roles missing and extra, order consistency and critical path of one recipe."""
    wanted = recipe_roles(stages)
    roles = job_roles(graph)
    have = Counter(roles.values())
    need = Counter(wanted)
    missing = sorted((need - have).elements())
    extra = sorted((have - need).elements())
    consistent = _order_consistent(wanted, roles, graph)
    path = nx.dag_longest_path_length(graph) + 1 if graph.number_of_nodes() else 0
    return RecipeComparison(
        name=name, reproduced=not missing and not extra and consistent and not incomplete,
        missing=missing, extra=extra, order_consistent=consistent, stages=len(wanted),
        critical_path=path, parameter_set=parameter_set, incomplete=list(incomplete),
    )


def _order_consistent(wanted: Sequence[str], roles: Mapping[str, str], graph: nx.DiGraph) -> bool:
    """Whether the recipe's order can run the derived graph: each stage, in recipe order,
    takes a job of its role whose parents have all run.

    Jobs of a repeated role in parallel branches may be taken in any order; the search
    tries them (the one whose children the recipe needs soonest first) and backtracks,
    so the answer does not depend on how job ids happen to sort. Jobs of roles the recipe
    lacks (the extra ones) are not waited for."""
    wanted_roles = set(wanted)
    pending = {node: {p for p in graph.predecessors(node) if roles.get(p) in wanted_roles}
               for node in roles}
    first_need = {name: n for n, name in reversed(list(enumerate(wanted)))}

    def urgency(node: str) -> int:
        return min((first_need.get(roles[c], len(wanted)) for c in graph.successors(node)),
                   default=len(wanted))

    done: set[str] = set()

    def place(n: int) -> bool:
        if n == len(wanted):
            return True
        ready = [node for node, role_name in roles.items()
                 if role_name == wanted[n] and node not in done and pending[node] <= done]
        if not any(roles[node] == wanted[n] and node not in done for node in roles):
            return place(n + 1)  # a missing stage: reported as missing, not as disorder
        for node in sorted(ready, key=lambda x: (urgency(x), x)):
            done.add(node)
            if place(n + 1):
                return True
            done.discard(node)
        return False

    return place(0)


def load_recipes(path: str | os.PathLike) -> dict[str, list[dict[str, Any]]]:
    """``{title: stages}`` from a recipes file (``{"recipes": {key: {"title", "stages"}}}``)."""
    try:
        data = json.loads(Path(path).read_text())
        recipes = data["recipes"]
        return {body.get("title", key): list(body["stages"]) for key, body in recipes.items()}
    except OSError as exc:
        raise InputError(f"recipes file {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"recipes file {path}: not a recipes file ({type(exc).__name__}: {exc}); expected "
            '{"recipes": {NAME: {"title": ..., "stages": [{"task": ..., "parameters": {...}}]}}}'
        ) from exc


def load_use_cases(workflow: Any) -> dict[str, dict[str, Any]]:
    """The dataset keywords per recipe from the cascade's ``<name>_use_cases.yaml``."""
    origin = Path(getattr(workflow, "origin", "") or ".")
    path = origin.with_name(f"{workflow.name}_use_cases.yaml")
    if not path.is_file():
        raise InputError(f"cascade {workflow.name!r} has no {path.name} next to {origin.name}: "
                         "it names the dataset each recipe is for")
    data = yaml.safe_load(path.read_text()) or {}
    cases = data.get("use_cases") if isinstance(data, dict) else None
    if not isinstance(cases, dict):
        raise InputError(f"{path}: expected a 'use_cases' mapping of recipe name to keywords")
    return cases


def compare_all(workflow: Any, recipes: Mapping[str, Sequence[Mapping[str, Any]]],
                progress: Any = None) -> dict[str, Any]:
    """Derive the cascade for every recipe's use case and compare; the JSON report."""
    from ..derive.request import derive
    from ..headers import scan
    from ..recipes.radio.descriptor import write_descriptor

    cases = load_use_cases(workflow)
    sets = set(workflow.parameters.sets) if workflow.parameters is not None else set()
    results: list[RecipeComparison] = []
    with tempfile.TemporaryDirectory(prefix="radps-recipes-") as folder:
        for n, (name, stages) in enumerate(recipes.items()):
            if progress is not None:
                progress(f"[{n + 1}/{len(recipes)}] {name}")
            if name not in cases or name not in sets:
                what = "use case" if name not in cases else "parameter set"
                results.append(RecipeComparison(name=name, reproduced=False,
                                                missing=recipe_roles(stages),
                                                stages=len(recipe_roles(stages)),
                                                incomplete=[f"the cascade has no {what} {name!r}"]))
                continue
            descriptor = Path(folder) / f"{name}.fits"
            write_descriptor(descriptor, {"ms.descr": "MEASUREMENT_SET", "obs.id": f"uid___{name}",
                                          "mjd-obs": 60000.0, **cases[name]})
            scanned = scan([str(descriptor)], None)
            derivation = derive(workflow, scanned.headers, meta_targets=[PIPELINE_TARGET],
                                parameter_set_name=name)
            incomplete = [f"{i['task']}: {'; '.join(i['missing'])}" for i in derivation.incomplete]
            results.append(compare_recipe(name, stages, derivation.graph, incomplete, name))
    return {
        "recipes": [asdict(r) for r in results],
        "reproduced": sum(r.reproduced for r in results),
        "total": len(results),
    }


def specification_size(workflow: Any, recipes: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, int]:
    """How big the cascade is next to the recipes it replaces.

    Cascade: non-blank, non-comment lines of every ``.py`` and ``.yaml`` file of the
    workflow package, its pipeline tasks and parameter sets. Recipes: stage entries
    (breakpoints excluded) and the parameters they set; written one stage per line the
    recipes would take ``recipe_stages`` lines."""
    folder = Path(getattr(workflow, "origin", "") or ".").parent
    lines = 0
    for file in sorted([*folder.glob("*.py"), *folder.glob("*.yaml")]):
        lines += sum(1 for line in file.read_text().splitlines()
                     if line.strip() and not line.strip().startswith("#"))
    stages = [s for body in recipes.values() for s in body if s.get("task") != "breakpoint"]
    sets = workflow.parameters.sets if workflow.parameters is not None else {}
    return {
        "cascade_lines": lines,
        "cascade_tasks": sum(PIPELINE_TARGET in t.meta_targets for t in workflow.tasks.values()),
        "parameter_sets": len(sets),
        "recipe_stages": len(stages),
        "recipe_parameters": sum(len(s.get("parameters") or {}) for s in stages),
    }
