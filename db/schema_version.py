"""The database's schema version: what Alembic recorded in it, upgrading it to head, refusing to run behind it.

The migration scripts themselves are in migrations/ (Alembic's folder); this
is the application's side of them.
"""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from db.pool import Database, Queryable

ROOT = Path(__file__).resolve().parent.parent

VERSION_TABLE_EXISTS = "SELECT to_regclass('public.alembic_version') IS NOT NULL"
CURRENT_REVISIONS = "SELECT version_num FROM alembic_version"


async def current_revisions(db: Queryable) -> frozenset[str]:
    if not await db.fetchval(VERSION_TABLE_EXISTS):
        return frozenset()
    return frozenset(row["version_num"] for row in await db.fetch(CURRENT_REVISIONS))


class DatabaseBehindHead(RuntimeError):
    @classmethod
    def between(cls, current: frozenset[str], head: frozenset[str]) -> "DatabaseBehindHead":
        at = ", ".join(sorted(current)) or "nothing (never migrated)"
        heads = ", ".join(sorted(head))
        return cls(f"the database is at revision {at}, head is {heads}: run `python -m graph migrate`")


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # ConfigParser interpolation treats % specially; a URL-encoded password has them.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


@cache
def head_revisions() -> frozenset[str]:
    script = ScriptDirectory(str(ROOT / "migrations"))
    return frozenset(script.get_heads())


async def ensure_at_head(db: Database) -> None:
    current = await current_revisions(db)
    if current != head_revisions():
        raise DatabaseBehindHead.between(current, head_revisions())
