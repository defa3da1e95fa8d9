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
from dataclasses import dataclass
from functools import wraps
from typing import Any

from opentelemetry.trace import Span, Status, StatusCode
from starlette.requests import Request

from graph.http.headers import Headers
from graph.http.params import Params, RequestError
from graph.http.responses import Outcome
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

Run = Callable[[Request, Headers, Params, str, str], Awaitable[Outcome]]


def observed(run: Run) -> Run:
    @wraps(run)
    async def run_observed(request: Request, headers: Headers, params: Params, method: str, media_type: str) -> Outcome:
        started = time.perf_counter()
        observation = Observation()
        token = current_observation.set(observation)
        state = app_state(request)
        tracer = state["tracer"]
        span_scope = tracer.start_as_current_span("graphql.operation") if tracer is not None else nullcontext()
        with span_scope as span:
            try:
                outcome = await run(request, headers, params, method, media_type)
            except RequestError as error:
                _record(state, OperationRecord.of(observation, headers, params, method, started, error), span)
                raise
            finally:
                current_observation.reset(token)
            _record(state, OperationRecord.of(observation, headers, params, method, started, outcome), span)
        return outcome

    return run_observed


@dataclass(frozen=True, slots=True)
class OperationRecord:
    """One operation as it ended, gathered once: the metrics, the log line and the span each read it."""

    params: Params
    method: str
    name: str | None
    query: str | None  # the document, a persisted query's once resolved
    status: int
    codes: list[str]  # the errors' codes; none: "ok"
    seconds: float
    statements: int
    path: str  # which path answered (graph/observability/paths.py); REFUSED when nothing ran
    operation_type: str
    request_id: str

    @classmethod
    def of(
        cls,
        observation: Observation,
        headers: Headers,
        params: Params,
        method: str,
        started: float,
        ended: Outcome | RequestError,
    ) -> "OperationRecord":
        """The record of an operation that answered `ended`, or was refused with it before it ran."""
        seconds = time.perf_counter() - started
        context = observation.context
        if isinstance(ended, RequestError):
            codes, status = [ended.code], ended.status
        else:
            codes, status = _codes(ended.body), ended.status
        return cls(
            params=params,
            method=method,
            name=observation.operation_name or params.operation_name,
            query=observation.query or params.query,
            status=status,
            codes=codes,
            seconds=seconds,
            statements=context.statements.value if context is not None else 0,
            path=(context.answered_by if context is not None else None) or REFUSED,
            operation_type=(context.operation_type if context is not None else None) or "unknown",
            request_id=context.request_id if context is not None else headers.get("x-request-id") or new_request_id(),
        )


def _codes(body: dict[str, Any]) -> list[str]:
    errors = body.get("errors")
    if not errors:
        return []
    return [(error.get("extensions") or {}).get("code") or "UNKNOWN" for error in errors]


def _record(state: AppState, record: OperationRecord, span: Span | None) -> None:
    _count(state, record)
    _log(state, record)
    if span is not None:
        _trace(span, record)


def _count(state: AppState, record: OperationRecord) -> None:
    """The operation metrics (METRICS) and the path counts (PATH_COUNTS_REPORT)."""
    if state["settings"].metrics:
        metrics.observe_operation(
            record.name, record.codes, record.seconds, record.statements, record.path, record.operation_type
        )
    path_counts = state["path_counts"]
    if path_counts is not None:
        path_counts.add(record.path, record.operation_type, record.name, record.query, not record.codes)


def _log(state: AppState, record: OperationRecord) -> None:
    """The operation's log line; its variables only with LOG_VARIABLES, redacted."""
    params = record.params
    persisted = params.extensions.get("persistedQuery")
    fields: dict[str, Any] = {
        "request_id": record.request_id[:128],
        "operation": record.name,
        "persisted_query_hash": persisted.get("sha256Hash") if isinstance(persisted, dict) else None,
        "method": record.method,
        "status": record.status,
        "outcome": record.codes or "ok",
        "duration_ms": round(record.seconds * 1000, 2),
        "statements": record.statements,
        "path": record.path,
    }
    if state["settings"].log_variables:
        fields["variables"] = logged_variables(
            schema._schema, record.query, params.operation_name, params.variables, state["limits"]
        )
    if log.isEnabledFor(logging.INFO):
        # log.handle without log.info's walk up the stack for the caller's file and line, or LogRecord's lookups.
        log.handle(OPERATION_RECORDS.record(fields=fields))


def _trace(span: Span, record: OperationRecord) -> None:
    """The operation's span: named by the operation, an error status with the codes when any."""
    name = record.name
    span.update_name(f"graphql {name}" if name else "graphql")
    span.set_attribute("graphql.operation.name", name or "")
    span.set_attribute("graphql.request_id", record.request_id[:128])
    span.set_attribute("http.response.status_code", record.status)
    span.set_attribute("db.statement_count", record.statements)
    span.set_attribute("graphql.path", record.path)
    if record.codes:
        span.set_status(Status(StatusCode.ERROR, ",".join(record.codes)))
