"""Per-request DataLoaders: one batch function per key shape.

Built fresh for every request (aiodataloader binds to the running loop, and
a cache must never outlive the request that filled it). Each batch borrows a
pool connection for one statement, so sibling resolvers never share one.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader

from db import articles, comments, users
from db.keyset import Page, Window
from db.pool import Database

K = TypeVar("K", bound=Hashable)


def _in_key_order(rows: Iterable[Any], keys: Sequence[int], column: str = "id") -> list[Any]:
    by_key = {row[column]: row for row in rows}
    return [by_key.get(key) for key in keys]


def _rows_by_id(fetch: Callable[[Database, Sequence[int]], Awaitable[list[Any]]], db: Database) -> DataLoader:
    async def batch(ids: Sequence[int]) -> list[Any]:
        return _in_key_order(await fetch(db, ids), ids)

    return DataLoader(batch)


def _mapping(
    fetch: Callable[[Database, Sequence[int]], Awaitable[dict[int, Any]]], db: Database, default: Any
) -> DataLoader:
    async def batch(ids: Sequence[int]) -> list[Any]:
        found = await fetch(db, ids)
        return [found.get(key, default) for key in ids]

    return DataLoader(batch)


def _membership(fetch: Callable[[Database, int, Sequence[int]], Awaitable[set[int]]], db: Database, reader_id: int):
    async def batch(ids: Sequence[int]) -> list[bool]:
        found = await fetch(db, reader_id, ids)
        return [key in found for key in ids]

    return DataLoader(batch)


def _pages(fetch: Callable[[Database, Sequence[int], Window], Awaitable[dict[int, Page]]], db: Database) -> DataLoader:
    """Pages of a one-to-many list, keyed by (parent id, window).

    Parents asking for the same window share one statement; a query that asks
    for two windows (aliases) sends one statement per window.
    """

    async def batch(keys: Sequence[tuple[int, Window]]) -> list[Page]:
        parents_by_window: dict[Window, list[int]] = defaultdict(list)
        for parent_id, window in keys:
            parents_by_window[window].append(parent_id)
        windows = list(parents_by_window)
        results = await asyncio.gather(*(fetch(db, parents_by_window[window], window) for window in windows))
        pages = dict(zip(windows, results, strict=True))
        return [pages[window][parent_id] for parent_id, window in keys]

    return DataLoader(batch)


PUBLIC_LOADERS = (
    "user",
    "article",
    "comment",
    "article_tags",
    "follower_count",
    "following_count",
    "authored_count",
    "favorited_count",
    "comment_count",
    "comments_page",
    "authored_page",
    "favorited_page",
    "followers_page",
    "following_page",
)


class Loaders:
    """Every loader a request may use; viewer-keyed ones exist only with a viewer.

    `public` shares another Loaders' viewer-independent loaders: every
    subscriber handling the same event batches into, and reads from, one set.
    """

    def __init__(self, db: Database, viewer_id: int | None, public: "Loaders | None" = None) -> None:
        if public is not None:
            for name in PUBLIC_LOADERS:
                setattr(self, name, getattr(public, name))
        else:
            self.user = _rows_by_id(users.users_by_ids, db)
            self.article = _rows_by_id(articles.articles_by_ids, db)
            self.comment = _rows_by_id(comments.comments_by_ids, db)

            self.article_tags = _mapping(articles.tags_of_articles, db, [])
            self.follower_count = _mapping(users.follower_counts, db, 0)
            self.following_count = _mapping(users.following_counts, db, 0)
            self.authored_count = _mapping(articles.authored_counts, db, 0)
            self.favorited_count = _mapping(articles.favorited_counts, db, 0)
            self.comment_count = _mapping(comments.comment_counts, db, 0)

            self.comments_page = _pages(comments.comments_pages, db)
            self.authored_page = _pages(articles.authored_pages, db)
            self.favorited_page = _pages(articles.favorited_pages, db)
            self.followers_page = _pages(users.followers_pages, db)
            self.following_page = _pages(users.following_pages, db)

        self.viewer_follows: DataLoader | None = None
        self.viewer_favorited: DataLoader | None = None
        if viewer_id is not None:
            self.viewer_follows = _membership(users.followed_by, db, viewer_id)
            self.viewer_favorited = _membership(articles.favorited_among, db, viewer_id)

    def prime_articles(self, rows: Iterable[Any]) -> None:
        """Rows a list already fetched answer later lookups by id."""
        for row in rows:
            self.article.prime(row["id"], row)

    def prime_written_article(
        self,
        row: Any,
        *,
        tags: list[str] | None = None,
        author: Any = None,
        viewer_has_favorited: bool | None = None,
    ) -> None:
        """What a write's own statement returned answers the payload's lookups without reading again."""
        self.article.prime(row["id"], row)
        if tags is not None:
            self.article_tags.prime(row["id"], tags)
        if author is not None:
            self.user.prime(author["id"], author)
        if viewer_has_favorited is not None and self.viewer_favorited is not None:
            self.viewer_favorited.prime(row["id"], viewer_has_favorited)
