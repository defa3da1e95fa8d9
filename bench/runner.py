"""One benchmark run, start to finish: cluster, data, servers, checks, load, report."""

import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import orjson

from bench.checks import Check, check
from bench.client_shapes import FOLLOW_USERS, FRESH_PER_SECOND, WRITER_ARTICLES, login_users
from bench.cluster import start_cluster
from bench.dataset import DATABASE, SIZES, WRITER, prepare
from bench.load import ensure_wrk, run_wrk
from bench.measure import StatementCounter, process_tree_cpu_seconds, wait_until_idle
from bench.report import Sample, markdown, summarize
from bench.shapes import M2_ARTICLES, SHAPES, Params
from bench.systems import System, ensure_postgraphile, serves
from graph.auth.tokens import Tokens


@dataclass(frozen=True)
class Options:
    size: str = "full"
    kinds: tuple[str, ...] = ("ours", "postgraphile", "plain")
    workers: tuple[int, ...] = (1, 2)
    shapes: tuple[str, ...] = tuple(SHAPES)
    seconds: float = 8.0
    warmup: float = 2.0
    rounds: int = 3
    connections: int = 32
    threads: int = 2
    out: Path = Path("bench/results")


async def client_params(data: asyncpg.Connection, writer_id: int, username: str, article_ids: list[int]) -> Params:
    """What the shapes are about; the C* shapes also need articles of the writer's and users to follow."""
    writer_articles = [
        r["id"] for r in await data.fetch("SELECT id FROM articles WHERE author_id = $1 ORDER BY id", writer_id)
    ]
    if len(writer_articles) < WRITER_ARTICLES:
        # Dated in 2000: the oldest articles, so no newest-first page (Q2, CQ1) changes for them.
        writer_articles = [
            r["id"]
            for r in await data.fetch(
                """INSERT INTO articles (author_id, slug, title, description, body, created_at, updated_at)
                SELECT $1, 'bench-writer-' || n, 'Writer article ' || n, 'To be edited.', 'Body.',
                       timestamptz '2000-01-01' + n * interval '1 minute', timestamptz '2000-01-01'
                FROM generate_series(1, $2) AS n RETURNING id""",
                writer_id,
                WRITER_ARTICLES,
            )
        ]
    followees = await data.fetch(
        """SELECT id FROM users WHERE id <> $1
        AND id NOT IN (SELECT followee_id FROM follows WHERE follower_id = $1) ORDER BY id LIMIT $2""",
        writer_id,
        FOLLOW_USERS,
    )
    slugs = dict(await data.fetch("SELECT id, slug FROM articles WHERE id = any($1::bigint[])", article_ids))
    slug = slugs[article_ids[0]]
    await login_users(data)
    return Params(
        username=username,
        writer=WRITER,
        article_ids=article_ids,
        slug=slug,
        writer_article_ids=writer_articles[:WRITER_ARTICLES],
        followee_ids=[r["id"] for r in followees],
        article_slugs=[slugs[article_id] for article_id in article_ids],
    )


async def _fresh(data: asyncpg.Connection, shape, params: Params, count: int) -> Params:
    """Params naming `count` new rows for a shape that uses rows up (deletes); else the same."""
    return await shape.fresh(data, params, count) if shape.fresh is not None else params


def _say(message: str) -> None:
    print(f"bench: {message}", flush=True)


