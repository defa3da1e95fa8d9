"""Fixtures: one migrated database per session, a running app, clean tables per test.

Tests share one database and start from empty tables (DELETE, ~ms) rather
than a rolled-back transaction: concurrency tests need real commits seen by
several pooled connections, which one wrapped connection cannot give.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from db.pool import Database, create_database
from db.schema_version import upgrade_to_head
from graph.app import create_app
from graph.planned import PlannedExecution
from graph.schema.build import schema
from graph.settings import Settings
from tests import database
from tests.clusters import Cluster, throwaway_cluster
from tests.graphql_client import Executor, GraphQLClient

# The `needs` marker: tests that need a program the machine may lack (tests/prerequisites.py);
# the suite's other markers (tests/markers.py).
pytest_plugins = ["tests.needs", "tests.markers"]

TABLES = "comments, favorites, article_tags, tags, articles, follows, users, persisted_queries, login_attempts"
TRUNCATE = f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"
# What every test starts from, the same as TRUNCATE but a third of its time on tables a test left a few rows
# in (TRUNCATE swaps every table's files): deleted children first, identities restarted.
EMPTIED = "; ".join(
    [f"DELETE FROM {table}" for table in TABLES.split(", ")]
    + [
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)"
        for table in ("comments", "tags", "articles", "users")
    ]
)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    server = database.server_url()
    name, url = await database.create_database(server)
    await asyncio.to_thread(upgrade_to_head, url)
    try:
        yield url
    finally:
        await database.drop_database(server, name)


@pytest.fixture(scope="session")
async def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        pool_min_size=1,
        pool_max_size=10,
        jwt_secret="test-secret-that-is-at-least-32-bytes-long",
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator:
    application = create_app(settings)
    async with LifespanManager(application) as manager:
        yield manager.app


@pytest.fixture(scope="session")
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture(scope="session")
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection for arranging data and reading it back."""
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture(autouse=True)
async def clean_tables(conn: asyncpg.Connection) -> None:
    # A connection a test left holding a lock must fail that test loudly, not hang the run.
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '30s'")
        await conn.execute(EMPTIED)


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    """A pool of the application's kind, for db-layer tests and direct execution."""
    database_ = await create_database(
        settings.database_url,
        min_size=1,
        max_size=10,
        acquire_timeout=settings.pool_acquire_timeout,
        command_timeout=settings.command_timeout,
        statement_cache_size=settings.statement_cache_size,
    )
    try:
        yield database_
    finally:
        await database_.close()


@pytest.fixture
def execute(db: Database, settings: Settings) -> Executor:
    return Executor(db, settings)


@pytest.fixture
def execute_planned(db: Database, settings: Settings) -> Executor:
    """`execute` with the planner in front, as the endpoint runs it when the planned path is on."""
    return Executor(db, settings, planned=PlannedExecution(schema))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL of the module's own, for tests that stop or restart the server (tests/clusters.py)."""
    with throwaway_cluster() as cluster_:
        yield cluster_
