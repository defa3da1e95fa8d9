"""A soak: reads near capacity, a steady writer and hundreds of subscribers on one server, for minutes.

    .venv/bin/python -m bench.soak [--seconds 180] [--subscribers 200] [--articles 4] [--writes-per-second 10]

On a private PostgreSQL cluster with the demo data (bench/cluster.py,
bench/dataset.py) it starts `python -m graph serve` (production settings, as
the benchmark does) and, at once:

- wrk keeps `--read-connections` busy with the anonymous read shapes (Q1-Q3);
- a writer adds comments at `--writes-per-second`, spread over `--articles`;
- `--subscribers` commentAdded subscriptions (20 to a socket) listen on those articles.

It reports the deliveries expected (each written comment times the
subscribers of its article) and received, write errors and latency, read
latency, and the server's RSS sampled from /proc every `--sample-every`
seconds: start, end, max and the slope, in KB per minute and per thousand
delivered events (also over the second half, past the warm-up's caches).
A leak held per subscription shows as a steady slope; none should remain.
"""

import argparse
import asyncio
import contextlib
import json
import secrets
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import orjson
import websockets

from bench.cluster import start_cluster
from bench.dataset import SIZES, prepare
from bench.load import LoadResult, ensure_wrk, run_wrk
from bench.rss import RssSeries
from bench.shapes import SHAPES, Params, ours_body
from bench.systems import System
from graph.auth.tokens import Tokens
from graph.relay.ids import encode_id

PER_SOCKET = 20  # WS_MAX_SUBSCRIPTIONS' default
READ_SHAPES = ("Q1", "Q2", "Q3")  # anonymous: one header set for every body
COMMENT_ADDED = "subscription ($id: ID!) { commentAdded(articleId: $id) { id body author { username } } }"
ADD_COMMENT = "mutation ($input: AddCommentInput!) { addComment(input: $input) { comment { id } errors { message } } }"
DRAIN_SECONDS = 15.0  # the most a delivery may trail the last write


def _say(message: str) -> None:
    print(f"soak: {message}", flush=True)


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "p50_ms": None, "p99_ms": None}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"count": len(values), "p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2)}


@dataclass
class Deliveries:
    """What each subscription received, and when; the writer's comments, and when they were sent."""

    article_of: dict[str, str] = field(default_factory=dict)  # subscription -> article id
    received: dict[str, set[str]] = field(default_factory=dict)  # subscription -> comment ids
    sent_at: dict[str, float] = field(default_factory=dict)  # comment id -> when its mutation was sent
    written: dict[str, list[str]] = field(default_factory=dict)  # article id -> comment ids
    # (comment id, when it arrived): matched to sent_at at the end, since a
    # delivery may arrive before its mutation's answer names the comment.
    arrivals: list[tuple[str, float]] = field(default_factory=list)
    ended: list[dict] = field(default_factory=list)  # error/complete messages: a subscription ended early
    count: int = 0

    def on_message(self, message: dict, at: float) -> None:
        operation = message.get("id")
        if message["type"] == "next" and operation in self.received:
            comment = message["payload"]["data"]["commentAdded"]["id"]
            self.received[operation].add(comment)
            self.count += 1
            self.arrivals.append((comment, at))
        elif message["type"] in ("error", "complete"):
            self.ended.append(message)

    def tally(self) -> tuple[int, int, int]:
        """(expected, received of those, received but not written by this run)."""
        written = {article: set(ids) for article, ids in self.written.items()}
        expected = sum(len(written.get(article, ())) for article in self.article_of.values())
        received = sum(len(ids & written.get(self.article_of[s], set())) for s, ids in self.received.items())
        unexpected = sum(len(ids - written.get(self.article_of[s], set())) for s, ids in self.received.items())
        return expected, received, unexpected

    def summary(self) -> dict:
        expected, received, unexpected = self.tally()
        return {
            "subscriptions": len(self.article_of),
            "expected": expected,
            "received": received,
            "lost": expected - received,
            "duplicates": self.count - received - unexpected,
            "not_written_by_this_run": unexpected,
            "ended_early": len(self.ended),
            "delivery_after_request": percentiles(
                [(at - self.sent_at[comment]) * 1000 for comment, at in self.arrivals if comment in self.sent_at]
            ),
        }


