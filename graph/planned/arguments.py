"""A planned field's arguments, read as the general path reads them.

The planner's statements (graph/planned/json_sql.py) take arguments
through here, so a value the general path would refuse raises `Fallback`
and the general path words the error.
"""

from typing import Any

from graphql import get_argument_values

from db.articles import ArticleFilter as DbArticleFilter
from db.keyset import SortKey, Window
from graph.errors import BadUserInput
from graph.planned.plan import FieldPlan
from graph.relay.ids import decode_id
from graph.relay.pagination import PageArgs, window_for
from graph.schema.types.article import ArticleFilter


class Fallback(Exception):
    """Let the general path answer this operation."""


def field_args(plan: FieldPlan, variables: Any) -> dict[str, Any]:
    assert plan.definition is not None  # only __typename has none, and it takes no arguments
    if plan.uses_variables:
        return get_argument_values(plan.definition, plan.node, variables)
    if plan.static_args is None:
        plan.static_args = get_argument_values(plan.definition, plan.node, variables)
    return plan.static_args


def window(plan: FieldPlan, variables: Any, key: SortKey) -> Window:
    args = field_args(plan, variables)
    try:
        return window_for(PageArgs.of(args), key)
    except Exception as error:  # the general path words the error
        raise Fallback(str(error)) from error


def article_filter(args: dict[str, Any]) -> DbArticleFilter:
    given = args.get("filter") or {}
    return ArticleFilter(
        tag=given.get("tag"),
        author_username=given.get("authorUsername"),
        favorited_by_username=given.get("favoritedByUsername"),
        search=given.get("search"),
    ).to_db()


def node_keys(plan: FieldPlan, variables: Any) -> list[tuple[str, int]]:
    """The (type, key) of each ID `node(id:)` or `nodes(ids:)` names, decoded as the general path decodes them.

    An ID that does not decode is an error response (BAD_USER_INPUT at its
    path, next to the other nodes' data): the general path gives it.
    """
    args = field_args(plan, variables)
    ids = [args["id"]] if plan.name == "node" else args["ids"]
    try:
        return [decode_id(global_id) for global_id in ids]
    except BadUserInput as error:
        raise Fallback(str(error)) from error
