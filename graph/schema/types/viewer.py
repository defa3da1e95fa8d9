"""The signed-in user's own view."""

from typing import Any

import strawberry

from db import articles
from db.articles import FEED_ORDER
from graph.relay.pagination import PageArgs, PageResult, paged, window_for
from graph.schema.context import Info
from graph.schema.types.article import Article
from graph.schema.types.connections import ArticleConnection, ArticleEdge, build_connection
from graph.schema.types.user import User


@strawberry.type(description="The signed-in user's own view.")
class Viewer:
    user: User
    email: str

    @classmethod
    def from_row(cls, row: Any) -> "Viewer":
        return cls(user=User.from_row(row), email=row["email"])

    @strawberry.field(description="Articles by the users the viewer follows, newest first.")
    @paged
    async def feed(self, info: Info, page: PageArgs) -> ArticleConnection:
        context = info.context
        window = window_for(page, FEED_ORDER)
        found = await articles.feed_page(context.db, self.user.key, window)
        context.loaders.prime_articles(found.rows)
        return build_connection(
            ArticleConnection,
            ArticleEdge,
            PageResult(found, window, FEED_ORDER),
            Article.from_row,
            lambda: articles.feed_count(context.db, self.user.key),
        )