async def subscribe_all(ws_url: str, article_ids: list[str], count: int, deliveries: Deliveries) -> tuple[list, list]:
    sockets, readers = [], []
    for start in range(0, count, PER_SOCKET):
        ws = await websockets.connect(ws_url, subprotocols=["graphql-transport-ws"], max_size=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for n in range(start, min(start + PER_SOCKET, count)):
            operation, article = str(n), article_ids[n % len(article_ids)]
            deliveries.article_of[operation], deliveries.received[operation] = article, set()
            payload = {"query": COMMENT_ADDED, "variables": {"id": article}}
            await ws.send(json.dumps({"id": operation, "type": "subscribe", "payload": payload}))
        sockets.append(ws)
        readers.append(asyncio.create_task(_read(ws, deliveries)))
    return sockets, readers


async def _read(ws, deliveries: Deliveries) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for raw in ws:
            deliveries.on_message(json.loads(raw), time.perf_counter())


@dataclass
class Writes:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"ok": len(self.latencies_ms), "errors": len(self.errors), "first_errors": self.errors[:5],
                **percentiles(self.latencies_ms)}  # fmt: skip


async def write_comments(
    base: str, token: str, article_ids: list[str], rate: float, seconds: float, deliveries: Deliveries
) -> Writes:
    """Comments at a fixed rate, each its own task: a slow answer does not slow the writer down."""
    writes = Writes()
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:

        async def one(n: int) -> None:
            article = article_ids[n % len(article_ids)]
            variables = {"input": {"articleId": article, "body": f"Soak comment {n}"}}
            sent = time.perf_counter()
            try:
                response = await client.post("/graphql", json={"query": ADD_COMMENT, "variables": variables})
                body = response.json()
                comment = body["data"]["addComment"]["comment"]["id"]
            except Exception as error:  # noqa: BLE001 - every failure is a write error to report
                writes.errors.append(f"{type(error).__name__}: {str(error)[:200]}")
                return
            writes.latencies_ms.append((time.perf_counter() - sent) * 1000)
            deliveries.sent_at[comment] = sent
            deliveries.written.setdefault(article, []).append(comment)

        started, tasks = time.monotonic(), []
        for n in range(int(seconds * rate)):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return writes


