"""Articles, their tags and favorites: reads (declared in db/catalog.py) and writes."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from db import events
from db.catalog import (
    ALL_ARTICLES,
    ARTICLE_BY_SLUG,
    ARTICLE_COLUMNS,
    ARTICLE_TAGS,
    ARTICLES,
    AUTHORED,
    FAVORITED,
    FEED,
    USER_COLUMNS,
    VIEWER_FAVORITED,
)
from db.catalog import ARTICLE_FILTER as ARTICLE_FILTER
from db.catalog import AUTHORED_ORDER as AUTHORED_ORDER  # re-exported for the resolvers
from db.catalog import FAVORITED_ORDER as FAVORITED_ORDER
from db.catalog import FEED_ORDER as FEED_ORDER
from db.catalog import ORDERS as ORDERS
from db.catalog import ArticleOrder as ArticleOrder
from db.keyset import Page, Window
from db.pool import Queryable


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """All given conditions must hold; None means "any"."""

    tag: str | None = None
    author_username: str | None = None
    favorited_by_username: str | None = None
    search: str | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.tag is None
            and self.author_username is None
            and self.favorited_by_username is None
            and (self.search is None)
        )

    def params(self) -> tuple[str | None, ...]:
        return (self.tag, self.author_username, self.favorited_by_username, _like_pattern(self.search))


def _like_pattern(search: str | None) -> str | None:
    if search is None:
        return None
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Whether a given article meets a filter (what a filtered subscription delivers); the filter is $1..$4.
ARTICLE_MATCHES = f"SELECT EXISTS (SELECT 1 FROM articles a WHERE a.id = $5 AND {ALL_ARTICLES.numbered_filter})"


# The RealWorld REST list and feed: newest first, by LIMIT and OFFSET (the
# REST door's pagination; GraphQL's is keyset). The same filter and order as
# the catalog's article list (db/catalog.py) in its NEWEST order, so the same index serves both.
ARTICLES_AT_OFFSET = f"""
SELECT {ARTICLE_COLUMNS} FROM articles a ORDER BY a.created_at DESC, a.id DESC LIMIT $1 OFFSET $2
"""
FILTERED_ARTICLES_AT_OFFSET = f"""
SELECT {ARTICLE_COLUMNS} FROM articles a WHERE {ALL_ARTICLES.numbered_filter}
ORDER BY a.created_at DESC, a.id DESC LIMIT $5 OFFSET $6
"""
# Per followed author, as FEED's own statements read it (db/fields.py's FollowedRows says why).
_NEWEST = "a.created_at DESC, a.id DESC"
FEED_AT_OFFSET = f"""
SELECT a.* FROM {
    FEED.per_followed.replace("{condition}", "true")
    .replace("{limit}", "$2::bigint + $3::bigint")
    .replace("{order}", _NEWEST)
}
WHERE fl.follower_id = $1 ORDER BY {_NEWEST} LIMIT $2 OFFSET $3
"""


async def articles_by_ids(db: Queryable, ids: Sequence[int]) -> list[asyncpg.Record]:
    return await ARTICLES.rows_by_ids(db, ids)


async def article_by_slug(db: Queryable, slug: str) -> asyncpg.Record | None:
    return await ARTICLE_BY_SLUG.row_for(db, slug)


async def articles_page(db: Queryable, window: Window, order: ArticleOrder, where: ArticleFilter) -> Page:
    return await ALL_ARTICLES.page_of(db, order, window, () if where.is_empty else where.params())


async def articles_count(db: Queryable, where: ArticleFilter) -> int:
    return await ALL_ARTICLES.count_of(db, () if where.is_empty else where.params())


async def article_matches(db: Queryable, article_id: int, where: ArticleFilter) -> bool:
    """Whether the article exists and meets the filter (what a filtered subscription delivers)."""
    matches: bool = await db.fetchval(ARTICLE_MATCHES, *where.params(), article_id)
    return matches


async def tags_of_articles(db: Queryable, article_ids: Sequence[int]) -> dict[int, list[str]]:
    return await ARTICLE_TAGS.of(db, article_ids)


async def favorited_among(db: Queryable, user_id: int, article_ids: Sequence[int]) -> set[int]:
    """Which of `article_ids` the given user has favorited."""
    return await VIEWER_FAVORITED.among(db, user_id, article_ids)


async def articles_at_offset(db: Queryable, where: ArticleFilter, limit: int, offset: int) -> list[asyncpg.Record]:
    """Newest first: `limit` articles after skipping `offset` (the caller bounds both)."""
    if where.is_empty:
        return await db.fetch(ARTICLES_AT_OFFSET, limit, offset)
    return await db.fetch(FILTERED_ARTICLES_AT_OFFSET, *where.params(), limit, offset)


async def feed_at_offset(db: Queryable, reader_id: int, limit: int, offset: int) -> list[asyncpg.Record]:
    """The reader's feed, newest first, by limit and offset."""
    return await db.fetch(FEED_AT_OFFSET, reader_id, limit, offset)


