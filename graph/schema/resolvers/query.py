"""The Query root."""

import asyncio

import strawberry

from db import articles, tags, users
from db.articles import ORDERS
from db.articles import ArticleOrder as DbArticleOrder
from db.catalog import POPULAR_TAGS
from db.users import USERS_ORDER
from graph.relay.pagination import PageArgs, PageResult, check_id_count, check_page_size, paged, window_for
from graph.schema.context import Info
from graph.schema.resolvers.nodes import load_node
from graph.schema.types.article import Article, ArticleFilter, ArticleOrder
from graph.schema.types.connections import ArticleConnection, ArticleEdge, UserConnection, UserEdge, build_connection
from graph.schema.types.node import Node
from graph.schema.types.tag import Tag
from graph.schema.types.user import User
from graph.schema.types.viewer import Viewer


@strawberry.type
class Query:
    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await load_node(info.context, id)

    @strawberry.field
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        check_id_count(len(ids))
        return list(await asyncio.gather(*(load_node(info.context, node_id) for node_id in ids)))

    @strawberry.field(description="Null when nobody is signed in.")
    async def viewer(self, info: Info) -> Viewer | None:
        viewer_id = info.context.viewer_id
        if viewer_id is None:
            return None
        row = await info.context.loaders.user.load(viewer_id)
        return None if row is None else Viewer.from_row(row)

    @strawberry.field
    async def user(self, info: Info, username: str) -> User | None:
        row = await users.user_by_username(info.context.db, username)
        if row is None:
            return None
        info.context.loaders.user.prime(row["id"], row)
        return User.from_row(row)

    @strawberry.field
    async def article(self, info: Info, slug: str) -> Article | None:
        row = await articles.article_by_slug(info.context.db, slug)
        if row is None:
            return None
        info.context.loaders.prime_articles([row])
        return Article.from_row(row)

    @strawberry.field(description="Ties in the order are broken by the newest ID first (oldest for OLDEST).")
    @paged
    async def articles(
        self,
        info: Info,
        page: PageArgs,
        filter: ArticleFilter | None = None,
        order_by: ArticleOrder | None = ArticleOrder.NEWEST,
    ) -> ArticleConnection:
        context = info.context
        order = DbArticleOrder[(order_by or ArticleOrder.NEWEST).name]
        where = (filter or ArticleFilter()).to_db()
        window = window_for(page, ORDERS[order])
        found = await articles.articles_page(context.db, window, order, where)
        context.loaders.prime_articles(found.rows)
        return build_connection(
            ArticleConnection,
            ArticleEdge,
            PageResult(found, window, ORDERS[order]),
            Article.from_row,
            lambda: articles.articles_count(context.db, where),
        )

    @strawberry.field(description="Registration order, oldest first.")
    @paged
    async def users(self, info: Info, page: PageArgs) -> UserConnection:
        context = info.context
        window = window_for(page, USERS_ORDER)
        found = await users.users_page(context.db, window)
        return build_connection(
            UserConnection,
            UserEdge,
            PageResult(found, window, USERS_ORDER),
            User.from_row,
            lambda: users.users_count(context.db),
        )

    @strawberry.field(description="Most used first.")
    async def tags(self, info: Info, first: int | None = POPULAR_TAGS.default_first) -> list[Tag]:
        # The default is the declaration's, which the planner reads too (db/catalog.py).
        size = check_page_size("first", POPULAR_TAGS.default_first if first is None else first)
        return [Tag.from_row(row) for row in await tags.popular_tags(info.context.db, size)]
