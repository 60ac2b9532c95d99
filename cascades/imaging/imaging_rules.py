from edps import match

from .imaging_keywords import *


def same_sequence(ref, f) -> bool:
    """Offset sky frames belong to the science frame's observation block and filter."""
    return match(ref, f, [obs_name, filter_name])
