"""Per-request DataLoaders, one per declaration in db/catalog.py that the general path batches.

Built fresh for every request (aiodataloader binds to the running loop, and
a cache must never outlive the request that filled it). Each batch borrows a
pool connection for one statement, so sibling resolvers never share one.
What a loader batches is the field's declaration (db/fields.py composes its
statement), the same declaration the planner's one statement reads: a
field's data access is written once. `Loaders.of(type, field)` gives the
loader of any declared field; the names below are what resolvers call them.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from aiodataloader import DataLoader

from db import catalog
from db.fields import Children, CountOf, Related, Table, Values, ViewerLink
from db.keyset import Page, Window
from db.pool import Database

K = TypeVar("K", bound=Hashable)

# A loader as built here: what it batches is the declaration's (the attributes of Loaders say what each loads).
AnyLoader = DataLoader[Any, Any]


class SharedLoader(DataLoader[Any, Any]):
    """A DataLoader whose callers each wait on their own shield of the shared result.

    Fields that load the same key await one future. When a field fails,
    graphql-core cancels its siblings' tasks, and a task cancelled while
    awaiting a future cancels that future: every other field waiting on the
    same key then got CancelledError instead of its row, and the operation
    escaped as an exception instead of answering with the error's code.
    """

    def load(self, key: Any) -> "asyncio.Future[Any]":
        return asyncio.shield(super().load(key))


def _in_key_order(rows: Iterable[Any], keys: Sequence[int], column: str = "id") -> list[Any]:
    by_key = {row[column]: row for row in rows}
    return [by_key.get(key) for key in keys]


def _rows_by_id(fetch: Callable[[Database, Sequence[int]], Awaitable[list[Any]]], db: Database) -> AnyLoader:
    async def batch(ids: Sequence[int]) -> list[Any]:
        return _in_key_order(await fetch(db, ids), ids)

    return SharedLoader(batch)


def _mapping(
    fetch: Callable[[Database, Sequence[int]], Awaitable[dict[int, Any]]], db: Database, default: Any
) -> AnyLoader:
    async def batch(ids: Sequence[int]) -> list[Any]:
        found = await fetch(db, ids)
        return [found.get(key, default) for key in ids]

    return SharedLoader(batch)


def _membership(
    fetch: Callable[[Database, int, Sequence[int]], Awaitable[set[int]]], db: Database, reader_id: int
) -> AnyLoader:
    async def batch(ids: Sequence[int]) -> list[bool]:
        found = await fetch(db, reader_id, ids)
        return [key in found for key in ids]

    return SharedLoader(batch)


def _pages(fetch: Callable[[Database, Sequence[int], Window], Awaitable[dict[int, Page]]], db: Database) -> AnyLoader:
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


# What a loader batches: a declaration, and which of its statements ("rows", "values", "page", "count").
Batch = tuple[Any, str]


def batch_of(declared: Any, part: str = "page") -> Batch:
    """The batch a field's declaration loads through; fields reading the same statement share it."""
    if isinstance(declared, Related):
        return catalog.NODES[declared.node_type], "rows"
    if isinstance(declared, CountOf):
        return declared.children, "count"
    if isinstance(declared, Table):
        return declared, "rows"
    if isinstance(declared, Values | ViewerLink):
        return declared, "values"
    if isinstance(declared, Children):
        return declared, part
    raise LookupError(f"{type(declared).__name__} is read by its resolver, not a loader")


def _build(batch: Batch, db: Database, viewer_id: int | None) -> AnyLoader | None:
    declared, part = batch
    if isinstance(declared, Table):
        return _rows_by_id(declared.rows_by_ids, db)
    if isinstance(declared, Values):
        return _mapping(declared.of, db, [])
    if isinstance(declared, ViewerLink):
        return None if viewer_id is None else _membership(declared.among, db, viewer_id)
    if part == "count":
        return _mapping(declared.counts_of, db, 0)
    return _pages(declared.pages_of, db)


def _named(type_name: str, field_name: str, part: str = "page") -> Batch:
    return batch_of(catalog.FIELDS[(type_name, field_name)], part)


# The loaders by the names resolvers use.
_NAMES: dict[str, Batch] = {
    "user": (catalog.USERS, "rows"),
    "article": (catalog.ARTICLES, "rows"),
    "comment": (catalog.COMMENTS, "rows"),
    "article_tags": _named("Article", "tags"),
    "follower_count": _named("User", "followersCount"),
    "following_count": _named("User", "followingCount"),
    "authored_count": _named("User", "articles", "count"),
    "favorited_count": _named("User", "favoriteArticles", "count"),
    "comment_count": _named("Article", "comments", "count"),
    "comments_page": _named("Article", "comments"),
    "authored_page": _named("User", "articles"),
    "favorited_page": _named("User", "favoriteArticles"),
    "followers_page": _named("User", "followers"),
    "following_page": _named("User", "following"),
    "viewer_follows": _named("User", "viewerIsFollowing"),
    "viewer_favorited": _named("Article", "viewerHasFavorited"),
}
# Viewer-independent loaders (shared by subscribers handling one event); the rest are keyed by the viewer.
PUBLIC_LOADERS = tuple(name for name, (declared, _) in _NAMES.items() if not isinstance(declared, ViewerLink))


class Loaders:
    """Every loader a request may use; viewer-keyed ones exist only with a viewer.

    Each loader is built the first time it is used: a request uses a few of
    them, and a mutation replaces them all after its write, so building
    all of them up front cost more than most requests' resolvers (a sixth of
    the server's CPU on createArticle and favoriteArticle).

    `public` shares another Loaders' viewer-independent loaders: every
    subscriber handling the same event batches into, and reads from, one set.
    """

    user: DataLoader[int, Any]
    article: DataLoader[int, Any]
    comment: DataLoader[int, Any]
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
        self._built: dict[tuple[int, str], AnyLoader | None] = {}  # by (id of the declaration, part)
        self._pending: dict[tuple[int, str], list[tuple[Any, Any]]] = {}  # primes for loaders not built yet

    def of(self, type_name: str, field_name: str, part: str = "page") -> AnyLoader | None:
        """The loader of a field declared in db/catalog.py (`part="count"`: a connection's count)."""
        return self._loader(_named(type_name, field_name, part))

    def _loader(self, batch: Batch) -> AnyLoader | None:
        key = (id(batch[0]), batch[1])
        if key in self._built:
            return self._built[key]
        if self._public is not None and not isinstance(batch[0], ViewerLink):
            loader = self._public._loader(batch)
        else:
            loader = _build(batch, self._db, self._viewer_id)
        self._built[key] = loader
        if loader is not None:
            for primed_key, value in self._pending.pop(key, ()):
                loader.prime(primed_key, value)
        return loader

    def __getattr__(self, name: str) -> Any:
        """Called only for a name not looked up yet: its loader (built, or borrowed from `public`), kept."""
        batch = _NAMES.get(name)
        if batch is None:
            raise AttributeError(name)
        loader = self._loader(batch)
        setattr(self, name, loader)
        return loader

    def _prime(self, name: str, key: Any, value: Any) -> None:
        """Prime a loader; one not built yet is primed when (if ever) it is."""
        declared, part = _NAMES[name]
        built_key = (id(declared), part)
        if built_key in self._built:
            loader = self._built[built_key]
            if loader is not None:
                loader.prime(key, value)
        else:
            self._pending.setdefault(built_key, []).append((key, value))

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
