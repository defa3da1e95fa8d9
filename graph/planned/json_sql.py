"""One SQL statement that builds a planned query's whole `data` as JSON text in PostgreSQL.

For a plan whose every field is pure data (columns, related rows, counts,
pages, the viewer's own rows), the selection becomes one SELECT of nested
`json_build_object`/`json_agg` subqueries, as PostGraphile does: one round
trip, one snapshot, and no Python object per field. The text PostgreSQL
returns is passed through to the response unparsed (orjson.Fragment).

What comes out must equal the general path's answer, so every value is
formatted here as the general path formats it: global IDs are base64 of
"Type:id", DateTime is Python's `isoformat()` of a UTC datetime
(microseconds only when non-zero), cursors are graph/relay/pagination.py's
URL-safe base64 of `["key", [values...]]` with timestamps in microseconds.
Pages read `limit + 1` rows as the db layer does, and `hasNextPage` /
`hasPreviousPage` follow `PageResult`'s rules. tests/planned/test_planned_equivalence.py
compares both paths on generated documents.

No request value becomes SQL text: response keys, type names, limits,
cursors, filters and usernames are all `$n` parameters. The text is made
of this module's constant fragments, composed in the plan's shape.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from db.articles import ARTICLE_COLUMNS, ARTICLE_FILTER, AUTHORED_ORDER, FAVORITED_ORDER, FEED_ORDER, ORDERS
from db.articles import ArticleOrder as DbArticleOrder
from db.comments import COMMENT_COLUMNS, COMMENTS_ORDER
from db.keyset import SortKey, Window
from db.pool import Database
from db.users import FOLLOWERS_ORDER, FOLLOWING_ORDER, USER_COLUMNS, USERS_ORDER
from graph.planned.arguments import Fallback, article_filter, field_args, node_keys, window
from graph.planned.plan import FieldPlan, Plan
from graph.relay.pagination import MAX_PAGE_SIZE

# PostgreSQL functions take at most 100 arguments: 50 keys per object.
MAX_KEYS = 50


class NotCompilable(Exception):
    """The plan needs something one statement cannot say; the planned executor serves it."""


async def run(db: Database, sql: str, params: list[Any]) -> str:
    """Run a statement from `statement_for`: the `data` object as JSON text (the request's only statement)."""
    data: str = await db.fetchval_sole(sql, *params)
    return data


async def run_object(db: Database, sql: str, params: list[Any]) -> str | None:
    """Run one object's statement (`KeyedStatement.text`, a mutation payload's): its JSON text, None if gone."""
    data: str | None = await db.fetchval(sql, *params)
    return data


@dataclass(frozen=True, slots=True)
class Source:
    """A list of rows: the table(s) and condition (`{parent}` is the parent row's alias), and its order."""

    node_type: str
    columns: str
    rows: str
    count: str
    key: SortKey


SOURCES: dict[tuple[str, str], Source] = {
    ("Article", "comments"): Source(
        "Comment",
        COMMENT_COLUMNS,
        "comments c WHERE c.article_id = {parent}.id",
        "comments c WHERE c.article_id = {parent}.id",
        COMMENTS_ORDER,
    ),
    ("User", "articles"): Source(
        "Article",
        ARTICLE_COLUMNS,
        "articles a WHERE a.author_id = {parent}.id",
        "articles a WHERE a.author_id = {parent}.id",
        AUTHORED_ORDER,
    ),
    ("User", "favoriteArticles"): Source(
        "Article",
        f"{ARTICLE_COLUMNS}, f.created_at AS favorited_at",
        "favorites f JOIN articles a ON a.id = f.article_id WHERE f.user_id = {parent}.id",
        "favorites f WHERE f.user_id = {parent}.id",
        FAVORITED_ORDER,
    ),
    ("User", "followers"): Source(
        "User",
        f"{USER_COLUMNS}, f.created_at AS followed_at",
        "follows f JOIN users u ON u.id = f.follower_id WHERE f.followee_id = {parent}.id",
        "follows f WHERE f.followee_id = {parent}.id",
        FOLLOWERS_ORDER,
    ),
    ("User", "following"): Source(
        "User",
        f"{USER_COLUMNS}, f.created_at AS followed_at",
        "follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = {parent}.id",
        "follows f WHERE f.follower_id = {parent}.id",
        FOLLOWING_ORDER,
    ),
    # Per followed author, its newest rows first, then merged: with the
    # follower as an outer reference, a plain IN lets the planner walk every
    # article backwards (23 ms for 20 rows here instead of 1).
    ("Viewer", "feed"): Source(
        "Article",
        "a.*",
        "follows fl CROSS JOIN LATERAL ("
        f" SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.author_id = fl.followee_id AND {{boundary}}"
        " ORDER BY {order} LIMIT {limit} + 1) a WHERE fl.follower_id = {parent}.id",
        "articles a WHERE a.author_id IN (SELECT followee_id FROM follows WHERE follower_id = {parent}.id)",
        FEED_ORDER,
    ),
    ("Query", "users"): Source("User", USER_COLUMNS, "users u WHERE true", "users u", USERS_ORDER),
}
ARTICLE_SOURCES = {
    (order, filtered): Source(
        "Article",
        ARTICLE_COLUMNS,
        "articles a WHERE " + (ARTICLE_FILTER if filtered else "true"),
        "articles a" + (" WHERE " + ARTICLE_FILTER if filtered else ""),
        key,
    )
    for order, key in ORDERS.items()
    for filtered in (False, True)
}

# Leaves, as SQL over a row alias `{r}`.
_DATETIME = (
    "to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', {v} AT TIME ZONE 'UTC') = {v} AT TIME ZONE 'UTC' THEN ''"
    " ELSE to_char({v} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
)
_COLUMNS = {
    "Article": {
        "slug": "slug",
        "title": "title",
        "description": "description",
        "body": "body",
        "favoritesCount": "favorites_count",
    },
    "User": {"username": "username", "bio": "bio", "image": "image"},
    "Comment": {"body": "body"},
    "Tag": {"name": "name", "articlesCount": "articles_count"},
    "Viewer": {"email": "email"},
}
_DATETIMES = {
    "Article": {"createdAt": "created_at", "updatedAt": "updated_at"},
    "User": {"createdAt": "created_at"},
    "Comment": {"createdAt": "created_at", "updatedAt": "updated_at"},
}
_SCALAR_SUBQUERIES = {
    ("Article", "tags"): (
        "(SELECT coalesce(json_agg(t.name ORDER BY t.name), '[]'::json)"
        " FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = {r}.id)"
    ),
    ("User", "followersCount"): "(SELECT count(*) FROM follows WHERE followee_id = {r}.id)",
    ("User", "followingCount"): "(SELECT count(*) FROM follows WHERE follower_id = {r}.id)",
}
_VIEWER_MEMBERSHIP = {
    (
        "Article",
        "viewerHasFavorited",
    ): "EXISTS (SELECT 1 FROM favorites WHERE user_id = {viewer} AND article_id = {r}.id)",
    (
        "User",
        "viewerIsFollowing",
    ): "EXISTS (SELECT 1 FROM follows WHERE follower_id = {viewer} AND followee_id = {r}.id)",
}
_RELATED = {
    ("Article", "author"): ("users", "author_id"),
    ("Comment", "author"): ("users", "author_id"),
    ("Comment", "article"): ("articles", "article_id"),
}
_NODE_TABLES = {"Article": "articles", "User": "users", "Comment": "comments"}  # a Node type's rows, by id
_NODE_TYPES = frozenset(_NODE_TABLES)
_KEYED_TABLES = {**_NODE_TABLES, "Viewer": "users"}  # a row by id: Node types, and the viewer's own row
_CONNECTIONS = frozenset({"ArticleConnection", "UserConnection", "CommentConnection"})


def _viewer_of(viewer_id: int | None, _variables: Any) -> int | None:
    return viewer_id


def _timestamp_micros(value: str) -> str:
    return f"(extract(epoch FROM {value}) * 1000000)::bigint"


def statement_for(plan: Plan, viewer_id: int | None, variables: Any) -> tuple[str, list[Any]]:
    """The statement text and parameters answering `plan`; NotCompilable or Fallback when it cannot.

    Most plans build the same statement on every request but for a few
    values: the viewer's id, and variables that only name the row to look
    up (`user(username: $u)`, `article(slug: $s)`). Those are built once per
    plan and viewer presence; each request fills in its own values. Plans
    whose variables steer the SQL (page sizes, cursors, filters) are built
    per request.
    """
    if plan.statement_reusable is None:
        plan.statement_reusable = all(_reusable(field) for field in plan.fields)
    if not plan.statement_reusable:
        statement = JsonStatement(viewer_id, variables)
        return statement.build(plan.fields), statement.params
    built = plan.statements.get(viewer_id is None)
    if built is None:
        statement = JsonStatement(viewer_id, variables)
        try:
            built = (statement.build(plan.fields), statement.params, statement.slots)
        except NotCompilable as reason:
            built = reason
        plan.statements[viewer_id is None] = built
    if isinstance(built, NotCompilable):
        raise built
    text, params, slots = built
    params = list(params)
    for index, value_of in slots:
        params[index] = value_of(viewer_id, variables)
    return text, params


_LOOKUPS = {"user": "username", "article": "slug"}  # root fields and the argument naming their row


def _reusable(root: FieldPlan) -> bool:
    def selection_fixed(plan: FieldPlan) -> bool:
        selections = [plan.children] if plan.by_type is None else plan.by_type.values()
        return all(fixed(child) for children in selections for child in children)

    def fixed(plan: FieldPlan) -> bool:
        return not plan.uses_variables and selection_fixed(plan)

    if root.name in _LOOKUPS or root.name in ("node", "nodes"):
        return selection_fixed(root)
    return fixed(root)


@dataclass(frozen=True, slots=True)
class KeyedStatement:
    """A statement answering one object selection for the row with a given id, as JSON text (NULL if none)."""

    text: str
    params: list[Any]
    slots: list[tuple[int, Callable[[int | None, Any], Any]]]
    key_index: int  # the parameter the row's id goes in

    def params_for(self, viewer_id: int | None, variables: Any, key: int) -> list[Any]:
        params = list(self.params)
        for index, value_of in self.slots:
            params[index] = value_of(viewer_id, variables)
        params[self.key_index] = key
        return params


def keyed_statement(type_name: str, fields: list[FieldPlan], viewer_id: int | None, variables: Any) -> KeyedStatement:
    """`fields` on the `type_name` row whose id is filled in per request (a mutation payload's written row).

    The object is compiled as every other field is (as `node(id:)` compiles
    each Node type's branch); `reusable(fields)` says whether the result
    serves every request of its plan (no variable steers it).
    """
    statement = JsonStatement(viewer_id, variables)
    statement.params.append(None)
    key = f"${len(statement.params)}::bigint"
    row = statement._alias()
    body = statement._object(type_name, fields, row)
    text = f"SELECT (SELECT {body} FROM {_KEYED_TABLES[type_name]} {row} WHERE {row}.id = {key})::text"
    return KeyedStatement(text, statement.params, statement.slots, 0)


def reusable(fields: list[FieldPlan]) -> bool:
    """Whether no variable steers the SQL of `fields` (their statement can be built once)."""

    def fixed(plan: FieldPlan) -> bool:
        selections = [plan.children] if plan.by_type is None else plan.by_type.values()
        return not plan.uses_variables and all(fixed(child) for children in selections for child in children)

    return all(fixed(field) for field in fields)


def _node_types(plan: FieldPlan) -> Callable[[int | None, Any], list[str]]:
    return lambda _, variables: [type_name for type_name, _ in node_keys(plan, variables)]


def _node_ids(plan: FieldPlan) -> Callable[[int | None, Any], list[int]]:
    return lambda _, variables: [key for _, key in node_keys(plan, variables)]


class JsonStatement:
    """The SQL text and its parameters for one execution of a plan."""

    def __init__(self, viewer_id: int | None, variables: Any) -> None:
        self.viewer_id = viewer_id
        self.variables = variables
        self.params: list[Any] = []
        # Parameters each request fills in: (index in params, value from (viewer id, variables)).
        self.slots: list[tuple[int, Callable[[int | None, Any], Any]]] = []
        self._viewer_placeholder: str | None = None
        self._numbers: dict[tuple[str, Any], str] = {}
        self._aliases = 0

    def build(self, fields: list[FieldPlan]) -> str:
        """The statement's text; `params` holds its parameters afterwards."""
        return f"SELECT {self._object('Query', fields, '')}::text"

    def param(self, value: Any, sql_type: str) -> str:
        key = (sql_type, value)
        placeholder = self._numbers.get(key)
        if placeholder is None:
            self.params.append(value)
            placeholder = self._numbers[key] = f"${len(self.params)}::{sql_type}"
        return placeholder

    def slot(self, value: Any, sql_type: str, value_of: Callable[[int | None, Any], Any]) -> str:
        """A parameter of this request's own, never shared with an equal value (statement_for refills it)."""
        self.params.append(value)
        self.slots.append((len(self.params) - 1, value_of))
        return f"${len(self.params)}::{sql_type}"

    def _viewer(self) -> str:
        if self._viewer_placeholder is None:
            self._viewer_placeholder = self.slot(self.viewer_id, "bigint", _viewer_of)
        return self._viewer_placeholder

    def _alias(self) -> str:
        self._aliases += 1
        return f"r{self._aliases}"

    def _object(self, type_name: str, fields: list[FieldPlan], row: str) -> str:
        if len(fields) > MAX_KEYS:
            raise NotCompilable(f"{len(fields)} keys on {type_name}")
        parts = []
        for plan in fields:
            parts.append(self.param(plan.key, "text"))
            parts.append(self._field(type_name, plan, row))
        return f"json_build_object({', '.join(parts)})"

    def _field(self, type_name: str, plan: FieldPlan, row: str) -> str:
        name = plan.name
        if name == "__typename":
            return self.param(type_name, "text")
        if type_name == "Query":
            return self._root(plan)
        if name == "id" and type_name in _NODE_TYPES:
            return f"encode(convert_to({self.param(type_name + ':', 'text')} || {row}.id, 'UTF8'), 'base64')"
        column = _COLUMNS.get(type_name, {}).get(name)
        if column is not None:
            return f"{row}.{column}"
        column = _DATETIMES.get(type_name, {}).get(name)
        if column is not None:
            return _DATETIME.replace("{v}", f"{row}.{column}")
        subquery = _SCALAR_SUBQUERIES.get((type_name, name))
        if subquery is not None:
            return subquery.replace("{r}", row)
        membership = _VIEWER_MEMBERSHIP.get((type_name, name))
        if membership is not None:
            if self.viewer_id is None:
                return "false"
            return membership.replace("{viewer}", self._viewer()).replace("{r}", row)
        related = _RELATED.get((type_name, name))
        if related is not None:
            table, column = related
            child = self._alias()
            body = self._object(plan.object_type, plan.children, child)
            return f"(SELECT {body} FROM {table} {child} WHERE {child}.id = {row}.{column})"
        if (type_name, name) == ("Viewer", "user"):
            return self._object("User", plan.children, row)
        source = SOURCES.get((type_name, name))
        if source is not None:
            return self._connection(source, plan, row)
        raise NotCompilable(f"{type_name}.{name}")

    def _root(self, plan: FieldPlan) -> str:
        name = plan.name
        if name == "articles":
            args = field_args(plan, self.variables)
            order = DbArticleOrder[getattr(args.get("orderBy"), "name", args.get("orderBy")) or "NEWEST"]
            where = article_filter(args)
            source = ARTICLE_SOURCES[(order, not where.is_empty)]
            rows, count = source.rows, source.count
            if not where.is_empty:
                tag, author, favorited, search = where.params()
                for placeholder, value in (
                    ("{tag}", tag),
                    ("{author}", author),
                    ("{favorited}", favorited),
                    ("{search}", search),
                ):
                    rows = rows.replace(placeholder, self.param(value, "text"))
                    count = count.replace(placeholder, self.param(value, "text"))
            return self._connection(Source(source.node_type, source.columns, rows, count, source.key), plan, "")
        if name == "users":
            return self._connection(SOURCES[("Query", "users")], plan, "")
        if name in ("node", "nodes"):
            return self._nodes(plan)
        if name in ("user", "article", "viewer"):
            row = self._alias()
            if name in _LOOKUPS:
                argument = _LOOKUPS[name]
                value = field_args(plan, self.variables)[argument]
                placeholder = self.slot(value, "text", lambda _, variables: field_args(plan, variables)[argument])
                if name == "user":
                    condition, table = f"lower({row}.username) = lower({placeholder})", "users"
                else:
                    condition, table = f"{row}.slug = {placeholder}", "articles"
            else:
                if self.viewer_id is None:
                    return "NULL::json"
                condition = f"{row}.id = {self._viewer()}"
                table = "users"
            return f"(SELECT {self._object(plan.object_type, plan.children, row)} FROM {table} {row} WHERE {condition})"
        if name == "tags":
            first = field_args(plan, self.variables).get("first")
            first = 20 if first is None else first
            if not 0 <= first <= MAX_PAGE_SIZE:
                raise Fallback("first out of range")
            row = self._alias()
            return (
                f"(SELECT coalesce(json_agg({self._object('Tag', plan.children, row)}"
                f" ORDER BY {row}.articles_count DESC, {row}.name ASC), '[]'::json)"
                " FROM (SELECT name, articles_count FROM tags WHERE articles_count > 0"
                f" ORDER BY articles_count DESC, name ASC LIMIT {self.param(first, 'int')}) {row})"
            )
        raise NotCompilable(f"Query.{name}")

    def _nodes(self, plan: FieldPlan) -> str:
        """`node(id:)` or `nodes(ids:)`: each ID's row, as the object its type's selection makes, or null.

        The IDs are decoded in Python as the general path decodes them
        (graph/relay/ids.py; one that does not decode falls back) and passed as
        their types and keys, so the text serves any IDs of any types.
        """
        keys = node_keys(plan, self.variables)
        types = self.slot([type_name for type_name, _ in keys], "text[]", _node_types(plan))
        ids = self.slot([key for _, key in keys], "bigint[]", _node_ids(plan))
        if plan.name == "node":
            return self._node_case(plan, f"({types})[1]", f"({ids})[1]")
        row = self._alias()
        case = self._node_case(plan, f"{row}.t", f"{row}.k")
        return (
            f"(SELECT coalesce(json_agg({case} ORDER BY {row}.n), '[]'::json)"
            f" FROM unnest({types}, {ids}) WITH ORDINALITY AS {row}(t, k, n))"
        )

    def _node_case(self, plan: FieldPlan, type_sql: str, key_sql: str) -> str:
        """The object for a (type, key) pair; only the branch of its type runs."""
        branches = []
        for type_name, fields in plan.possible_types.items():
            table = _NODE_TABLES.get(type_name)
            if table is None:
                raise NotCompilable(f"Node type {type_name}")
            row = self._alias()
            body = self._object(type_name, fields, row)
            lookup = f"(SELECT {body} FROM {table} {row} WHERE {row}.id = {key_sql})"
            branches.append(f"WHEN {self.param(type_name, 'text')} THEN {lookup}")
        return f"CASE {type_sql} {' '.join(branches)} END"

    def _connection(self, source: Source, plan: FieldPlan, parent: str) -> str:
        """A page of `source` as the connection object `plan` selects."""
        page = _Page(window(plan, self.variables, source.key), source.key)
        more_field = "hasPreviousPage" if page.window.backward else "hasNextPage"
        wants_more = _selects(plan, "pageInfo", more_field)
        if wants_more or _selects(plan, "edges") or _selects(plan, "pageInfo", "startCursor", "endCursor"):
            self._read_rows(page, source, parent, wants_more)
        if len(plan.children) > MAX_KEYS:
            raise NotCompilable("too many keys on a connection")
        values = []
        for child in plan.children:
            values.append(self.param(child.key, "text"))
            if child.name == "__typename":
                values.append(self.param(plan.type_name, "text"))
            elif child.name == "edges":
                column = f"e{len(page.aggregates)}"
                edge = self._edge(child, page.rows, page.key, source.node_type)
                page.aggregates.append(f"json_agg({edge} {page.in_order} AS {column}")
                values.append(f"coalesce(p.{column}, '[]'::json)")
            elif child.name == "totalCount":
                values.append(f"(SELECT count(*) FROM {source.count.replace('{parent}', parent)})")
            elif child.name == "pageInfo":
                values.append(self._page_info(child, page))
            else:
                raise NotCompilable(f"{plan.type_name}.{child.name}")
        if not page.rows:  # totalCount and what the arguments alone say
            return f"json_build_object({', '.join(values)})"
        page_sql = f"SELECT {', '.join(page.aggregates)} FROM ({page.inner}) {page.rows}"
        return f"(SELECT json_build_object({', '.join(values)}) FROM ({page_sql}) p)"

    def _read_rows(self, page: "_Page", source: Source, parent: str, wants_more: bool) -> None:
        key, window_ = page.key, page.window
        page.rows = self._alias()
        page.limit = limit = self.param(window_.limit, "int")
        bounds = [
            self.param(value, sql_type)
            for value, (_, sql_type, _) in zip(key.boundary(window_), key.columns, strict=True)
        ]
        boundary, order = key.clauses(window_.backward, bounds)
        rows = (
            source.rows.replace("{parent}", parent)
            .replace("{boundary}", boundary)
            .replace("{order}", order)
            .replace("{limit}", limit)
        )
        if wants_more:
            # "Is there more beyond the window" costs one extra row and a row
            # number to leave it out of the page; only pageInfo's hasNextPage
            # (forwards) or hasPreviousPage (backwards) asks it.
            page.inner = (
                f"SELECT {source.columns}, row_number() OVER (ORDER BY {order}) AS rn"
                f" FROM {rows} AND {boundary} ORDER BY {order} LIMIT {limit} + 1"
            )
            display = "DESC" if window_.backward else "ASC"
            page.in_order = f"ORDER BY {page.rows}.rn {display}) FILTER (WHERE {page.rows}.rn <= {limit})"
            page.aggregates.append("count(*) AS n")
        else:
            page.inner = f"SELECT {source.columns} FROM {rows} AND {boundary} ORDER BY {order} LIMIT {limit}"
            display = "DESC" if key.descending else "ASC"
            page.in_order = "ORDER BY " + ", ".join(f"{page.rows}.{column} {display}" for _, _, column in key.columns)
            page.in_order += ")"

    def _edge(self, plan: FieldPlan, row: str, key: SortKey, node_type: str) -> str:
        if len(plan.children) > MAX_KEYS:
            raise NotCompilable("too many keys on an edge")
        parts = []
        for child in plan.children:
            parts.append(self.param(child.key, "text"))
            if child.name == "__typename":
                parts.append(self.param(plan.type_name, "text"))
            elif child.name == "cursor":
                parts.append(self._cursor(key, row))
            elif child.name == "node":
                parts.append(self._object(node_type, child.children, row))
            else:
                raise NotCompilable(f"{plan.type_name}.{child.name}")
        return f"json_build_object({', '.join(parts)})"

    def _cursor(self, key: SortKey, row: str) -> str:
        values = []
        for _, sql_type, column in key.columns:
            value = f"{row}.{column}"
            values.append(_timestamp_micros(value) if sql_type == "timestamptz" else value)
        prefix = self.param(f'["{key.name}",[', "text")
        payload = f"{prefix} || " + " || ',' || ".join(values) + " || ']]'"
        return f"translate(encode(convert_to({payload}, 'UTF8'), 'base64'), E'+/=\\n', '-_')"

    def _page_info(self, plan: FieldPlan, page: "_Page") -> str:
        backward = page.window.backward
        more = f"p.n > {page.limit}"
        cursors = None
        parts = []
        if len(plan.children) > MAX_KEYS:
            raise NotCompilable("too many keys on pageInfo")
        for child in plan.children:
            parts.append(self.param(child.key, "text"))
            if child.name == "__typename":
                parts.append(self.param("PageInfo", "text"))
            elif child.name == "hasNextPage":
                parts.append(self.param(page.window.cursor is not None, "boolean") if backward else more)
            elif child.name == "hasPreviousPage":
                parts.append(more if backward else self.param(page.window.cursor is not None, "boolean"))
            elif child.name in ("startCursor", "endCursor"):
                if cursors is None:
                    cursors = f"c{len(page.aggregates)}"
                    page.aggregates.append(
                        f"array_agg({self._cursor(page.key, page.rows)} {page.in_order} AS {cursors}"
                    )
                index = "1" if child.name == "startCursor" else f"array_length(p.{cursors}, 1)"
                parts.append(f"p.{cursors}[{index}]")
            else:
                raise NotCompilable(f"PageInfo.{child.name}")
        return f"json_build_object({', '.join(parts)})"


@dataclass(slots=True)
class _Page:
    """One connection's page as SQL: empty `rows` when nothing selected needs its rows."""

    window: Window
    key: SortKey
    rows: str = ""  # the rows' alias
    limit: str = ""  # the placeholder of the page size
    inner: str = ""  # the SELECT of the rows
    in_order: str = ""  # closes an aggregate over the rows: their display order (and which rows are shown)
    aggregates: list[str] = field(default_factory=list)


def _selects(plan: FieldPlan, name: str, *children: str) -> bool:
    """Whether `plan` selects `name` (and, if given, one of its `children`)."""
    return any(
        child.name == name and (not children or any(grand.name in children for grand in child.children))
        for child in plan.children
    )
