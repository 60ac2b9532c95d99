"""The request and response bodies of the REST API (they make /openapi.json).

Unknown fields are refused (``extra="forbid"``): a mistyped option is never accepted
silently. Fields left out take the defaults of :class:`radps_seq.reduction.ReductionRequest`,
the one place those live.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | float | bool | None


class PlanBody(BaseModel):
    """A proposed plan: the job ids in the order to run them, and those to skip."""

    model_config = ConfigDict(extra="forbid")

    order: list[str] = Field(max_length=100000, description="Job ids (of the derived graph) in run order.")
    skip: list[str] = Field(default_factory=list, max_length=100000, description="Job ids to skip.")


class ReductionBody(BaseModel):
    """``POST /reductions``: what to reduce, with which cascade and planner."""

    model_config = ConfigDict(extra="forbid")

    workflow: str = Field(description="Name of a workflow of the service's workflow folders.",
                          min_length=1, max_length=100)
    inputs: list[str] = Field(description="Files or folders, absolute or relative to the first data root.",
                              min_length=1, max_length=10000)
    targets: list[str] = Field(default_factory=list, max_length=100, description="Target task names.")
    meta_targets: list[str] = Field(default_factory=list, max_length=20,
                                    description="Meta-targets, e.g. science, qc1calib.")
    workflow_parameters: dict[str, Scalar] = Field(default_factory=dict)
    parameter_set: str | None = Field(default=None, max_length=200)
    recipe_parameters: dict[str, dict[str, Scalar]] = Field(
        default_factory=dict, max_length=200,
        description="Per-task recipe parameter overrides, {task: {name: value}}, as derive's -rp TASK NAME VALUE.",
    )
    recipe_parameter_set: str | None = Field(default=None, max_length=200,
                                             description="Parameter set to take the recipe parameters from (-rps).")
    association_preference: Literal["raw", "master", "raw_per_quality_level", "master_per_quality_level"] | None = None
    planner: str | None = Field(default=None, max_length=100,
                                description="dfs, bfs, type, dynamic, random, critical-path, learned")
    plan: PlanBody | None = Field(default=None, description=(
        "A proposed plan instead of a planner's (job ids from a derivation-only request); the guard "
        "checks it, and a refused one is replaced by the baseline, with the reasons on record."))
    model: str | None = Field(default=None, max_length=300,
                              description="Learned planner model: models:/NAME/VERSION or a model folder name.")
    objective: Literal["makespan", "interactive"] | None = None
    skip_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    seed: int | None = Field(default=None, ge=0, le=2**31)
    workers: int | None = Field(default=None, ge=1, le=64)
    dummy: bool = Field(default=False, description="Call no recipe: each job writes placeholder products.")
    force: bool = False
    execute: bool = Field(default=True, description="false: derive the job graph only and return it at once.")


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    next: str | None = None


class Job(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    task: str
    state: str | None = None


class Reduction(BaseModel):
    """``GET /reductions/{id}``."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: Literal["queued", "running", "derived", "succeeded", "partial", "failed", "cancelled"]
    workflow: str | None = None
    planner: str | None = None
    execute: bool
    jobs: list[Job] = Field(default_factory=list)
    plan: dict[str, Any] | None = None
    refused: list[str] = Field(default_factory=list)
    timings: dict[str, Any] = Field(default_factory=dict)
    products: dict[str, list[str]] = Field(default_factory=dict)
    error: str | None = None


class Message(BaseModel):
    detail: Any


class Health(BaseModel):
    status: Literal["ok"]
    queued: int
    running: int
    max_concurrent: int
