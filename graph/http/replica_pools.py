"""The lifespan's side of read replicas: their pools, the first check, and the check task.

With REPLICA_DATABASE_URLS empty there is nothing here at all: no task, no
extra statement, every request on DATABASE_URL exactly as before.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import partial

from db.errors import DatabaseUnavailable
from db.pool import Database, StatementSpan, create_database
from db.replicas import Replicas
from graph.observability.metrics import sample_replicas
from graph.settings import Settings


async def open_replicas(
    settings: Settings, primary: Database, statement_span: StatementSpan | None = None
) -> Replicas | None:
    """A pool per replica (one that is down at start begins empty and out), checked once before serving."""
    if not settings.replica_database_urls:
        return None
    replicas = Replicas(
        primary,
        [],
        max_lag=settings.replica_max_lag_seconds,
        interval=settings.replica_check_interval,
        check_timeout=settings.replica_check_timeout,
    )
    for number, url in enumerate(settings.replica_database_urls, start=1):
        name = f"replica{number}"
        open_pool = partial(
            create_database,
            url,
            max_size=settings.pool_max_size,
            acquire_timeout=settings.pool_acquire_timeout,
            command_timeout=settings.command_timeout,
            statement_cache_size=settings.statement_cache_size,
            statement_timeout=settings.server_statement_timeout,
            statement_span=statement_span,
            on_connect=replicas.connection_guard(name),
        )
        try:
            db = await open_pool(min_size=settings.pool_min_size)
        except DatabaseUnavailable:
            # Down at start is no reason not to serve: the pool opens connections once the check finds it up.
            db = await open_pool(min_size=0)
        replicas.add(name, db)
    await replicas.check()
    return replicas


@asynccontextmanager
async def replica_checks(replicas: Replicas | None, *, metrics: bool) -> AsyncIterator[None]:
    """The background check for as long as the app serves; with `metrics`, the gauges follow every check."""
    if replicas is None:
        yield
        return
    after_check = None
    if metrics:
        sample_replicas(replicas)
        after_check = partial(sample_replicas, replicas)
    task = asyncio.create_task(replicas.watch(after_check))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
