"""Every top-level error leaves with an `extensions.code` from http.md.

Errors raised on purpose (`CodedError`) keep their message and code. An
uncoded error without a path failed before execution: a parse failure, a
validation failure, variables that did not coerce, or an operation that
cannot be picked. Anything else is unexpected: the client gets a generic
message and the request id, the log gets the traceback under the same id.
Nothing of SQL or a stack ever reaches a client.

This runs from `Schema.process_errors`, which Strawberry calls on every
error path (including a parse failure inside ParserCache, which happens
outside the extensions' operation hook).
"""

import logging
import re
from collections.abc import Iterable

from graphql import GraphQLError

from db.errors import DatabaseUnavailable, UnstorableText

log = logging.getLogger("graph.errors")

INTERNAL_MESSAGE = "Internal server error."
UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly."

# graphql-core's messages for variable values that do not coerce at execution.
_VARIABLE_COERCION = re.compile(
    r"^Variable '\$\w+' (has invalid value|got invalid value"
    r"|of required type .* was not provided|of non-null type .* must not be null)"
    r"|^Variable values are nested too deeply"  # coercion hit Python's recursion limit
)
_OPERATION_SELECTION = ("Unknown operation named", "Must provide operation name", "Must provide an operation")


def assign_codes(errors: Iterable[GraphQLError], *, parsed: bool, request_id: str | None) -> None:
    """Give each error its code, in place; mask and log the unexpected ones."""
    for error in errors:
        if error.extensions and "code" in error.extensions:
            continue
        original = error.original_error
        if error.path is None and isinstance(original, GraphQLError):
            # graphql-core wraps the scalar's own error when a variable does not coerce.
            _set_code(error, "BAD_USER_INPUT")
        elif original is None and error.path is None:
            _set_code(error, _pre_execution_code(error, parsed))
        elif isinstance(original, UnstorableText):
            _mask(error, "Text arguments may not contain NUL characters.", "BAD_USER_INPUT")
        elif isinstance(original, DatabaseUnavailable):
            _mask(error, UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE")
        else:
            log.error(
                "unexpected error at %s (request %s)",
                ".".join(str(part) for part in error.path or ()) or "operation",
                request_id,
                exc_info=original or error,
            )
            _mask(error, INTERNAL_MESSAGE, "INTERNAL_SERVER_ERROR", requestId=request_id)


def _pre_execution_code(error: GraphQLError, parsed: bool) -> str:
    if not parsed:
        return "GRAPHQL_PARSE_FAILED"
    if _VARIABLE_COERCION.match(error.message):
        return "BAD_USER_INPUT"
    if error.message.startswith(_OPERATION_SELECTION):
        return "BAD_REQUEST"
    return "GRAPHQL_VALIDATION_FAILED"


def _set_code(error: GraphQLError, code: str, **extensions: object) -> None:
    error.extensions = {**(error.extensions or {}), "code": code, **extensions}


def _mask(error: GraphQLError, message: str, code: str, **extensions: object) -> None:
    error.message = message
    error.original_error = None
    error.extensions = {"code": code, **extensions}
