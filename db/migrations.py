"""What Alembic recorded in the database."""

from db.pool import Queryable

VERSION_TABLE_EXISTS = "SELECT to_regclass('public.alembic_version') IS NOT NULL"
CURRENT_REVISIONS = "SELECT version_num FROM alembic_version"


async def current_revisions(db: Queryable) -> frozenset[str]:
    if not await db.fetchval(VERSION_TABLE_EXISTS):
        return frozenset()
    return frozenset(row["version_num"] for row in await db.fetch(CURRENT_REVISIONS))
