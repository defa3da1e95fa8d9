"""Comments: reads (declared in db/catalog.py) and writes."""

from collections.abc import Sequence

import asyncpg

from db.catalog import ARTICLE_COMMENTS, COMMENT_COLUMNS, COMMENTS
from db.catalog import COMMENTS_ORDER as COMMENTS_ORDER  # re-exported for the resolvers
from db.keyset import Page, Window
from db.pool import Queryable


async def comments_by_ids(db: Queryable, ids: Sequence[int]) -> list[asyncpg.Record]:
    return await COMMENTS.rows_by_ids(db, ids)


async def comments_pages(db: Queryable, article_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await ARTICLE_COMMENTS.pages_of(db, article_ids, window)


async def comment_counts(db: Queryable, article_ids: Sequence[int]) -> dict[int, int]:
    return await ARTICLE_COMMENTS.counts_of(db, article_ids)


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
