"""The schema extension that parses and validates every operation within limits.

It takes the place of Strawberry's ParserCache and ValidationCache and keeps
their caching: parsing is cached by (text, limits), validation including the
depth, alias and directive limits by (schema, text, rules, limits), and
the cost by (schema, text, operation, limits) when no variable sizes a page
or an ID list; a repeated operation pays for its cost check only when
variables can change it. Limits come from the settings on the request's context, so
HTTP, persisted queries, batches and the WebSocket all pass through the same
checks, before execution and before any SQL.

With introspection off, `__schema`/`__type` fail validation, and no error
carries graphql-core's "Did you mean …?" suggestions, which otherwise let a
client rebuild the schema field by field (clairvoyance).
"""

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from graph.errors import BadUserInput
from graph.limits.bounds import Uses, argument_uses
from graph.limits.cost import operation_cost, static_cost
from graph.limits.shape import Limits, check_length, exceeded, limits_for, shape_errors

CACHE_SIZE = 1024
SPECIFIED_RULES = tuple(specified_rules)
_SUGGESTION = re.compile(r"\s*Did you mean .*?\?\s*$", re.S)
# graphql-core's parser refuses documents nested past its own bound with this message.
_TOO_DEEP = "nested too deeply"
_TOO_MANY_TOKENS = "tokens. Parsing aborted"


MULTIPLE_OPERATIONS = "Must provide operation name if query contains multiple operations."


def _operation_count(document: DocumentNode) -> int:
    return sum(isinstance(definition, OperationDefinitionNode) for definition in document.definitions)


def limits_of(context: Any) -> Limits:
    """The limits of whatever context an operation runs with: a Context's own, else limits_for's fallback."""
    return limits_for(getattr(context, "settings", None), getattr(context, "limits", None))


@lru_cache(maxsize=CACHE_SIZE)
def parse_within(query: str, limits: Limits) -> DocumentNode:
    """The parsed document; QUERY_TOO_COMPLEX for length, tokens or parser nesting."""
    check_length(query, limits)
    try:
        return parse(query, max_lexical_tokens=limits.max_tokens, max_comments=limits.max_tokens)
    except GraphQLSyntaxError as error:
        if _TOO_MANY_TOKENS in error.message:
            raise exceeded("tokens", None, limits.max_tokens) from None
        if _TOO_DEEP in error.message:
            raise exceeded("depth", None, limits.max_depth) from None
        raise


@lru_cache(maxsize=CACHE_SIZE)
def validate_within(
    schema: GraphQLSchema, query: str, rules: tuple[type[ASTValidationRule], ...], limits: Limits
) -> tuple[GraphQLError, ...]:
    """Shape limits first (cheap, and they spare graphql-core's validation a bomb), then validation."""
    document = parse_within(query, limits)
    if errors := shape_errors(document, limits):
        return tuple(errors)
    rules = (*rules, MaybeNullValidationRule, OneOfInputValidationRule)
    if not limits.introspection:
        rules = (*rules, NoSchemaIntrospectionCustomRule)
    return tuple(validate(schema, document, rules, hide_suggestions=not limits.introspection))


@lru_cache(maxsize=CACHE_SIZE)
def _static_cost(schema: GraphQLSchema, query: str, operation_name: str | None, limits: Limits) -> int | None:
    return static_cost(schema, parse_within(query, limits), operation_name)


def cost_within(
    schema: GraphQLSchema,
    query: str,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    limits: Limits,
) -> int:
    """The operation's cost (graph/limits/cost.py): cached for the document unless variables size its pages."""
    cost = _static_cost(schema, query, operation_name, limits)
    return operation_cost(schema, document, operation_name, variables) if cost is None else cost


@lru_cache(maxsize=CACHE_SIZE)
def variable_uses(schema: GraphQLSchema, query: str, operation_name: str | None, limits: Limits) -> Uses:
    """Where the operation's variables go (graph/limits/bounds.py); GraphQLError if it does not parse."""
    return argument_uses(schema, parse_within(query, limits), operation_name)


