"""The cost of an operation: how many objects it may ask for, before it runs.

Every field that resolves to an object (or a list of them) costs 1 for each
parent object it is resolved on; scalar fields cost nothing (they are columns
of rows already fetched). A field with `first`/`last` multiplies what is
under it by the page size: a plain list (`tags(first:)`) multiplies its
children, a connection multiplies its `edges` (or `nodes`) selection, edge
objects included (its `pageInfo` and `totalCount` are per connection, not
per row). `nodes(ids:)` multiplies by
the number of IDs. Sizes come from literals or from the variables; an absent
size is the argument's default, or the server's page size of 20.

So `articles(first: 100) { edges { node { author { username } } } }` costs
1 (articles) + 100 × (1 edge + 1 node + 1 author) = 301; nesting
`comments(first: 100)` under each article multiplies again, which is what
the limit refuses, before any SQL runs.

Fragments are followed; each spread costs again (execution merges
duplicate fields, so this can overestimate, never underestimate).

A size is checked against its range (pagination.py) before it multiplies
anything: `first: 100000` is the BAD_USER_INPUT the resolver would raise,
whether written as a literal, a variable or a variable's default, and not
QUERY_TOO_COMPLEX, so a client is told which argument is wrong rather
than that its query is too big; and the whole operation is refused before
any of it runs, rather than its siblings running first.
"""

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from graph.limits.shape import fragments_of
from graph.relay.pagination import DEFAULT_PAGE_SIZE, check_id_count, check_page_size

_PER_ROW_FIELDS = frozenset({"edges", "nodes"})
_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation that will run, as graphql-core picks it; None when it cannot pick one."""
    operations = [definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name is not None and op.name.value == operation_name), None)


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None
) -> int:
    """The cost of the operation that will run (0 when none can be picked: execution refuses it).

    Raises BadUserInput for a page size or ID list out of range.
    """
    return _walk(schema, document, operation_name, variables or {})[0]


def static_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> int | None:
    """The cost when no variable can change it (no page size or ID list comes from one); else None.

    Then it is a property of the document alone, and callers may cache it.
    Raises BadUserInput for a literal size out of range; sizes from
    variables (and their defaults, which a request may override) are left
    to `operation_cost`.
    """
    cost, reads_variables = _walk(schema, document, operation_name, None)
    return None if reads_variables else cost


def _walk(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None
) -> tuple[int, bool]:
    """The operation's cost, and whether a variable sized any of it; `variables` None: the document alone."""
    operation = select_operation(document, operation_name)
    if operation is None:
        return 0, False
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, False
    walker = _CostWalker(schema, document, operation, variables)
    return walker.selection_cost(operation.selection_set, root, None), walker.reads_variables


class _CostWalker:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.static = variables is None
        self.variables = dict(variables or {})
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = _literal(definition.default_value, {})
        self.fragments = fragments_of(document)
        self.memo: dict[tuple[str, int | None], int] = {}
        self.in_progress: set[str] = set()
        self.reads_variables = False  # whether a size came from a variable

    def selection_cost(self, selection_set: SelectionSetNode | None, parent: Any, page: int | None) -> int:
        """The cost of one selection set on one parent object; `page` multiplies its edges/nodes."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost = self.field_cost(selection, parent)
                if page is not None and selection.name.value in _PER_ROW_FIELDS:
                    cost *= page
                total += cost
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(selection.selection_set, target or parent, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment_cost(selection.name.value, parent, page)
        return total

    def fragment_cost(self, name: str, parent: Any, page: int | None) -> int:
        key = (name, page)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.in_progress:
            return 0  # unknown fragments and cycles fail validation
        self.in_progress.add(name)
        target = self.schema.get_type(fragment.type_condition.name.value) or parent
        self.memo[key] = self.selection_cost(fragment.selection_set, target, page)
        self.in_progress.discard(name)
        return self.memo[key]

    def field_cost(self, node: FieldNode, parent: Any) -> int:
        definition = self._definition(node.name.value, parent)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        size = self._size(definition, node)
        if is_list_type(get_nullable_type(definition.type)):
            return 1 + (1 if size is None else size) * self.selection_cost(node.selection_set, named, None)
        return 1 + self.selection_cost(node.selection_set, named, size)

    def _definition(self, name: str, parent: Any) -> GraphQLField | None:
        if name in _META_FIELDS:
            return _META_FIELDS[name]
        fields = getattr(parent, "fields", None)  # objects and interfaces; unions select through fragments
        return fields.get(name) if fields is not None else None

    def _size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        """The page size or ID count this field multiplies by; None for a plain field."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        if "ids" in definition.args:
            ids = self._value(given.get("ids"))
            return check_id_count(len(ids) if isinstance(ids, list) else 1, given.get("ids"))
        sizes = [name for name in ("first", "last") if name in definition.args]
        if not sizes:
            return None
        values = [
            check_page_size(name, value, given[name])
            for name in sizes
            if isinstance(value := self._value(given.get(name)), int)
        ]
        if values:
            return max(values)
        default = definition.args[sizes[0]].default_value
        return default if isinstance(default, int) and default >= 0 else DEFAULT_PAGE_SIZE

    def _value(self, node: ValueNode | None) -> Any:
        if node is None:
            return None
        if _mentions_variable(node):
            self.reads_variables = True
            if self.static:
                return None  # the request's variables decide; the cost of the document alone is not used
        return _literal(node, self.variables)


def _mentions_variable(node: ValueNode) -> bool:
    if isinstance(node, VariableNode):
        return True
    return isinstance(node, ListValueNode) and any(_mentions_variable(item) for item in node.values)


def _literal(node: ValueNode, variables: dict[str, Any]) -> Any:
    """The value of an argument as far as cost needs it: ints, lists, variables; anything else as None."""
    if isinstance(node, VariableNode):
        value = variables.get(node.name.value)
        if type(value) is float and value.is_integer():
            return int(value)  # Int coerces 100000.0 to 100000, so it must cost (and be checked) as that
        return value if type(value) in (int, list) else None
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, ListValueNode):
        return [_literal(item, variables) for item in node.values]
    if isinstance(node, NullValueNode):
        return None
    return None
