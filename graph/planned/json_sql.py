"""One SQL statement that builds a planned query's whole `data` as JSON text in PostgreSQL.

Every plan becomes one SELECT of nested `json_build_object`/`json_agg`
subqueries, as PostGraphile does: one round trip, one snapshot, and no
Python object per field. The text PostgreSQL returns is passed through to
the response unparsed (orjson.Fragment). What each field reads, and how it
joins its parent, comes from its declaration in db/catalog.py (the same
declaration the general path's loaders run); this module only composes the
declarations' fragments in the plan's shape and formats values.

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
of this module's and the catalog's constant fragments.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from db import catalog
from db.fields import (
    ByGlobalId,
    Children,
    Column,
    CountOf,
    FollowedRows,
    GlobalId,
    Lookup,
    Ranked,
    Related,
    RootList,
    SameRow,
    Values,
    ViewerLink,
    ViewerRow,
)
from db.keyset import SortKey, Window
from db.pool import Database
from graph.errors import BadUserInput
from graph.planned.arguments import Fallback, article_filter, field_args, node_keys, window
from graph.planned.plan import FieldPlan, Plan
from graph.relay.pagination import check_page_size

# PostgreSQL functions take at most 100 arguments: 50 keys per json_build_object call.
MAX_KEYS = 50
# The Relay shapes every connection shares; their fields are the same for every list the catalog declares.
CONNECTION_FIELDS = frozenset({"edges", "pageInfo", "totalCount"})
EDGE_FIELDS = frozenset({"cursor", "node"})
PAGE_INFO_FIELDS = frozenset({"hasNextPage", "hasPreviousPage", "startCursor", "endCursor"})


# What a nested field whose arguments the general path refuses (`comments(after: "junk")`) answers in
# the statement: the general path refuses it only when it resolves the field, which it does only for
# rows that exist, so the error cannot be told before the statement runs. An answer holding this value
# (random per process: no row holds it) is handed to the general path, which words the error; one
# without it is right as it is (no row reached the field).
REFUSED_HERE = "planner-refused-" + secrets.token_hex(16)


class Built(NamedTuple):
    """A statement for one request: its text, its parameters, and whether its answer may hold REFUSED_HERE."""

    text: str
    params: list[Any]
    refusals: bool


class NotCompilable(Exception):
    """The plan names a field no declaration in db/catalog.py covers (the planner never plans one)."""


def serves(type_name: str, field_name: str) -> bool:
    """Whether one statement can answer `field_name` on `type_name`: the catalog declares it, or it is Relay's."""
    if (type_name, field_name) in catalog.FIELDS:
        return True
    if type_name.endswith("Connection"):
        return field_name in CONNECTION_FIELDS
    if type_name.endswith("Edge"):
        return field_name in EDGE_FIELDS
    return type_name == "PageInfo" and field_name in PAGE_INFO_FIELDS


async def run(db: Database, sql: str, params: list[Any]) -> str:
    """Run a statement from `statement_for`: the `data` object as JSON text (the request's only statement)."""
    text: str = await db.fetchval_sole(sql, *params)
    return text


async def run_object(db: Database, sql: str, params: list[Any]) -> str | None:
    """Run one object's statement (`KeyedStatement.text`, a mutation payload's): its JSON text, None if gone."""
    text: str | None = await db.fetchval(sql, *params)
    return text


@dataclass(frozen=True, slots=True)
class Source:
    """A list of rows as the planner reads them: FROM/WHERE (`{parent}` the parent row), count, and order."""

    node_type: str
    columns: str
    rows: str
    count: str
    key: SortKey
    # Filter values by their placeholder (`{tag}`...), made parameters only where the text uses them.
    fills: tuple[tuple[str, Any], ...] = ()
    total: str = ""  # a query answering the count without counting (RootList.total), for an unfiltered list


# DateTime as Python's isoformat() of a UTC time, over a value `{v}`.
_DATETIME = (
    "to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN date_trunc('second', {v} AT TIME ZONE 'UTC') = {v} AT TIME ZONE 'UTC' THEN ''"
    " ELSE to_char({v} AT TIME ZONE 'UTC', '.US') END || '+00:00'"
)


