"""Comments: reads."""

from collections.abc import Sequence

import asyncpg

from db.keyset import Page, SortKey, Window, fetch_pages
from db.pool import Queryable

COMMENT_COLUMNS = "c.id, c.article_id, c.author_id, c.body, c.created_at, c.updated_at"

COMMENTS_BY_IDS = f"SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.id = any($1::bigint[])"

# An article's comments: oldest first.
COMMENTS_ORDER = SortKey("comments", (("c.created_at", "timestamptz", "created_at"), ("c.id", "bigint", "id")), False)
COMMENTS_PAGES = COMMENTS_ORDER.statements(
    f"""
    SELECT p.parent_id, x.* FROM unnest($1::bigint[]) AS p(parent_id)
    CROSS JOIN LATERAL (
        SELECT {COMMENT_COLUMNS} FROM comments c
        WHERE c.article_id = p.parent_id AND {{where}}
        ORDER BY {{order}} LIMIT $2
    ) x
    """,
    first_param=3,
)
COMMENT_COUNTS = """
SELECT article_id AS id, count(*) AS n FROM comments WHERE article_id = any($1::bigint[]) GROUP BY article_id
"""


async def comments_by_ids(db: Queryable, ids: Sequence[int]) -> list[asyncpg.Record]:
    return await db.fetch(COMMENTS_BY_IDS, list(ids))


async def comments_pages(db: Queryable, article_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await fetch_pages(db, COMMENTS_PAGES, COMMENTS_ORDER, article_ids, window)


async def comment_counts(db: Queryable, article_ids: Sequence[int]) -> dict[int, int]:
    return {row["id"]: row["n"] for row in await db.fetch(COMMENT_COUNTS, list(article_ids))}


# Writes. Each runs on the caller's transaction.

COMMENT_WITH_ARTICLE_AUTHOR = f"""
SELECT {COMMENT_COLUMNS}, a.author_id AS article_author_id
FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = $1 FOR UPDATE OF c
"""
INSERT_COMMENT = f"""
INSERT INTO comments AS c (article_id, author_id, body) VALUES ($1, $2, $3) RETURNING {COMMENT_COLUMNS}
"""
DELETE_COMMENT = "DELETE FROM comments WHERE id = $1"


async def comment_for_delete(db: Queryable, comment_id: int) -> asyncpg.Record | None:
    """The comment with its article's author, locked until the transaction ends."""
    return await db.fetchrow(COMMENT_WITH_ARTICLE_AUTHOR, comment_id)


async def insert_comment(db: Queryable, article_id: int, author_id: int, body: str) -> asyncpg.Record:
    row = await db.fetchrow(INSERT_COMMENT, article_id, author_id, body)
    assert row is not None  # INSERT ... RETURNING returns the row it wrote
    return row


async def delete_comment(db: Queryable, comment_id: int) -> None:
    await db.execute(DELETE_COMMENT, comment_id)
