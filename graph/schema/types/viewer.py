"""The signed-in user's own view."""

from typing import Any

import strawberry

from db import articles
from db.articles import FEED_ORDER
from graph.relay.pagination import PageArgs, PageResult, window_for
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
    async def feed(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ArticleConnection:
        context = info.context
        window = window_for(PageArgs(first, after, last, before), FEED_ORDER)
        page = await articles.feed_page(context.db, self.user.key, window)
        context.loaders.prime_articles(page.rows)
        return build_connection(
            ArticleConnection,
            ArticleEdge,
            PageResult(page, window, FEED_ORDER),
            Article.from_row,
            lambda: articles.feed_count(context.db, self.user.key),
        )
