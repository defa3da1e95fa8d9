"""A planned operation's variables, coerced as graphql-core coerces them.

graphql-core re-reads every variable definition on each request (its type
from the AST, its signature, a recursion guard, the scalar's coercion): about
a twentieth of a small planned query's Python. For an operation whose
variables are all String, ID, Int or Boolean without defaults (most real
operations: slugs, usernames, page sizes, cursors), the signatures are read
once per plan and a value of the exact Python type passes as is, which is
what graphql-core's coercion returns for it. Anything else (another type, a
default, a missing or null non-null variable, a wrong type) goes through
`get_variable_values`, so every error is graphql-core's own.
"""

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInputType,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
)
from graphql.execution.get_variable_signature import GraphQLVariableSignature, get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource, get_variable_values
from graphql.pyutils import Undefined

from graph.planned.conditions import Variants
from graph.planned.plan import Plan

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _accepts_str(value: Any) -> bool:
    return type(value) is str


def _accepts_int(value: Any) -> bool:
    return type(value) is int and INT_MIN <= value <= INT_MAX


def _accepts_bool(value: Any) -> bool:
    return type(value) is bool


# The scalars whose coercion returns a value of this exact type unchanged.
PASS_THROUGH: dict[GraphQLInputType, Callable[[Any], bool]] = {
    GraphQLString: _accepts_str,
    GraphQLID: _accepts_str,
    GraphQLInt: _accepts_int,
    GraphQLBoolean: _accepts_bool,
}

Plain = tuple[tuple[GraphQLVariableSignature, bool, Any], ...]  # (signature, non-null, accepts)


def _plain(schema: GraphQLSchema, plan: Plan | Variants) -> Plain | None:
    plain = []
    for definition in plan.operation.variable_definitions or ():
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError) or definition.default_value is not None:
            return None
        variable_type = signature.type
        non_null = isinstance(variable_type, GraphQLNonNull)
        named = variable_type.of_type if isinstance(variable_type, GraphQLNonNull) else variable_type
        accepts = PASS_THROUGH.get(named)
        if accepts is None:
            return None
        plain.append((signature, non_null, accepts))
    return tuple(plain)


def coerce_variables(
    schema: GraphQLSchema, plan: Plan | Variants, inputs: dict[str, Any]
) -> VariableValues | list[GraphQLError]:
    """graphql-core's `get_variable_values` for the plan's operation; plain variables' signatures read once per plan."""
    if plan.plain_variables is None:
        plain = _plain(schema, plan)
        plan.plain_variables = plain if plain is not None else False
    if plan.plain_variables is not False:
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        for signature, non_null, accepts in plan.plain_variables:
            name = signature.name
            value = inputs.get(name, Undefined)
            if value is Undefined:
                if non_null:
                    break  # graphql-core words the error
                sources[name] = VariableValueSource(signature)
                continue
            sources[name] = VariableValueSource(signature, value)
            if value is None and not non_null:
                coerced[name] = None
            elif accepts(value):
                coerced[name] = value
            else:
                break
        else:
            return VariableValues(sources, coerced)
    return get_variable_values(schema, plan.operation.variable_definitions or (), inputs)
