"""POST and GET /graphql.

Strawberry's HTTP view answers some of http.md's cases differently (always
application/json, 400 text/plain for a hash-only persisted query, 400 for a
mutation over GET), so the HTTP side is served here, on Strawberry's schema;
Strawberry's router still serves the WebSocket protocol.
"""

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from db.errors import DatabaseUnavailable
from db.pool import Database
from graph.http import params as request_params
from graph.http.csrf import check_csrf, check_get_content_type
from graph.http.graphiql import graphiql_headers, graphiql_page
from graph.http.headers import Headers, first_values
from graph.http.observe import observed
from graph.http.params import Params, RequestError
from graph.http.persisted import PersistedQueries, PersistedQueryError
from graph.http.replica_routing import operation_kind, run_routed, wal_position_headers
from graph.http.request_context import context_for
from graph.http.responses import (
    GRAPHQL_RESPONSE_JSON,
    Outcome,
    error_body,
    graphql_response,
    is_request_error,
    negotiate,
    retry_after_headers,
    with_get_caching,
)
from graph.http.state import AppState, app_state
from graph.limits.shape import Limits, QueryTooComplex, check_length
from graph.observability.observation import current_observation
from graph.planned import PlannedExecution
from graph.planned.mutations import WithErrors
from graph.schema.build import schema
from graph.schema.context import Context
from graph.schema.error_codes import UNAVAILABLE_MESSAGE

log = logging.getLogger("graph.http")

JSON_MEDIA_TYPES = ("application/json", GRAPHQL_RESPONSE_JSON)


def router() -> APIRouter:
    """The two routes, for requests that take FastAPI's way (graph/http/dispatch.py sends the rest straight here)."""
    routes = APIRouter()
    routes.post("/graphql", include_in_schema=False)(graphql_post)
    routes.get("/graphql", include_in_schema=False)(graphql_get)
    return routes


async def graphql_post(request: Request) -> Response:
    headers = first_values(request.scope)
    media_type = negotiate(headers.get("accept", ""))
    settings = app_state(request)["settings"]
    try:
        if settings.csrf_prevention:
            check_csrf(headers, settings.csrf_preflight_headers)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in JSON_MEDIA_TYPES:
            raise RequestError("Send the operation as JSON (Content-Type: application/json).", status=415)
        data = request_params.from_body(await request.body())
        if isinstance(data, list):
            return await _batch(request, headers, data, media_type)
        outcome = await _run(request, headers, request_params.from_mapping(data), "POST", media_type)
    except RequestError as error:
        return _request_error(error, media_type)
    body = outcome.body
    response_headers = {"cache-control": "no-store", **retry_after_headers(body), **wal_position_headers(body)}
    return graphql_response(body, media_type, status=outcome.status, headers=response_headers)


async def graphql_get(request: Request) -> Response:
    headers = first_values(request.scope)
    settings = app_state(request)["settings"]
    accept = headers.get("accept", "")
    wants_page = "text/html" in accept and "query" not in request.query_params
    if wants_page and "extensions" not in request.query_params and settings.graphiql_enabled:
        return HTMLResponse(graphiql_page(), headers=graphiql_headers())
    media_type = negotiate(accept)
    try:
        check_get_content_type(headers)
        if settings.csrf_prevention and settings.csrf_prevention_get:
            check_csrf(headers, settings.csrf_preflight_headers)
        params = request_params.from_query_string(request.query_params)
        outcome = await _run(request, headers, params, "GET", media_type)
    except RequestError as error:
        return _request_error(error, media_type)
    response = graphql_response(outcome.body, media_type, status=outcome.status)
    return with_get_caching(request, response, public=outcome.public, max_age=settings.cache_max_age)


def _request_error(error: RequestError, media_type: str) -> Response:
    return graphql_response(
        error_body(error.message, error.code), media_type, status=error.status, headers=error.headers
    )


async def _batch(request: Request, headers: Headers, operations: list[Any], media_type: str) -> Response:
    settings = app_state(request)["settings"]
    if not settings.batching:
        raise RequestError("Batched operations are switched off; send one operation per request.")
    if not operations or len(operations) > settings.batch_max_size:
        raise RequestError(f"A batch holds 1 to {settings.batch_max_size} operations.")
    bodies = []
    for operation in operations:
        try:
            body = (await _run(request, headers, request_params.from_mapping(operation), "POST", media_type)).body
        except RequestError as error:
            body = error_body(error.message, error.code)
        bodies.append(body)
    return graphql_response(bodies, media_type, headers={"cache-control": "no-store", **wal_position_headers(bodies)})


@dataclass(frozen=True, slots=True)
class _Operation:
    """One operation as the request sent it, and how its answer is worded."""

    request: Request
    headers: Headers
    params: Params
    method: str
    # application/graphql-response+json: an error that stopped the request is a 4xx (or 5xx) status, not 200.
    strict: bool

    def refused(self, body: dict[str, Any], status: int) -> Outcome:
        """An answer with no data: `status` under the strict media type, 200 under application/json."""
        return Outcome(body, status if self.strict else 200)


