"""The Strawberry schema with its extensions."""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from graph.error_codes import assign_codes
from graph.operation_limits import OperationLimits
from graph.planned.events import PlannedEventExecutor
from graph.planned.payloads import PayloadExecutor
from graph.realtime.executor import PerEventMemoExecutor
from graph.request_hooks import RequestHooks
from graph.resolvers.mutation import Mutation
from graph.resolvers.query import Query
from graph.resolvers.subscription import Subscription
from graph.types.article import Article
from graph.types.comment import Comment
from graph.types.user import User


class Executor(PayloadExecutor, PlannedEventExecutor, PerEventMemoExecutor):
    """graphql-core's executor with planned mutation payloads (only when a context carries them) and events."""


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
