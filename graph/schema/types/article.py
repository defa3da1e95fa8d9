"""The Article type, with the ordering and filter inputs of article lists."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.articles import ArticleFilter as DbArticleFilter
from db.comments import COMMENTS_ORDER
from graph.relay.ids import encode_id
from graph.relay.pagination import PageArgs, paged
from graph.schema.context import Info
from graph.schema.types.connections import CommentConnection, CommentEdge, build_connection, load_page
from graph.schema.types.node import Node

if TYPE_CHECKING:
    from graph.schema.types.user import User


@strawberry.enum
class ArticleOrder(Enum):
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"
    MOST_FAVORITED = "MOST_FAVORITED"


@strawberry.input(description="All given conditions must hold.")
class ArticleFilter:
    tag: str | None = None
    author_username: str | None = None
    favorited_by_username: str | None = None
    search: str | None = strawberry.field(
        default=None, description="Case-insensitive match in title, description or body."
    )

    def to_db(self) -> DbArticleFilter:
        # Tags are stored lower-case; an empty search matches everything.
        return DbArticleFilter(
            tag=self.tag.strip().lower() if self.tag is not None else None,
            author_username=self.author_username,
            favorited_by_username=self.favorited_by_username,
            search=self.search or None,
        )


@strawberry.type
class Article(Node):
    key: strawberry.Private[int]
    author_key: strawberry.Private[int]
    slug: str
    title: str
    description: str
    body: str
    created_at: datetime
    updated_at: datetime
    favorites_count: int

    @classmethod
    def from_row(cls, row: Any) -> "Article":
        return cls(
            id=strawberry.ID(encode_id("Article", row["id"])),
            key=row["id"],
            author_key=row["author_id"],
            slug=row["slug"],
            title=row["title"],
            description=row["description"],
            body=row["body"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            favorites_count=row["favorites_count"],
        )

    @strawberry.field(description="Sorted by name.")
    async def tags(self, info: Info) -> list[str]:
        return await info.context.loaders.article_tags.load(self.key)

    @strawberry.field
    async def author(self, info: Info) -> Annotated["User", strawberry.lazy("graph.schema.types.user")]:
        from graph.schema.types.user import User

        return User.from_row(await info.context.loaders.user.load(self.author_key))

    @strawberry.field(description="False when nobody is signed in.")
    async def viewer_has_favorited(self, info: Info) -> bool:
        loader = info.context.loaders.viewer_favorited
        return False if loader is None else await loader.load(self.key)

    @strawberry.field(description="Oldest first.")
    @paged
    async def comments(self, info: Info, page: PageArgs) -> CommentConnection:
        from graph.schema.types.comment import Comment

        loaders = info.context.loaders
        result = await load_page(loaders.comments_page, self.key, page, COMMENTS_ORDER)
        return build_connection(
            CommentConnection, CommentEdge, result, Comment.from_row, lambda: loaders.comment_count.load(self.key)
        )
