"""Mutation payloads: the general path writes, the planner reads the written object back in one statement.

A mutation field runs exactly as it always has (its resolver, the policy,
the transaction, payload `errors`, graphql-core's error handling). Then,
when its payload's object (`comment`, `article`, `user`, `viewer`) is
completed, the executor (`PayloadExecutor`) hands that object's selection to
one statement compiled by graph/planned/json_sql.py, keyed by the written
row's id, instead of resolving it field by field with the loaders. The
statement runs when graphql-core completes that field: after the mutation's
write has committed and before the next mutation field runs, which is when
the general path reads its payload too, so both see the same rows.

A selection the write's own statements already answer (the general path
reads nothing for it: the row a write returned, and what createArticle and
favoriteArticle prime) is left to the general path, so lean payloads cost
no statement more than before.
"""

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import orjson
from graphql import GraphQLOutputType, GraphQLResolveInfo
from graphql.pyutils import Path

from graph.planned import json_sql
from graph.planned.plan import FieldPlan, Plan

# The fields of a written row's own columns: no read on the general path.
_ROW_FIELDS = {
    "Article": frozenset({"id", "slug", "title", "description", "body", "createdAt", "updatedAt", "favoritesCount"}),
    "Comment": frozenset({"id", "body", "createdAt", "updatedAt"}),
    "User": frozenset({"id", "username", "bio", "image", "createdAt"}),
    "Viewer": frozenset({"email"}),
}
# Related values each mutation's write returns with the row (graph/schema/resolvers/articles.py primes them):
# (type, field) -> the type whose row fields come free beneath it, or None for a leaf.
_ARTICLE_PRIMED: dict[tuple[str, str], str | None] = {("Article", "viewerHasFavorited"): None}
_WRITTEN: dict[str, dict[tuple[str, str], str | None]] = {
    "createArticle": {**_ARTICLE_PRIMED, ("Article", "tags"): None, ("Article", "author"): "User"},
    "favoriteArticle": _ARTICLE_PRIMED,
    "unfavoriteArticle": _ARTICLE_PRIMED,
}
_SAME_ROW: dict[tuple[str, str], str | None] = {("Viewer", "user"): "User"}  # a Viewer is its user's row


def needs_read(mutation: str, type_name: str, fields: list[FieldPlan]) -> bool:
    """Whether the general path would read anything for `fields` after `mutation`'s write."""
    written = {**_SAME_ROW, **_WRITTEN.get(mutation, {})}

    def read(type_name: str, fields: list[FieldPlan]) -> bool:
        for plan in fields:
            if plan.name == "__typename" or plan.name in _ROW_FIELDS.get(type_name, ()):
                continue
            if (type_name, plan.name) not in written:
                return True
            beneath = written[(type_name, plan.name)]
            if beneath is not None and read(beneath, plan.children):
                return True
        return False

    return read(type_name, fields)


def wants_reads(plan: Plan) -> bool:
    """Whether any payload object of a mutation plan needs a read (kept with the plan: lean payloads stop here)."""
    wanted: bool | None = plan.statements.get("wants_reads")
    if wanted is None:
        wanted = plan.statements["wants_reads"] = any(
            needs_read(mutation.name, payload_object.object_type, payload_object.children)
            for mutation in plan.fields
            for payload_object in mutation.children
        )
    return wanted


def reads_for(plan: Plan, viewer_id: int | None, variables: Any) -> dict[tuple[str, str], Any] | None:
    """The statements for a mutation plan's payload objects, by (mutation key, object key); None: nothing to read.

    Built before the mutation runs, so an argument the planner refuses
    (json_sql's Fallback) or a selection one statement cannot say
    (NotCompilable) leaves the whole operation to the general path, before
    anything is written.
    """
    reads = {}
    for mutation in plan.fields:
        for payload_object in mutation.children:
            if not needs_read(mutation.name, payload_object.object_type, payload_object.children):
                continue
            cache_key = (mutation.key, payload_object.key, viewer_id is None)
            statement = plan.statements.get(cache_key)
            if statement is None:
                statement = json_sql.keyed_statement(
                    payload_object.object_type, payload_object.children, viewer_id, variables
                )
                if json_sql.reusable(payload_object.children):
                    plan.statements[cache_key] = statement
            reads[(mutation.key, payload_object.key)] = statement
    return reads or None


class PayloadReads:
    """One request's payload statements; graphql-core's executor runs each when it completes that object."""

    def __init__(self, db: Any, viewer_id: int | None, variables: Any, reads: dict[tuple[str, str], Any]) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.variables = variables
        self.reads = reads

    async def read(self, statement: json_sql.KeyedStatement, key: int) -> orjson.Fragment | None:
        params = statement.params_for(self.viewer_id, self.variables, key)
        text = await json_sql.run_object(self.db, statement.text, params)
        return None if text is None else orjson.Fragment(text)


def _key(value: Any) -> int:
    """The written row's id: a Node's key, or a Viewer's user's."""
    key: int | None = getattr(value, "key", None)
    row_id: int = value.user.key if key is None else key
    return row_id


if TYPE_CHECKING:  # what it is mixed into (graph/schema/build.py): graphql-core's executor
    from graphql.execution.executor import Executor

    _ExecutorBase = Executor[Any]
else:
    _ExecutorBase = object


class PayloadExecutor(_ExecutorBase):
    """Mixed into the schema's execution context: completes planned payload objects with their statement.

    Only an execution whose context carries `payload_reads` (set by
    `PlannedExecution.answer` for a mutation) swaps in the completion below;
    every other execution keeps graphql-core's own, untouched.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payloads = getattr(self.context_value, "payload_reads", None)
        if payloads is not None:
            self._payloads = payloads
            self._complete = super().complete_value
            self.complete_value = self._complete_payload_object  # type: ignore[method-assign]  # this execution only

    def _complete_payload_object(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Awaitable[Any] | Any:
        parent = path.prev
        if parent is not None and parent.prev is None and result is not None and not isinstance(result, Exception):
            statement = self._payloads.reads.get((parent.key, path.key))
            if statement is not None:
                return self._payloads.read(statement, _key(result))
        return self._complete(return_type, field_details_list, info, path, result, position_context)