async def authored_pages(db: Queryable, author_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await AUTHORED.pages_of(db, author_ids, window)


async def authored_counts(db: Queryable, author_ids: Sequence[int]) -> dict[int, int]:
    return await AUTHORED.counts_of(db, author_ids)


async def favorited_pages(db: Queryable, user_ids: Sequence[int], window: Window) -> dict[int, Page]:
    return await FAVORITED.pages_of(db, user_ids, window)


async def favorited_counts(db: Queryable, user_ids: Sequence[int]) -> dict[int, int]:
    return await FAVORITED.counts_of(db, user_ids)


async def feed_page(db: Queryable, reader_id: int, window: Window) -> Page:
    return await FEED.page_of(db, reader_id, window)


async def feed_count(db: Queryable, reader_id: int) -> int:
    return await FEED.count_of(db, reader_id)


# Writes. Most run on the caller's transaction; createArticle's and the
# favorite pair's are single statements, atomic on their own (see below).

ARTICLE_FOR_UPDATE = f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id = $1 FOR UPDATE"
ARTICLE_EXISTS = "SELECT EXISTS (SELECT 1 FROM articles WHERE id = $1)"
UPDATE_ARTICLE = f"""
UPDATE articles AS a SET
    title = coalesce($2, title), description = coalesce($3, description), body = coalesce($4, body),
    updated_at = now()
WHERE id = $1
RETURNING {ARTICLE_COLUMNS}
"""
# The cascade updates the article's tags' counters in link order; a concurrent
# CREATE_ARTICLE locks the same tags in name order. Locking them in name order
# first (the sub-select runs before the first row is deleted) makes both wait
# in the same order instead of deadlocking (tests/db/test_db_layer.py races them).
DELETE_ARTICLE = """
WITH locked_tags AS (
    SELECT t.id FROM tags t JOIN article_tags at ON at.tag_id = t.id WHERE at.article_id = $1
    ORDER BY t.name FOR NO KEY UPDATE OF t
)
DELETE FROM articles WHERE id = $1 AND (SELECT count(*) FROM locked_tags) >= 0
"""
ENSURE_TAGS = "INSERT INTO tags (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING"
ATTACH_TAGS = """
INSERT INTO article_tags (article_id, tag_id) SELECT $1, id FROM tags WHERE name = any($2::text[])
ON CONFLICT DO NOTHING
"""
DETACH_OTHER_TAGS = """
DELETE FROM article_tags at USING tags t
WHERE at.article_id = $1 AND t.id = at.tag_id AND NOT (t.name = any($2::text[]))
"""

# The author's columns next to the article's, renamed (`author__username`...).
AUTHOR_KEYS = tuple(column.removeprefix("u.") for column in USER_COLUMNS.split(", "))
_AUTHOR_COLUMNS = ", ".join(f"u.{key} AS author__{key}" for key in AUTHOR_KEYS)

# createArticle in one statement. Sent outside BEGIN, a statement is a
# transaction of its own (PostgreSQL commits it when it ends, or rolls all of
# it back on any error, trigger errors included), so it needs no BEGIN/COMMIT
# round trips and is as atomic as the transaction it replaces.
# - The article, or no row at all when the slug is taken; then the tag CTE
#   selects nothing and nothing is written (the caller tries another slug).
# - The tags: `DO UPDATE` (a no-op change) rather than `DO NOTHING`, because a
#   statement's reads do not see a tag another transaction committed after the
#   statement began, but `ON CONFLICT` does, and `DO UPDATE` returns its row.
#   Every tag row is thereby locked in name order before the counter trigger
#   updates them, so two writers sharing tags queue instead of deadlocking.
# - Links; the trigger on article_tags counts them at the end of the statement.
# - The payload's reads: the author's row and the tag names (sorted as
#   TAGS_OF_ARTICLES sorts them).
# - pg_notify: sent at commit, like events.notify_article_created, and with a
#   payload events.Event.parse reads the same way.
CREATE_ARTICLE = f"""
WITH article AS (
    INSERT INTO articles AS a (author_id, slug, title, description, body) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (slug) DO NOTHING
    RETURNING {ARTICLE_COLUMNS}
), tag AS (
    INSERT INTO tags AS t (name)
    SELECT given.name FROM unnest($6::text[]) AS given(name)
    WHERE EXISTS (SELECT FROM article)
    ORDER BY given.name
    ON CONFLICT (name) DO UPDATE SET name = excluded.name
    RETURNING t.id, t.name
), attached AS (
    INSERT INTO article_tags (article_id, tag_id) SELECT article.id, tag.id FROM article CROSS JOIN tag
)
SELECT article.*,
    ARRAY(SELECT tag.name FROM tag ORDER BY tag.name) AS tag_names,
    {_AUTHOR_COLUMNS},
    pg_notify($7, json_build_object('kind', 'article', 'id', article.id, 'articleId', article.id)::text) AS notified
FROM article JOIN users u ON u.id = article.author_id
"""

# favoriteArticle / unfavoriteArticle in one statement (a transaction of its
# own), returning the article as it is after the write. The article row is
# locked first (FOR NO KEY UPDATE, the lock the counter trigger's UPDATE takes
# anyway, so readers and comment writers are not blocked); under READ
# COMMITTED the lock returns the newest committed version of the row, and
# nobody can change its count until this commits. The trigger adds the new
# count only at the end of the statement, so the count returned is the locked
# one plus (minus) the rows this statement wrote, which is what the row holds
# at commit. An unknown article: no row, nothing written.
_LOCKED_ARTICLE = f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id = $2 FOR NO KEY UPDATE"
_ARTICLE_BUT_COUNT = (
    "article.id, article.author_id, article.slug, article.title, article.description, article.body, "
    "article.created_at, article.updated_at"
)
FAVORITE = f"""
WITH article AS ({_LOCKED_ARTICLE}), added AS (
    INSERT INTO favorites (user_id, article_id) SELECT $1, article.id FROM article
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT {_ARTICLE_BUT_COUNT}, article.favorites_count + (SELECT count(*) FROM added)::integer AS favorites_count
FROM article
"""
UNFAVORITE = f"""
WITH article AS ({_LOCKED_ARTICLE}), removed AS (
    DELETE FROM favorites f USING article WHERE f.user_id = $1 AND f.article_id = article.id
    RETURNING 1
)
SELECT {_ARTICLE_BUT_COUNT}, article.favorites_count - (SELECT count(*) FROM removed)::integer AS favorites_count
FROM article
"""


async def article_for_update(db: Queryable, article_id: int) -> asyncpg.Record | None:
    """The row, locked until the transaction ends."""
    return await db.fetchrow(ARTICLE_FOR_UPDATE, article_id)


async def article_exists(db: Queryable, article_id: int) -> bool:
    exists: bool = await db.fetchval(ARTICLE_EXISTS, article_id)
    return exists


@dataclass(frozen=True, slots=True)
class CreatedArticle:
    """What createArticle wrote, and what its payload shows: the row, its tags (sorted), its author's row."""

    row: asyncpg.Record
    tags: list[str]
    author: dict[str, Any]


async def create_article(
    db: Queryable, author_id: int, slug: str, title: str, description: str, body: str, tags: Sequence[str]
) -> CreatedArticle | None:
    """Article, tags, links and the created event, atomically; None when the slug is taken (nothing written).

    One statement: pass the pool itself (`Database`), no transaction is needed.
    """
    row = await db.fetchrow(CREATE_ARTICLE, author_id, slug, title, description, body, list(tags), events.CHANNEL)
    if row is None:
        return None
    author = {key: row[f"author__{key}"] for key in AUTHOR_KEYS}
    return CreatedArticle(row=row, tags=row["tag_names"], author=author)


async def update_article(
    db: Queryable, article_id: int, *, title: str | None, description: str | None, body: str | None
) -> asyncpg.Record:
    row = await db.fetchrow(UPDATE_ARTICLE, article_id, title, description, body)
    assert row is not None, "callers update an article they locked (article_for_update)"
    return row


async def delete_article(db: Queryable, article_id: int) -> None:
    await db.execute(DELETE_ARTICLE, article_id)


async def set_tags(db: Queryable, article_id: int, names: Sequence[str]) -> None:
    """Make the article's tags exactly `names` (already normalized)."""
    names = list(names)
    await db.execute(DETACH_OTHER_TAGS, article_id, names)
    if names:
        await db.execute(ENSURE_TAGS, names)
        await db.execute(ATTACH_TAGS, article_id, names)


async def favorite(db: Queryable, user_id: int, article_id: int) -> asyncpg.Record | None:
    """Favorite (idempotent); the article afterwards, or None when there is no such article (nothing written).

    One statement: pass the pool itself, no transaction is needed."""
    return await db.fetchrow(FAVORITE, user_id, article_id)


async def unfavorite(db: Queryable, user_id: int, article_id: int) -> asyncpg.Record | None:
    """Unfavorite (idempotent); the article afterwards, or None when there is no such article."""
    return await db.fetchrow(UNFAVORITE, user_id, article_id)
