"""Exporting the run log with pandas: JSON records, CSV or Parquet (``radps-seq runs``).

JSON records carry the structured fields as objects; CSV and Parquet keep them as JSON
text, which every reader can parse and which keeps the columns flat and typed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from radps_seq.errors import RadpsError

from .columns import JSON_COLUMNS
from .store import RunLog

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("json", "csv", "parquet")


def load_runs(url_or_workdir: str | os.PathLike, reduction_id: str | None = None) -> pd.DataFrame:
    """The job-run rows of a run log (all reductions, or one), JSON fields as text."""
    store = RunLog(url_or_workdir, create=False)
    try:
        return store.runs(reduction_id)
    finally:
        store.close()


def export_runs(
    url_or_workdir: str | os.PathLike,
    format: str = "json",
    out: str | os.PathLike | None = None,
    reduction_id: str | None = None,
) -> pd.DataFrame:
    """Write the run log's job-run rows to ``out`` (stdout when None); returns them.

    ``url_or_workdir`` is a work directory (its ``runlog.sqlite``) or a SQLAlchemy URL.
    """
    if format not in FORMATS:
        raise RadpsError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    runs = load_runs(url_or_workdir, reduction_id)
    if format == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise RadpsError(
                "Parquet export needs pyarrow: pip install 'radps_seq[ml]' (or use --format csv)"
            ) from None
        target = out if out is not None else sys.stdout.buffer
        runs.to_parquet(target, index=False)
    elif format == "csv":
        text = runs.to_csv(index=False)
        _write(text, out)
    else:
        records = runs.astype(object).where(runs.notna(), None).to_dict(orient="records")
        for record in records:
            for name in JSON_COLUMNS:
                if record[name] is not None:
                    record[name] = json.loads(record[name])
        _write(json.dumps(records, indent=1) + "\n", out)
    return runs


def _write(text: str, out: str | os.PathLike | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        Path(out).write_text(text)
