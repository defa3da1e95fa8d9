"""Commit-to-delivery latency of subscriptions across two server processes.

    .venv/bin/python -m bench.subscription_latency [--events 300] [--subscribers 500]

Creates a throwaway database on TEST_DATABASE_URL's server (default: the local
PostgreSQL), starts two `python -m graph serve` processes, holds `--subscribers`
articleCreated subscriptions on process A (spread over sockets), creates
articles through process B, and reports per event:

- after_response: delivery to a probe subscriber on A minus the moment B's
  mutation response arrived (the commit happened just before: a lower bound);
- after_request: delivery minus the moment the mutation was sent (an upper bound).
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import websockets

from db.schema_version import upgrade_to_head
from graph.auth.tokens import Tokens
from tests import database
from tests.servers import TEST_SECRET, running_servers

SUBSCRIBE = {"query": "subscription { articleCreated { id title author { username } } }"}
CREATE = "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { id } } }"
PER_SOCKET = 20


async def open_socket(url: str, subscriptions: int, on_next) -> websockets.ClientConnection:
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    for n in range(subscriptions):
        await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": SUBSCRIBE}))

    async def read() -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                on_next(message["payload"]["data"]["articleCreated"]["id"], time.perf_counter())

    asyncio.create_task(read())
    return ws


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(url: str, ws_url: str, events: int, subscribers: int) -> dict:
    probe: dict[str, float] = {}
    delivered = 0

    def on_probe(article_id: str, at: float) -> None:
        probe.setdefault(article_id, at)

    def on_load(_: str, __: float) -> None:
        nonlocal delivered
        delivered += 1

    sockets = [await open_socket(ws_url, 1, on_probe)]
    remaining = subscribers - 1
    while remaining > 0:
        sockets.append(await open_socket(ws_url, min(PER_SOCKET, remaining), on_load))
        remaining -= PER_SOCKET
    await asyncio.sleep(1.0)

    conn = await asyncpg.connect(os.environ["BENCH_DATABASE_URL"])
    user_id = await conn.fetchval(
        "INSERT INTO users (username, email, password_hash) VALUES ('bench', 'bench@example.com', 'x') RETURNING id"
    )
    await conn.close()
    headers = {"Authorization": f"Bearer {Tokens(TEST_SECRET.encode(), 3600).issue(user_id, 0)}"}

    after_request, after_response = [], []
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:
        for n in range(events):
            variables = {"input": {"title": f"Latency {n}", "description": "d", "body": "b"}}
            sent = time.perf_counter()
            response = await client.post("/graphql", json={"query": CREATE, "variables": variables})
            answered = time.perf_counter()
            article_id = response.json()["data"]["createArticle"]["article"]["id"]
            deadline = time.monotonic() + 10
            while article_id not in probe and time.monotonic() < deadline:  # noqa: ASYNC110 (polling on purpose: a latency probe, not a wait)
                await asyncio.sleep(0.0005)
            at = probe[article_id]
            after_request.append((at - sent) * 1000)
            after_response.append((at - answered) * 1000)
            await asyncio.sleep(0.01)
    await asyncio.sleep(2.0)
    for ws in sockets:
        await ws.close()

    def summary(values: list[float]) -> dict:
        return {"median_ms": round(statistics.median(values), 2), "p99_ms": round(percentile(values, 0.99), 2)}

    return {
        "events": events,
        "subscribers_on_process_a": subscribers,
        "deliveries_to_other_subscribers": delivered,
        "expected_deliveries": events * (subscribers - 1),
        "after_response": summary(after_response),
        "after_request": summary(after_request),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--subscribers", type=int, default=500)
    args = parser.parse_args()

    server = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name, url = await database.create_database(server)
    os.environ["BENCH_DATABASE_URL"] = url
    try:
        await asyncio.to_thread(upgrade_to_head, url)
        with running_servers(url, Path(tempfile.mkdtemp(prefix="bench-ws-")), 2) as (a, b):
            result = await measure(b.url, a.ws_url, args.events, args.subscribers)
        print(json.dumps(result, indent=2))
    finally:
        await database.drop_database(server, name)


if __name__ == "__main__":
    asyncio.run(main())
