"""Errors the edge raises on purpose, each with its `extensions.code` (http.md)."""

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError, Node


class CodedError(GraphQLError):
    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, nodes: Node | Sequence[Node] | None = None, **extensions: Any) -> None:
        super().__init__(message, nodes, extensions={"code": self.code, **extensions})


class BadUserInput(CodedError):
    code = "BAD_USER_INPUT"


class Unauthenticated(CodedError):
    code = "UNAUTHENTICATED"


class Forbidden(CodedError):
    code = "FORBIDDEN"


class ServiceUnavailable(CodedError):
    code = "SERVICE_UNAVAILABLE"