def check_bounds(
    schema: GraphQLSchema, query: str, operation_name: str | None, variables: dict[str, Any] | None, limits: Limits
) -> None:
    """BadUserInput for text over its bound (graph/limits/bounds.py), literal or variable."""
    uses = variable_uses(schema, query, operation_name, limits)
    if uses.error is not None:
        # A fresh error each time: responses and logs must not share (or mutate) one cached instance.
        extensions = {key: value for key, value in (uses.error.extensions or {}).items() if key != "code"}
        raise BadUserInput(uses.error.message, nodes=uses.error.nodes, **extensions)
    uses.check(variables)


def document_within_limits(
    schema: GraphQLSchema, query: str, operation_name: str | None, variables: dict[str, Any] | None, limits: Limits
) -> DocumentNode | None:
    """The parsed document when the operation passes parsing, validation and every limit; else None.

    For paths that skip the extension: the planned path (graph/planned)
    answers queries without Strawberry; it may only run what passes here, and
    anything else goes to the general path, whose errors say which limit. The
    same caches serve both.
    """
    document, cost, uses = _checked(schema, query, operation_name, limits)
    if document is None or uses is None:
        return None  # uses None: a literal over its bound
    try:
        uses.check(variables)
    except GraphQLError:
        return None  # text over its bound: the general path words the error, before any SQL
    if cost is None:  # variables size a page: the cost is the request's
        try:
            cost = operation_cost(schema, document, operation_name, variables)
        except GraphQLError:
            return None  # a size out of range
    return document if cost <= limits.max_cost else None


@lru_cache(maxsize=CACHE_SIZE)
def _checked(
    schema: GraphQLSchema, query: str, operation_name: str | None, limits: Limits
) -> tuple[DocumentNode | None, int | None, Uses | None]:
    """(document, its static cost or None, where its variables go) once it parses and validates within the limits.

    (None, None, None) otherwise, and when a literal is over its bound or out
    of range. One cache in front of the four below: a planned request pays
    one lookup (hashing `limits` and the rules once) instead of four.
    """
    try:
        document = parse_within(query, limits)
    except GraphQLError:
        return None, None, None
    if validate_within(schema, query, SPECIFIED_RULES, limits):
        return None, None, None
    uses = variable_uses(schema, query, operation_name, limits)
    if uses.error is not None:
        return None, None, None
    try:
        return document, _static_cost(schema, query, operation_name, limits), uses
    except GraphQLError:
        return None, None, None  # a literal size out of range


class OperationLimits(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        execution_context = self.execution_context
        document = parse_within(execution_context.query, limits_of(execution_context.context))
        # Strawberry would run the first operation; the spec (GetOperation) refuses to guess. Here, before
        # Strawberry checks the first operation's type, so a GET gets this error rather than "use POST".
        if execution_context._provided_operation_name is None and _operation_count(document) > 1:
            raise GraphQLError(MULTIPLE_OPERATIONS, extensions={"code": "BAD_REQUEST"})
        execution_context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        execution_context = self.execution_context
        limits = limits_of(execution_context.context)
        errors = list(
            validate_within(
                execution_context.schema._schema,
                execution_context.query,
                tuple(execution_context.validation_rules),
                limits,
            )
        )
        if not errors:
            # Strawberry validates only what on_parse parsed: both are set by now.
            assert execution_context.query is not None and execution_context.graphql_document is not None
            try:
                check_bounds(
                    execution_context.schema._schema,
                    execution_context.query,
                    execution_context.operation_name,
                    execution_context.variables,
                    limits,
                )
                cost = cost_within(
                    execution_context.schema._schema,
                    execution_context.query,
                    execution_context.graphql_document,
                    execution_context.operation_name,
                    execution_context.variables,
                    limits,
                )
            except GraphQLError as out_of_range:  # BAD_USER_INPUT: text over its bound, or a size the resolver refuses
                errors = [out_of_range]
            else:
                if cost > limits.max_cost:
                    errors = [exceeded("cost", cost, limits.max_cost)]
        execution_context.pre_execution_errors = errors
        yield

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors and not limits_of(self.execution_context.context).introspection:
            # Variable coercion happens during execution and suggests enum values.
            for error in result.errors:
                error.message = _SUGGESTION.sub("", error.message)
