"""Fan-out of change events to the subscriptions open in this process.

Each subscription gets a bounded queue. A subscriber that falls that far
behind is ended with an error rather than silently skipping events or
letting its queue grow without bound.

The hub also holds what subscribers of one process share per event (its
`EventScope`: public loaders, filter checks, the planner's statements) and
the planner itself (None with PLANNED_EXECUTION=false), and it counts
subscriptions and their events by the path that answers them (graph/observability/paths.py).
"""

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from db.events import Event, EventKind
from db.pool import Database
from graph.observability.metrics import count_path, subscriptions_open
from graph.observability.paths import GENERAL, SUBSCRIPTION_EVENT
from graph.schema.loaders import Loaders

if TYPE_CHECKING:
    from graph.planned import PlannedExecution

Topic = tuple[EventKind, int | None]


class SubscriberFellBehind(Exception):
    """More events arrived than the subscriber consumed; it must resubscribe."""


class HubClosed(Exception):
    """The server is shutting down; no new subscriptions."""


class Stream:
    """The events of one subscription, in arrival order; ends when the hub closes."""

    def __init__(self, capacity: int) -> None:
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(capacity + 1)
        self._capacity = capacity
        self.fell_behind = False

    def offer(self, event: Event) -> None:
        if self.fell_behind:
            return
        if self._queue.qsize() >= self._capacity:
            self.fell_behind = True
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(event)

    def end(self) -> None:
        if not self.fell_behind:
            self._queue.put_nowait(None)

    def __aiter__(self) -> "Stream":
        return self

    async def __anext__(self) -> Event:
        event = await self._queue.get()
        if event is not None:
            return event
        if self.fell_behind:
            raise SubscriberFellBehind(f"more than {self._capacity} events were waiting; subscribe again")
        raise StopAsyncIteration


class EventScope:
    """What every subscriber handling one event can share: public loaders, filter checks, planned statements.

    Without it, N subscribers cost N statements per event; with it, their
    loads batch into one, each distinct filter is checked once, and each
    distinct planned statement (graph/planned/events.py) runs once.
    """

    def __init__(self, db: Database) -> None:
        self.loaders = Loaders(db, None)
        self._shared: dict[Hashable, asyncio.Future[Any]] = {}

    async def shared(self, key: Hashable, run: Callable[[], Awaitable[Any]]) -> Any:
        """`run()`'s result, run once for all subscribers asking with the same key (its error too)."""
        result = self._shared.get(key)
        if result is None:
            result = self._shared[key] = asyncio.ensure_future(run())
        return await asyncio.shield(result)

    async def check(self, key: Hashable, run: Callable[[], Awaitable[bool]]) -> bool:
        passes: bool = await self.shared(("check", key), run)
        return passes


class EventHub:
    # Scopes of the most recent events; subscribers handle an event within
    # moments of each other, so a short memory is enough.
    SCOPES_KEPT = 256

    def __init__(self, capacity: int = 1000, planned: "PlannedExecution | None" = None) -> None:
        self._capacity = capacity
        self.planned = planned  # answers subscriptions' events (graph/planned/events.py); None: the general path
        self._topics: defaultdict[Topic, set[Stream]] = defaultdict(set)
        self._closed = False
        self._scopes: OrderedDict[tuple[str, int], EventScope] = OrderedDict()

    def scope(self, event: Event, db: Database) -> EventScope:
        key = (event.kind, event.id)
        scope = self._scopes.get(key)
        if scope is None:
            scope = self._scopes[key] = EventScope(db)
            if len(self._scopes) > self.SCOPES_KEPT:
                self._scopes.popitem(last=False)
        return scope

    @contextmanager
    def subscribe(self, kind: EventKind, article_id: int | None = None, path: str = GENERAL) -> Iterator[Stream]:
        """A stream of `kind` events (only those of one article when `article_id` is given).

        `path` names what answers its events, counted once per subscription.
        """
        if self._closed:
            raise HubClosed("the server is shutting down")
        topic: Topic = (kind, article_id)
        stream = Stream(self._capacity)
        self._topics[topic].add(stream)
        subscriptions_open.inc()
        count_path(path, "subscription")
        try:
            yield stream
        finally:
            subscriptions_open.dec()
            streams = self._topics.get(topic)
            if streams is not None:
                streams.discard(stream)
                if not streams:
                    del self._topics[topic]

    @staticmethod
    def delivered(path: str) -> None:
        """One event answered for one subscriber, by `path` (graph/observability/paths.py)."""
        count_path(path, SUBSCRIPTION_EVENT)

    def publish(self, event: Event) -> None:
        for topic in ((event.kind, None), (event.kind, event.article_id)):
            for stream in self._topics.get(topic, ()):
                stream.offer(event)

    def close(self) -> None:
        """End every open stream (their subscriptions complete) and refuse new ones."""
        self._closed = True
        for streams in self._topics.values():
            for stream in streams:
                stream.end()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def open_streams(self) -> int:
        return sum(len(streams) for streams in self._topics.values())
