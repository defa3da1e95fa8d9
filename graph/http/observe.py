"""What each GraphQL operation leaves behind: a JSON log line, metrics, and (when on) a span.

`observed` wraps the endpoint's run of one operation. The schema extension in
graph/schema/operation_state.py hands the running operation's context and name to the
`Observation` in `current_observation` (graph/observability/observation.py), so nothing here re-parses the query.

The log line (logger `graph.request`) holds: request id, operation name,
persisted-query hash, duration in ms, SQL statement count, outcome ("ok" or
the error codes), HTTP status, method, and the path that answered
(graph/observability/paths.py: the planner or graph/schema/operation_state.py sets it on the context;
no context, or none set, means nothing ran: "refused"). Never headers, never the query text;
variables only with LOG_VARIABLES=true, with passwords redacted (graph/limits/redaction.py).
"""

import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from functools import wraps
from typing import Any

from opentelemetry.trace import Status, StatusCode
from starlette.requests import Request

from graph.http.headers import Headers
from graph.http.params import Params, RequestError
from graph.http.state import AppState, app_state
from graph.limits.redaction import logged_variables
from graph.observability import metrics
from graph.observability.logs import RecordTemplate
from graph.observability.observation import Observation, current_observation
from graph.observability.paths import REFUSED
from graph.observability.request_ids import new_request_id
from graph.schema.build import schema

log = logging.getLogger("graph.request")
OPERATION_RECORDS = RecordTemplate(log.name, logging.INFO, "graphql operation")

Run = Callable[[Request, Headers, Params, str, str], Awaitable[tuple[dict[str, Any], int, bool]]]


def observed(run: Run) -> Run:
    @wraps(run)
    async def run_observed(
        request: Request, headers: Headers, params: Params, method: str, media_type: str
    ) -> tuple[dict[str, Any], int, bool]:
        started = time.perf_counter()
        observation = Observation()
        token = current_observation.set(observation)
        state = app_state(request)
        tracer = state["tracer"]
        span_scope = tracer.start_as_current_span("graphql.operation") if tracer is not None else nullcontext()
        with span_scope as span:
            try:
                body, status, public = await run(request, headers, params, method, media_type)
            except RequestError as error:
                _record(state, headers, params, method, observation, started, [error.code], error.status, span)
                raise
            finally:
                current_observation.reset(token)
            _record(state, headers, params, method, observation, started, _codes(body), status, span)
        return body, status, public

    return run_observed


def _codes(body: dict[str, Any]) -> list[str]:
    errors = body.get("errors")
    if not errors:
        return []
    return [(error.get("extensions") or {}).get("code") or "UNKNOWN" for error in errors]


def _record(
    state: AppState,
    headers: Headers,
    params: Params,
    method: str,
    observation: Observation,
    started: float,
    codes: list[str],
    status: int,
    span: Any,
) -> None:
    seconds = time.perf_counter() - started
    context = observation.context
    name = observation.operation_name or params.operation_name
    statements = context.statements.value if context is not None else 0
    path = (context.answered_by if context is not None else None) or REFUSED
    operation_type = (context.operation_type if context is not None else None) or "unknown"
    request_id = context.request_id if context is not None else headers.get("x-request-id") or new_request_id()
    settings = state["settings"]
    if settings.metrics:
        metrics.observe_operation(name, codes, seconds, statements, path, operation_type)
    path_counts = state["path_counts"]
    if path_counts is not None:
        path_counts.add(path, operation_type, name, observation.query or params.query, not codes)
    persisted = params.extensions.get("persistedQuery")
    fields: dict[str, Any] = {
        "request_id": request_id[:128],
        "operation": name,
        "persisted_query_hash": persisted.get("sha256Hash") if isinstance(persisted, dict) else None,
        "method": method,
        "status": status,
        "outcome": codes or "ok",
        "duration_ms": round(seconds * 1000, 2),
        "statements": statements,
        "path": path,
    }
    if settings.log_variables:
        query = observation.query or params.query
        fields["variables"] = logged_variables(
            schema._schema, query, params.operation_name, params.variables, state["limits"]
        )
    if log.isEnabledFor(logging.INFO):
        # log.info without its walk up the stack for the caller's file and line, or LogRecord's lookups.
        log.handle(OPERATION_RECORDS.record(fields=fields))
    if span is not None:
        span.update_name(f"graphql {name}" if name else "graphql")
        span.set_attribute("graphql.operation.name", name or "")
        span.set_attribute("graphql.request_id", request_id[:128])
        span.set_attribute("http.response.status_code", status)
        span.set_attribute("db.statement_count", statements)
        span.set_attribute("graphql.path", path)
        if codes:
            span.set_status(Status(StatusCode.ERROR, ",".join(codes)))
