"""Behind PgBouncer in transaction mode: the documented settings work, and without them the documented failure.

Documented settings (README, "PgBouncer"): STATEMENT_CACHE_SIZE=0 (asyncpg
then uses unnamed statements, which live inside one protocol exchange) and
STATEMENT_TIMEOUT=0 (PgBouncer refuses unknown startup parameters).
"""

import asyncio
import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from db.errors import DatabaseUnavailable
from db.pool import create_database
from db.schema_version import current_revisions, head_revisions, upgrade_to_head
from graph.app import create_app
from graph.settings import Settings
from tests import database
from tests.operations import (
    CREATE_ARTICLE,
    LOGIN,
    PASSWORD,
    article_input,
    bearer,
    error_codes,
    register,
)
from tests.pgbouncer import running_pgbouncer, through

pytestmark = pytest.mark.needs("pgbouncer")

NESTED = """
query Nested {
  articles(first: 5) {
    edges { node { title tags favoritesCount author { username followersCount articles(first: 2) { totalCount } } } }
  }
  tags { name }
}
"""
CLIENTS = 12  # concurrent clients, more than PgBouncer's 4 server connections: they get swapped between clients


@pytest.fixture(scope="module")
def pgbouncer(database_url: str) -> Iterator[int]:
    with running_pgbouncer(database_url) as port:
        yield port


@pytest.fixture(scope="module")
async def fresh_database_direct(database_url: str) -> AsyncIterator[str]:
    server = database.server_url()
    name, url = await database.create_database(server)
    try:
        yield url
    finally:
        await database.drop_database(server, name)


@pytest.fixture(scope="module")
def fresh_database_through_pgbouncer(fresh_database_direct: str, pgbouncer: int) -> str:
    """The new, empty database, reached through PgBouncer (and migrated through it)."""
    return through(fresh_database_direct, pgbouncer)


@pytest.fixture(scope="module")
async def app_through_pgbouncer(
    fresh_database_through_pgbouncer: str, fresh_database_direct: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    url = fresh_database_through_pgbouncer
    await asyncio.to_thread(upgrade_to_head, url)
    settings = Settings(
        database_url=url,
        # LISTEN needs a session of its own, which transaction pooling does not keep.
        listener_database_url=fresh_database_direct,
        data_dir=tmp_path_factory.mktemp("pgbouncer"),
        statement_cache_size=0,
        statement_timeout=0,
        pool_max_size=10,
        jwt_secret="test-secret-that-is-at-least-32-bytes-long",
        # The CLIENTS concurrent sign-ups all come from the in-process client's one address.
        registrations_per_address=100,
    )
    # The lifespan's ensure_at_head runs through PgBouncer too.
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
            yield client


async def test_migrations_run_through_pgbouncer(app_through_pgbouncer, fresh_database_through_pgbouncer: str) -> None:
    connection = await asyncpg.connect(fresh_database_through_pgbouncer, statement_cache_size=0)
    try:
        assert await current_revisions(connection) == head_revisions()
        assert await connection.fetchval("SELECT count(*) FROM users") == 0
    finally:
        await connection.close()


async def _journey(client: httpx.AsyncClient, n: int) -> None:
    """Sign up, log in, write, read nested, and use a persisted query, as one client would."""
    token = await register(client, f"bouncer{n}")
    login = await client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"input": {"email": f"bouncer{n}@example.com", "password": PASSWORD}}},
    )
    assert error_codes(login.json()) == [] and login.json()["data"]["login"]["token"], login.text
    for i in range(3):
        created = await client.post(
            "/graphql", json={"query": CREATE_ARTICLE, "variables": article_input(f"b{n}-{i}")}, headers=bearer(token)
        )
        assert error_codes(created.json()) == [], created.text
        assert created.json()["data"]["createArticle"]["errors"] == []
    nested = await client.post("/graphql", json={"query": NESTED}, headers=bearer(token))
    assert error_codes(nested.json()) == [], nested.text
    assert nested.json()["data"]["articles"]["edges"]

    query = f"query Mine{n} {{ viewer {{ user {{ username }} }} }}"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    registered = await client.post("/graphql", json={"query": query, "extensions": extensions}, headers=bearer(token))
    assert error_codes(registered.json()) == [], registered.text
    by_hash = await client.post("/graphql", json={"extensions": extensions}, headers=bearer(token))
    assert by_hash.json() == {"data": {"viewer": {"user": {"username": f"bouncer{n}"}}}}


async def test_the_api_works_through_pgbouncer_with_the_statement_cache_off(
    app_through_pgbouncer: httpx.AsyncClient, fresh_database_through_pgbouncer: str
) -> None:
    await asyncio.gather(*(_journey(app_through_pgbouncer, n) for n in range(CLIENTS)))
    connection = await asyncpg.connect(fresh_database_through_pgbouncer, statement_cache_size=0)
    try:
        assert await connection.fetchval("SELECT count(*) FROM articles") == CLIENTS * 3
    finally:
        await connection.close()


async def test_with_the_default_statement_cache_prepared_statements_go_missing(database_url: str, pgbouncer: int):
    db = await create_database(
        through(database_url, pgbouncer),
        min_size=1,
        max_size=10,
        acquire_timeout=5,
        command_timeout=5,
        statement_cache_size=1024,
    )
    failures: Counter[type] = Counter()

    async def read(n: int) -> None:
        try:
            await db.fetchval(("SELECT $1::int + 1", "SELECT $1::int * 2")[n % 2], n)
        except Exception as error:  # noqa: BLE001 - every kind of failure is counted, by type
            failures[type(error)] += 1

    try:
        await asyncio.gather(*(read(n) for n in range(200)))
    finally:
        await db.close()
    # asyncpg prepares named statements on one server connection; PgBouncer runs the
    # next statement on another, where "__asyncpg_stmt_N__" does not exist.
    assert failures[asyncpg.exceptions.InvalidSQLStatementNameError] > 0, failures
    assert set(failures) <= {
        asyncpg.exceptions.InvalidSQLStatementNameError,
        asyncpg.exceptions.DuplicatePreparedStatementError,
    }, failures


async def test_with_the_default_statement_timeout_pgbouncer_refuses_the_connection(
    database_url: str, pgbouncer: int
) -> None:
    with pytest.raises(DatabaseUnavailable) as refused:
        await create_database(
            through(database_url, pgbouncer),
            min_size=1,
            max_size=2,
            acquire_timeout=5,
            command_timeout=5,
            statement_cache_size=0,
            statement_timeout=10,
        )
    assert "unsupported startup parameter: statement_timeout" in str(refused.value.__cause__)
