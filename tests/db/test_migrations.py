"""The migration goes up, down and up again; the app will not start behind head."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic import command
from asgi_lifespan import LifespanManager

from db.schema_version import DatabaseBehindHead, alembic_config, head_revisions, upgrade_to_head
from graph.app import create_app
from graph.settings import Settings
from tests import database

TABLES = {"users", "follows", "articles", "tags", "article_tags", "favorites", "comments"}
FUNCTIONS = {"favorites_count_sync", "tag_articles_count_sync"}


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these tests bring databases of their own."""


@pytest.fixture
async def fresh_url() -> AsyncIterator[str]:
    server = database.server_url()
    name, url = await database.create_database(server)
    try:
        yield url
    finally:
        await database.drop_database(server, name)


async def schema_state(url: str) -> tuple[set[str], set[str], set[str]]:
    """(tables, trigger functions, alembic revisions) in the public schema."""
    connection = await asyncpg.connect(url)
    try:
        tables = {
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        functions = {
            row["proname"]
            for row in await connection.fetch(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = 'public'"
            )
        }
        revisions = set()
        if "alembic_version" in tables:
            revisions = {
                row["version_num"] for row in await connection.fetch("SELECT version_num FROM alembic_version")
            }
        return tables - {"alembic_version"}, functions, revisions
    finally:
        await connection.close()


async def triggers_work(url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(url)
    try:
        user_id = await connection.fetchval(
            "INSERT INTO users (username, email, password_hash) VALUES ('mig', 'mig@example.com', 'x') RETURNING id"
        )
        article_id = await connection.fetchval(
            "INSERT INTO articles (author_id, slug, title, description, body) "
            "VALUES ($1, 's', 't', 'd', 'b') RETURNING id",
            user_id,
        )
        tag_id = await connection.fetchval("INSERT INTO tags (name) VALUES ('m') RETURNING id")
        await connection.execute("INSERT INTO article_tags (article_id, tag_id) VALUES ($1, $2)", article_id, tag_id)
        await connection.execute("INSERT INTO favorites (user_id, article_id) VALUES ($1, $2)", user_id, article_id)
        return (
            await connection.fetchval("SELECT favorites_count FROM articles WHERE id = $1", article_id),
            await connection.fetchval("SELECT articles_count FROM tags WHERE id = $1", tag_id),
        )
    finally:
        await connection.close()


async def test_migration_upgrades_downgrades_and_upgrades_again(fresh_url):
    assert await schema_state(fresh_url) == (set(), set(), set())

    await asyncio.to_thread(upgrade_to_head, fresh_url)
    at_head = await schema_state(fresh_url)
    tables, functions, revisions = at_head
    # Later migrations may add tables; the read side's must be there.
    assert tables >= TABLES
    assert functions >= FUNCTIONS
    assert revisions == set(head_revisions())
    assert await triggers_work(fresh_url) == (1, 1)

    await asyncio.to_thread(command.downgrade, alembic_config(fresh_url), "base")
    assert await schema_state(fresh_url) == (set(), set(), set())

    await asyncio.to_thread(upgrade_to_head, fresh_url)
    assert await schema_state(fresh_url) == at_head
    assert await triggers_work(fresh_url) == (1, 1)


async def test_upgrading_a_database_at_head_changes_nothing(fresh_url):
    await asyncio.to_thread(upgrade_to_head, fresh_url)
    before = await schema_state(fresh_url)
    await asyncio.to_thread(upgrade_to_head, fresh_url)
    assert await schema_state(fresh_url) == before


def _settings(url: str, tmp_path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=tmp_path,
        pool_min_size=1,
        pool_max_size=2,
        jwt_secret="test-secret-that-is-at-least-32-bytes-long",
    )


async def test_app_refuses_to_start_on_an_unmigrated_database(fresh_url, tmp_path):
    app = create_app(_settings(fresh_url, tmp_path))
    with pytest.raises(DatabaseBehindHead, match="python -m graph migrate"):
        async with LifespanManager(app):
            pass


async def test_app_refuses_to_start_on_a_database_downgraded_to_base(fresh_url, tmp_path):
    await asyncio.to_thread(upgrade_to_head, fresh_url)
    await asyncio.to_thread(command.downgrade, alembic_config(fresh_url), "base")
    app = create_app(_settings(fresh_url, tmp_path))
    with pytest.raises(DatabaseBehindHead, match="python -m graph migrate"):
        async with LifespanManager(app):
            pass


async def test_app_starts_and_answers_on_a_migrated_database(fresh_url, tmp_path):
    import httpx

    await asyncio.to_thread(upgrade_to_head, fresh_url)
    app = create_app(_settings(fresh_url, tmp_path))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post("/graphql", json={"query": "{ users { totalCount } }"})
            ready = await client.get("/readyz")
    assert response.json() == {"data": {"users": {"totalCount": 0}}}
    assert ready.status_code == 200
