"""Classification: which tags each input file carries.

A file may carry several tags (EDPS allows it). Files that carry a product category
(``pro.catg``) requested somewhere in the cascade are kept as *master* candidates, so
an on-disk master calibration can stand in for the job that would produce it.
Duplicate files (the same header under several paths) are reduced to one, always the
same one, so the derivation never flips between runs: the complete copy (its size holds
the data its header announces), then the smallest path.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..cascade import ClassificationRule, Workflow
from ..cascade.edps_types import FitsFile
from .hooks import call_workflow_function
from .products import product_categories

PRODUCT_CATEGORY_KEYWORD = "pro.catg"
BLOCK = 2880  # FITS block size


@dataclass
class Classification:
    """Frames by tag, master files by product category, and what could not be used."""

    by_tag: dict[str, list[Any]] = field(default_factory=dict)
    masters: dict[str, list[Any]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    unclassified: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    damaged: dict[str, str] = field(default_factory=dict)

    def duplicate_errors(self) -> list[dict[str, str]]:
        """One error record per ignored duplicate, saying which copy was kept and why."""
        errors = []
        for dup, kept in self.duplicates:
            why = f"; this copy is cut short ({self.damaged[dup]})" if dup in self.damaged else ""
            errors.append(
                {"file": dup, "error": f"duplicate of {kept} (identical header); ignored{why}"}
            )
        return errors

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


def data_problem(header: Any) -> str | None:
    """Why a plain FITS file cannot hold the data its primary header announces (it was
    cut short), or None. Compressed files are not checked: their size says nothing."""
    if str(header.path).endswith((".gz", ".fz", ".bz2")):
        return None
    try:
        bitpix = abs(int(header.get("bitpix") or 8))
        naxes = [int(header.get(f"naxis{i}") or 0) for i in range(1, int(header.get("naxis") or 0) + 1)]
    except (TypeError, ValueError):
        return None
    data = bitpix // 8 * math.prod(naxes) if naxes else 0
    expected = BLOCK + -(-data // BLOCK) * BLOCK
    if header.size < expected:
        return f"{header.size} bytes, its header announces at least {expected}"
    return None


def deduplicate(headers: Sequence[Any]) -> tuple[list[Any], list[tuple[str, str]], dict[str, str]]:
    """Keep one header per identity (a complete copy first, then the smallest path);
    report the others and the damaged ones."""
    damaged: dict[str, str] = {}
    copies: dict[str, list[Any]] = {}
    for header in headers:
        copies.setdefault(header.identity, []).append(header)
    kept: list[Any] = []
    duplicates: list[tuple[str, str]] = []
    for group in copies.values():
        if len(group) > 1:
            for header in group:
                problem = data_problem(header)
                if problem is not None:
                    damaged[header.path] = problem
        group.sort(key=lambda h: (h.path in damaged, h.path))
        kept.append(group[0])
        duplicates += [(h.path, group[0].path) for h in group[1:]]
    return sorted(kept, key=lambda h: h.path), sorted(duplicates), damaged


def classify(headers: Iterable[Any], workflow: Workflow) -> Classification:
    unique, duplicates, damaged = deduplicate(list(headers))
    rules = workflow_rules(workflow)
    masters_wanted = requested_product_categories(workflow)
    result = Classification(duplicates=duplicates, damaged=damaged)
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