def _source(declared: Children | FollowedRows) -> Source:
    columns = f"{declared.alias}.*" if isinstance(declared, FollowedRows) else declared.columns
    return Source(declared.node_type, columns, declared.rows_sql, declared.count_sql, declared.order)


def _viewer_of(viewer_id: int | None, _variables: Any) -> int | None:
    return viewer_id


def _timestamp_micros(value: str) -> str:
    return f"(extract(epoch FROM {value}) * 1000000)::bigint"


def statement_for(plan: Plan, viewer_id: int | None, variables: Any) -> Built:
    """The statement answering `plan`; Fallback when the general path refuses a root field's arguments.

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
        return Built(statement.build(plan.fields), statement.params, statement.refusals)
    built = plan.statements.get(viewer_id is None)
    if built is None:
        statement = JsonStatement(viewer_id, variables)
        built = (statement.build(plan.fields), statement.params, statement.slots, statement.refusals)
        plan.statements[viewer_id is None] = built
    text, params, slots, refusals = built
    params = list(params)
    for index, value_of in slots:
        params[index] = value_of(viewer_id, variables)
    return Built(text, params, refusals)


def _names_its_row(root: FieldPlan) -> bool:
    """A root field whose arguments only say which row to read (`user(username:)`, `node(id:)`)."""
    return isinstance(catalog.FIELDS.get(("Query", root.name)), Lookup | ByGlobalId)


def _reusable(root: FieldPlan) -> bool:
    def selection_fixed(plan: FieldPlan) -> bool:
        selections = [plan.children] if plan.by_type is None else plan.by_type.values()
        return all(fixed(child) for children in selections for child in children)

    def fixed(plan: FieldPlan) -> bool:
        return not plan.uses_variables and selection_fixed(plan)

    if _names_its_row(root):
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
    statement = JsonStatement(viewer_id, variables, defer_refusals=False)
    statement.params.append(None)
    key = f"${len(statement.params)}::bigint"
    row = statement._alias()
    body = statement._object(type_name, fields, row)
    text = f"SELECT (SELECT {body} FROM {catalog.ROWS[type_name].name} {row} WHERE {row}.id = {key})::text"
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

    def __init__(self, viewer_id: int | None, variables: Any, *, defer_refusals: bool = True) -> None:
        self.viewer_id = viewer_id
        self.variables = variables
        # Whether a nested field's refused arguments answer REFUSED_HERE (a query), or raise Fallback now
        # (a mutation payload, compiled before the write: the general path then runs the whole operation).
        self.defer_refusals = defer_refusals
        self.refusals = False
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
        return self._json_object([(plan.key, self._field(type_name, plan, row)) for plan in fields])

    def _json_object(self, pairs: list[tuple[str, str]]) -> str:
        """A JSON object of (response key, SQL value) pairs, in their order.

        One json_build_object call takes 50 pairs; a longer object (only an
        operator who raises the alias limits allows one) is the calls' texts
        spliced into one object, which keeps the keys in order.
        """
        calls = []
        for start in range(0, max(len(pairs), 1), MAX_KEYS):
            chunk = pairs[start : start + MAX_KEYS]
            arguments = [part for key, value in chunk for part in (self.param(key, "text"), value)]
            calls.append(f"json_build_object({', '.join(arguments)})")
        if len(calls) == 1:
            return calls[0]
        inner = [f"substr(left({call}::text, -1), 2)" for call in calls[1:-1]]
        spliced = " || ', ' || ".join([f"left({calls[0]}::text, -1)", *inner, f"substr({calls[-1]}::text, 2)"])
        return f"({spliced})::json"

    def _field(self, type_name: str, plan: FieldPlan, row: str) -> str:
        if plan.name == "__typename":
            return self.param(type_name, "text")
        declared = catalog.FIELDS.get((type_name, plan.name))
        if type_name == "Query":
            return self._root(plan, declared)
        if isinstance(declared, GlobalId):
            return f"encode(convert_to({self.param(type_name + ':', 'text')} || {row}.id, 'UTF8'), 'base64')"
        if isinstance(declared, Column):
            value = f"{row}.{declared.column}"
            return _DATETIME.replace("{v}", value) if declared.datetime else value
        if isinstance(declared, Values):
            return declared.expression.replace("{r}", row)
        if isinstance(declared, CountOf):
            return f"(SELECT count(*) FROM {declared.children.count_sql.replace('{parent}', row)})"
        if isinstance(declared, ViewerLink):
            if self.viewer_id is None:
                return "false"
            return declared.expression.replace("{viewer}", self._viewer()).replace("{r}", row)
        if isinstance(declared, Related):
            child = self._alias()
            body = self._object(plan.object_type, plan.children, child)
            table = catalog.NODES[declared.node_type].name
            return f"(SELECT {body} FROM {table} {child} WHERE {child}.id = {row}.{declared.foreign_key})"
        if isinstance(declared, SameRow):
            return self._object(declared.type_name, plan.children, row)
        if isinstance(declared, Children | FollowedRows):
            return self._connection(_source(declared), plan, row)
        raise NotCompilable(f"{type_name}.{plan.name}")

    def _root(self, plan: FieldPlan, declared: Any) -> str:
        if isinstance(declared, RootList):
            return self._root_list(plan, declared)
        if isinstance(declared, ByGlobalId):
            return self._nodes(plan, declared)
        if isinstance(declared, Lookup):
            row = self._alias()
            argument = declared.argument
            value = field_args(plan, self.variables)[argument]
            placeholder = self.slot(value, "text", lambda _, variables: field_args(plan, variables)[argument])
            condition = declared.condition.replace("{r}", row).replace("{value}", placeholder)
            body = self._object(plan.object_type, plan.children, row)
            return f"(SELECT {body} FROM {declared.table.name} {row} WHERE {condition})"
        if isinstance(declared, ViewerRow):
            if self.viewer_id is None:
                return "NULL::json"
            row = self._alias()
            body = self._object(plan.object_type, plan.children, row)
            return f"(SELECT {body} FROM {declared.table.name} {row} WHERE {row}.id = {self._viewer()})"
        if isinstance(declared, Ranked):
            return self._ranked(plan, declared)
        raise NotCompilable(f"Query.{plan.name}")

    def _root_list(self, plan: FieldPlan, declared: RootList) -> str:
        """A root connection: its order argument picks the keyset, its filter (if any) the condition."""
        args = field_args(plan, self.variables)
        if len(declared.orders) == 1:
            order = next(iter(declared.orders))
        else:
            order = catalog.ArticleOrder[getattr(args.get("orderBy"), "name", args.get("orderBy")) or "NEWEST"]
        values = article_filter(args).params() if declared.filter_names else ()
        filtered = any(value is not None for value in values)
        fills = tuple(zip(declared.filter_names, values, strict=True)) if filtered else ()
        rows, count = declared.rows_sql[filtered], declared.count_sql[filtered]
        total = "" if filtered else declared.total
        source = Source(declared.node_type, declared.columns, rows, count, declared.orders[order], fills, total)
        return self._connection(source, plan, "")

    def _ranked(self, plan: FieldPlan, declared: Ranked) -> str:
        first = field_args(plan, self.variables).get("first")
        first = declared.default_first if first is None else first
        try:
            check_page_size("first", first)
        except BadUserInput as error:
            raise Fallback(str(error)) from error  # the general path words the error
        row = self._alias()
        rows = declared.rows_sql.replace("{limit}", self.param(first, "int"))
        body = self._object(declared.type_name, plan.children, row)
        order = declared.outer_order.replace("{r}", row)
        return f"(SELECT coalesce(json_agg({body} ORDER BY {order}), '[]'::json) FROM ({rows}) {row})"

    def _nodes(self, plan: FieldPlan, declared: ByGlobalId) -> str:
        """`node(id:)` or `nodes(ids:)`: each ID's row, as the object its type's selection makes, or null.

        The IDs are decoded in Python as the general path decodes them
        (graph/relay/ids.py; one that does not decode falls back) and passed as
        their types and keys, so the text serves any IDs of any types.
        """
        keys = node_keys(plan, self.variables)
        types = self.slot([type_name for type_name, _ in keys], "text[]", _node_types(plan))
        ids = self.slot([key for _, key in keys], "bigint[]", _node_ids(plan))
        if not declared.many:
            return self._node_case(plan, declared, f"({types})[1]", f"({ids})[1]")
        row = self._alias()
        case = self._node_case(plan, declared, f"{row}.t", f"{row}.k")
        return (
            f"(SELECT coalesce(json_agg({case} ORDER BY {row}.n), '[]'::json)"
            f" FROM unnest({types}, {ids}) WITH ORDINALITY AS {row}(t, k, n))"
        )

    def _node_case(self, plan: FieldPlan, declared: ByGlobalId, type_sql: str, key_sql: str) -> str:
        """The object for a (type, key) pair; only the branch of its type runs."""
        branches = []
        for type_name, fields in plan.possible_types.items():
            row = self._alias()
            body = self._object(type_name, fields, row)
            lookup = f"(SELECT {body} FROM {declared.tables[type_name].name} {row} WHERE {row}.id = {key_sql})"
            branches.append(f"WHEN {self.param(type_name, 'text')} THEN {lookup}")
        return f"CASE {type_sql} {' '.join(branches)} END"

    def _connection(self, source: Source, plan: FieldPlan, parent: str) -> str:
        """A page of `source` as the connection object `plan` selects."""
        try:
            page = _Page(window(plan, self.variables, source.key), source.key)
        except Fallback:
            if not parent or not self.defer_refusals:
                raise  # a root field is always resolved: the general path's error, now
            self.refusals = True
            return self.param(REFUSED_HERE, "text")
        more_field = "hasPreviousPage" if page.window.backward else "hasNextPage"
        wants_more = _selects(plan, "pageInfo", more_field)
        if wants_more or _selects(plan, "edges") or _selects(plan, "pageInfo", "startCursor", "endCursor"):
            self._read_rows(page, source, parent, wants_more)
        values = []
        for child in plan.children:
            if child.name == "__typename":
                value = self.param(plan.type_name, "text")
            elif child.name == "edges":
                column = f"e{len(page.aggregates)}"
                edge = self._edge(child, page.rows, page.key, source.node_type)
                page.aggregates.append(f"json_agg({edge} {page.in_order} AS {column}")
                value = f"coalesce(p.{column}, '[]'::json)"
            elif child.name == "totalCount":
                value = (
                    f"({source.total})"
                    if source.total
                    else f"(SELECT count(*) FROM {self._filled(source.count, source).replace('{parent}', parent)})"
                )
            elif child.name == "pageInfo":
                value = self._page_info(child, page)
            else:
                raise NotCompilable(f"{plan.type_name}.{child.name}")
            values.append((child.key, value))
        connection = self._json_object(values)
        if not page.rows:  # totalCount and what the arguments alone say
            return connection
        page_sql = f"SELECT {', '.join(page.aggregates)} FROM ({page.inner}) {page.rows}"
        return f"(SELECT {connection} FROM ({page_sql}) p)"

    def _filled(self, text: str, source: Source) -> str:
        """`text` with the source's filter values as parameters (a value never used is no parameter)."""
        for name, value in source.fills:
            text = text.replace("{" + name + "}", self.param(value, "text"))
        return text

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
            self._filled(source.rows, source)
            .replace("{parent}", parent)
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
        parts = []
        for child in plan.children:
            if child.name == "__typename":
                value = self.param(plan.type_name, "text")
            elif child.name == "cursor":
                value = self._cursor(key, row)
            elif child.name == "node":
                value = self._object(node_type, child.children, row)
            else:
                raise NotCompilable(f"{plan.type_name}.{child.name}")
            parts.append((child.key, value))
        return self._json_object(parts)

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
        for child in plan.children:
            if child.name == "__typename":
                value = self.param("PageInfo", "text")
            elif child.name == "hasNextPage":
                value = self.param(page.window.cursor is not None, "boolean") if backward else more
            elif child.name == "hasPreviousPage":
                value = more if backward else self.param(page.window.cursor is not None, "boolean")
            elif child.name in ("startCursor", "endCursor"):
                if cursors is None:
                    cursors = f"c{len(page.aggregates)}"
                    page.aggregates.append(
                        f"array_agg({self._cursor(page.key, page.rows)} {page.in_order} AS {cursors}"
                    )
                index = "1" if child.name == "startCursor" else f"array_length(p.{cursors}, 1)"
                value = f"p.{cursors}[{index}]"
            else:
                raise NotCompilable(f"PageInfo.{child.name}")
            parts.append((child.key, value))
        return self._json_object(parts)


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
