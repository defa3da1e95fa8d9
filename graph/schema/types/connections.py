"""Relay connections: ArticleConnection, UserConnection, CommentConnection.

`totalCount` is a resolver over a deferred count, so the count statement
runs only when a client selects the field.
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Protocol, TypeVar

import strawberry
from aiodataloader import DataLoader
from asyncpg import Record

from db.keyset import Page, SortKey, Window
from graph.relay.pagination import PageArgs, PageResult, window_for
from graph.schema.types.node import PageInfo

if TYPE_CHECKING:
    from graph.schema.types.article import Article
    from graph.schema.types.comment import Comment
    from graph.schema.types.user import User

Count = Callable[[], Awaitable[int]]


@strawberry.type
class ArticleEdge:
    cursor: str
    node: Annotated["Article", strawberry.lazy("graph.schema.types.article")]


@strawberry.type
class UserEdge:
    cursor: str
    node: Annotated["User", strawberry.lazy("graph.schema.types.user")]


@strawberry.type
class CommentEdge:
    cursor: str
    node: Annotated["Comment", strawberry.lazy("graph.schema.types.comment")]


@strawberry.type
class ArticleConnection:
    edges: list[ArticleEdge]
    page_info: PageInfo
    count: strawberry.Private[Count]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo
    count: strawberry.Private[Count]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type
class CommentConnection:
    edges: list[CommentEdge]
    page_info: PageInfo
    count: strawberry.Private[Count]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


EdgeT = TypeVar("EdgeT")
NodeT = TypeVar("NodeT")
_Connection_co = TypeVar("_Connection_co", covariant=True)
_Edge_co = TypeVar("_Edge_co", covariant=True)
_Node_contra = TypeVar("_Node_contra", contravariant=True)
ConnectionT = TypeVar("ConnectionT")


class ConnectionType(Protocol[EdgeT, _Connection_co]):
    """The constructor of a connection type above, by its fields."""

    def __call__(self, *, edges: list[EdgeT], page_info: PageInfo, count: Count) -> _Connection_co: ...


class EdgeType(Protocol[_Node_contra, _Edge_co]):
    """The constructor of an edge type above, by its fields."""

    def __call__(self, *, cursor: str, node: _Node_contra) -> _Edge_co: ...


def build_connection(
    connection: ConnectionType[EdgeT, ConnectionT],
    edge: EdgeType[NodeT, EdgeT],
    result: PageResult,
    node_from_row: Callable[[Record], NodeT],
    count: Count,
) -> ConnectionT:
    cursors = result.cursors
    edges = [
        edge(cursor=cursor, node=node_from_row(row)) for cursor, row in zip(cursors, result.page.rows, strict=True)
    ]
    return connection(edges=edges, page_info=PageInfo.of(result, cursors), count=count)


async def load_page(
    loader: "DataLoader[tuple[int, Window], Page]", parent_id: int, args: PageArgs, key: SortKey
) -> PageResult:
    """One parent's page through a per-(parent, window) loader."""
    window = window_for(args, key)
    return PageResult(await loader.load((parent_id, window)), window, key)
