"""What condition, dynamic-parameter and job-processing functions of a cascade receive.

The classes are part of the DSL (:mod:`radps_seq.cascade.edps_types`); they are
re-exported here for the engine code that builds them.
"""

from ..cascade.edps_types import ClassifiedFitsFile, FitsFile, Job, JobParameters, get_parameter

__all__ = ["ClassifiedFitsFile", "FitsFile", "Job", "JobParameters", "get_parameter"]
