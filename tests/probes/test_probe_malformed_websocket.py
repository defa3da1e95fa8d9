"""Malformed graphql-transport-ws traffic: each one gets the protocol's answer, and the server logs no failure.

The probe sent the socket what no client library does: text that is not
JSON, binary frames, unknown or missing message types, a subscribe before
`connection_init` or without its payload, a second `connection_init`, no
`connection_init` at all. The protocol (graphql-ws's PROTOCOL.md) names a
close code for each; a server that crashed instead would close with 1011
and log a traceback, which is what these tests rule out. The server runs in
this process (tests/live_app.py) so caplog sees its records.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
import websockets

from graph.settings import Settings
from tests.live_app import serving
from tests.ws_client import PROTOCOL

INIT_TIMEOUT = 0.5
SUBSCRIBE = {"query": "subscription { articleCreated { id } }"}


@pytest.fixture(scope="module")
async def ws_url(settings: Settings) -> AsyncIterator[str]:
    async with serving(settings.model_copy(update={"ws_init_timeout": INIT_TIMEOUT})) as url:
        yield url


async def acknowledged(url: str) -> websockets.ClientConnection:
    ws = await websockets.connect(url, subprotocols=[PROTOCOL])
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "connection_ack"}
    return ws


async def close_code(ws: websockets.ClientConnection, within: float = 5) -> int:
    """The code the server closed with, once it has; anything it sent first is a failure of the test."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        message = await asyncio.wait_for(ws.recv(), within)
        pytest.fail(f"expected a close, got {message!r}")
    return closed.value.rcvd.code


def assert_no_server_failure(caplog: pytest.LogCaptureFixture) -> None:
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    assert failures == [], [record.getMessage() for record in failures]


# After acknowledgement: each of these is a malformed message, closed with 4400 (Bad request).
AFTER_ACK = {
    "text that is not JSON": "{not json",
    "a JSON array": "[1, 2]",
    "a JSON number": "42",
    "a JSON null": "null",
    "no type": json.dumps({"id": "1", "payload": SUBSCRIBE}),
    "an unknown type": json.dumps({"type": "start", "id": "1", "payload": SUBSCRIBE}),
    "a type that is not a string": json.dumps({"type": 7}),
    "a subscribe without a payload": json.dumps({"type": "subscribe", "id": "1"}),
    "a subscribe without an id": json.dumps({"type": "subscribe", "payload": SUBSCRIBE}),
    "a subscribe whose payload is a string": json.dumps({"type": "subscribe", "id": "1", "payload": "subscription"}),
    "a subscribe whose query is not a string": json.dumps({"type": "subscribe", "id": "1", "payload": {"query": 1}}),
    "a subscribe whose id is a number": json.dumps({"type": "subscribe", "id": 1, "payload": SUBSCRIBE}),
    "a subscribe whose variables are a list": json.dumps(
        {"type": "subscribe", "id": "1", "payload": {**SUBSCRIBE, "variables": [1]}}
    ),
    "a subscribe whose operationName is a number": json.dumps(
        {"type": "subscribe", "id": "1", "payload": {**SUBSCRIBE, "operationName": 1}}
    ),
    "a server-only message from the client": json.dumps({"type": "next", "id": "1", "payload": {"data": {}}}),
}


@pytest.mark.parametrize("frame", list(AFTER_ACK.values()), ids=list(AFTER_ACK))
async def test_a_malformed_message_closes_the_socket_with_4400(ws_url, caplog, frame) -> None:
    ws = await acknowledged(ws_url)
    await ws.send(frame)
    assert await close_code(ws) == 4400
    assert_no_server_failure(caplog)


async def test_a_binary_frame_closes_the_socket_with_4400(ws_url, caplog) -> None:
    # The protocol is text only; bytes of a valid message are still refused, not decoded.
    ws = await acknowledged(ws_url)
    await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": SUBSCRIBE}).encode())
    assert await close_code(ws) == 4400
    assert_no_server_failure(caplog)


async def test_a_subscribe_before_connection_init_closes_with_4401_unauthorized(ws_url, caplog) -> None:
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": SUBSCRIBE}))
        assert await close_code(ws) == 4401
    assert_no_server_failure(caplog)


async def test_a_second_connection_init_closes_with_4429(ws_url, caplog) -> None:
    ws = await acknowledged(ws_url)
    await ws.send(json.dumps({"type": "connection_init"}))
    assert await close_code(ws) == 4429
    assert_no_server_failure(caplog)


async def test_no_connection_init_within_the_timeout_closes_with_4408(ws_url, caplog) -> None:
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        assert await close_code(ws, within=INIT_TIMEOUT + 5) == 4408
    assert_no_server_failure(caplog)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ([1, 2], 4400),  # the payload must be an object (or absent)
        ("Bearer x", 4400),
        ({"authorization": 12345}, 4403),  # an object, but no token in it
        ({"authorization": ["Bearer", "x"]}, 4403),
    ],
    ids=["a list", "a string", "a number as token", "a list as token"],
)
async def test_a_connection_init_payload_of_the_wrong_shape_is_refused(ws_url, caplog, payload, code) -> None:
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert await close_code(ws) == code
    assert_no_server_failure(caplog)


async def test_ping_pong_and_a_complete_for_no_operation_leave_the_socket_open(ws_url, caplog) -> None:
    ws = await acknowledged(ws_url)
    try:
        await ws.send(json.dumps({"type": "complete", "id": "never-started"}))
        await ws.send(json.dumps({"type": "pong"}))  # an unsolicited pong is allowed, and ignored
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "pong"}
    finally:
        await ws.close()
    assert_no_server_failure(caplog)
