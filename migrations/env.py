"""Alembic environment: hand-written migrations run on asyncpg.

There are no ORM models (``target_metadata = None``); every migration is
plain SQL. The URL comes from the application's settings (or an explicit
``sqlalchemy.url`` set by the caller) so it never has to be written down.
"""

import asyncio
import uuid

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

target_metadata = None


def _async_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        from graph.settings import Settings

        url = Settings().require_database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(
        _async_url(),
        poolclass=NullPool,
        # Safe behind PgBouncer in transaction mode: no statement cache across
        # transactions, and unique statement names, so a name left on a shared
        # server connection by another process cannot collide (SQLAlchemy's advice).
        connect_args={
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": lambda: f"__alembic_{uuid.uuid4().hex}__",
        },
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run `python -m graph migrate`.")
asyncio.run(_run_online())
