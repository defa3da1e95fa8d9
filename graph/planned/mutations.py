"""Planned mutations: each mutation field's resolver writes, the planner answers its payload.

The write is the general path's, unchanged: the field's resolver
(graph/schema/resolvers/) with its input checks, the policy, its
transaction and its payload `errors`, called with the arguments Strawberry
would convert for it. What graphql-core would do next, completing the
payload field by field with the loaders, is done here instead: each
payload object is one statement (graph/planned/payloads.py), everything
else (`errors`, `token`, deleted IDs, `__typename`) comes from the value the
resolver returned. Fields run one after another, as the spec's serial
execution runs them; an error a resolver raises ends the operation as
graphql-core ends it, with `data` null and that error, formatted and coded
by the same function (graph/schema/error_codes.py).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import orjson
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    get_argument_values,
    located_error,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

from graph.planned import payloads
from graph.planned.json_sql import KeyedStatement
from graph.planned.payloads import Reads
from graph.planned.plan import PAYLOAD_OBJECTS, FieldPlan, Plan
from graph.schema.error_codes import assign_codes

_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF  # where Strawberry keeps its field on graphql-core's


@dataclass(frozen=True, slots=True)
class WithErrors:
    """An answer with errors: `data` null when a mutation field raised, else what was answered."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]]

    @property
    def body(self) -> dict[str, Any]:
        """The response body, errors first as graphql-core's results give them."""
        return {"errors": self.errors, "data": self.data}


class WriteInfo:
    """The `info` a mutation resolver gets here: they read only its context (tests/planned/test_planned_writes.py)."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


class Mutations:
    """Runs a mutation plan: the resolvers' writes, then their payloads."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema._schema  # graphql-core's, under Strawberry's
        self._config = schema.config
        self._scalars = schema.schema_converter.scalar_registry
        self._attributes: dict[tuple[str, str], str] = {}

    async def run(self, plan: Plan, context: Any, variables: Any, reads: Reads) -> dict[str, Any] | WithErrors:
        """The operation's `data`, or it with the errors met."""
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for field in plan.fields:
            if field.definition is None:  # __typename
                data[field.key] = self._schema.mutation_type.name
                continue
            try:
                payload = await self._write(field, context, variables)
                if payload is None:
                    raise TypeError(f"Cannot return null for non-nullable field Mutation.{field.name}.")
            # Every mutation field is non-null: its error nulls `data`, and nothing more runs.
            except Exception as error:  # noqa: BLE001 -- coded and, when unexpected, logged by assign_codes
                return WithErrors(None, [*errors, _formatted(error, field.node, [field.key], context)])
            data[field.key] = await self._payload(field, payload, context, variables, reads, errors)
        return WithErrors(data, errors) if errors else data

    async def _write(self, field: FieldPlan, context: Any, variables: Any) -> Any:
        assert field.definition is not None
        strawberry_field: StrawberryField = field.definition.extensions[_DEFINITION]
        resolver = strawberry_field.base_resolver
        assert resolver is not None and resolver.info_parameter is not None  # every Mutation field has one
        arguments = get_argument_values(field.definition, field.node, variables)
        kwargs = convert_arguments(arguments, strawberry_field.arguments, self._scalars, self._config)
        kwargs[resolver.info_parameter.name] = WriteInfo(context)
        write = cast(Callable[..., Awaitable[Any]], resolver.wrapped_func)  # every Mutation resolver is async
        return await write(**kwargs)

    async def _payload(
        self,
        field: FieldPlan,
        payload: Any,
        context: Any,
        variables: Any,
        reads: Reads,
        errors: list[dict[str, Any]],
    ) -> dict[str, Any]:
        payload_type = self._schema.get_type(field.object_type)
        answer: dict[str, Any] = {}
        for child in field.children:
            if child.definition is None:
                answer[child.key] = payload_type.name
                continue
            value = getattr(payload, self._attribute(payload_type, child.name))
            if child.type_name in PAYLOAD_OBJECTS:
                statement = reads[(field.key, child.key)]
                answer[child.key] = await _read(
                    statement, value, context, variables, child.node, [field.key, child.key], errors
                )
            else:
                answer[child.key] = self._value(child, value, child.definition.type)
        return answer

    def _value(self, plan: FieldPlan, value: Any, graphql_type: GraphQLOutputType) -> Any:
        """A leaf, a list, or an object of leaves (UserError), as graphql-core completes them."""
        if isinstance(graphql_type, GraphQLNonNull):
            graphql_type = graphql_type.of_type
        if value is None:
            return None
        if isinstance(graphql_type, GraphQLList):
            return [self._value(plan, item, graphql_type.of_type) for item in value]
        if isinstance(graphql_type, GraphQLObjectType):
            return {
                child.key: graphql_type.name
                if child.definition is None
                else self._value(
                    child, getattr(value, self._attribute(graphql_type, child.name)), child.definition.type
                )
                for child in plan.children
            }
        assert isinstance(graphql_type, GraphQLScalarType | GraphQLEnumType)  # validation: a leaf has no selection
        return graphql_type.serialize(value)

    def _attribute(self, graphql_type: GraphQLObjectType, name: str) -> str:
        """The Python attribute holding a payload type's field (none of them has a resolver of its own)."""
        key = (graphql_type.name, name)
        attribute = self._attributes.get(key)
        if attribute is None:
            strawberry_field: StrawberryField = graphql_type.fields[name].extensions[_DEFINITION]
            assert strawberry_field.base_resolver is None, f"{graphql_type.name}.{name} has a resolver"
            attribute = self._attributes[key] = strawberry_field.python_name
        return attribute


async def _read(
    statement: KeyedStatement,
    value: Any,
    context: Any,
    variables: Any,
    node: FieldNode,
    path: list[str | int],
    errors: list[dict[str, Any]],
) -> orjson.Fragment | None:
    """A payload object's statement; should it fail, the object is null with its error (the write stands)."""
    if value is None:
        return None
    try:
        return await payloads.read(context.db, statement, context.viewer_id, variables, value)
    except Exception as error:  # noqa: BLE001 -- coded and, when unexpected, logged by assign_codes
        errors.append(_formatted(error, node, path, context))
        return None


def _formatted(error: Exception, node: FieldNode, path: list[str | int], context: Any) -> dict[str, Any]:
    """The error as graphql-core locates it and the schema's process_errors codes it."""
    located = located_error(error, [node], path)
    assign_codes([located], parsed=True, request_id=context.request_id)
    return dict(located.formatted)
