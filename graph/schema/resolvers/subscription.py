"""The Subscription root: events from the process's hub, answered by the planner or through the loaders.

With the planned path on, each event's selection is one statement the
planner built for this subscription (graph/planned/events.py), shared by the
process's subscribers that would send the same one; its JSON goes out as it
is. Otherwise (PLANNED_EXECUTION=false, a selection the planner does not
plan, a planned statement that failed) the event's row is loaded and
completed field by field with this subscriber's own viewer (fresh viewer
loaders), so viewer fields and permissions are right per subscriber and
nothing cached for an earlier event answers a later one. Viewer-independent
loads and filter checks are shared by all subscribers of the process
handling the same event.
"""

import logging
from collections.abc import AsyncGenerator
from functools import partial
from typing import Any

import strawberry

from db import articles
from db.errors import DatabaseUnavailable
from db.events import Event
from graph.errors import BadUserInput, ServiceUnavailable
from graph.observability.paths import GENERAL, PLANNED
from graph.planned.events import AnsweredEvent, EventRead
from graph.realtime.hub import EventHub, EventScope, HubClosed, SubscriberFellBehind
from graph.relay.ids import decode_id
from graph.schema.context import Info
from graph.schema.types.article import Article, ArticleFilter
from graph.schema.types.comment import Comment

log = logging.getLogger("graph.subscription")


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
    async def article_created(self, info: Info, filter: ArticleFilter | None = None) -> AsyncGenerator[Article, None]:
        where = filter.to_db() if filter is not None else None
        hub = _hub(info)
        # The planner's pre-answered AnsweredEvent passes through Strawberry untouched; the schema's type is Article.
        return _articles_created(info.context, hub, where, _event_read(info, hub))  # type: ignore[return-value]

    @strawberry.subscription(description="Every new comment on the article, from any server process.")
    async def comment_added(self, info: Info, article_id: strawberry.ID) -> AsyncGenerator[Comment, None]:
        context = info.context
        _, key = decode_id(article_id, expected="Article")
        if not await articles.article_exists(context.db, key):
            raise BadUserInput("No article has that ID.", argument="articleId")
        hub = _hub(info)
        # The planner's pre-answered AnsweredEvent passes through Strawberry untouched; the schema's type is Comment.
        return _comments_added(context, hub, key, _event_read(info, hub))  # type: ignore[return-value]


async def _articles_created(
    context: Any, hub: EventHub, where: Any, read: EventRead | None
) -> AsyncGenerator[Article | AnsweredEvent, None]:
    try:
        with hub.subscribe("article", path=_path(read)) as stream:
            async for event in stream:
                scope = hub.scope(event, context.db)
                if where is not None and not where.is_empty:
                    matches = partial(articles.article_matches, context.db, event.id, where)
                    if not await scope.check(where, matches):
                        continue
                answer = await _answer(context, hub, scope, event, read, "article", Article.from_row)
                if answer is not None:  # None: deleted before we got to it
                    yield answer
    except (HubClosed, SubscriberFellBehind) as error:
        raise ServiceUnavailable(str(error)) from error


async def _comments_added(
    context: Any, hub: EventHub, article_id: int, read: EventRead | None
) -> AsyncGenerator[Comment | AnsweredEvent, None]:
    try:
        with hub.subscribe("comment", article_id, path=_path(read)) as stream:
            async for event in stream:
                scope = hub.scope(event, context.db)
                answer = await _answer(context, hub, scope, event, read, "comment", Comment.from_row)
                if answer is not None:
                    yield answer
    except (HubClosed, SubscriberFellBehind) as error:
        raise ServiceUnavailable(str(error)) from error


def _event_read(info: strawberry.Info, hub: EventHub) -> EventRead | None:
    """The planner's read of this subscription's events, or None: the general path completes each event."""
    if hub.planned is None:
        return None
    context = info.context
    read = hub.planned.event_read(info._raw_info, context.db, context.viewer_id)
    if read is not None:
        context.answered_by = PLANNED  # the operation's own context (graph/http/websocket.py)
    return read


def _path(read: EventRead | None) -> str:
    return GENERAL if read is None else PLANNED


async def _answer(
    context: Any, hub: EventHub, scope: EventScope, event: Event, read: EventRead | None, loader: str, to_type: Any
) -> Any:
    """The event's value for this subscriber (None when its row is gone): the planner's answer, else the row."""
    if read is not None:
        try:
            answer = await read.answer(scope, event.id)
        except DatabaseUnavailable:
            log.warning("planned %s event %s: database unavailable; the general path answers it", loader, event.id)
        except Exception:
            log.exception("planned %s event %s failed; the general path answers it", loader, event.id)
        else:
            if answer is not None:
                _delivered(context, hub, PLANNED)
            return answer
    context.use_public_loaders(scope.loaders)
    row = await getattr(context.loaders, loader).load(event.id)
    if row is None:
        return None
    _delivered(context, hub, GENERAL)
    return to_type(row)


def _delivered(context: Any, hub: EventHub, path: str) -> None:
    hub.delivered(path)  # the metric
    context.events_by_path[path] += 1  # the operation's log line and the path counts (graph/http/ws_observe.py)