async def sample_rss(series: RssSeries, deliveries: Deliveries, every: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        series.sample(deliveries.count)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
    series.sample(deliveries.count)


async def drain(deliveries: Deliveries) -> None:
    """Until every expected delivery arrived, or nothing arrived for two seconds, or DRAIN_SECONDS passed."""
    deadline, last, quiet_since = time.monotonic() + DRAIN_SECONDS, -1, time.monotonic()
    while time.monotonic() < deadline and (tally := deliveries.tally())[0] > tally[1]:
        if deliveries.count != last:
            last, quiet_since = deliveries.count, time.monotonic()
        elif time.monotonic() - quiet_since > 2:
            return
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Options:
    seconds: float = 180.0
    size: str = "tiny"
    subscribers: int = 200
    articles: int = 4
    writes_per_second: float = 10.0
    read_connections: int = 8
    read_threads: int = 2
    sample_every: float = 5.0
    out: Path = Path("bench/results")


async def soak(options: Options) -> dict:
    ensure_wrk()
    cluster = start_cluster()
    system = System("ours", 1)
    try:
        _say(f"seeding the {options.size} data set on a private cluster")
        dataset = await prepare(cluster, SIZES[options.size])
        secret = secrets.token_urlsafe(48)
        token = Tokens(secret.encode(), 24 * 3600).issue(dataset.writer_id, 0)
        connection = await asyncpg.connect(dataset.url)
        try:
            rows = await connection.fetch("SELECT id FROM articles ORDER BY id LIMIT $1", options.articles)
            username = await connection.fetchval("SELECT username FROM users WHERE id = $1", dataset.reader_id)
        finally:
            await connection.close()
        article_ids = [encode_id("Article", row["id"]) for row in rows]
        log = options.out / f"soak-server-{system.port}.log"
        system.start(dataset.url, secret, log)
        system.wait_ready()
        assert system.process is not None
        ws_url = f"ws://127.0.0.1:{system.port}/graphql"

        deliveries = Deliveries()
        sockets, readers = await subscribe_all(ws_url, article_ids, options.subscribers, deliveries)
        await asyncio.sleep(1.0)  # no acknowledgement says when a subscription is registered
        series, stop = RssSeries(system.process.pid), asyncio.Event()
        sampler = asyncio.create_task(sample_rss(series, deliveries, options.sample_every, stop))
        _say(f"{options.subscribers} subscribers on {len(article_ids)} articles; running {options.seconds:.0f} s")

        params = Params(username=username, writer="", article_ids=[])
        requests = [
            ("POST", "/graphql", ours_body(SHAPES[name], v[0]))
            for name in READ_SHAPES
            for v in SHAPES[name].requests(params)
        ]
        reads_running = asyncio.to_thread(
            run_wrk, system.base, requests, {"Content-Type": "application/json"},
            seconds=options.seconds, connections=options.read_connections, threads=options.read_threads,
            run_tag=f"soak{int(time.time()) % 100_000}",
        )  # fmt: skip
        reads, writes = await asyncio.gather(
            reads_running,
            write_comments(system.base, token, article_ids, options.writes_per_second, options.seconds, deliveries),
        )
        await drain(deliveries)
        stop.set()
        await sampler
        for ws in sockets:
            await ws.close()
        for reader in readers:
            await reader
    finally:
        system.stop()
        cluster.stop()
    return _report(options, reads, writes, deliveries, series)


def _report(options: Options, reads: LoadResult, writes: Writes, deliveries: Deliveries, series: RssSeries) -> dict:
    meta = {name: str(value) if isinstance(value, Path) else value for name, value in options.__dict__.items()}
    return {
        "meta": {**meta, "finished": datetime.now(UTC).isoformat()},
        "events": deliveries.summary(),
        "writes": writes.summary(),
        "reads": {
            "requests": reads.requests,
            "rps": round(reads.rps, 1),
            "failed": reads.failed,
            "socket_errors": reads.socket_errors,
            "p50_ms": reads.p50_ms,
            "p99_ms": reads.p99_ms,
        },  # fmt: skip
        "server_rss": series.summary(),
    }


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--size", choices=sorted(SIZES), default=defaults.size, help="the demo data set")
    parser.add_argument("--subscribers", type=int, default=defaults.subscribers)
    parser.add_argument("--articles", type=int, default=defaults.articles, help="the subscribers' articles")
    parser.add_argument("--writes-per-second", type=float, default=defaults.writes_per_second)
    parser.add_argument("--read-connections", type=int, default=defaults.read_connections, help="wrk connections")
    parser.add_argument("--read-threads", type=int, default=defaults.read_threads, help="wrk threads")
    parser.add_argument("--sample-every", type=float, default=defaults.sample_every, help="seconds between RSS reads")
    parser.add_argument("--out", type=Path, default=defaults.out)
    args = parser.parse_args(argv)
    options = Options(**{name.replace("-", "_"): value for name, value in vars(args).items()})
    options.out.mkdir(parents=True, exist_ok=True)
    report = asyncio.run(soak(options))
    path = options.out / f"soak-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    summary = {key: value for key, value in report.items() if key != "server_rss"}
    summary["server_rss"] = {k: v for k, v in report["server_rss"].items() if k != "series"}
    print(json.dumps(summary, indent=2), flush=True)
    _say(f"wrote {path}")
    events, write_summary = report["events"], report["writes"]
    return 0 if events["lost"] == 0 and events["ended_early"] == 0 and write_summary["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
