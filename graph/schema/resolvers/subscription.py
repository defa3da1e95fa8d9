"""The Subscription root: events from the process's hub, rows through the normal loaders.

Each event is loaded with this subscriber's own viewer (fresh viewer loaders),
so viewer fields and permissions are right per subscriber and nothing cached
for an earlier event answers a later one. Viewer-independent loads and filter
checks are shared by all subscribers of the process handling the same event.
"""

from collections.abc import AsyncGenerator
from functools import partial
from typing import Any

import strawberry

from db import articles
from graph.errors import BadUserInput, ServiceUnavailable
from graph.realtime.hub import EventHub, HubClosed, SubscriberFellBehind
from graph.relay.ids import decode_id
from graph.schema.context import Info
from graph.schema.types.article import Article, ArticleFilter
from graph.schema.types.comment import Comment


def _hub(info: Info) -> EventHub:
    hub = info.context.events
    if hub is None or hub.closed:
        raise ServiceUnavailable("Subscriptions are not available on this connection.")
    return hub


# Each resolver checks its arguments and returns the event stream: a resolver
# that is itself a generator would raise only on the first iteration, after
# graphql-core accepted the subscription, and the client would get a `next`
# carrying the error instead of the protocol's `error` answer to `subscribe`.


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every new article that matches the filter, from any server process.")
    async def article_created(
        self, info: Info, filter: ArticleFilter | None = None
    ) -> AsyncGenerator[Article, None]:
        where = filter.to_db() if filter is not None else None
        return _articles_created(info.context, _hub(info), where)

    @strawberry.subscription(description="Every new comment on the article, from any server process.")
    async def comment_added(self, info: Info, article_id: strawberry.ID) -> AsyncGenerator[Comment, None]:
        context = info.context
        _, key = decode_id(article_id, expected="Article")
        if not await articles.article_exists(context.db, key):
            raise BadUserInput("No article has that ID.", argument="articleId")
        return _comments_added(context, _hub(info), key)


async def _articles_created(context: Any, hub: EventHub, where: Any) -> AsyncGenerator[Article, None]:
    try:
        with hub.subscribe("article") as stream:
            async for event in stream:
                scope = hub.scope(event, context.db)
                if where is not None and not where.is_empty:
                    matches = partial(articles.article_matches, context.db, event.id, where)
                    if not await scope.check(where, matches):
                        continue
                context.use_public_loaders(scope.loaders)
                row = await context.loaders.article.load(event.id)
                if row is not None:  # deleted before we got to it
                    yield Article.from_row(row)
    except (HubClosed, SubscriberFellBehind) as error:
        raise ServiceUnavailable(str(error)) from error


async def _comments_added(context: Any, hub: EventHub, article_id: int) -> AsyncGenerator[Comment, None]:
    try:
        with hub.subscribe("comment", article_id) as stream:
            async for event in stream:
                context.use_public_loaders(hub.scope(event, context.db).loaders)
                row = await context.loaders.comment.load(event.id)
                if row is not None:
                    yield Comment.from_row(row)
    except (HubClosed, SubscriberFellBehind) as error:
        raise ServiceUnavailable(str(error)) from error
