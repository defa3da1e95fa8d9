"""Counting login attempts per bucket in fixed windows, atomically.

One upsert counts the attempt in every bucket of a login and returns each
bucket's count: no read-then-write, so concurrent logins on any number of
processes cannot both see "one attempt left". Buckets are locked in sorted
order, so two logins sharing buckets cannot deadlock.
"""

from collections.abc import Sequence

from db.pool import Queryable

COUNT_ATTEMPT = """
INSERT INTO login_attempts AS a (bucket, window_started_at, attempts)
SELECT bucket, now(), 1 FROM unnest($1::text[]) AS bucket ORDER BY bucket
ON CONFLICT (bucket) DO UPDATE SET
    attempts = CASE WHEN a.window_started_at > now() - make_interval(secs => $2) THEN a.attempts + 1 ELSE 1 END,
    window_started_at = CASE
        WHEN a.window_started_at > now() - make_interval(secs => $2) THEN a.window_started_at ELSE now()
    END
RETURNING bucket, attempts,
    greatest(1, ceil(extract(epoch FROM a.window_started_at + make_interval(secs => $2) - now())))::integer
        AS retry_after
"""
FORGET = "DELETE FROM login_attempts WHERE bucket = $1"
FORGET_EXPIRED = "DELETE FROM login_attempts WHERE window_started_at <= now() - make_interval(secs => $1)"


async def count_attempt(db: Queryable, buckets: Sequence[str], window_seconds: int) -> dict[str, tuple[int, int]]:
    """Each bucket's attempts in its current window (this one included) and seconds until the window ends."""
    rows = await db.fetch(COUNT_ATTEMPT, sorted(set(buckets)), float(window_seconds))
    return {row["bucket"]: (row["attempts"], row["retry_after"]) for row in rows}


async def forget(db: Queryable, bucket: str) -> None:
    await db.execute(FORGET, bucket)


async def forget_expired(db: Queryable, window_seconds: int) -> int:
    status = await db.execute(FORGET_EXPIRED, float(window_seconds))
    return int(status.split()[-1])
