"""Project error types.

Every error a user can cause derives from :class:`RadpsError`, so the command line can
turn it into one clear message and a non-zero exit instead of a traceback.
"""


class RadpsError(Exception):
    """An error caused by the request or its inputs; its message says how to fix it."""


class WorkflowError(RadpsError):
    """A cascade specification that cannot be loaded or is inconsistent."""


class ParameterError(RadpsError):
    """An unknown parameter set or a malformed parameters file."""


class InputError(RadpsError):
    """An input file or directory that cannot be used."""


class TargetError(RadpsError):
    """An unknown task or meta-target was requested."""