async def run(options: Options) -> dict:
    ensure_wrk()
    if "postgraphile" in options.kinds:
        ensure_postgraphile()
    out = options.out / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    size = SIZES[options.size]
    _say(f"starting a private PostgreSQL cluster; seeding {size}")
    cluster = start_cluster()
    systems: list[System] = []
    try:
        dataset = await prepare(cluster, size)
        secret = secrets.token_urlsafe(48)
        issuer = Tokens(secret.encode(), 24 * 3600)
        tokens = {"reader": issuer.issue(dataset.reader_id, 0), "writer": issuer.issue(dataset.writer_id, 0)}
        admin = await asyncpg.connect(cluster.url("postgres"))
        data = await asyncpg.connect(dataset.url)
        try:
            username = await data.fetchval("SELECT username FROM users WHERE id = $1", dataset.reader_id)
            article_ids = [
                r["id"] for r in await data.fetch("SELECT id FROM articles ORDER BY id LIMIT $1", M2_ARTICLES)
            ]
            params = await client_params(data, dataset.writer_id, username, article_ids)
            ids = {"reader_id": dataset.reader_id, "writer_id": dataset.writer_id}

            for kind in options.kinds:
                for workers in options.workers:
                    system = System(kind, workers)
                    _say(f"starting {system.name} on port {system.port}")
                    system.start(dataset.url, secret, out / f"{system.name}.log")
                    systems.append(system)
                    system.wait_ready()

            shapes = [SHAPES[name] for name in options.shapes]
            checks: list[Check] = []
            for shape in shapes:
                for system in systems:
                    if serves(system, shape):
                        fresh = await _fresh(data, shape, params, 2)
                        checks.append(await check(data, system, shape, fresh, tokens, ids))
            passed = {(c.system, c.shape) for c in checks if c.ok}
            for failed in (c for c in checks if not c.ok):
                _say(f"answer mismatch, not loading {failed.system} {failed.shape}: {failed.detail}")

            counter = StatementCounter(admin, DATABASE)
            postmaster = cluster.postmaster_pid()
            samples: list[Sample] = []
            for shape in shapes:
                for round_number in range(1, options.rounds + 1):
                    for system in systems:
                        if (system.name, shape.name) not in passed:  # failed, or not served (plain, C*)
                            continue
                        # Warm-up and measured run each get rows of their own: both start at the same offsets.
                        warm = await _fresh(data, shape, params, int(options.warmup * FRESH_PER_SECOND) + 1)
                        fresh = await _fresh(data, shape, params, int(options.seconds * FRESH_PER_SECOND) + 1)
                        samples.append(
                            await _measure(
                                options, system, shape, fresh, tokens, counter, postmaster, round_number, warm
                            )
                        )
                        if shape.writes:
                            # Seconds of load write what a service writes in hours (M1: 10,000 new tags), and
                            # autovacuum's ANALYZE, which hours would bring, would still be a minute away: until
                            # then every system runs the next shape on plans made for a table 500 times smaller.
                            await data.execute("ANALYZE")
                        result = samples[-1].load
                        _say(
                            f"{shape.name} round {round_number} {system.name}: {result.rps:.0f} req/s, "
                            f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms"
                        )
        finally:
            await admin.close()
            await data.close()
    finally:
        for system in systems:
            system.stop()
        cluster.stop()

    rows = summarize(samples)
    meta = {
        "size": options.size,
        "users": size.users,
        "articles": size.articles,
        "comments": size.comments,
        "connections": options.connections,
        "threads": options.threads,
        "seconds": options.seconds,
        "warmup": options.warmup,
        "rounds": options.rounds,
        "cpus": os.cpu_count(),
        "load_generator": "wrk",
        "shapes": list(options.shapes),
        "systems": [system.name for system in systems],
        "finished": datetime.now(UTC).isoformat(),
    }
    notes = {name: SHAPES[name].notes for name in options.shapes if SHAPES[name].notes}
    report = {
        "meta": meta,
        "summary": rows,
        "checks": [c.__dict__ for c in checks],
        "samples": [s.as_dict() for s in samples],
        "notes": notes,
    }
    table = markdown(rows, checks, meta)
    (out / "report.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    (out / "report.md").write_text(table)
    print(table, flush=True)
    _say(f"wrote {out / 'report.json'} and {out / 'report.md'}")
    report["directory"] = str(out)
    return report


async def _measure(
    options: Options,
    system: System,
    shape,
    params: Params,
    tokens: dict[str, str],
    counter: StatementCounter,
    postmaster: int,
    round_number: int,
    warmup_params: Params,
) -> Sample:
    headers = {"Content-Type": "application/json"}
    token = tokens["writer"] if shape.writes else tokens["reader"] if shape.signed_in else None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    requests = system.requests(shape, params)
    warmup_requests = system.requests(shape, warmup_params)
    # Short: it ends up in tag names (at most 32 characters) with a thread and request number.
    tag = f"{system.kind[:2]}{system.workers}{round_number}{int(time.time()) % 100_000}"

    def load(seconds: float, suffix: str, requests: list = requests):
        return run_wrk(
            system.base,
            requests,
            headers,
            seconds=seconds,
            connections=options.connections,
            threads=options.threads,
            run_tag=tag + suffix,
        )

    if options.warmup > 0:
        load(options.warmup, "w", warmup_requests)
    wait_until_idle([system.process.pid, postmaster])
    await counter.reset()
    server_before = process_tree_cpu_seconds(system.process.pid)
    database_before = process_tree_cpu_seconds(postmaster)
    result = load(options.seconds, "m")
    server_cpu = process_tree_cpu_seconds(system.process.pid) - server_before
    database_cpu = process_tree_cpu_seconds(postmaster) - database_before
    statements = await counter.calls()
    return Sample(shape.name, system.name, round_number, result, statements, server_cpu, database_cpu)
