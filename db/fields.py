"""The kinds of field declaration in db/catalog.py, and the statements each kind composes.

A GraphQL object field reads the database in one of a few ways: a column
of its row, a row another column names, a value per parent row (its tags,
a count), whether the viewer is linked to the row, or a page of rows that
belong to the parent. Each kind here takes that field's SQL knowledge once
(tables, columns, how rows join their parent, their keyset order) and
composes from it both renderings the answering paths need:

- the batched statements of the general path's DataLoaders (parent ids as
  `$1::bigint[]`), built once, when the declaration is made;
- the fragments the planner's one statement (graph/planned/json_sql.py)
  splices in, with `{r}` for the row's alias, `{parent}` for the parent
  row's, `{viewer}` for the viewer id's parameter.

Declarations are made at module level only (tests/db/test_sql_text.py checks
it), so every statement here is text written in this repository; values
always travel as parameters.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from db.keyset import Page, SortKey, Window, fetch_pages
from db.pool import Queryable

# Every batched statement takes the parent rows' ids as its first parameter.
_IDS = "any($1::bigint[])"


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of a Node type: table, alias, the columns a row is read with, and the lookup by id."""

    name: str
    alias: str
    columns: str
    by_ids: str = field(init=False)

    def __post_init__(self) -> None:
        statement = f"SELECT {self.columns} FROM {self.name} {self.alias} WHERE {self.alias}.id = {_IDS}"
        object.__setattr__(self, "by_ids", statement)

    async def rows_by_ids(self, db: Queryable, ids: Sequence[int]) -> list[asyncpg.Record]:
        return await db.fetch(self.by_ids, list(ids))


@dataclass(frozen=True, slots=True)
class GlobalId:
    """`id`: the opaque global ID of the row (base64 of `Type:id`, graph/ids.py)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the row itself; `datetime` columns are formatted as the DateTime scalar is."""

    column: str
    datetime: bool = False


@dataclass(frozen=True, slots=True)
class Related:
    """A row of `node_type` that the parent row's `foreign_key` column names."""

    node_type: str
    foreign_key: str


@dataclass(frozen=True, slots=True)
class SameRow:
    """The parent row read as another type (a Viewer is its user's row)."""

    type_name: str


@dataclass(frozen=True, slots=True)
class Children:
    """A connection of rows belonging to the parent row, in keyset order, with their count.

    `source` is the FROM list of the rows (with `columns` read from it),
    `parent_column` the column that holds the parent's id; the count reads
    `count_source` (the same table without the join, where one is enough).
    """

    node_type: str
    columns: str
    source: str
    parent_column: str
    order: SortKey
    count_source: str = ""
    pages: dict[bool, str] = field(init=False)
    counts: str = field(init=False)
    rows_sql: str = field(init=False)
    count_sql: str = field(init=False)

    def __post_init__(self) -> None:
        count_source = self.count_source or self.source
        pages = self.order.statements(
            "SELECT p.parent_id, x.* FROM unnest($1::bigint[]) AS p(parent_id) CROSS JOIN LATERAL ("
            f" SELECT {self.columns} FROM {self.source} WHERE {self.parent_column} = p.parent_id AND {{where}}"
            " ORDER BY {order} LIMIT $2) x",
            first_param=3,
        )
        object.__setattr__(self, "pages", pages)
        counts = (
            f"SELECT {self.parent_column} AS id, count(*) AS n FROM {count_source}"
            f" WHERE {self.parent_column} = {_IDS} GROUP BY {self.parent_column}"
        )
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "rows_sql", f"{self.source} WHERE {self.parent_column} = {{parent}}.id")
        object.__setattr__(self, "count_sql", f"{count_source} WHERE {self.parent_column} = {{parent}}.id")

    async def pages_of(self, db: Queryable, parent_ids: Sequence[int], window: Window) -> dict[int, Page]:
        return await fetch_pages(db, self.pages, self.order, parent_ids, window)

    async def counts_of(self, db: Queryable, parent_ids: Sequence[int]) -> dict[int, int]:
        return {row["id"]: row["n"] for row in await db.fetch(self.counts, list(parent_ids))}


@dataclass(frozen=True, slots=True)
class CountOf:
    """How many rows a Children declaration has for the parent (`followersCount`)."""

    children: Children


@dataclass(frozen=True, slots=True)
class Values:
    """A list of one column's values per parent row, sorted, through a link table (an article's tag names).

    `table` holds the values (`key` its id), `links` pairs parents
    (`link_parent`) with them (`link_key`).
    """

    table: str
    key: str
    value: str
    links: str
    link_parent: str
    link_key: str
    batch: str = field(init=False)
    expression: str = field(init=False)

    def __post_init__(self) -> None:
        batch = (
            f"SELECT {self.link_parent} AS id, array_agg({self.value} ORDER BY {self.value}) AS v"
            f" FROM {self.links} JOIN {self.table} ON {self.key} = {self.link_key}"
            f" WHERE {self.link_parent} = {_IDS} GROUP BY {self.link_parent}"
        )
        object.__setattr__(self, "batch", batch)
        # The values by their keys (`= any(ARRAY(...))`): a join here made PostgreSQL hash the whole
        # (small) value table once per parent row; this reads the few rows by index, ~25% less time.
        expression = (
            f"(SELECT coalesce(json_agg({self.value} ORDER BY {self.value}), '[]'::json) FROM {self.table}"
            f" WHERE {self.key} = any(ARRAY(SELECT {self.link_key} FROM {self.links}"
            f" WHERE {self.link_parent} = {{r}}.id)))"
        )
        object.__setattr__(self, "expression", expression)

    async def of(self, db: Queryable, parent_ids: Sequence[int]) -> dict[int, list[Any]]:
        return {row["id"]: row["v"] for row in await db.fetch(self.batch, list(parent_ids))}


