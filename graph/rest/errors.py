"""The RealWorld error body, `{"errors": {"field": ["message", ...]}}`, and which status each error gets.

Every error a REST client can cause leaves through `error_response`: the same
exceptions the GraphQL door raises (graph/errors.py, graph/auth/login_limits.py,
db/errors.py) get the status RealWorld clients expect instead of an
`extensions.code`. An exception not listed here is a bug: the client gets a
generic 500 with the request id, the log gets the traceback under that id.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from db.errors import DatabaseUnavailable, UnstorableText
from graph.auth.login_limits import RateLimited
from graph.errors import BadUserInput, Forbidden, Unauthenticated
from graph.schema.error_codes import INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE
from graph.schema.types.payloads import UserError

log = logging.getLogger("graph.rest")

# Where request validation errors (pydantic's `loc`) start: these are not field names.
_LOCATIONS = frozenset({"body", "query", "path", "header"})


class RestError(Exception):
    """An answer other than 200: a status and the fields' messages."""

    def __init__(self, status: int, errors: Mapping[str, Sequence[str]], headers: Mapping[str, str] | None = None):
        super().__init__(status, errors)
        self.status = status
        self.errors = {field: list(messages) for field, messages in errors.items()}
        self.headers = dict(headers or {})


def not_found(what: str) -> RestError:
    return RestError(404, {what: [f"No {what} has that name."]})


def invalid(errors: Iterable[UserError]) -> RestError:
    """graph/schema/input_checks.py's checks (or any UserError list) as a 422."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        # A UserError's field is its path in the GraphQL input (["input", "email"]): the last name is the field.
        fields.setdefault(error.field[-1] if error.field else "body", []).append(error.message)
    return RestError(422, fields)


def error_body(errors: Mapping[str, Sequence[str]]) -> bytes:
    return orjson.dumps({"errors": errors})


def _field(location: Sequence[Any]) -> str:
    names = [str(part) for part in location if isinstance(part, str) and part not in _LOCATIONS]
    return names[-1] if names else "body"


def validation_errors(error: RequestValidationError) -> RestError:
    """FastAPI's request validation (a missing field, a wrong type, a bound) as the RealWorld 422."""
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        message = item.get("msg", "Invalid value.")
        if item.get("type") == "json_invalid":
            message = "Send the body as JSON."
        fields.setdefault(_field(item.get("loc", ())), []).append(message)
    return RestError(422, fields)


def as_rest_error(error: Exception, request_id: str) -> RestError:
    """The RestError an exception stands for; one not foreseen is logged and masked."""
    if isinstance(error, RestError):
        return error
    if isinstance(error, RequestValidationError):
        return validation_errors(error)
    if isinstance(error, Unauthenticated):
        return RestError(401, {"token": [error.message]}, {"www-authenticate": "Token"})
    if isinstance(error, Forbidden):
        return RestError(403, {"body": [error.message]})
    if isinstance(error, RateLimited):
        retry_after = (error.extensions or {}).get("retryAfter", 1)
        return RestError(429, {"body": [error.message]}, {"retry-after": str(retry_after)})
    if isinstance(error, BadUserInput):
        return RestError(422, {"body": [error.message]})
    if isinstance(error, UnstorableText):
        return RestError(422, {"body": ["Text may not contain NUL characters."]})
    if isinstance(error, DatabaseUnavailable):
        return RestError(503, {"body": [UNAVAILABLE_MESSAGE]}, {"retry-after": "1"})
    log.error("unexpected error (request %s)", request_id, exc_info=error)
    return RestError(500, {"body": [f"{INTERNAL_MESSAGE} Request id: {request_id}."]})


def error_response(error: RestError) -> Response:
    return Response(error_body(error.errors), error.status, error.headers, media_type="application/json")
