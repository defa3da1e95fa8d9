"""How big an operation may be, checked before any of it runs.

OWASP's GraphQL cheat sheet lists the cheap attacks on a GraphQL server:
huge documents, deep nesting, many aliases (one `login` repeated fifty
times), the same field repeated in one selection (graphql-core's
OverlappingFieldsCanBeMerged compares every pair: 500 repeats of
`author { username }`, 2,000 tokens, took 2 s to validate), piles of
directives, and lists of lists of lists. Each limit here is
a setting; exceeding one is `QUERY_TOO_COMPLEX` with `extensions.limit`
naming it, the measured value and the maximum, so a client can tell what to
shrink.

Length and tokens are checked while parsing (graphql-core stops lexing at
the token limit, so a huge document costs no more than the limit). Depth,
aliases, field repeats and directives are counted on the syntax tree before graphql-core's
own validation, which is superlinear in the worst case. Cost (cost.py) needs
the variables and runs last.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    visit,
)

from graph.errors import CodedError

if TYPE_CHECKING:
    from graph.settings import Settings


class QueryTooComplex(CodedError):
    code = "QUERY_TOO_COMPLEX"


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one deployment; hashable, so caches key on it."""

    max_length: int = 20_000
    max_tokens: int = 2_000
    max_depth: int = 15
    max_aliases: int = 20
    max_directives: int = 20
    max_field_repeats: int = 20
    max_fields: int = 1_000
    max_cost: int = 20_000
    introspection: bool = True

    @classmethod
    def from_settings(cls, settings: "Settings") -> "Limits":
        return cls(
            max_length=settings.max_query_length,
            max_tokens=settings.max_query_tokens,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_query_aliases,
            max_directives=settings.max_query_directives,
            max_field_repeats=settings.max_query_field_repeats,
            max_fields=settings.max_query_fields,
            max_cost=settings.max_query_cost,
            introspection=settings.introspection_enabled,
        )


DEFAULT_LIMITS = Limits()


def limits_for(settings: "Settings | None", limits: Limits | None = None) -> Limits:
    """The limits an operation meets: `limits` when given, else those of `settings`, else the defaults.

    The app builds its limits once at startup and hands them to each
    Context; a Context built without them (a test's, a script's) and a
    context that is no Context at all fall back here, the one place that
    decides how.
    """
    if limits is not None:
        return limits
    return Limits.from_settings(settings) if settings is not None else DEFAULT_LIMITS


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """A document's fragments by name: what every walk over it (depth, fields, cost, bounds) looks spreads up in."""
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def exceeded(limit: str, value: int | None, maximum: int) -> QueryTooComplex:
    """The error for one limit: extensions `limit`, `<limit>` (when known) and `max<Limit>`."""
    extensions: dict[str, Any] = {"limit": limit, f"max{limit[0].upper()}{limit[1:]}": maximum}
    if value is not None:
        extensions[limit] = value
        message = f"The operation exceeds the {limit} limit: {value} > {maximum}."
    else:
        message = f"The operation exceeds the {limit} limit of {maximum}."
    return QueryTooComplex(message, **extensions)


def check_length(query: str, limits: Limits) -> None:
    """Refuse an oversized document before it is lexed (or stored as a persisted query)."""
    if len(query) > limits.max_length:
        raise exceeded("length", len(query), limits.max_length)


def shape_errors(document: DocumentNode, limits: Limits) -> list[QueryTooComplex]:
    """Depth, alias and directive limits of a parsed document; empty when within them."""
    counter = _AliasAndDirectiveCounter()
    visit(document, counter)
    errors = []
    depth = document_depth(document)
    if depth > limits.max_depth:
        errors.append(exceeded("depth", depth, limits.max_depth))
    if counter.aliases > limits.max_aliases:
        errors.append(exceeded("aliases", counter.aliases, limits.max_aliases))
    if counter.directives > limits.max_directives:
        errors.append(exceeded("directives", counter.directives, limits.max_directives))
    repeats, fields = field_counts(document, limits.max_fields)
    if fields is None:
        errors.append(exceeded("fields", None, limits.max_fields))
    elif repeats > limits.max_field_repeats:
        errors.append(exceeded("fieldRepeats", repeats, limits.max_field_repeats))
    return errors


class _AliasAndDirectiveCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.aliases = 0
        self.directives = 0

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.alias is not None:
            self.aliases += 1

    def enter_directive(self, *_: object) -> None:
        self.directives += 1


def document_depth(document: DocumentNode) -> int:
    """The deepest field nesting of any operation, through fragments.

    A fragment's depth does not depend on where it is spread, so each is
    measured once (a chain of fragments spreading the previous one twice
    would otherwise take exponential time). A fragment cycle counts as
    depth 0 here; graphql-core's NoFragmentCycles rule refuses it next.
    """
    fragments = fragments_of(document)
    memo: dict[str, int] = {}
    in_progress: set[str] = set()

    def fragment_depth(name: str) -> int:
        if name in memo:
            return memo[name]
        fragment = fragments.get(name)
        if fragment is None or name in in_progress:
            return 0
        in_progress.add(name)
        memo[name] = selection_depth(fragment.selection_set)
        in_progress.discard(name)
        return memo[name]

    def selection_depth(selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                deepest = max(deepest, 1 + selection_depth(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, selection_depth(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, fragment_depth(selection.name.value))
        return deepest

    return max(
        (
            selection_depth(definition.selection_set)
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ),
        default=0,
    )


class _TooManyFields(Exception):
    pass


def field_counts(document: DocumentNode, max_fields: int) -> tuple[int, int | None]:
    """(most repeats of one response key in one merged selection set, fields with fragments expanded).

    Repeats are counted the way graphql-core merges fields: fields of inline
    fragments and spreads land in the selection set holding them, and the
    sub-selections of a repeated key merge into one (20 `author { articles
    { … author … } }` make one `author` with 20 `articles` whose `author`s
    merge to 400: OverlappingFieldsCanBeMerged compares all their pairs).
    The walk stops after `max_fields` fields, so a fragment that spreads
    another twice, ten levels deep, costs no more than the limit; the field
    count is None then.
    """
    fragments = fragments_of(document)
    seen = 0

    def collect(
        selection_sets: list[SelectionSetNode], groups: dict[str, list[FieldNode]], visiting: frozenset[str]
    ) -> None:
        nonlocal seen
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    seen += 1
                    if seen > max_fields:
                        raise _TooManyFields
                    groups.setdefault((selection.alias or selection.name).value, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    collect([selection.selection_set], groups, visiting)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in fragments and name not in visiting:  # cycles fail validation
                        collect([fragments[name].selection_set], groups, visiting | {name})

    def most_repeats(selection_sets: list[SelectionSetNode]) -> int:
        groups: dict[str, list[FieldNode]] = {}
        collect(selection_sets, groups, frozenset())
        most = max((len(fields) for fields in groups.values()), default=0)
        for fields in groups.values():
            merged = [field.selection_set for field in fields if field.selection_set is not None]
            if merged:
                most = max(most, most_repeats(merged))
        return most

    operations = [definition for definition in document.definitions if isinstance(definition, OperationDefinitionNode)]
    try:
        most = max((most_repeats([operation.selection_set]) for operation in operations), default=0)
    except _TooManyFields:
        return 0, None
    return most, seen
