"""The User type."""

from datetime import datetime
from typing import Any

import strawberry

from db.articles import AUTHORED_ORDER, FAVORITED_ORDER
from db.users import FOLLOWERS_ORDER, FOLLOWING_ORDER
from graph.relay.ids import encode_id
from graph.relay.pagination import PageArgs, paged
from graph.schema.context import Info
from graph.schema.types.connections import (
    ArticleConnection,
    ArticleEdge,
    UserConnection,
    UserEdge,
    build_connection,
    load_page,
)
from graph.schema.types.node import Node


@strawberry.type
class User(Node):
    key: strawberry.Private[int]
    username: str
    bio: str | None
    image: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> "User":
        return cls(
            id=strawberry.ID(encode_id("User", row["id"])),
            key=row["id"],
            username=row["username"],
            bio=row["bio"],
            image=row["image"],
            created_at=row["created_at"],
        )

    @strawberry.field
    async def followers_count(self, info: Info) -> int:
        return await info.context.loaders.follower_count.load(self.key)

    @strawberry.field
    async def following_count(self, info: Info) -> int:
        return await info.context.loaders.following_count.load(self.key)

    @strawberry.field(description="False when nobody is signed in.")
    async def viewer_is_following(self, info: Info) -> bool:
        loader = info.context.loaders.viewer_follows
        return False if loader is None else await loader.load(self.key)

    @strawberry.field(description="Newest first.")
    @paged
    async def articles(self, info: Info, page: PageArgs) -> ArticleConnection:
        from graph.schema.types.article import Article

        loaders = info.context.loaders
        result = await load_page(loaders.authored_page, self.key, page, AUTHORED_ORDER)
        loaders.prime_articles(result.page.rows)
        return build_connection(
            ArticleConnection, ArticleEdge, result, Article.from_row, lambda: loaders.authored_count.load(self.key)
        )

    @strawberry.field(description="Most recently favorited first.")
    @paged
    async def favorite_articles(self, info: Info, page: PageArgs) -> ArticleConnection:
        from graph.schema.types.article import Article

        loaders = info.context.loaders
        result = await load_page(loaders.favorited_page, self.key, page, FAVORITED_ORDER)
        return build_connection(
            ArticleConnection, ArticleEdge, result, Article.from_row, lambda: loaders.favorited_count.load(self.key)
        )

    @strawberry.field(description="Most recent follower first.")
    @paged
    async def followers(self, info: Info, page: PageArgs) -> UserConnection:
        loaders = info.context.loaders
        result = await load_page(loaders.followers_page, self.key, page, FOLLOWERS_ORDER)
        return build_connection(
            UserConnection, UserEdge, result, User.from_row, lambda: loaders.follower_count.load(self.key)
        )

    @strawberry.field(description="Most recently followed first.")
    @paged
    async def following(self, info: Info, page: PageArgs) -> UserConnection:
        loaders = info.context.loaders
        result = await load_page(loaders.following_page, self.key, page, FOLLOWING_ORDER)
        return build_connection(
            UserConnection, UserEdge, result, User.from_row, lambda: loaders.following_count.load(self.key)
        )
