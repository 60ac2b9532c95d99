from edps import JobParameters

from .imaging_keywords import *


def needs_fringe_correction(params: JobParameters) -> bool:
    """Only filters with fringes get a fringe map; elsewhere the stage passes the frame on."""
    return params.get_keyword(filter_name) in FRINGING_FILTERS


def illumination_correction_requested(params: JobParameters) -> bool:
    """Workflow parameter 'illumination_correction' (true|false) switches the correction."""
    value = params.get_workflow_param("illumination_correction", True)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)
