"""How long each text argument may be, checked before anything runs.

Every String or ID argument and input field of the schema has an entry in
BOUNDS, keyed by its schema coordinate (`Query.user(username:)`,
`ArticleFilter.search`); tests/limits/test_argument_bounds.py walks the schema and
fails on one without. The check runs with the page-size checks
(graph/limits/extension.py), on both paths and before the planner builds its
statement: literals once per document (cached), variables on each request
against the bound of every place they feed. A value over its bound, or one
holding NUL where no payload check reports it, is BAD_USER_INPUT naming the
argument, so a megabyte `search` costs a length comparison, not an ILIKE
over every article.

Where a mutation's payload already checks a field (graph/schema/input_checks.py:
title, body, bio…) and answers a near miss as an `INVALID` payload error,
the bound here is a ceiling well above that limit: the payload error stays
the answer for a value a client could plausibly send, and NUL is left to it.
"""

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)

from graph.errors import BadUserInput
from graph.limits import lengths
from graph.limits.cost import select_operation
from graph.limits.shape import fragments_of

SEARCH_MAX = 200
ID_MAX = 256  # a global ID is base64 of `Type:bigint`, well under this
CURSOR_MAX = 256  # base64 of a list's name and a sort key of two values
SLUG_MAX = 255  # articles.slug
TAG_MAX = lengths.TAG_MAX  # tags.name
USERNAME_MAX = 32  # users.username


@dataclass(frozen=True, slots=True)
class Bound:
    characters: int
    nul_reported: bool = False  # True: the payload check answers NUL (and near misses) as INVALID
    secret: bool = False  # True: a value given here never reaches a log line (graph/limits/redaction.py)


def _payload_checked(limit: int, *, secret: bool = False) -> Bound:
    # Twice the payload's limit (at least 256): values are trimmed before that check.
    return Bound(max(2 * limit, 256), nul_reported=True, secret=secret)


_ID = Bound(ID_MAX)
_CURSOR = Bound(CURSOR_MAX)

BOUNDS: dict[str, Bound] = {
    # Arguments on any field (a connection's cursors).
    "*(after:)": _CURSOR,
    "*(before:)": _CURSOR,
    "Query.node(id:)": _ID,
    "Query.nodes(ids:)": _ID,
    "Query.user(username:)": Bound(USERNAME_MAX),
    "Query.article(slug:)": Bound(SLUG_MAX),
    "Subscription.commentAdded(articleId:)": _ID,
    "ArticleFilter.tag": Bound(TAG_MAX),
    "ArticleFilter.authorUsername": Bound(USERNAME_MAX),
    "ArticleFilter.favoritedByUsername": Bound(USERNAME_MAX),
    "ArticleFilter.search": Bound(SEARCH_MAX),
    "RegisterInput.username": _payload_checked(USERNAME_MAX),
    "RegisterInput.email": _payload_checked(lengths.EMAIL_MAX),
    "RegisterInput.password": _payload_checked(lengths.PASSWORD_MAX, secret=True),
    # Login checks nothing before its lookup and hash: the bound is the only one.
    "LoginInput.email": Bound(lengths.EMAIL_MAX),
    "LoginInput.password": Bound(lengths.PASSWORD_MAX, secret=True),
    "UpdateViewerInput.username": _payload_checked(USERNAME_MAX),
    "UpdateViewerInput.email": _payload_checked(lengths.EMAIL_MAX),
    "UpdateViewerInput.password": _payload_checked(lengths.PASSWORD_MAX, secret=True),
    "UpdateViewerInput.bio": _payload_checked(lengths.BIO_MAX),
    "UpdateViewerInput.image": _payload_checked(lengths.IMAGE_MAX),
    "FollowUserInput.userId": _ID,
    "CreateArticleInput.title": _payload_checked(lengths.TITLE_MAX),
    "CreateArticleInput.description": _payload_checked(lengths.DESCRIPTION_MAX),
    "CreateArticleInput.body": _payload_checked(lengths.BODY_MAX),
    "CreateArticleInput.tags": _payload_checked(TAG_MAX),
    "UpdateArticleInput.id": _ID,
    "UpdateArticleInput.title": _payload_checked(lengths.TITLE_MAX),
    "UpdateArticleInput.description": _payload_checked(lengths.DESCRIPTION_MAX),
    "UpdateArticleInput.body": _payload_checked(lengths.BODY_MAX),
    "UpdateArticleInput.tags": _payload_checked(TAG_MAX),
    "DeleteArticleInput.id": _ID,
    "FavoriteArticleInput.articleId": _ID,
    "AddCommentInput.articleId": _ID,
    "AddCommentInput.body": _payload_checked(lengths.COMMENT_MAX),
    "DeleteCommentInput.id": _ID,
}


def bound_for(parent: str, name: str, argument: bool) -> Bound | None:
    """The bound of an argument (`Type.field(arg:)`) or input field (`Input.field`)."""
    if argument:
        return BOUNDS.get(f"{parent}({name}:)") or BOUNDS.get(f"*({name}:)")
    return BOUNDS.get(f"{parent}.{name}")


def check_text(name: str, value: str, bound: Bound, node: Any = None) -> None:
    if len(value) > bound.characters:
        raise BadUserInput(f"`{name}` may be at most {bound.characters} characters.", nodes=node, argument=name)
    if not bound.nul_reported and "\x00" in value:
        raise BadUserInput(f"`{name}` may not contain NUL characters.", nodes=node, argument=name)


# Where a variable goes: the name errors give; the bound, or the input object type, of that place;
# and how many lists deep its type is.
Target = Bound | GraphQLInputObjectType
Use = tuple[str, Target, int]


