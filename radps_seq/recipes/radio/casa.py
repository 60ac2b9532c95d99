"""Running CASA here: offline, one thread per job, its log in the job's folder.

CASA reads its configuration when ``casatools`` is first imported in a process. Before
that, :func:`casa` writes a site configuration into a private temporary folder that
points ``measurespath`` at the ``casadata`` package and turns automatic data updates
off (no network, no ``~/.casa/data``), and sets ``OMP_NUM_THREADS`` (a 128² tclean
takes seconds with one thread and ten times longer when threads fight over two cores).
Nothing here is imported before a CASA stage actually runs.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from ..registry import RecipeError

_SITE_CONFIG = """\
import casadata
measurespath = casadata.datapath
datapath = [casadata.datapath]
measures_auto_update = False
data_auto_update = False
nologger = True
nogui = True
telemetry_enabled = False
crashreporter_enabled = False
logfile = {logfile!r}
"""


class Casa:
    """The imported CASA modules of this process: ``tools`` (casatools), ``tasks`` (casatasks)."""

    def __init__(self, tools: ModuleType, tasks: ModuleType) -> None:
        self.tools = tools
        self.tasks = tasks

    @property
    def version(self) -> str:
        return self.tools.version_string()


_LOADED: Casa | None = None


def installed() -> bool:
    """Whether the casa extra is installed (without importing it: an unconfigured import
    of casatools tries to update its data)."""
    from importlib.util import find_spec

    return find_spec("casatools") is not None and find_spec("casatasks") is not None


def casa(logfile: str | os.PathLike | None = None, threads: int = 1) -> Casa:
    """Configure (once per process) and import casatools and casatasks."""
    global _LOADED
    if _LOADED is not None:
        return _LOADED
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    folder = Path(tempfile.mkdtemp(prefix="radps-casa-"))
    log = str(Path(logfile).resolve()) if logfile else str(folder / "casa.log")
    config = folder / "casasiteconfig.py"
    config.write_text(_SITE_CONFIG.format(logfile=log))
    os.environ["CASASITECONFIG"] = str(config)
    argv = list(sys.argv)
    sys.argv = [argv[0] if argv else "radps-seq", "--noconfig"]  # ignore ~/.casa/config.py
    try:
        import casatasks
        import casatools
    except ImportError as exc:
        raise RecipeError(
            f"CASA is not installed ({exc}); install the extra: pip install 'radps_seq[casa]'"
        ) from exc
    finally:
        sys.argv = argv
    _LOADED = Casa(casatools, casatasks)
    return _LOADED


def environment() -> dict[str, Any]:
    """What a product's provenance records about where it was made."""
    import platform

    loaded = casa()
    return {
        "casa": loaded.version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "casasiteconfig": "measures from casadata, automatic updates off",
    }
