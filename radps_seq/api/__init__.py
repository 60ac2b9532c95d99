"""The REST service: FastAPI over the engine, the planners and the run log (DESIGN.md 7).

``create_app(ServiceConfig(...))`` builds the application; ``radps-seq serve`` runs it
with uvicorn. Names are imported on first use, so a worker process (which needs only
the store) does not pay for FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServiceConfig", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "ServiceConfig":
        from .config import ServiceConfig

        return ServiceConfig
    raise AttributeError(name)