@dataclass(frozen=True, slots=True)
class ViewerLink:
    """Whether a `table` row links the viewer (`viewer_column`) to the row (`row_column`); false signed out."""

    table: str
    viewer_column: str
    row_column: str
    batch: str = field(init=False)
    expression: str = field(init=False)

    def __post_init__(self) -> None:
        batch = (
            f"SELECT {self.row_column} AS id FROM {self.table}"
            f" WHERE {self.viewer_column} = $2 AND {self.row_column} = {_IDS}"
        )
        object.__setattr__(self, "batch", batch)
        expression = (
            f"EXISTS (SELECT 1 FROM {self.table}"
            f" WHERE {self.viewer_column} = {{viewer}} AND {self.row_column} = {{r}}.id)"
        )
        object.__setattr__(self, "expression", expression)

    async def among(self, db: Queryable, viewer_id: int, row_ids: Sequence[int]) -> set[int]:
        """Which of `row_ids` the viewer is linked to."""
        return {row["id"] for row in await db.fetch(self.batch, list(row_ids), viewer_id)}


@dataclass(frozen=True, slots=True)
class FollowedRows:
    """A connection of rows whose `row_column` names someone the parent row follows (the feed).

    Every statement reads it per followed author, newest rows first, then
    merges: with a plain IN, PostgreSQL may walk the whole table backwards
    from the newest row (23 ms for 20 rows here instead of 1 when the
    reader was an outer reference; 40 ms per REST feed page once the newest
    rows were some other author's, with the reader as `$1`). The count adds
    up per followed author too, from the (author, created_at, id) index.
    """

    node_type: str
    columns: str
    source: str
    alias: str
    row_column: str
    links: str
    reader_column: str
    followed_column: str
    order: SortKey
    # FROM each followed author's newest rows meeting `{condition}`, at most `{limit}` each (the links as `fl`).
    per_followed: str = field(init=False)
    pages: dict[bool, str] = field(init=False)
    count: str = field(init=False)
    rows_sql: str = field(init=False)
    count_sql: str = field(init=False)

    def __post_init__(self) -> None:
        followed = f"SELECT {self.followed_column} FROM {self.links} WHERE {self.reader_column}"
        per_followed = (
            f"{self.links} fl CROSS JOIN LATERAL (SELECT {self.columns} FROM {self.source}"
            f" WHERE {self.row_column} = fl.{self.followed_column} AND {{condition}}"
            f" ORDER BY {{order}} LIMIT {{limit}}) {self.alias}"
        )
        object.__setattr__(self, "per_followed", per_followed)
        pages = self.order.statements(
            f"SELECT {self.alias}.* FROM {per_followed.replace('{condition}', '{where}').replace('{limit}', '$2')}"
            f" WHERE fl.{self.reader_column} = $1 ORDER BY {{order}} LIMIT $2",
            first_param=3,
        )
        object.__setattr__(self, "pages", pages)
        object.__setattr__(
            self,
            "count",
            f"SELECT coalesce(sum((SELECT count(*) FROM {self.source}"
            f" WHERE {self.row_column} = fl.{self.followed_column})), 0)::bigint"
            f" FROM {self.links} fl WHERE fl.{self.reader_column} = $1",
        )
        rows = per_followed.replace("{condition}", "{boundary}").replace("{limit}", "{limit} + 1")
        rows += f" WHERE fl.{self.reader_column} = {{parent}}.id"
        object.__setattr__(self, "rows_sql", rows)
        count_sql = f"{self.source} WHERE {self.row_column} IN ({followed} = {{parent}}.id)"
        object.__setattr__(self, "count_sql", count_sql)

    async def page_of(self, db: Queryable, reader_id: int, window: Window) -> Page:
        rows = await db.fetch(self.pages[window.backward], reader_id, window.limit + 1, *self.order.boundary(window))
        return self.order.page(rows, window)

    async def count_of(self, db: Queryable, reader_id: int) -> int:
        count: int = await db.fetchval(self.count, reader_id)
        return count


