"""The in-process fan-out and the event payloads, without sockets."""

import asyncio

import pytest

from db.events import Event
from graph.realtime.hub import EventHub, HubClosed, SubscriberFellBehind


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: nothing here touches tables."""


async def test_each_stream_gets_only_its_topic() -> None:
    hub = EventHub()
    with hub.subscribe("article") as articles, hub.subscribe("comment", 7) as on_seven:
        hub.publish(Event("comment", 1, 8))
        hub.publish(Event("comment", 2, 7))
        hub.publish(Event("article", 3, 3))
        assert await anext(articles) == Event("article", 3, 3)
        assert await anext(on_seven) == Event("comment", 2, 7)
        assert hub.open_streams == 2
    assert hub.open_streams == 0


async def test_a_subscriber_that_falls_behind_is_ended_with_an_error() -> None:
    hub = EventHub(capacity=2)
    with hub.subscribe("article") as stream:
        for n in range(3):
            hub.publish(Event("article", n, n))
        assert [await anext(stream), await anext(stream)] == [Event("article", 0, 0), Event("article", 1, 1)]
        with pytest.raises(SubscriberFellBehind):
            await anext(stream)


async def test_closing_the_hub_ends_open_streams_and_refuses_new_ones() -> None:
    hub = EventHub()
    with hub.subscribe("article") as stream:
        waiting = asyncio.create_task(anext(stream, None))
        await asyncio.sleep(0)
        hub.close()
        assert await waiting is None
    with pytest.raises(HubClosed), hub.subscribe("article"):
        pass


def test_payloads_round_trip_and_stay_small() -> None:
    event = Event("comment", 2**62, 2**62)
    assert Event.parse(event.payload()) == event
    assert len(event.payload()) < 8000 // 100


@pytest.mark.parametrize("payload", ['{"kind": "user", "id": 1, "articleId": 1}', '{"kind": "article"}', "[]", "x"])
def test_malformed_payloads_are_refused(payload: str) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        Event.parse(payload)
