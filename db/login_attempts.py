"""Counting login and registration attempts per bucket, atomically, in one statement.

The policy's arithmetic lives in the `count_login_attempt` function
(migrations/versions/2026_12_03_login_attempt_delays.py): it locks the
attempt's buckets in sorted order, decides, and counts the attempt in all of
them or in none. No read-then-write here, so concurrent attempts on any
number of processes cannot both see "one attempt left".
"""

from collections.abc import Sequence
from dataclasses import dataclass

from db.pool import Queryable

COUNT_ATTEMPT = "SELECT count_login_attempt($1::text[], $2::integer[], $3::float8[], $4, $5, $6, $7, $8)"
FORGET = "DELETE FROM login_attempts WHERE bucket = $1"
FORGET_EXPIRED = "DELETE FROM login_attempts WHERE expires_at <= now()"


@dataclass(frozen=True)
class Window:
    """At most `limit` attempts per fixed window of `seconds`."""

    bucket: str
    limit: int
    seconds: float


@dataclass(frozen=True)
class Delay:
    """`free` attempts, then each `first` s (doubling, at most `most`) after the last; forgotten `forget` s after it."""

    bucket: str
    free: int
    first: float
    most: float
    forget: float


async def count_attempt(db: Queryable, windows: Sequence[Window], delay: Delay | None = None) -> int:
    """0 when the attempt may go ahead (it is then counted everywhere); else the seconds to wait (nothing counted)."""
    wait: int = await db.fetchval(
        COUNT_ATTEMPT,
        [window.bucket for window in windows],
        [window.limit for window in windows],
        [float(window.seconds) for window in windows],
        delay.bucket if delay else None,
        delay.free if delay else 0,
        float(delay.forget) if delay else 0.0,
        float(delay.first) if delay else 0.0,
        float(delay.most) if delay else 0.0,
    )
    return wait


async def forget(db: Queryable, bucket: str) -> None:
    await db.execute(FORGET, bucket)


async def forget_expired(db: Queryable) -> int:
    status = await db.execute(FORGET_EXPIRED)
    return int(status.split()[-1])
