"""A schema extension for per-operation request state.

It points the statement counter at this request's context (graphql-core's
tasks copy the context variable, so every batch counts here), tells the
HTTP observation (log line, metrics) which context and operation ran, and
answers an operation with the token error when the bearer token was bad.
"""

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from db.pool import statement_count
from graph.http.observe import current_observation


class RequestHooks(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        execution_context = self.execution_context
        token = statement_count.set(getattr(execution_context.context, "statements", None))
        try:
            yield
        finally:
            statement_count.reset(token)
            observation = current_observation.get()
            if observation is not None:
                observation.context = execution_context.context
                observation.operation_name = execution_context.operation_name

    def on_execute(self) -> Iterator[None]:
        auth_error = getattr(self.execution_context.context, "auth_error", None)
        if auth_error is not None:
            # Strawberry skips execution when a result is already there.
            self.execution_context.result = GraphQLExecutionResult(data=None, errors=[auth_error])
        yield
