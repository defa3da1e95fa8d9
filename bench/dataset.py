"""The fixed data set in a fresh database: migrated, seeded, plus the benchmark's own writer."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.cluster import Cluster
from bench.shapes import Params

ROOT = Path(__file__).resolve().parent.parent
POSTGRAPHILE_FUNCTIONS = Path(__file__).resolve().parent / "postgraphile" / "functions.sql"
DATABASE = "conduit_bench"


@dataclass(frozen=True)
class Size:
    users: int
    articles: int
    comments: int


SIZES = {
    "full": Size(users=1000, articles=20_000, comments=100_000),
    "tiny": Size(users=60, articles=300, comments=900),
}

# The mutations sign in as a user of their own, whom nobody follows: the
# articles they create never reach a feed the read shapes ask for.
WRITER = "bench_writer"
# Q4's viewer: a seeded user; seeding is deterministic, so the feed is too.
READER_ID = 1


@dataclass(frozen=True)
class Dataset:
    url: str
    size: Size
    writer_id: int
    reader_id: int
    article_count: int


def _graph_cli(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "graph", *args], cwd=ROOT, env=env, check=True, capture_output=True)


async def prepare(cluster: Cluster, size: Size) -> Dataset:
    admin = await asyncpg.connect(cluster.url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {DATABASE}")
        await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    finally:
        await admin.close()
    url = cluster.url(DATABASE)
    _graph_cli(url, "migrate")
    _graph_cli(
        url, "seed", "--users", str(size.users), "--articles", str(size.articles), "--comments", str(size.comments)
    )
    connection = await asyncpg.connect(url)
    try:
        writer_id = await connection.fetchval(
            "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id",
            WRITER,
            f"{WRITER}@example.com",
            "not-a-password-hash: the benchmark signs this user in with a token it issues itself",
        )
        await connection.execute(POSTGRAPHILE_FUNCTIONS.read_text())
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return Dataset(url=url, size=size, writer_id=writer_id, reader_id=READER_ID, article_count=size.articles)


async def reader_params(dataset: Dataset) -> Params:
    """What the anonymous read shapes ask about: the reader's username (tools that load no writes)."""
    connection = await asyncpg.connect(dataset.url)
    try:
        username = await connection.fetchval("SELECT username FROM users WHERE id = $1", dataset.reader_id)
    finally:
        await connection.close()
    return Params(username=username, writer="", article_ids=[])
