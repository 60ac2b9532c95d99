"""Classification: which tags each input file carries.

A file may carry several tags (EDPS allows it). Files that carry a product category
(``pro.catg``) requested somewhere in the cascade are kept as *master* candidates, so
an on-disk master calibration can stand in for the job that would produce it.
Duplicate files (the same header under several paths) are reduced to one, always the
same one, so the derivation never flips between runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cascade import ClassificationRule, Workflow
from ..cascade.edps_types import FitsFile
from .hooks import call_workflow_function
from .products import product_categories

PRODUCT_CATEGORY_KEYWORD = "pro.catg"


@dataclass
class Classification:
    """Frames by tag, master files by product category, and what could not be used."""

    by_tag: dict[str, list[Any]] = field(default_factory=dict)
    masters: dict[str, list[Any]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    unclassified: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    def files(self) -> list[dict[str, Any]]:
        """The ``classify`` JSON records: one per classified file, tags sorted."""
        return [{"file": path, "tags": tags} for path, tags in sorted(self.tags.items())]


def workflow_rules(workflow: Workflow) -> list[ClassificationRule]:
    """Every distinct classification rule of the cascade's data sources."""
    seen: dict[int, ClassificationRule] = {}
    for source in workflow.data_sources.values():
        for rule in source.classification_rules:
            seen.setdefault(id(rule), rule)
    return list(seen.values())


def requested_product_categories(workflow: Workflow) -> set[str]:
    """Categories consumers ask upstream tasks for; on-disk files with them are masters."""
    categories: set[str] = set()
    for task in workflow.tasks.values():
        categories.update(product_categories(workflow, task))
    return categories


def rule_matches(rule: ClassificationRule, header: Any) -> bool:
    """Every keyword equals its value (``None``: absent; a tuple: any of its values),
    or the rule's function, given the EDPS file view, returns true."""
    if rule.function is not None:
        return bool(
            call_workflow_function(
                rule.function, FitsFile(header), f"classification rule {rule.tag!r}", header.path
            )
        )
    get = header.get
    for keyword, expected in rule.keywords.items():
        value = get(keyword)
        if expected is None:
            if value is not None:
                return False
        elif value != expected and not (type(expected) is tuple and value in expected):
            return False
    return True


def deduplicate(headers: Sequence[Any]) -> tuple[list[Any], list[tuple[str, str]]]:
    """Keep one header per identity (the smallest path); report the others."""
    kept: dict[str, Any] = {}
    duplicates: list[tuple[str, str]] = []
    for header in sorted(headers, key=lambda h: h.path):
        first = kept.get(header.identity)
        if first is None:
            kept[header.identity] = header
        else:
            duplicates.append((header.path, first.path))
    return sorted(kept.values(), key=lambda h: h.path), duplicates


def classify(headers: Iterable[Any], workflow: Workflow) -> Classification:
    unique, duplicates = deduplicate(list(headers))
    rules = workflow_rules(workflow)
    masters_wanted = requested_product_categories(workflow)
    result = Classification(duplicates=duplicates)
    for header in unique:
        tags = [rule.tag for rule in rules if rule_matches(rule, header)]
        product = header.get(PRODUCT_CATEGORY_KEYWORD)
        if product in masters_wanted:
            result.masters.setdefault(product, []).append(header)
            if product not in tags:
                tags.append(product)
        if not tags:
            result.unclassified.append(header.path)
            continue
        tags = sorted(set(tags))
        result.tags[header.path] = tags
        for tag in tags:
            result.by_tag.setdefault(tag, []).append(header)
    return result
