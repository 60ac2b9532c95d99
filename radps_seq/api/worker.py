"""Run one queued reduction of the service: ``python -m radps_seq.api.worker DB ID``.

Each reduction runs in a process of its own, started by the dispatcher: a recipe that
crashes or leaks costs that reduction, never the service, and cancelling is ending the
process group. The worker reads the request from the service's row, writes the
derived graph as soon as it has it (so the job states can be followed), then the
outcome; the executor itself records plan, refusals and job states in the run log
under the same reduction id.
"""

from __future__ import annotations

import logging
import signal
import sys
import traceback
from typing import Any

from radps_seq.errors import RadpsError

from .store import ServiceStore


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def run(database: str, reduction_id: str) -> int:
    """Run the reduction; the exit code is 0 when its outcome reached the database."""
    from radps_seq.reduction import ReductionRequest, derive_for, require_targets, run_reduction

    from .submit import derivation_record

    store = ServiceStore(database)
    row = store.get(reduction_id)
    if row is None or row["status"] != "running":
        return 0
    request = ReductionRequest.from_options({**row["request"]["kwargs"], "reduction_id": reduction_id})
    try:
        _, derivation = derive_for(request)
        store.update(reduction_id, only_if=("running",), derivation=derivation_record(derivation))
        require_targets(derivation, request)
        _, plan, result = run_reduction(request)
    except RadpsError as exc:
        store.update(reduction_id, only_if=("running",), status="failed", error=str(exc))
        return 0
    except Exception as exc:
        traceback.print_exc()  # into the worker's log file, never to a client
        store.update(reduction_id, only_if=("running",), status="failed",
                     error=f"internal error: {type(exc).__name__}: {exc}")
        return 1
    outcome = {
        "summary": result.to_dict(),
        "plan": plan.to_dict(),
        "refused": list(result.refused),
        "missing_targets": list(result.missing_targets),
    }
    store.update(reduction_id, only_if=("running",), status=result.status, result=outcome,
                 **_mlflow_run(request, reduction_id))
    return 0


def _mlflow_run(request: Any, reduction_id: str) -> dict[str, str]:
    """The MLflow run the reduction was logged as (tagged with its id), if any."""
    if not request.track or not request.tracking_uri:
        return {}
    try:
        from radps_seq.tracking import REDUCTIONS_EXPERIMENT, client

        mlflow_client = client(request.tracking_uri)
        experiment = mlflow_client.get_experiment_by_name(REDUCTIONS_EXPERIMENT)
        if experiment is None:
            return {}
        runs = mlflow_client.search_runs(
            [experiment.experiment_id], f"tags.`radps_seq.reduction` = '{reduction_id}'", max_results=1
        )
    except Exception as exc:  # the link is a convenience; the reduction's outcome is kept
        logging.getLogger(__name__).warning("no MLflow run found: %s", exc)
        return {}
    if not runs:
        return {}
    return {"mlflow_run": runs[0].info.run_id, "mlflow_experiment": experiment.experiment_id}


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if len(argv) != 2:
        print("usage: python -m radps_seq.api.worker DATABASE REDUCTION_ID", file=sys.stderr)
        return 2
    return run(argv[0], argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
