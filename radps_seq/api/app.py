"""The REST service: launch reductions, follow them, read their graphs and the run log.

:func:`create_app` builds one FastAPI application from one :class:`ServiceConfig`;
everything it knows lives in the work directory's database (or the run-log URL), so a
restarted service lists what the last one did and resumes what was waiting.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from radps_seq.errors import RadpsError
from radps_seq.runlog import RunLog

from . import graphs, views
from .access import Forbidden, NotFound, check_name, workflow_file, workflows
from .config import ServiceConfig
from .dispatch import Dispatcher
from .schemas import Health, Message, Page, Reduction, ReductionBody
from .security import BodyLimit, TokenGuard
from .store import STATUSES, ServiceStore
from .submit import Invalid, derive_now, planner_of, request_kwargs

log = logging.getLogger(__name__)
WEB = Path(__file__).parent / "web"
ERRORS = {400: {"model": Message}, 401: {"model": Message}, 403: {"model": Message},
          404: {"model": Message}, 409: {"model": Message}, 413: {"model": Message},
          422: {"model": Message}, 503: {"model": Message}}


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


class Conflict(RadpsError):
    """The request does not fit the reduction's current state (HTTP 409)."""


class Busy(RadpsError):
    """The queue is full (HTTP 503)."""


_STATUS = {Forbidden: 403, NotFound: 404, Conflict: 409, Busy: 503, Invalid: 422}


def create_app(config: ServiceConfig, *, start_dispatcher: bool = True) -> Any:
    """The ASGI application (FastAPI wrapped in the token and body-size guards)."""
    store = ServiceStore(config.database)
    runlog = RunLog(config.database)
    dispatcher = Dispatcher(store, config.database, config.workdir / "service-logs",
                            config.max_concurrent, config.poll_s)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        if start_dispatcher:
            dispatcher.start()
        try:
            yield
        finally:
            dispatcher.stop()
            store.close()
            runlog.close()

    app = FastAPI(title="radps-seq", version="1", lifespan=lifespan,
                  description="Launch and follow data reductions; read their job graphs and the run log.")
    app.state.config, app.state.store, app.state.dispatcher = config, store, dispatcher
    _errors(app)
    service = _Service(config, store, runlog, dispatcher)
    _reduction_routes(app, service)
    _read_routes(app, service)
    return TokenGuard(BodyLimit(app, config.body_limit), config.token)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(RadpsError)
    async def radps_error(_request: Request, exc: RadpsError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 422)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); see the service log"},
                            status_code=500)


def _page(items: list[dict], total: int, offset: int, limit: int, request: Request) -> dict[str, Any]:
    following = None
    if offset + limit < total:
        following = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    return {"items": items, "total": total, "offset": offset, "limit": limit, "next": following}


@dataclass
class _Service:
    """What the routes share: the configuration, the records and the queue."""

    config: ServiceConfig
    store: ServiceStore
    runlog: RunLog
    dispatcher: Dispatcher

    def row(self, reduction_id: str) -> dict[str, Any]:
        row = self.store.get(check_name("reduction", reduction_id))
        if row is None:
            raise NotFound(f"no reduction {reduction_id!r}")
        return row

    def record(self, reduction_id: str) -> dict[str, Any]:
        return views.reduction(self.row(reduction_id), self.runlog, self.config.mlflow_ui)


