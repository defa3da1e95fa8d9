"""Every REST request leaves what a GraphQL operation leaves: a log line, metrics, a span, a statement count.

`RestRoute` is the route class of every /api router. Around each handler it
counts the SQL statements sent (db/pool.py's counter, the one the GraphQL
extensions set), turns the handler's exceptions into the RealWorld error
body (graph/rest/errors.py), and then records:

- a JSON log line on logger `graph.request` ("rest request"), with the
  GraphQL line's fields: request id, operation (the route's operationId),
  method, status, outcome ("ok" or the error's code as the GraphQL door
  names it), duration in ms, statements, and `path: "rest"`. Never headers
  or bodies;
- with METRICS on, `rest_requests_total{operation, status}`,
  `rest_request_duration_seconds{operation}` and `rest_request_statements`;
- with TRACING on, a span `rest <operation>` with the same attributes.
"""

import logging
import time
from collections.abc import Callable, Coroutine
from contextlib import nullcontext
from typing import Any

from fastapi.routing import APIRoute
from opentelemetry.trace import Status, StatusCode
from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response

from db.pool import StatementCount, statement_count
from graph.observability.logs import RecordTemplate
from graph.observability.request_ids import new_request_id
from graph.rest.errors import as_rest_error, error_response
from graph.schema.lifespan_state import LifespanState, lifespan_state

log = logging.getLogger("graph.request")
# Records copied from the first, as the GraphQL line's are (graph/observability/logs.py says why).
RECORDS = RecordTemplate(log.name, logging.INFO, "rest request")
PATH = "rest"

# The GraphQL door's names for the same failures (http.md), so one dashboard reads both.
OUTCOMES = {
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    422: "BAD_USER_INPUT",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

requests_total = Counter("rest_requests", "REST requests answered, by operation and status.", ["operation", "status"])
request_duration = Histogram(
    "rest_request_duration_seconds",
    "Time to answer one REST request.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
request_statements = Histogram(
    "rest_request_statements", "SQL statements sent for one REST request.", buckets=(0, 1, 2, 3, 4, 6, 8, 12, 16)
)

# Labelled children, looked up once: `labels()` takes a lock and builds tuples. Operations are the
# routes' own ids and statuses a handful, so both stay small.
_counters: dict[tuple[str, int], Any] = {}
_durations: dict[str, Any] = {}


def _counter(operation: str, status: int) -> Any:
    counter = _counters.get((operation, status))
    if counter is None:
        counter = _counters[(operation, status)] = requests_total.labels(operation, str(status))
    return counter


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class RestRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        operation = self.operation_id or self.name

        async def observed(request: Request) -> Response:
            started = time.perf_counter()
            state = lifespan_state(request)
            request_id = (request.headers.get("x-request-id") or new_request_id())[:128]
            tracer = state["tracer"]
            span_scope = tracer.start_as_current_span(f"rest {operation}") if tracer is not None else nullcontext()
            counter = StatementCount()
            token = statement_count.set(counter)
            with span_scope as span:
                try:
                    response = await handler(request)
                except Exception as error:  # noqa: BLE001 -- every one becomes an answer: graph/rest/errors.py
                    response = error_response(as_rest_error(error, request_id))
                finally:
                    statement_count.reset(token)
                _record(state, request, operation, request_id, response.status_code, counter.value, started, span)
            return response

        return observed


def _record(
    state: LifespanState,
    request: Request,
    operation: str,
    request_id: str,
    status: int,
    statements: int,
    started: float,
    span: Any,
) -> None:
    seconds = time.perf_counter() - started
    outcome = "ok" if status < 400 else [OUTCOMES.get(status, "BAD_REQUEST")]
    if state["settings"].metrics:
        _counter(operation, status).inc()
        duration = _durations.get(operation)
        if duration is None:
            duration = _durations[operation] = request_duration.labels(operation)
        duration.observe(seconds)
        request_statements.observe(statements)
    if log.isEnabledFor(logging.INFO):
        fields = {
            "request_id": request_id,
            "operation": operation,
            "method": request.method,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 2),
            "statements": statements,
            "path": PATH,
        }
        log.handle(RECORDS.record(fields=fields))
    if span is not None:
        span.set_attribute("rest.operation", operation)
        span.set_attribute("graphql.request_id", request_id)
        span.set_attribute("http.response.status_code", status)
        span.set_attribute("db.statement_count", statements)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, str(status)))
