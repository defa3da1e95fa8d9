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
from asyncpg import Record

from db import articles, comments, users
from db.keyset import Page, Window
from db.pool import Database

K = TypeVar("K", bound=Hashable)
KeyT = TypeVar("KeyT")
ValueT = TypeVar("ValueT")


class SharedLoader(DataLoader[KeyT, ValueT]):
    """A DataLoader whose callers each wait on their own shield of the shared result.

    Fields that load the same key await one future. When a field fails,
    graphql-core cancels its siblings' tasks, and a task cancelled while
    awaiting a future cancels that future: every other field waiting on the
    same key then got CancelledError instead of its row, and the operation
    escaped as an exception instead of answering with the error's code.
    """

    def load(self, key: KeyT) -> "asyncio.Future[ValueT]":
        return asyncio.shield(super().load(key))


def _in_key_order(rows: Iterable[Any], keys: Sequence[int], column: str = "id") -> list[Any]:
    by_key = {row[column]: row for row in rows}
    return [by_key.get(key) for key in keys]


def _rows_by_id(fetch: Callable[[Database, Sequence[int]], Awaitable[list[Any]]], db: Database) -> DataLoader[int, Any]:
    async def batch(ids: Sequence[int]) -> list[Any]:
        return _in_key_order(await fetch(db, ids), ids)

    return SharedLoader(batch)


def _mapping(
    fetch: Callable[[Database, Sequence[int]], Awaitable[dict[int, Any]]], db: Database, default: Any
) -> DataLoader[int, Any]:
    async def batch(ids: Sequence[int]) -> list[Any]:
        found = await fetch(db, ids)
        return [found.get(key, default) for key in ids]

    return SharedLoader(batch)


def _membership(
    fetch: Callable[[Database, int, Sequence[int]], Awaitable[set[int]]], db: Database, reader_id: int
) -> DataLoader[int, bool]:
    async def batch(ids: Sequence[int]) -> list[bool]:
        found = await fetch(db, reader_id, ids)
        return [key in found for key in ids]

    return SharedLoader(batch)


def _pages(
    fetch: Callable[[Database, Sequence[int], Window], Awaitable[dict[int, Page]]], db: Database
) -> DataLoader[tuple[int, Window], Page]:
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

    return SharedLoader(batch)


# Viewer-independent loaders, each built from the request's Database.
_PUBLIC: dict[str, Callable[[Database], DataLoader[Any, Any]]] = {
    "user": lambda db: _rows_by_id(users.users_by_ids, db),
    "article": lambda db: _rows_by_id(articles.articles_by_ids, db),
    "comment": lambda db: _rows_by_id(comments.comments_by_ids, db),
    "article_tags": lambda db: _mapping(articles.tags_of_articles, db, []),
    "follower_count": lambda db: _mapping(users.follower_counts, db, 0),
    "following_count": lambda db: _mapping(users.following_counts, db, 0),
    "authored_count": lambda db: _mapping(articles.authored_counts, db, 0),
    "favorited_count": lambda db: _mapping(articles.favorited_counts, db, 0),
    "comment_count": lambda db: _mapping(comments.comment_counts, db, 0),
    "comments_page": lambda db: _pages(comments.comments_pages, db),
    "authored_page": lambda db: _pages(articles.authored_pages, db),
    "favorited_page": lambda db: _pages(articles.favorited_pages, db),
    "followers_page": lambda db: _pages(users.followers_pages, db),
    "following_page": lambda db: _pages(users.following_pages, db),
}
PUBLIC_LOADERS = tuple(_PUBLIC)
# Loaders keyed by what the viewer did; None without a viewer.
_VIEWER: dict[str, Callable[[Database, int], DataLoader[int, bool]]] = {
    "viewer_follows": lambda db, viewer_id: _membership(users.followed_by, db, viewer_id),
    "viewer_favorited": lambda db, viewer_id: _membership(articles.favorited_among, db, viewer_id),
}


class Loaders:
    """Every loader a request may use; viewer-keyed ones exist only with a viewer.

    Each loader is built the first time it is used: a request uses a few of
    the sixteen, and a mutation replaces them all after its write, so building
    all of them up front cost more than most requests' resolvers (a sixth of
    the server's CPU on createArticle and favoriteArticle).

    `public` shares another Loaders' viewer-independent loaders: every
    subscriber handling the same event batches into, and reads from, one set.
    """

    user: DataLoader[int, Record | None]
    article: DataLoader[int, Record | None]
    comment: DataLoader[int, Record | None]
    article_tags: DataLoader[int, list[str]]
    follower_count: DataLoader[int, int]
    following_count: DataLoader[int, int]
    authored_count: DataLoader[int, int]
    favorited_count: DataLoader[int, int]
    comment_count: DataLoader[int, int]
    comments_page: DataLoader[tuple[int, Window], Page]
    authored_page: DataLoader[tuple[int, Window], Page]
    favorited_page: DataLoader[tuple[int, Window], Page]
    followers_page: DataLoader[tuple[int, Window], Page]
    following_page: DataLoader[tuple[int, Window], Page]
    viewer_follows: DataLoader[int, bool] | None
    viewer_favorited: DataLoader[int, bool] | None

    def __init__(self, db: Database, viewer_id: int | None, public: "Loaders | None" = None) -> None:
        self._db = db
        self._viewer_id = viewer_id
        self._public = public
        self._pending: dict[str, list[tuple[Any, Any]]] = {}  # primes for loaders not built yet

    def __getattr__(self, name: str) -> Any:
        """Called only for a loader not built yet: build it (or borrow the shared one) and keep it."""
        if name in _PUBLIC:
            loader = getattr(self._public, name) if self._public is not None else _PUBLIC[name](self._db)
        elif name in _VIEWER:
            loader = None if self._viewer_id is None else _VIEWER[name](self._db, self._viewer_id)
        else:
            raise AttributeError(name)
        setattr(self, name, loader)
        if loader is not None:
            for key, value in self._pending.pop(name, ()):
                loader.prime(key, value)
        return loader

    def _prime(self, name: str, key: Any, value: Any) -> None:
        """Prime a loader; one not built yet is primed when (if ever) it is."""
        loader = self.__dict__.get(name)
        if loader is not None:
            loader.prime(key, value)
        elif name not in self.__dict__:
            self._pending.setdefault(name, []).append((key, value))

    def prime_user(self, row: Any) -> None:
        self._prime("user", row["id"], row)

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
        self._prime("article", row["id"], row)
        if tags is not None:
            self._prime("article_tags", row["id"], tags)
        if author is not None:
            self._prime("user", author["id"], author)
        if viewer_has_favorited is not None:
            self._prime("viewer_favorited", row["id"], viewer_has_favorited)
