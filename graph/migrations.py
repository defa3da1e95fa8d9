"""Alembic, driven from the application: upgrade to head, and refuse to run behind it."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from db.migrations import current_revisions
from db.pool import Database

ROOT = Path(__file__).resolve().parent.parent


class DatabaseBehindHead(RuntimeError):
    pass


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
        raise DatabaseBehindHead(
            f"The database schema is at {sorted(current) or 'nothing'}, not at the code's head "
            f"{sorted(head_revisions())}. Run `python -m graph migrate` first."
        )
