"""The cascade DSL (EDPS-compatible builders) and the loader of workflow packages."""

from .data_source import Cluster, DataSource, DataSourceBuilder, data_source
from .rules import (
    ClassificationRule,
    MatchRule,
    MatchRules,
    classification_rule,
    match,
    match_rules,
)
from .subworkflow import subworkflow
from .targets import ALL, CALCHECKER, IDP, META_TARGETS, QC0, QC1_CALIB, QC1_SCIENCE, SCIENCE
from .task import (
    Alternatives,
    AssociatedInput,
    CategoryFilter,
    FilterMode,
    Skippable,
    Task,
    TaskBuilder,
    alternative_associated_inputs,
    alternative_association,
    associated_input,
    task,
)
from .time_range import *  # noqa: F403
from .time_range import __all__ as _time_range_names
from .workflow import Workflow, collect_workflow, task_graph

__all__ = [
    "ALL",
    "CALCHECKER",
    "IDP",
    "META_TARGETS",
    "QC0",
    "QC1_CALIB",
    "QC1_SCIENCE",
    "SCIENCE",
    "Alternatives",
    "AssociatedInput",
    "CategoryFilter",
    "ClassificationRule",
    "Cluster",
    "DataSource",
    "DataSourceBuilder",
    "FilterMode",
    "MatchRule",
    "MatchRules",
    "Skippable",
    "Task",
    "TaskBuilder",
    "Workflow",
    "alternative_associated_inputs",
    "alternative_association",
    "associated_input",
    "classification_rule",
    "collect_workflow",
    "data_source",
    "match",
    "match_rules",
    "subworkflow",
    "task",
    "task_graph",
    *_time_range_names,
]
