"""Subworkflows: a decorator that names the tasks a function builds (EDPS ``subworkflow``).

Tasks created while the decorated function runs record the subworkflow's name, so a
cascade can be shown and targeted by its parts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_ACTIVE: list[str] = []


@dataclass(frozen=True)
class SubworkflowInfo:
    name: str
    description: str


def current_subworkflow() -> str | None:
    return _ACTIVE[-1] if _ACTIVE else None


def subworkflow(name: str, description: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a function that builds and returns tasks: ``@subworkflow("flats", "...")``."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _ACTIVE.append(name)
            try:
                return function(*args, **kwargs)
            finally:
                _ACTIVE.pop()

        wrapper.subworkflow = SubworkflowInfo(name, description)  # type: ignore[attr-defined]
        return wrapper

    return decorate