def _reduction_routes(app: FastAPI, svc: _Service) -> None:
    config, store = svc.config, svc.store

    @app.get("/health", response_model=Health)
    def health() -> dict[str, Any]:
        return {"status": "ok", "queued": len(store.queued()), "max_concurrent": config.max_concurrent,
                **svc.dispatcher.counts()}

    @app.post("/reductions", status_code=202, response_model=Reduction, responses=ERRORS)
    def submit(body: ReductionBody, response: Response) -> dict[str, Any]:
        """Queue a reduction (202), or with ``execute: false`` derive its job graph now (201)."""
        kwargs = request_kwargs(body, config)
        record = {"body": body.model_dump(), "kwargs": kwargs, "workflow": body.workflow,
                  "planner": planner_of(kwargs), "execute": body.execute}
        if body.execute and len(store.queued()) >= config.max_queue:
            raise Busy(f"the queue is full ({config.max_queue} reductions waiting); try again later")
        derivation = derive_now(kwargs, require=body.execute)  # the worker derives again when it starts
        reduction_id = store.add(record, status="queued" if body.execute else "derived", derivation=derivation)
        if body.execute:
            svc.dispatcher.wake()
        else:
            response.status_code = 201
        response.headers["Location"] = f"/reductions/{reduction_id}"
        return svc.record(reduction_id)

    @app.get("/reductions", response_model=Page, responses=ERRORS)
    def list_reductions(request: Request, status: Annotated[list[str] | None, Query()] = None,
                        offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Reductions, newest first; ``status`` may repeat."""
        unknown = sorted(set(status or ()) - set(STATUSES))
        if unknown:
            raise Invalid(f"unknown status {', '.join(unknown)}; use: {', '.join(STATUSES)}")
        rows, total = store.list(status=status or (), offset=offset, limit=limit)
        return _page([views.summary(r) for r in rows], total, offset, limit, request)

    @app.get("/reductions/{reduction_id}", response_model=Reduction, responses=ERRORS)
    def get_reduction(reduction_id: str) -> dict[str, Any]:
        return svc.record(reduction_id)

    @app.post("/reductions/{reduction_id}/cancel", response_model=Reduction, responses=ERRORS)
    def cancel(reduction_id: str) -> dict[str, Any]:
        row = svc.row(reduction_id)
        if not svc.dispatcher.cancel(row["id"]):
            raise Conflict(f"reduction {reduction_id} has already ended ({svc.row(reduction_id)['status']})")
        return svc.record(reduction_id)


def _read_routes(app: FastAPI, svc: _Service) -> None:
    folders = svc.config.workflow_dirs

    @app.get("/reductions/{reduction_id}/graph", responses={**ERRORS, 200: {
        "content": {"application/json": {}, "text/vnd.graphviz": {}, "text/plain": {}, "image/svg+xml": {}}}})
    def graph(reduction_id: str, format: Annotated[str, Query(pattern="^(json|dot|mermaid|svg)$")] = "json") -> Any:
        """The job graph with job states: json, dot, mermaid or svg."""
        record = svc.record(reduction_id)
        jobs = record["jobs"]
        if format == "dot":
            return PlainTextResponse(graphs.graph_dot(record["workflow"] or "reduction", jobs),
                                     media_type="text/vnd.graphviz")
        if format == "mermaid":
            return PlainTextResponse(graphs.graph_mermaid(jobs))
        if format == "svg":
            return Response(graphs.graph_svg(jobs), media_type="image/svg+xml")
        return graphs.graph_json(jobs)

    @app.get("/workflows", responses=ERRORS)
    def list_workflows() -> dict[str, Any]:
        return {"workflows": [e.to_dict() for e in workflows(folders).values()]}

    @app.get("/workflows/{name}/tasks", responses=ERRORS)
    def workflow_tasks(name: str) -> dict[str, Any]:
        from radps_seq.derive.request import load
        from radps_seq.render import tasks_record

        return tasks_record(load(workflow_file(folders, name)))

    @app.get("/runs", response_model=Page, responses=ERRORS)
    def list_runs(request: Request, reduction: str | None = None, workflow: str | None = None,
                  task: str | None = None, status: str | None = None, planner: str | None = None,
                  job: str | None = None, offset: Offset = 0, limit: Limit = 100) -> dict[str, Any]:
        """Run-log rows (one per job execution attempt), oldest first."""
        filters = {"reduction_id": reduction, "workflow": workflow, "task": task, "status": status,
                   "planner": planner, "job_id": job}
        rows, total = views.runs(svc.runlog, filters, offset, limit)
        return _page(rows, total, offset, limit, request)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        files = {p.name: p for p in WEB.iterdir() if p.is_file()}
        if name not in files:
            raise NotFound(f"no file {name!r}")
        return FileResponse(files[name])
