"""POST and GET /graphql.

Strawberry's HTTP view answers some of http.md's cases differently (always
application/json, 400 text/plain for a hash-only persisted query, 400 for a
mutation over GET), so the HTTP side is served here, on Strawberry's schema;
Strawberry's router still serves the WebSocket protocol.
"""

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from db.errors import DatabaseUnavailable
from db.pool import Database
from graph.http import params as request_params
from graph.http.csrf import check_csrf, check_get_content_type
from graph.http.graphiql import graphiql_headers, graphiql_page
from graph.http.headers import Headers, first_values
from graph.http.observe import observed
from graph.http.params import Params, RequestError
from graph.http.persisted import PersistedQueryError
from graph.http.replica_routing import operation_kind, run_routed, wal_position_headers
from graph.http.request_context import context_for
from graph.http.responses import (
    GRAPHQL_RESPONSE_JSON,
    error_body,
    graphql_response,
    is_request_error,
    negotiate,
    retry_after_headers,
    with_get_caching,
)
from graph.http.state import app_state
from graph.limits.shape import QueryTooComplex, check_length
from graph.observability.observation import current_observation
from graph.observability.request_ids import new_request_id
from graph.planned.mutations import WithErrors
from graph.schema.build import schema
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
        body, status, _ = await _run(request, headers, request_params.from_mapping(data), "POST", media_type)
    except RequestError as error:
        return _request_error(error, media_type)
    response_headers = {"cache-control": "no-store", **retry_after_headers(body), **wal_position_headers(body)}
    return graphql_response(body, media_type, status=status, headers=response_headers)


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
        body, status, public = await _run(request, headers, params, "GET", media_type)
    except RequestError as error:
        return _request_error(error, media_type)
    response = graphql_response(body, media_type, status=status)
    return with_get_caching(request, response, public=public, max_age=settings.cache_max_age)


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
            body, _, _ = await _run(request, headers, request_params.from_mapping(operation), "POST", media_type)
        except RequestError as error:
            body = error_body(error.message, error.code)
        bodies.append(body)
    return graphql_response(bodies, media_type, headers={"cache-control": "no-store", **wal_position_headers(bodies)})


@observed
async def _run(
    request: Request, headers: Headers, params: Params, method: str, media_type: str
) -> tuple[dict[str, Any], int, bool]:
    """Execute one operation: (response body, status, whether a shared cache may keep it)."""
    graphql_response_json = media_type == GRAPHQL_RESPONSE_JSON
    state = app_state(request)
    limits = state["limits"]
    try:
        if params.query is not None:
            # Before the persisted-query store, which would otherwise keep an oversized document.
            check_length(params.query, limits)
    except QueryTooComplex as error:
        return {"errors": [error.formatted]}, 400 if graphql_response_json else 200, False
    try:
        query = await state["persisted_queries"].resolve(params)
    except PersistedQueryError as error:
        return error_body(error.message, error.code), 200, False
    except DatabaseUnavailable:
        return _unavailable(graphql_response_json)
    observation = current_observation.get()
    if observation is not None:
        observation.query = query  # the log line's redaction reads where variables go
    replicas = state.get("replicas")  # REPLICA_DATABASE_URLS set (graph/app.py)
    if replicas is None:
        return await _execute(request, headers, params, query, method, graphql_response_json, state["db"])
    kind = operation_kind(query, params.operation_name, limits)
    try:
        return await run_routed(
            replicas,
            kind,
            headers,
            lambda db: _execute(request, headers, params, query, method, graphql_response_json, db),
        )
    except DatabaseUnavailable:
        return _unavailable(graphql_response_json)


async def _execute(
    request: Request,
    headers: Headers,
    params: Params,
    query: str | None,
    method: str,
    graphql_response_json: bool,
    db: Database,
) -> tuple[dict[str, Any], int, bool]:
    """Run the operation with `db` as its pool: the planner's answer, else the general path's."""
    state = request.scope["state"]
    try:
        context = await context_for(request, headers, db)
    except DatabaseUnavailable:
        return _unavailable(graphql_response_json)
    planned = state["planned"]
    if planned is not None and query:
        data = await planned.answer(query, params.operation_name, params.variables, context, writes=method == "POST")
        if data is not None:
            observation = current_observation.get()
            if observation is not None:
                observation.context = context
                observation.operation_name = planned.operation_name(query, params.operation_name)
            if isinstance(data, WithErrors):
                return {"errors": data.errors, "data": data.data}, 200, False
            return {"data": data}, 200, context.viewer is None
    allowed = {OperationType.QUERY} if method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
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
        body = error_body(error.as_http_error_reason(), "BAD_REQUEST")
        return body, 400 if graphql_response_json else 200, False
    except Exception:
        request_id = context.request_id if context else new_request_id()
        log.exception("unexpected error outside execution (request %s)", request_id)
        body = error_body("Internal server error.", "INTERNAL_SERVER_ERROR", requestId=request_id)
        return body, 500 if graphql_response_json else 200, False
    body = {}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    body["data"] = result.data
    request_error = is_request_error(body)
    if request_error:
        del body["data"]  # the request never executed: no `data` at all (GraphQL over HTTP)
    status = 400 if graphql_response_json and request_error else 200
    public = context.viewer is None and context.auth_error is None and not result.errors
    return body, status, public


def _unavailable(graphql_response_json: bool) -> tuple[dict[str, Any], int, bool]:
    return error_body(UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE"), 503 if graphql_response_json else 200, False
