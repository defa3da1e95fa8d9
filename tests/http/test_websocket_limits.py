"""WebSocket limits and lifecycle on a production-configured server process."""

import asyncio
import json

import httpx
import pytest
import websockets

from tests.servers import running_servers
from tests.ws_client import PROTOCOL

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

LIMITS = {
    "ENVIRONMENT": "production",
    "ALLOWED_ORIGINS": "https://app.example",
    "WS_MAX_CONNECTIONS": "2",
    "WS_MAX_SUBSCRIPTIONS": "2",
    "WS_MAX_MESSAGE_BYTES": "2048",
    # Apollo's rule for GET too (cookie authentication in front): every socket here opens all the same.
    "CSRF_PREVENTION_GET": "true",
}
SUBSCRIBE = {"query": "subscription { articleCreated { id } }"}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    with running_servers(database_url, tmp_path_factory.mktemp("limits"), 1, env=LIMITS) as (only,):
        yield only


async def open_acknowledged(url: str, **options):
    ws = await websockets.connect(url, subprotocols=[PROTOCOL], **options)
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "connection_ack"}
    return ws


async def test_the_strict_get_rule_refuses_a_plain_get_but_not_the_socket_handshake(server) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        refused = await http.get("/graphql", params={"query": "{ tags { name } }"})
        let_in = await http.get(
            "/graphql", params={"query": "{ tags { name } }"}, headers={"apollo-require-preflight": "1"}
        )
    assert refused.status_code == 400 and "Cross-Site Request Forgery" in refused.json()["errors"][0]["message"]
    assert let_in.json() == {"data": {"tags": []}}
    ws = await open_acknowledged(server.ws_url)  # its handshake is a GET without the header
    await ws.close()


async def test_connections_beyond_the_per_process_cap_are_told_to_try_later(server) -> None:
    first = await open_acknowledged(server.ws_url)
    second = await open_acknowledged(server.ws_url)
    try:
        async with websockets.connect(server.ws_url, subprotocols=[PROTOCOL]) as third:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(third.recv(), 5)
            assert closed.value.rcvd.code == 1013
    finally:
        await first.close()
        await second.close()
    # A slot freed up: a new socket is accepted again.
    again = await open_acknowledged(server.ws_url)
    await again.close()


async def test_a_subscription_with_a_size_out_of_range_is_bad_user_input_not_a_cost_error(server) -> None:
    query = "subscription($n: Int) { articleCreated { author { articles(first: $n) { edges { node { id } } } } } }"
    ws = await open_acknowledged(server.ws_url)
    try:
        payload = {"query": query, "variables": {"n": 100000}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert message["id"] == "1" and message["type"] == "error"
        assert [error["extensions"] for error in message["payload"]] == [
            {"code": "BAD_USER_INPUT", "argument": "first"}
        ]
    finally:
        await ws.close()


async def test_subscriptions_beyond_the_per_socket_cap_get_a_coded_error(server) -> None:
    ws = await open_acknowledged(server.ws_url)
    try:
        for n in (1, 2, 3):
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": SUBSCRIBE}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert message["id"] == "3" and message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
        # Completing one frees a slot.
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await ws.send(json.dumps({"id": "4", "type": "subscribe", "payload": SUBSCRIBE}))
        assert await _quiet(ws, 0.5)
    finally:
        await ws.close()


async def _quiet(ws, seconds: float) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    return False


async def test_a_message_over_the_size_cap_closes_the_socket(server) -> None:
    ws = await open_acknowledged(server.ws_url)
    padding = "x" * 4096
    payload = {"query": f"# {padding}\n{SUBSCRIBE['query']}"}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd.code == 1009  # message too big


async def test_production_allows_only_the_configured_origins(server) -> None:
    allowed = await open_acknowledged(server.ws_url, origin="https://app.example")
    await allowed.close()
    for origin in ("http://localhost:5173", "https://evil.example"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(server.ws_url, subprotocols=[PROTOCOL], origin=origin)
        assert refused.value.response.status_code == 403


async def test_only_the_graphql_transport_ws_protocol_is_spoken(server) -> None:
    """The legacy `graphql-ws` (subscriptions-transport-ws) protocol is off."""
    async with websockets.connect(server.ws_url, subprotocols=["graphql-ws"]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 4406


async def test_sigterm_closes_open_subscriptions_cleanly(database_url: str, tmp_path) -> None:
    with running_servers(database_url, tmp_path, 1) as (server,):
        ws = await open_acknowledged(server.ws_url)
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": SUBSCRIBE}))
        await asyncio.sleep(0.3)
        stopping = asyncio.create_task(asyncio.to_thread(server.stop))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        # 1012 "service restart": graphql-ws clients reconnect and resubscribe.
        assert closed.value.rcvd.code == 1012
        await stopping
        assert "Application shutdown complete" in server.output()
        assert "Traceback" not in server.output()
