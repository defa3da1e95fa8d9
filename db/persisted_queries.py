"""Persisted query documents, by their sha256."""

from collections.abc import Iterable

from db.pool import Queryable

QUERY_BY_HASH = "SELECT query, registered FROM persisted_queries WHERE sha256 = $1"
STORE = "INSERT INTO persisted_queries (sha256, query) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING"
REGISTER = """
INSERT INTO persisted_queries (sha256, query, registered)
SELECT h, q, true FROM unnest($1::text[], $2::text[]) AS m(h, q)
ON CONFLICT (sha256) DO UPDATE SET registered = true
"""


async def query_by_hash(db: Queryable, sha256: str) -> tuple[str, bool] | None:
    """The stored document and whether it was registered ahead of time."""
    row = await db.fetchrow(QUERY_BY_HASH, sha256)
    return None if row is None else (row["query"], row["registered"])


async def store(db: Queryable, sha256: str, query: str) -> None:
    await db.execute(STORE, sha256, query)


async def register(db: Queryable, documents: Iterable[tuple[str, str]]) -> int:
    pairs = list(documents)
    await db.execute(REGISTER, [h for h, _ in pairs], [q for _, q in pairs])
    return len(pairs)
