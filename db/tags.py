"""Tags: reads (declared in db/catalog.py)."""

import asyncpg

from db.catalog import POPULAR_TAGS
from db.pool import Queryable


async def popular_tags(db: Queryable, limit: int) -> list[asyncpg.Record]:
    """Most used first; ties by name."""
    return await POPULAR_TAGS.rows(db, limit)
