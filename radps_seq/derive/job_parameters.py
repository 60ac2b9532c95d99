"""What condition, dynamic-parameter and job-processing functions of a cascade receive.

EDPS passes a ``JobParameters`` object to conditions (``params.get_workflow_param(name)``);
radps_seq keeps that interface and adds read access to the trigger's header keywords,
so a condition can depend on the data (for example the filter of a science frame).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class JobParameters:
    def __init__(
        self,
        workflow_parameters: Mapping[str, Any],
        recipe_parameters: Mapping[str, Any] | None = None,
        trigger: Any = None,
        files: list[Any] | None = None,
    ) -> None:
        self._workflow = dict(workflow_parameters)
        self._recipe = dict(recipe_parameters or {})
        self.trigger = trigger
        self.files = list(files or [])

    def get_workflow_param(self, name: str, default: Any = None) -> Any:
        return self._workflow.get(name, default)

    def get_recipe_param(self, name: str, default: Any = None) -> Any:
        return self._recipe.get(name, default)

    def get_workflow_parameters(self) -> dict[str, Any]:
        return dict(self._workflow)

    def get_recipe_parameters(self) -> dict[str, Any]:
        return dict(self._recipe)

    def get_keyword(self, keyword: str, default: Any = None) -> Any:
        """A header keyword of the job's trigger frame (None outside a job)."""
        if self.trigger is None:
            return default
        return self.trigger.get(keyword.lower(), default)
