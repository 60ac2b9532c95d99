"""Classification, grouping, association and job-graph derivation."""

from .associate import ASSOCIATION_PREFERENCES, RAW_PER_QUALITY_LEVEL
from .classify import Classification, classify
from .graph import Derivation, build_job_graph
from .job import Job, JobInput
from .job_parameters import JobParameters
from .request import derive, derive_request

__all__ = [
    "ASSOCIATION_PREFERENCES",
    "RAW_PER_QUALITY_LEVEL",
    "Classification",
    "Derivation",
    "Job",
    "JobInput",
    "JobParameters",
    "build_job_graph",
    "classify",
    "derive",
    "derive_request",
]
