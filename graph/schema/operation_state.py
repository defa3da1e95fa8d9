"""A schema extension for per-operation request state.

It points the statement counter at this request's context (graphql-core's
tasks copy the context variable, so every batch counts here), tells the
HTTP observation (log line, metrics) which context and operation ran and
which path answered it (graph/observability/paths.py), and answers an operation with the
token error when the bearer token was bad.
"""

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from db.pool import statement_count
from graph.observability.observation import current_observation
from graph.observability.paths import GENERAL, INTROSPECTION, REFUSED


class RequestHooks(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        execution_context = self.execution_context
        context = execution_context.context
        token = statement_count.set(getattr(context, "statements", None))
        try:
            yield
        finally:
            statement_count.reset(token)
            # on_execute named the path; without it nothing executed (parse,
            # validation or limit errors, an operation type refused).
            if hasattr(context, "answered_by") and context.answered_by is None:
                context.answered_by = REFUSED
            observation = current_observation.get()
            if observation is not None:
                observation.context = context
                observation.operation_name = execution_context.operation_name

    def on_execute(self) -> Iterator[None]:
        execution_context = self.execution_context
        context = execution_context.context
        auth_error = getattr(context, "auth_error", None)
        if auth_error is not None:
            # Strawberry skips execution when a result is already there.
            execution_context.result = GraphQLExecutionResult(data=None, errors=[auth_error])
        elif hasattr(context, "answered_by"):
            operation = _operation(execution_context)
            if operation is not None:
                context.operation_type = operation.operation.value
                # A mutation whose payload the planner prepared is already named `planned`.
                if context.answered_by is None:
                    context.answered_by = INTROSPECTION if _introspection_only(operation) else GENERAL
        yield


def _operation(execution_context: ExecutionContext) -> OperationDefinitionNode | None:
    document = execution_context.graphql_document
    if document is None:
        return None
    name = execution_context.operation_name
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


def _introspection_only(operation: OperationDefinitionNode) -> bool:
    """Root fields all `__`-prefixed and one of them `__schema` or `__type` (a lone `__typename` is data)."""
    names = [s.name.value if isinstance(s, FieldNode) else "" for s in operation.selection_set.selections]
    return all(name.startswith("__") for name in names) and ("__schema" in names or "__type" in names)
