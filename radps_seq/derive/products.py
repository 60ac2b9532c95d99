"""Which product categories a task makes.

EDPS tasks do not declare their outputs; the categories are what the consumers ask
for (``with_associated_input(flat, ["MASTER_FLAT"])``) plus the categories a
``SELECT`` output filter names. A task nobody asks anything specific of makes one
category named after it (``bias`` -> ``BIAS``... upper-cased task name).
"""

from __future__ import annotations

from functools import lru_cache

from ..cascade import Task, Workflow
from ..cascade.task import FilterMode


def product_categories(workflow: Workflow, task: Task) -> list[str]:
    return list(_categories_by_task(workflow).get(task.name, (task.name.upper(),)))


def handed_on(task: Task, categories: list[str] | tuple[str, ...]) -> list[str]:
    """The categories a consumer actually receives from ``task``: its output filter
    keeps the others on disk but does not hand them downstream."""
    if task.output_filter is None:
        return list(categories)
    return [c for c in categories if task.output_filter.keeps(c)]


def default_category(task: Task) -> str:
    return task.name.upper()


@lru_cache(maxsize=32)
def _categories_by_task(workflow: Workflow) -> dict[str, tuple[str, ...]]:
    wanted: dict[str, set[str]] = {}
    for consumer in workflow.tasks.values():
        for item in consumer.associated_inputs + [
            a for alt in consumer.alternatives for a in alt.inputs
        ]:
            if isinstance(item.source, Task) and item.categories:
                wanted.setdefault(item.source.name, set()).update(item.categories)
        if isinstance(consumer.main_input, Task) and consumer.main_categories:
            wanted.setdefault(consumer.main_input.name, set()).update(consumer.main_categories)
    result: dict[str, tuple[str, ...]] = {}
    for task in workflow.tasks.values():
        categories = set(wanted.get(task.name, ()))
        if task.output_filter is not None and task.output_filter.mode is FilterMode.SELECT:
            categories.update(task.output_filter.categories)
        result[task.name] = tuple(sorted(categories)) or (default_category(task),)
    return result
