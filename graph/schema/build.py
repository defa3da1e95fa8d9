"""The Strawberry schema with its extensions."""

from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.printer import print_schema
from strawberry.types import ExecutionContext

from graph.limits.extension import OperationLimits
from graph.planned.events import PlannedEventExecutor
from graph.realtime.executor import PerEventMemoExecutor
from graph.schema.error_codes import assign_codes
from graph.schema.operation_state import RequestHooks
from graph.schema.resolvers.mutation import Mutation
from graph.schema.resolvers.query import Query
from graph.schema.resolvers.subscription import Subscription
from graph.schema.types.article import Article
from graph.schema.types.comment import Comment
from graph.schema.types.user import User


class Executor(PlannedEventExecutor, PerEventMemoExecutor):
    """graphql-core's executor with planned subscription events."""


class ConduitSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Strawberry's default logs every error with a traceback, expected or
        # not; assign_codes logs only the unexpected, under the request id.
        context = execution_context.context if execution_context else None
        assign_codes(
            errors,
            parsed=execution_context is not None and execution_context.graphql_document is not None,
            request_id=getattr(context, "request_id", None),
        )


def build_schema(**overrides: Any) -> strawberry.Schema:
    return ConduitSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[User, Article, Comment],
        extensions=[RequestHooks, OperationLimits],
        execution_context_class=Executor,
        **overrides,
    )


schema = build_schema()


@cache
def sdl() -> str:
    """The schema as `schema.graphql` holds it; also served at /schema.graphql (graph/http/landing.py)."""
    return print_schema(schema) + "\n"