@dataclass(frozen=True, slots=True)
class RootList:
    """A connection at the root: every row of `source`, in one of `orders`, optionally filtered.

    `filter` is a condition on the rows naming its parameters `{name}` for
    each of `filter_names`; unfiltered requests get statements without it,
    so their plan is a plain index scan. `total`, when given, is a query
    answering the unfiltered count without counting (a row kept by triggers).
    """

    node_type: str
    columns: str
    source: str
    orders: dict[Any, SortKey]
    filter: str = ""
    filter_names: tuple[str, ...] = ()
    total: str = ""
    pages: dict[Any, dict[bool, str]] = field(init=False)
    filtered_pages: dict[Any, dict[bool, str]] = field(init=False)
    count: str = field(init=False)
    filtered_count: str = field(init=False)
    numbered_filter: str = field(init=False)  # the filter with parameters $1..$k
    # The planner's FROM and WHERE of the rows, and of their count, by whether filtered (parameters `{name}`).
    rows_sql: dict[bool, str] = field(init=False)
    count_sql: dict[bool, str] = field(init=False)

    def __post_init__(self) -> None:
        numbered = self.filter
        for number, name in enumerate(self.filter_names, start=1):
            numbered = numbered.replace("{" + name + "}", f"${number}")
        object.__setattr__(self, "numbered_filter", numbered)
        limit = len(self.filter_names) + 1
        pages = {
            name: key.statements(
                f"SELECT {self.columns} FROM {self.source} WHERE {{where}} ORDER BY {{order}} LIMIT $1", first_param=2
            )
            for name, key in self.orders.items()
        }
        object.__setattr__(self, "pages", pages)
        filtered = {
            name: key.statements(
                f"SELECT {self.columns} FROM {self.source} WHERE {numbered} AND {{where}}"
                f" ORDER BY {{order}} LIMIT ${limit}",
                first_param=limit + 1,
            )
            for name, key in self.orders.items()
        }
        object.__setattr__(self, "filtered_pages", filtered if self.filter else {})
        object.__setattr__(self, "count", self.total or f"SELECT count(*) FROM {self.source}")
        object.__setattr__(self, "filtered_count", f"SELECT count(*) FROM {self.source} WHERE {numbered}")
        rows = {False: f"{self.source} WHERE true", True: f"{self.source} WHERE {self.filter}"}
        object.__setattr__(self, "rows_sql", rows)
        object.__setattr__(self, "count_sql", {False: self.source, True: f"{self.source} WHERE {self.filter}"})

    async def page_of(self, db: Queryable, order: Any, window: Window, filter_values: Sequence[Any] = ()) -> Page:
        key = self.orders[order]
        boundary = key.boundary(window)
        if filter_values:
            rows = await db.fetch(
                self.filtered_pages[order][window.backward], *filter_values, window.limit + 1, *boundary
            )
        else:
            rows = await db.fetch(self.pages[order][window.backward], window.limit + 1, *boundary)
        return key.page(rows, window)

    async def count_of(self, db: Queryable, filter_values: Sequence[Any] = ()) -> int:
        count: int = await (
            db.fetchval(self.filtered_count, *filter_values) if filter_values else db.fetchval(self.count)
        )
        return count


@dataclass(frozen=True, slots=True)
class Lookup:
    """One row of `table` found by an argument's value (`user(username:)`): NULL when none matches.

    `condition` is over the row `{r}` and the value `{value}`.
    """

    table: Table
    argument: str
    condition: str
    statement: str = field(init=False)

    def __post_init__(self) -> None:
        condition = self.condition.replace("{r}", self.table.alias).replace("{value}", "$1")
        statement = f"SELECT {self.table.columns} FROM {self.table.name} {self.table.alias} WHERE {condition}"
        object.__setattr__(self, "statement", statement)

    async def row_for(self, db: Queryable, value: Any) -> asyncpg.Record | None:
        return await db.fetchrow(self.statement, value)


@dataclass(frozen=True, slots=True)
class ViewerRow:
    """The signed-in viewer's own row of `table`; null signed out."""

    table: Table


@dataclass(frozen=True, slots=True)
class Ranked:
    """The first rows of `source` in a fixed order (`tags(first:)`), `default_first` when not given.

    `order` is (column, direction) pairs; ties must be broken by the last.
    """

    type_name: str
    columns: str
    source: str
    order: tuple[tuple[str, str], ...]
    default_first: int
    statement: str = field(init=False)
    rows_sql: str = field(init=False)  # `{limit}` the page size's parameter
    outer_order: str = field(init=False)  # over `{r}`, the rows' alias

    def __post_init__(self) -> None:
        order = ", ".join(f"{column} {direction}" for column, direction in self.order)
        object.__setattr__(self, "statement", f"SELECT {self.columns} FROM {self.source} ORDER BY {order} LIMIT $1")
        object.__setattr__(
            self, "rows_sql", f"SELECT {self.columns} FROM {self.source} ORDER BY {order} LIMIT {{limit}}"
        )
        outer = ", ".join(f"{{r}}.{column} {direction}" for column, direction in self.order)
        object.__setattr__(self, "outer_order", outer)

    async def rows(self, db: Queryable, limit: int) -> list[asyncpg.Record]:
        return await db.fetch(self.statement, limit)


@dataclass(frozen=True, slots=True)
class ByGlobalId:
    """`node(id:)`, `nodes(ids:)`: rows of the Node types' `tables`, named by decoded global IDs."""

    tables: dict[str, Table]
    many: bool
