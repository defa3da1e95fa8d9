"""Tags: reads."""

import asyncpg

from db.pool import Queryable

POPULAR_TAGS = """
SELECT name, articles_count FROM tags WHERE articles_count > 0
ORDER BY articles_count DESC, name ASC LIMIT $1
"""


async def popular_tags(db: Queryable, limit: int) -> list[asyncpg.Record]:
    """Most used first; ties by name."""
    return await db.fetch(POPULAR_TAGS, limit)
