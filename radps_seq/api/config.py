"""What a service instance is configured with: roots, folders, limits and its token.

One :class:`ServiceConfig` per application object; nothing is read from process-wide
state after it is built, so two services (or a test and a service) never share one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import radps_seq
from radps_seq.errors import RadpsError

#: Request bodies larger than this are refused with 413 before they are parsed.
DEFAULT_BODY_LIMIT = 1 << 20

_PROJECT = Path(radps_seq.__file__).resolve().parent.parent


def default_workflow_dirs() -> list[Path]:
    """The project's own ``cascades/`` folder, when the service names none."""
    folder = _PROJECT / "cascades"
    return [folder] if folder.is_dir() else []


def default_model_dirs() -> list[Path]:
    folder = _PROJECT / "models"
    return [folder] if folder.is_dir() else []


@dataclass
class ServiceConfig:
    """The settings of one service.

    ``data_roots`` are the only folders inputs may resolve into; ``workflow_dirs`` the
    only places workflows are loaded from (by name); ``model_dirs`` the only folders a
    learned planner's model is read from besides ``models:/`` registry URIs.
    """

    data_roots: list[Path]
    workdir: Path
    workflow_dirs: list[Path] = field(default_factory=default_workflow_dirs)
    model_dirs: list[Path] = field(default_factory=default_model_dirs)
    max_concurrent: int = 2
    max_queue: int = 1000
    token: str | None = None
    body_limit: int = DEFAULT_BODY_LIMIT
    runlog_url: str | None = None
    tracking_uri: str | None = None
    track: bool = True
    mlflow_ui: str | None = None
    executor: str = "local"
    scheduler: str | None = None
    poll_s: float = 0.2

    def __post_init__(self) -> None:
        if not self.data_roots:
            raise RadpsError("give at least one --data-root: inputs are only read from inside one")
        roots = []
        for root in self.data_roots:
            resolved = Path(os.path.realpath(root))
            if not resolved.is_dir():
                raise RadpsError(f"data root {root}: not a directory")
            roots.append(resolved)
        self.data_roots = roots
        self.workdir = Path(self.workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for folder in self.workflow_dirs:
            if not Path(folder).is_dir():
                raise RadpsError(f"workflow directory {folder}: not a directory")
        self.workflow_dirs = [Path(os.path.realpath(d)) for d in self.workflow_dirs]
        self.model_dirs = [Path(os.path.realpath(d)) for d in self.model_dirs]
        if self.max_concurrent < 1:
            raise RadpsError(f"--max-concurrent must be at least 1, got {self.max_concurrent}")
        if self.token is not None and len(self.token) < 8:
            raise RadpsError("the service token must have at least 8 characters")
        if self.track and self.tracking_uri is None:
            self.tracking_uri = f"sqlite:///{self.workdir / 'mlflow.db'}"

    @property
    def database(self) -> str:
        """Where the service's rows and the run log live: the URL, or the work directory."""
        return self.runlog_url or str(self.workdir)


def token_from(env_var: str | None, config: dict[str, Any]) -> str | None:
    """The bearer token: from the named environment variable, else the config file's
    ``token``; an empty or missing variable that was asked for is an error, never 'no
    token' (that would open the service by accident)."""
    if env_var:
        value = os.environ.get(env_var, "")
        if not value:
            raise RadpsError(f"--token-env {env_var}: the environment variable is not set or empty")
        return value
    token = config.get("token")
    return str(token) if token else None


def load_config_file(path: str | None) -> dict[str, Any]:
    """Settings from a YAML file (``token``, ``data_roots``, ``workflow_dirs``, ...)."""
    if path is None:
        return {}
    import yaml

    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except OSError as exc:
        raise RadpsError(f"config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise RadpsError(f"config file {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise RadpsError(f"config file {path}: expected a mapping of settings")
    known = {
        "token", "data_roots", "workdir", "workflow_dirs", "model_dirs", "max_concurrent",
        "host", "port", "runlog_url", "tracking_uri", "mlflow_ui", "executor", "scheduler",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise RadpsError(f"config file {path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if "token" in data and file.stat().st_mode & 0o077:
        raise RadpsError(f"config file {path} holds a token but others can read it: chmod 600 {path}")
    return data
