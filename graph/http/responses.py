"""Media types, status codes and caching headers of GraphQL responses."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

# Codes of errors that mean "this request never executed" (GraphQL-over-HTTP
# "request errors"): 400 under application/graphql-response+json.
REQUEST_ERROR_CODES = frozenset(
    {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "BAD_REQUEST", "QUERY_TOO_COMPLEX"}
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One operation's answer before it is a response: what the log line, the replica routing and the caching read."""

    body: dict[str, Any]
    status: int = 200
    public: bool = False  # a shared cache may keep it (a GET's answer for anybody)


def negotiate(accept: str) -> str:
    """application/graphql-response+json when the `accept` header accepts it, else application/json."""
    for part in accept.split(","):
        media, _, parameters = part.strip().partition(";")
        if media.strip().lower() == GRAPHQL_RESPONSE_JSON and "q=0" not in parameters.replace(" ", ""):
            return GRAPHQL_RESPONSE_JSON
    return JSON


def error_body(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def is_request_error(body: dict[str, Any]) -> bool:
    """No data and only errors that stopped the request before execution."""
    errors = body.get("errors")
    if body.get("data") is not None or not errors:
        return False
    return all(
        "path" not in error and error.get("extensions", {}).get("code") in REQUEST_ERROR_CODES for error in errors
    )


def retry_after_headers(body: dict[str, Any]) -> dict[str, str]:
    """`Retry-After` when every error of a response is RATE_LIMITED (nothing else went wrong)."""
    errors = body.get("errors") or []
    waits = [error.get("extensions", {}).get("retryAfter") for error in errors]
    if not errors or not all(isinstance(wait, int) for wait in waits):
        return {}
    return {"retry-after": str(max(waits))}


class GraphQLResponse(Response):
    """Starlette's Response, its header list built directly: every GraphQL response has a JSON body."""

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()
        ]
        raw_headers.append((b"content-length", str(len(self.body)).encode("latin-1")))
        # graphql_response always names one (JSON or GRAPHQL_RESPONSE_JSON); Starlette's attribute may be None.
        raw_headers.append((b"content-type", (self.media_type or JSON).encode("latin-1")))
        self.raw_headers = raw_headers


def graphql_response(
    body: Any, media_type: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return GraphQLResponse(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


def etag_of(content: bytes | memoryview) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def with_get_caching(request: Request, response: Response, *, public: bool, max_age: int) -> Response:
    """Cache-Control and ETag for a GET; 304 when the client's copy is current.

    A public answer is the anonymous one: `Vary: Authorization` keeps a shared
    cache from handing it to a signed-in request, or a signed-in request's
    private answer to anyone (the CORS middleware adds `Origin` to the list).
    """
    if not public:
        response.headers["cache-control"] = "private, no-store"
        return response
    etag = etag_of(response.body)
    cache_control = f"public, max-age={max_age}"
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(
            status_code=304, headers={"etag": etag, "cache-control": cache_control, "vary": "Authorization"}
        )
    response.headers["etag"] = etag
    response.headers["cache-control"] = cache_control
    response.headers["vary"] = "Authorization"
    return response