@dataclass(frozen=True, slots=True)
class Uses:
    """Where the operation's variables go, and the first literal over its bound, if any."""

    by_variable: tuple[tuple[str, tuple[Use, ...]], ...]
    defined: frozenset[str] = frozenset()  # the variables the operation declares
    error: BadUserInput | None = None

    def check(self, variables: dict[str, Any] | None) -> None:
        """BadUserInput for the first variable value over a bound it feeds."""
        if not variables:
            return
        for variable, uses in self.by_variable:
            value = variables.get(variable)
            if value is not None:
                for name, target, depth in uses:
                    _check_value(name, value, target, depth)

    def redacted(self, variables: dict[str, Any]) -> dict[str, Any]:
        """`variables` as a log may show them: whatever feeds a secret place, and undeclared ones, redacted."""
        uses = dict(self.by_variable)
        return {
            name: _redacted(value, uses.get(name, ())) if name in self.defined else REDACTED
            for name, value in variables.items()
        }


REDACTED = "[redacted]"


def _redacted(value: Any, uses: tuple[Use, ...]) -> Any:
    for _, target, _ in uses:
        if isinstance(target, Bound) and target.secret:
            return REDACTED
    for _, target, _ in uses:
        if isinstance(target, GraphQLInputObjectType):
            value = _redacted_object(value, target)
    return value


def _redacted_object(value: Any, type_: GraphQLInputObjectType) -> Any:
    if isinstance(value, list):
        return [_redacted_object(item, type_) for item in value]
    if not isinstance(value, dict):
        return value
    shown = {}
    for key, item in value.items():
        field = type_.fields.get(key)
        target = field and _target(type_.name, key, field.type, argument=False)
        shown[key] = _redacted(item, ((key, *target),)) if target is not None else item
    return shown


def _check_value(name: str, value: Any, target: Target, depth: int) -> None:
    # Values are not coerced yet: a wrong type is left to coercion, which words its own error;
    # so is a list deeper than the type's (JSON may nest a thousand levels).
    if isinstance(value, list):
        if depth > 0:
            for item in value:
                _check_value(name, item, target, depth - 1)
    elif isinstance(target, Bound):
        if isinstance(value, str):
            check_text(name, value, target)
    elif isinstance(value, dict):
        for key, item in value.items():
            field = target.fields.get(key)
            inner = field and _target(target.name, key, field.type, argument=False)
            if inner is not None and item is not None:
                _check_value(key, item, *inner)


def _target(parent: str, name: str, type_: Any, *, argument: bool) -> tuple[Target, int] | None:
    depth = 0
    while not isinstance(type_, GraphQLNamedType):
        depth += isinstance(type_, GraphQLList)
        type_ = type_.of_type
    if isinstance(type_, GraphQLInputObjectType):
        return type_, depth
    bound = bound_for(parent, name, argument)
    return None if bound is None else (bound, depth)


def argument_uses(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Uses:
    """Where the variables of the operation that will run go, and the first literal over its bound.

    The caller caches it per document (graph/limits/extension.py).
    """
    operation = select_operation(document, operation_name)
    if operation is None:
        return Uses(())
    return _Walker(schema, document, operation).uses()


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments_of(document)
        self.seen: set[tuple[str, str]] = set()  # (fragment, parent type): each walked once
        self.found: dict[str, list[Use]] = {}
        self.error: BadUserInput | None = None  # the first literal over its bound

    def uses(self) -> Uses:
        root = self.schema.get_root_type(self.operation.operation)
        if root is not None:
            self.selections(self.operation.selection_set, root)
        defaults = {
            d.variable.name.value: d.default_value for d in self.operation.variable_definitions or () if d.default_value
        }
        for variable, found in self.found.items():
            if variable in defaults:  # a default is a literal of the document: checked here, once
                for name, target, _ in found:
                    self.literal(name, defaults[variable], target)
        return Uses(
            tuple((variable, tuple(found)) for variable, found in self.found.items()),
            frozenset(d.variable.name.value for d in self.operation.variable_definitions or ()),
            self.error,
        )

    def selections(self, selection_set: SelectionSetNode | None, parent: Any) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                self.selections(selection.selection_set, target or parent)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and (fragment.name.value, fragment.type_condition.name.value) not in self.seen:
                    self.seen.add((fragment.name.value, fragment.type_condition.name.value))
                    self.selections(fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value))

    def field(self, node: FieldNode, parent: Any) -> None:
        fields = getattr(parent, "fields", None)
        definition = fields.get(node.name.value) if fields else None
        if definition is None:
            return  # introspection and typename fields take no text that reaches SQL
        for argument in node.arguments or ():
            spec = definition.args.get(argument.name.value)
            if spec is None:
                continue
            target = _target(f"{parent.name}.{node.name.value}", argument.name.value, spec.type, argument=True)
            if target is not None:
                self.literal(argument.name.value, argument.value, *target)
        self.selections(node.selection_set, get_named_type(definition.type))

    def literal(self, name: str, node: ValueNode, target: Target, depth: int = 0) -> None:
        if isinstance(node, VariableNode):
            self.found.setdefault(node.name.value, []).append((name, target, depth))
        elif isinstance(node, ListValueNode):
            for item in node.values:
                self.literal(name, item, target, max(depth - 1, 0))
        elif isinstance(node, StringValueNode) and isinstance(target, Bound) and self.error is None:
            try:
                check_text(name, node.value, target, node)
            except BadUserInput as error:
                self.error = error
        elif isinstance(node, ObjectValueNode) and isinstance(target, GraphQLInputObjectType):
            for field in node.fields:
                spec = target.fields.get(field.name.value)
                inner = spec and _target(target.name, field.name.value, spec.type, argument=False)
                if inner is not None:
                    self.literal(field.name.value, field.value, *inner)