@observed
async def _run(request: Request, headers: Headers, params: Params, method: str, media_type: str) -> Outcome:
    """Execute one operation: its length, its document (a persisted query's), its pool, then its answer."""
    operation = _Operation(request, headers, params, method, strict=media_type == GRAPHQL_RESPONSE_JSON)
    state = app_state(request)
    too_long = _over_length(operation, state["limits"])
    if too_long is not None:
        return too_long
    query = await _document(operation, state["persisted_queries"])
    if isinstance(query, Outcome):
        return query
    observation = current_observation.get()
    if observation is not None:
        observation.query = query  # the log line's redaction reads where variables go
    return await _routed(operation, query, state)


def _over_length(operation: _Operation, limits: Limits) -> Outcome | None:
    """QUERY_TOO_COMPLEX for a document over the length limit; before the persisted-query store, which would keep it."""
    query = operation.params.query
    if query is None:
        return None
    try:
        check_length(query, limits)
    except QueryTooComplex as error:
        return operation.refused({"errors": [error.formatted]}, 400)
    return None


async def _document(operation: _Operation, persisted_queries: PersistedQueries) -> str | None | Outcome:
    """The operation's document: as sent, or a persisted query's; an Outcome when the store cannot give it."""
    try:
        return await persisted_queries.resolve(operation.params)
    except PersistedQueryError as error:
        return Outcome(error_body(error.message, error.code))
    except DatabaseUnavailable:
        return _unavailable(operation)


async def _routed(operation: _Operation, query: str | None, state: AppState) -> Outcome:
    """On the app's pool; with REPLICA_DATABASE_URLS set (graph/app.py), on the one the operation belongs on."""
    planned = state["planned"]
    replicas = state.get("replicas")
    if replicas is None:
        return await _execute(operation, query, planned, state["db"])
    kind = operation_kind(query, operation.params.operation_name, state["limits"])
    try:
        return await run_routed(replicas, kind, operation.headers, lambda db: _execute(operation, query, planned, db))
    except DatabaseUnavailable:
        return _unavailable(operation)


async def _execute(operation: _Operation, query: str | None, planned: PlannedExecution | None, db: Database) -> Outcome:
    """Run the operation with `db` as its pool: the planner's answer, else the general path's."""
    try:
        context = await context_for(operation.request, operation.headers, db)
    except DatabaseUnavailable:
        return _unavailable(operation)
    if planned is not None and query:
        answer = await _planned(operation, query, planned, context)
        if answer is not None:
            return answer
    return await _general(operation, query, context)


async def _planned(operation: _Operation, query: str, planned: PlannedExecution, context: Context) -> Outcome | None:
    """The planner's answer (graph/planned), or None when the general path is to answer."""
    params = operation.params
    data = await planned.answer(
        query, params.operation_name, params.variables, context, writes=operation.method == "POST"
    )
    if data is None:
        return None
    observation = current_observation.get()
    if observation is not None:
        observation.context = context
        observation.operation_name = planned.operation_name(query, params.operation_name)
    if isinstance(data, WithErrors):  # planned mutations that raised: their errors beside the data
        return Outcome(data.body)
    return Outcome({"data": data}, public=context.viewer is None)


async def _general(operation: _Operation, query: str | None, context: Context) -> Outcome:
    """Strawberry's execution of the operation; what stops it before it runs is a request error."""
    params = operation.params
    allowed = {OperationType.QUERY} if operation.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
    try:
        result = await schema.execute(
            query,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
            allowed_operation_types=allowed,
        )
    except InvalidOperationTypeError as error:
        if error.operation_type == OperationType.MUTATION:
            raise RequestError("Mutations are sent with POST.", status=405, headers={"allow": "POST"}) from None
        raise RequestError("Subscriptions are served over the WebSocket at /graphql.") from None
    except MissingQueryError:
        raise RequestError("No GraphQL query in the request.") from None
    except CannotGetOperationTypeError as error:
        return operation.refused(error_body(error.as_http_error_reason(), "BAD_REQUEST"), 400)
    except Exception:
        log.exception("unexpected error outside execution (request %s)", context.request_id)
        body = error_body("Internal server error.", "INTERNAL_SERVER_ERROR", requestId=context.request_id)
        return operation.refused(body, 500)
    return _executed(operation, result, context)


def _executed(operation: _Operation, result: ExecutionResult, context: Context) -> Outcome:
    """The body of an execution: no `data` at all when the request never executed (GraphQL over HTTP)."""
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    body["data"] = result.data
    if is_request_error(body):
        del body["data"]
        return operation.refused(body, 400)
    public = context.viewer is None and context.auth_error is None and not result.errors
    return Outcome(body, public=public)


def _unavailable(operation: _Operation) -> Outcome:
    return operation.refused(error_body(UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE"), 503)
