"""Keyset pagination in SQL: one statement per direction, built once at import.

Every list is ordered by a key of (sort value, id), all ascending or all
descending, so a page boundary is one row comparison that an index serves:
`(sort, id) < ($a, $b)`. With no cursor the boundary is a sentinel beyond
every real value, which keeps one statement shape (and one prepared plan)
for the first page and the rest. Statements are composed here from literal
fragments only; no value from a request ever becomes SQL text.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.pool import Queryable

MIN_TIME = datetime(1, 1, 2, tzinfo=UTC)
MAX_TIME = datetime(9999, 12, 30, tzinfo=UTC)
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1

_SENTINELS: dict[str, tuple[Any, Any]] = {
    "timestamptz": (MIN_TIME, MAX_TIME),
    "bigint": (MIN_INT, MAX_INT),
    "integer": (-(2**31), 2**31 - 1),
}


@dataclass(frozen=True, slots=True)
class Window:
    """Which slice of an ordered list to read: the db layer's page request."""

    limit: int
    backward: bool = False
    cursor: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One window of a list, in display order."""

    rows: list[Any]
    keys: list[tuple[Any, ...]]
    has_more: bool


@dataclass(frozen=True, slots=True)
class SortKey:
    """An ordering of one list.

    `name` tells cursors of different lists apart; `columns` are
    (SQL expression, SQL type, column name in the result row).
    """

    name: str
    columns: tuple[tuple[str, str, str], ...]
    descending: bool

    def statements(self, template: str, first_param: int) -> dict[bool, str]:
        """The template with `{where}` and `{order}` filled, keyed by `backward`.

        `{where}` becomes the boundary comparison against parameters
        `$first_param`, `$first_param + 1`, ...; `{order}` the ORDER BY list.
        """
        return {backward: self._fill(template, first_param, backward) for backward in (False, True)}

    def _fill(self, template: str, first_param: int, backward: bool) -> str:
        params = [f"${first_param + i}::{sql_type}" for i, (_, sql_type, _) in enumerate(self.columns)]
        where, order = self.clauses(backward, params)
        return template.replace("{where}", where).replace("{order}", order)

    def clauses(self, backward: bool, placeholders: Sequence[str]) -> tuple[str, str]:
        """The boundary comparison against typed `placeholders` (one per column), and the ORDER BY list.

        Also used by graph/planned/json_sql.py, which numbers its own parameters.
        """
        reading_descending = self.descending != backward
        comparison = "<" if reading_descending else ">"
        direction = "DESC" if reading_descending else "ASC"
        expressions = ", ".join(expression for expression, _, _ in self.columns)
        order = ", ".join(f"{expression} {direction}" for expression, _, _ in self.columns)
        return f"({expressions}) {comparison} ({', '.join(placeholders)})", order

    def boundary(self, window: Window) -> tuple[Any, ...]:
        """The parameter values for `{where}`: the cursor, or a sentinel past every row."""
        if window.cursor is not None:
            return window.cursor
        reading_descending = self.descending != window.backward
        return tuple(_SENTINELS[sql_type][1 if reading_descending else 0] for _, sql_type, _ in self.columns)

    def page(self, rows: list[Any], window: Window) -> Page:
        """Rows in display order and whether more exist beyond the window's far end.

        Statements fetch `limit + 1` rows so the extra row answers "is there
        more" without a second query.
        """
        more = len(rows) > window.limit
        rows = rows[: window.limit]
        if window.backward:
            rows.reverse()
        keys = [tuple(row[column] for _, _, column in self.columns) for row in rows]
        return Page(rows, keys, more)

    def pages(self, rows: list[Any], parent_ids: list[int], window: Window) -> dict[int, Page]:
        """Split the rows of a per-parent (LATERAL) statement into one page per parent."""
        grouped: dict[int, list[Any]] = {parent_id: [] for parent_id in parent_ids}
        for row in rows:
            grouped[row["parent_id"]].append(row)
        return {parent_id: self.page(group, window) for parent_id, group in grouped.items()}


async def fetch_pages(
    db: "Queryable", statements: dict[bool, str], key: SortKey, parent_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """Run a per-parent (LATERAL) statement pair: one page for each parent, in one statement.

    The statements take the parent ids as $1, the row limit as $2 and the
    boundary from $3 on.
    """
    ids = list(parent_ids)
    rows = await db.fetch(statements[window.backward], ids, window.limit + 1, *key.boundary(window))
    return key.pages(rows, ids, window)
