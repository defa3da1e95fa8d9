"""Fan-out of change events to the subscriptions open in this process.

Each subscription gets a bounded queue. A subscriber that falls that far
behind is ended with an error rather than silently skipping events or
letting its queue grow without bound.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from db.events import Event, EventKind

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


class EventHub:
    def __init__(self, capacity: int = 1000) -> None:
        self._capacity = capacity
        self._topics: defaultdict[Topic, set[Stream]] = defaultdict(set)
        self._closed = False

    @contextmanager
    def subscribe(self, kind: EventKind, article_id: int | None = None) -> Iterator[Stream]:
        """A stream of `kind` events (only those of one article when `article_id` is given)."""
        if self._closed:
            raise HubClosed("the server is shutting down")
        topic: Topic = (kind, article_id)
        stream = Stream(self._capacity)
        self._topics[topic].add(stream)
        try:
            yield stream
        finally:
            streams = self._topics.get(topic)
            if streams is not None:
                streams.discard(stream)
                if not streams:
                    del self._topics[topic]

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
    def open_streams(self) -> int:
        return sum(len(streams) for streams in self._topics.values())
