"""`@include` and `@skip`: which fields a request selects, decided before planning.

A condition with a literal (`@include(if: true)`) is read when the plan is
built. A condition naming a variable selects a different shape per request,
so the document's cache entry is a `Variants`: one plan per combination of
the condition variables' values, built on first use and then cached like
any plan (with its statements), so a request re-plans nothing. k condition
variables make up to 2^k plans: a document keeps the `MAX_VARIANTS` it used
last (a combination evicted is planned again when it comes back), so a
document with many condition variables is planned too, in bounded memory.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_directive_values

MAX_VARIANTS = 32  # plans kept per document, the most recently used
CONDITIONS = frozenset({"include", "skip"})


class UnknownDirective(Exception):
    """A directive other than @include/@skip on a selection (none exists in the contract today)."""


def included(node: SelectionNode, variables: VariableValues | None) -> bool:
    """graphql-core's rule (`should_include_node`): @skip wins over @include."""
    if not node.directives:
        return True
    for directive in node.directives:
        if directive.name.value not in CONDITIONS:
            raise UnknownDirective(directive.name.value)
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip is not None and skip["if"]:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return include is None or bool(include["if"])


def condition_variables(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[str, ...]:
    """The variables the operation's @include/@skip conditions name, in a fixed order."""
    names: set[str] = set()
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        for selection in selection_set.selections if selection_set else ():
            for directive in selection.directives or ():
                for argument in directive.arguments or ():
                    if directive.name.value in CONDITIONS and isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    walk(fragments[name].selection_set)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                walk(selection.selection_set)

    walk(operation.selection_set)
    return tuple(sorted(names))


@dataclass(slots=True)
class Variants:
    """A document whose shape depends on condition variables: its plans by their values."""

    operation: OperationDefinitionNode
    names: tuple[str, ...]
    build: Callable[[VariableValues], Any]  # a Plan, or None when that shape is not plannable
    plans: OrderedDict[tuple[bool, ...], Any] = field(default_factory=OrderedDict)
    plain_variables: Any = None  # graph/planned/variables.py caches the signatures here, as on a Plan

    def pick(self, variables: VariableValues) -> Any:
        """The plan for this request's condition values; None when one is not a boolean (graphql-core errs)."""
        values: tuple[Any, ...] = tuple(variables.coerced.get(name) for name in self.names)
        if not all(type(value) is bool for value in values):
            return None
        if values in self.plans:
            self.plans.move_to_end(values)
            return self.plans[values]
        plan = self.plans[values] = self.build(variables)
        if len(self.plans) > MAX_VARIANTS:
            self.plans.popitem(last=False)
        return plan
