"""The Comment type."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph.relay.ids import encode_id
from graph.schema.context import Info
from graph.schema.types.node import Node

if TYPE_CHECKING:
    from graph.schema.types.article import Article
    from graph.schema.types.user import User


@strawberry.type
class Comment(Node):
    key: strawberry.Private[int]
    author_key: strawberry.Private[int]
    article_key: strawberry.Private[int]
    body: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> "Comment":
        return cls(
            id=strawberry.ID(encode_id("Comment", row["id"])),
            key=row["id"],
            author_key=row["author_id"],
            article_key=row["article_id"],
            body=row["body"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @strawberry.field
    async def author(self, info: Info) -> Annotated["User", strawberry.lazy("graph.schema.types.user")]:
        from graph.schema.types.user import User

        return User.from_row(await info.context.loaders.user.load(self.author_key))

    @strawberry.field
    async def article(self, info: Info) -> Annotated["Article", strawberry.lazy("graph.schema.types.article")]:
        from graph.schema.types.article import Article

        return Article.from_row(await info.context.loaders.article.load(self.article_key))
