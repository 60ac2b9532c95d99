"""Where in a workflow package something happened: ``file:line`` for messages.

Errors about workflow code must point at the workflow, not at radps_seq: a builder
called with a shape EDPS has and radps_seq lacks names the caller's line, and an
exception raised by a rule, condition or hook names the deepest line of workflow code
in its traceback.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import WorkflowError

_ENGINE = str(Path(__file__).resolve().parent.parent)


def _display(filename: str) -> str:
    """Relative to the working directory when below it, else as it is."""
    cwd = os.getcwd() + os.sep
    return filename[len(cwd):] if filename.startswith(cwd) else filename


def _is_engine(filename: str) -> bool:
    return filename.startswith(_ENGINE) or filename.startswith("<")


def caller_location() -> str:
    """``file:line`` of the nearest frame outside radps_seq (the workflow's line)."""
    frame = sys._getframe(1)
    while frame is not None and _is_engine(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return "unknown location"
    return f"{_display(frame.f_code.co_filename)}:{frame.f_lineno}"


def traceback_location(tb: TracebackType | None, fallback: Any = None) -> str:
    """``file:line`` of the deepest traceback frame outside radps_seq; else where
    ``fallback`` (a function) is defined."""
    found = None
    for summary in traceback.extract_tb(tb):
        if not _is_engine(summary.filename) and "site-packages" not in summary.filename:
            found = f"{_display(summary.filename)}:{summary.lineno}"
    return found or function_location(fallback)


def function_location(function: Any) -> str:
    """``file:line`` where a workflow function is defined."""
    code = getattr(function, "__code__", None)
    if code is None:
        return "unknown location"
    return f"{_display(code.co_filename)}:{code.co_firstlineno}"


class LocatedError(WorkflowError):
    """A workflow error whose message already names the workflow's ``file:line``."""


class NotSupportedYet(LocatedError):
    """An EDPS name or argument shape radps_seq does not implement (yet)."""

    def __init__(self, what: str, where: str | None = None) -> None:
        self.what = what
        self.where = where or caller_location()
        super().__init__(f"not supported yet: {what} ({self.where})")


def not_supported(what: str) -> NotSupportedYet:
    """The error for an unsupported EDPS feature, located at the workflow's line."""
    return NotSupportedYet(what, caller_location())


class WorkflowTypeError(LocatedError, TypeError):
    """A builder got an argument of the wrong kind (located at the workflow's line)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message} ({caller_location()})")


class WorkflowValueError(LocatedError, ValueError):
    """A builder got a value it cannot use (located at the workflow's line)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message} ({caller_location()})")


def edps_arguments(cls: type) -> type:
    """Class decorator: a builder method called with arguments its signature does not
    take says ``not supported yet: …(file:line)`` instead of a bare TypeError."""
    for name, method in list(vars(cls).items()):
        if (name.startswith("with_") or name == "build") and inspect.isfunction(method):
            setattr(cls, name, _checked(method, cls.__name__))
    return cls


def _checked(method: Any, owner: str) -> Any:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            shape = ", ".join([type(a).__name__ for a in args] + [f"{k}=" for k in kwargs])
            raise NotSupportedYet(
                f"{_BUILDER_NAMES.get(owner, owner)}.{method.__name__}({shape}): {exc}",
                caller_location(),
            ) from None
        return method(self, *args, **kwargs)

    return checked


_BUILDER_NAMES = {
    "TaskBuilder": "task(...)",
    "DataSourceBuilder": "data_source(...)",
    "Alternatives": "alternative_associated_inputs(...)",
    "MatchRules": "match_rules()",
}
