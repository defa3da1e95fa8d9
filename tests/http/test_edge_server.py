"""The edge against a real uvicorn process: proxy headers, header and body limits, no banner.

In process, no server parses anything: these show what `python -m graph
serve` (uvicorn with httptools) really does with forged X-Forwarded-For,
a 1 MB header and a 200 MB body.
"""

from pathlib import Path

import httpx
import pytest
import websockets

from graph.auth.login_limits import address_bucket
from tests.servers import running_servers
from tests.ws_client import PROTOCOL

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

LOGIN = 'mutation($email: String!) { login(input: {email: $email, password: "wrong password"}) { token } }'
# Each attempt for another email, so only the per-address limit (3) can refuse one.
LIMITS = {
    "LOGIN_ATTEMPTS_PER_ADDRESS": "3",
    "LOGIN_ATTEMPTS_PER_ACCOUNT": "100",
    "LOGIN_ATTEMPTS_PER_ACCOUNT_ADDRESS": "100",
}


def login(server, number: int, forwarded_for: str | None = None) -> str:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    body = {"query": LOGIN, "variables": {"email": f"user{number}@example.com"}}
    answer = httpx.post(f"{server.url}/graphql", json=body, headers=headers).json()
    return answer["errors"][0]["extensions"]["code"] if answer.get("errors") else "ANSWERED"


ADDRESS_BUCKETS = "SELECT bucket FROM login_attempts WHERE bucket LIKE 'address:%'"


async def address_buckets(conn) -> set[str]:
    return {row["bucket"] for row in await conn.fetch(ADDRESS_BUCKETS)}


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):  # the peak, so a spike that was freed again still shows
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def test_without_trusted_proxies_forwarded_for_from_localhost_is_ignored(database_url, tmp_path, conn):
    with running_servers(database_url, tmp_path, 1, env=LIMITS) as (server,):
        first = [login(server, number) for number in range(3)]
        forged = [login(server, 10, "1.2.3.5"), login(server, 11, "evil-not-an-ip"), login(server, 12)]
    assert first == ["ANSWERED"] * 3
    assert forged == ["RATE_LIMITED"] * 3
    assert await address_buckets(conn) == {address_bucket("127.0.0.1")}


async def test_behind_a_trusted_proxy_the_forwarded_address_counts_and_garbage_does_not(database_url, tmp_path, conn):
    with running_servers(database_url, tmp_path, 1, env={**LIMITS, "TRUSTED_PROXIES": "127.0.0.1"}) as (server,):
        proxied = [login(server, number, "1.2.3.5") for number in range(4)]
        other_client = login(server, 10, "198.51.100.9, 1.2.3.6")
        garbage = [login(server, 20 + number, "evil-not-an-ip") for number in range(4)]
    assert proxied == ["ANSWERED"] * 3 + ["RATE_LIMITED"]
    assert other_client == "ANSWERED"
    # Garbage is never a bucket: those attempts count against the proxy itself.
    assert garbage == ["ANSWERED"] * 3 + ["RATE_LIMITED"]
    assert await address_buckets(conn) == {
        address_bucket("1.2.3.5"),
        address_bucket("1.2.3.6"),
        address_bucket("127.0.0.1"),
    }


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    with running_servers(database_url, tmp_path_factory.mktemp("edge"), 1) as (server,):
        yield server


def test_no_server_banner_and_the_security_headers(server):
    response = httpx.get(f"{server.url}/healthz")
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_one_megabyte_header_is_431(server):
    response = httpx.get(f"{server.url}/healthz", headers={"x-big": "a" * (1024 * 1024)}, timeout=30)
    assert response.status_code == 431
    assert response.json()["errors"][0]["extensions"]["code"] == "HEADERS_TOO_LARGE"
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize("chunked", [True, False])
def test_a_200_megabyte_body_is_413_and_the_server_stays_small(server, chunked):
    size = 200 * 1024 * 1024
    block = b"a" * (1024 * 1024)

    def stream():
        yield b'{"query":"{ __typename }","variables":{"pad":"'
        for _ in range(size // len(block)):
            yield block

    before = rss_mib(server.process.pid)
    if chunked:
        response = httpx.post(f"{server.url}/graphql", content=stream(), headers={"content-type": "application/json"})
    else:
        body = b"".join(stream())
        response = httpx.post(f"{server.url}/graphql", content=body, headers={"content-type": "application/json"})
    after = rss_mib(server.process.pid)
    print(f"server peak RSS {before:.0f} MiB before, {after:.0f} MiB after a 200 MB body (chunked: {chunked})")
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert after - before < 20  # it was +612 MiB at the peak before the limit
    assert "Traceback" not in server.output()  # the refusal is an answer, not an error
    assert httpx.post(f"{server.url}/graphql", json={"query": "{ __typename }"}).status_code == 200


async def test_a_websocket_handshake_with_oversized_headers_is_refused(server):
    # Three lines of 7,000 bytes: the WebSocket stack's own parser refuses any line over 8,192.
    big = {f"x-big-{number}": "a" * 7000 for number in range(3)}
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws_url, subprotocols=[PROTOCOL], additional_headers=big)
    assert refused.value.response.status_code == 403
    async with websockets.connect(server.ws_url, subprotocols=[PROTOCOL]) as accepted:
        assert accepted.subprotocol == PROTOCOL


async def test_a_websocket_handshake_with_one_header_line_over_8_kib_is_answered_431(server):
    # uvicorn's websockets-sansio left this request unanswered and its socket open (graph/http/ws_handshake.py).
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            server.ws_url, subprotocols=[PROTOCOL], additional_headers={"x-big": "a" * 20_000}, open_timeout=5
        )
    assert refused.value.response.status_code == 431
    assert "Traceback" not in server.output()
    async with websockets.connect(server.ws_url, subprotocols=[PROTOCOL]) as accepted:
        assert accepted.subprotocol == PROTOCOL
