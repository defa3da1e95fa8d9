"""Turning a validated query into a plan: per object type, the fields to produce, in response order.

A plan is built once per document and operation name (and, for @include
and @skip naming variables, per combination of their values:
graph/planned/conditions.py) and cached. Every field db/catalog.py declares
is planned (`json_sql.serves`); subscriptions, introspection fields and
unknown directives make the document unplannable, and it runs on the
general path.
A field of an abstract type (`node`, `nodes`: the Node interface) is planned
once per object type it may resolve to. A mutation's plan holds, per
mutation field, its payload's selection (graph/planned/mutations.py).
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    ListValueNode,
    NamedTypeNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
)
from graphql.execution.values import VariableValues

from graph.planned.conditions import UnknownDirective, included

# The object types a mutation payload returns the written row as.
PAYLOAD_OBJECTS = frozenset({"Article", "Comment", "User", "Viewer"})


# Whether the executor has a resolver for (type name, field name).
Known = Callable[[str, str], bool]
# What every step of planning reads: the schema, the fragments, `known` and the variables.
_Context = tuple[GraphQLSchema, dict[str, FragmentDefinitionNode], Known, VariableValues | None]


class NotPlannable(Exception):
    """The document uses something only the general path serves."""


@dataclass(slots=True)
class FieldPlan:
    key: str  # the response key: the alias, else the field name
    name: str
    node: FieldNode  # carries the arguments; validation made every merged node agree on them
    definition: GraphQLField | None  # None for __typename
    type_name: str | None = None  # the named object type of the value, for object fields
    children: list["FieldPlan"] = field(default_factory=list)
    # For a field of an abstract type: the selection per object type it may be, instead of `children`.
    by_type: dict[str, list["FieldPlan"]] | None = None
    nullable: bool = True
    uses_variables: bool = False  # its arguments name a variable
    static_args: dict[str, Any] | None = None  # the coerced arguments, kept when they name no variable

    @property
    def object_type(self) -> str:
        """`type_name` of an object field, which the planner sets on every one."""
        assert self.type_name is not None, f"{self.name} is not an object field"
        return self.type_name

    @property
    def possible_types(self) -> dict[str, list["FieldPlan"]]:
        """`by_type` of a field of an abstract type, which the planner sets on every one."""
        assert self.by_type is not None, f"{self.name} is not of an abstract type"
        return self.by_type


@dataclass(slots=True)
class Plan:
    operation: OperationDefinitionNode
    fields: list[FieldPlan]
    # What graph/planned/json_sql.py keeps per plan: whether one built
    # statement serves every request, and the statements by whether a viewer is signed in.
    statement_reusable: bool | None = None
    # (graph/planned/payloads.py keeps its own there too, by (mutation, object, anonymous).)
    statements: dict[Hashable, Any] = field(default_factory=dict)
    # graph/planned/variables.py: the variables' signatures when all are plain scalars, False when not.
    plain_variables: Any = None


def build_plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    known: Known,
    variables: VariableValues | None = None,
) -> Plan:
    """`known(type_name, field_name)` says whether one statement can answer the field (`json_sql.serves`).

    `variables` decide the @include/@skip conditions that name one; without
    them only literal conditions may appear.
    """
    if operation.directives or operation.operation == OperationType.SUBSCRIPTION:
        raise NotPlannable("only queries and mutations without directives")
    context = (schema, fragments, known, variables)
    if operation.operation == OperationType.MUTATION:
        assert schema.mutation_type is not None  # validation refuses a mutation the schema has no type for
        return Plan(operation, _plan_payloads(context, schema.mutation_type, operation.selection_set))
    assert schema.query_type is not None  # a schema always has one
    return Plan(operation, _plan_selection(context, schema.query_type, operation.selection_set))


def _plan_payloads(context: _Context, root: GraphQLObjectType, selection_set: SelectionSetNode) -> list[FieldPlan]:
    """Per mutation field, its payload's whole selection (graph/planned/mutations.py runs it).

    The payload's objects (`comment`, `article`, `user`, `viewer`) are
    planned as any query's fields, for one statement each; the rest
    (`errors`, `token`, deleted IDs, `__typename`) is completed from what the
    field's resolver returned.
    """
    plans = []
    for key, nodes in _grouped(context, root, selection_set).items():
        name = nodes[0].name.value
        if name == "__typename":
            plans.append(FieldPlan(key, name, nodes[0], None, nullable=False))
            continue
        definition = root.fields[name]
        payload = _named_type(definition.type)
        if not isinstance(payload, GraphQLObjectType):
            raise NotPlannable(f"{root.name}.{name} returns no payload object")
        plan = FieldPlan(
            key,
            name,
            nodes[0],
            definition,
            payload.name,
            _plan_payload(context, payload, SelectionSetNode(selections=_selections(nodes))),
            nullable=not isinstance(definition.type, GraphQLNonNull),
        )
        plans.append(plan)
    return plans


def _plan_payload(context: _Context, payload: GraphQLObjectType, selection_set: SelectionSetNode) -> list[FieldPlan]:
    plans = []
    for key, nodes in _grouped(context, payload, selection_set).items():
        name = nodes[0].name.value
        if name == "__typename":
            plans.append(FieldPlan(key, name, nodes[0], None, nullable=False))
            continue
        if name.startswith("__"):
            raise NotPlannable(f"{payload.name}.{name}")
        definition = payload.fields[name]
        plan = FieldPlan(key, name, nodes[0], definition, nullable=not isinstance(definition.type, GraphQLNonNull))
        named = _named_type(definition.type)
        if isinstance(named, GraphQLObjectType):
            plan.type_name = named.name
            inner = SelectionSetNode(selections=_selections(nodes))
            plan.children = (
                _plan_selection(context, named, inner)
                if named.name in PAYLOAD_OBJECTS
                else _plan_payload(context, named, inner)  # UserError: leaves, from the resolver's value
            )
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            raise NotPlannable(f"{payload.name}.{name} is abstract")
        plans.append(plan)
    return plans


def _grouped(
    context: _Context, parent: GraphQLObjectType, selection_set: SelectionSetNode
) -> dict[str, list[FieldNode]]:
    """The selection's fields by response key, fragments and conditions applied."""
    _, fragments, _, variables = context
    grouped: dict[str, list[FieldNode]] = {}
    try:
        _collect(parent, selection_set, fragments, grouped, set(), variables)
    except UnknownDirective as directive:
        raise NotPlannable(f"@{directive}") from None
    return grouped


