"""The error answers each route documents in the OpenAPI, all with the RealWorld body."""

from typing import Any

from graph.rest.models import ErrorBody

_DESCRIPTIONS = {
    401: "No token, or one that does not check out (expired, revoked, malformed).",
    403: "Signed in, but not allowed: the article or comment is someone else's.",
    404: "No such article, profile or comment.",
    422: "The input breaks a rule: each field names its messages.",
    429: "Too many attempts; the Retry-After header says when to try again.",
}
# Every route may answer these: a bad token on any route, input FastAPI cannot parse, the database unreachable.
_ALWAYS = {
    401: _DESCRIPTIONS[401],
    422: _DESCRIPTIONS[422],
    503: "The database is unavailable; try again shortly.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer with these statuses (plus 401, 422 and 503, which any can)."""
    documented = {status: _DESCRIPTIONS[status] for status in statuses} | _ALWAYS
    return {status: {"model": ErrorBody, "description": text} for status, text in sorted(documented.items())}
