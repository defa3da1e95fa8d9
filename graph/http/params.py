"""Reading the GraphQL request parameters out of a POST body or a GET query string."""

from dataclasses import dataclass, field
from typing import Any

import orjson


class RequestError(Exception):
    """The HTTP request itself is wrong; answered before any GraphQL runs."""

    def __init__(
        self, message: str, *, status: int = 400, code: str = "BAD_REQUEST", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.headers = headers or {}


@dataclass
class Params:
    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


def from_mapping(data: Any) -> Params:
    if not isinstance(data, dict):
        raise RequestError("The request body must be a JSON object.")
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise RequestError("`query` must be a string.")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("`operationName` must be a string.")
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise RequestError("`variables` must be an object.")
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError("`extensions` must be an object.")
    return Params(query, operation_name, variables, extensions or {})


def _json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(f"`{name}` must be JSON.") from None


def from_query_string(query_params: Any) -> Params:
    return from_mapping(
        {
            "query": query_params.get("query"),
            "operationName": query_params.get("operationName") or None,
            "variables": _json_param(query_params.get("variables"), "variables"),
            "extensions": _json_param(query_params.get("extensions"), "extensions"),
        }
    )


def from_body(body: bytes) -> Any:
    """The decoded JSON: an object, or a list when the client batches."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RequestError("The request body is not valid JSON.") from None