def _plan_selection(context: _Context, parent: GraphQLObjectType, selection_set: SelectionSetNode) -> list[FieldPlan]:
    schema, _, known, _ = context
    plans = []
    for key, nodes in _grouped(context, parent, selection_set).items():
        name = nodes[0].name.value
        if name == "__typename":
            plans.append(FieldPlan(key, name, nodes[0], None, nullable=False))
            continue
        if name.startswith("__") or not known(parent.name, name):
            raise NotPlannable(f"{parent.name}.{name}")
        definition = parent.fields[name]
        plan = FieldPlan(
            key,
            name,
            nodes[0],
            definition,
            nullable=not isinstance(definition.type, GraphQLNonNull),
            uses_variables=any(_has_variable(argument.value) for argument in nodes[0].arguments or ()),
        )
        named = _named_type(definition.type)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            merged = SelectionSetNode(selections=_selections(nodes))
        if isinstance(named, GraphQLObjectType):
            plan.type_name = named.name
            plan.children = _plan_selection(context, named, merged)
        elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            plan.by_type = {
                possible.name: _plan_selection(context, possible, merged)
                for possible in schema.get_possible_types(named)
            }
        plans.append(plan)
    return plans


def _collect(
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    grouped: dict[str, list[FieldNode]],
    visited: set[str],
    variables: VariableValues | None,
) -> None:
    """graphql-core's field collection for one object type (a skipped spread does not count as visited)."""
    for selection in selection_set.selections:
        if not included(selection, variables):
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            grouped.setdefault(key, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            if _applies(parent, selection.type_condition):
                _collect(parent, selection.selection_set, fragments, grouped, visited, variables)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments[name]
            if fragment.directives:
                raise NotPlannable("directives")
            if name not in visited and _applies(parent, fragment.type_condition):
                visited.add(name)
                _collect(parent, fragment.selection_set, fragments, grouped, visited, variables)


def _applies(parent: GraphQLObjectType, condition: NamedTypeNode | None) -> bool:
    if condition is None:
        return True
    name = condition.name.value
    return name == parent.name or any(interface.name == name for interface in parent.interfaces)


def _has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(item.value) for item in value.fields)
    return False


def _selections(nodes: list[FieldNode]) -> tuple[SelectionNode, ...]:
    """The sub-selections of a field's merged nodes (validation gave each object field one)."""
    return tuple(s for node in nodes if node.selection_set is not None for s in node.selection_set.selections)


def _named_type(graphql_type: GraphQLOutputType) -> GraphQLNamedType:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def build_event_plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    known: Known,
    variables: VariableValues | None = None,
) -> Plan:
    """A subscription's plan: its root field, whose children are the selection on each event's object.

    The root field's arguments stay with its resolver (graph/planned/events.py plans only what each event reads).
    """
    if operation.directives or operation.operation != OperationType.SUBSCRIPTION:
        raise NotPlannable("only subscriptions without directives")
    root = schema.subscription_type
    assert root is not None  # validation refuses a subscription the schema has no type for
    context = (schema, fragments, lambda type_name, name: type_name == root.name or known(type_name, name), variables)
    return Plan(operation, _plan_selection(context, root, operation.selection_set))
