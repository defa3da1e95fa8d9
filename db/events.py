"""Change events: NOTIFY inside the writing transaction, and the rows to replay after a gap.

The payload names ids only (NOTIFY payloads are capped near 8,000 bytes, and
each subscriber loads the row itself with its own viewer). NOTIFY is
transactional: PostgreSQL delivers it at commit and drops it on rollback, so a
rolled-back write never notifies and a committed one always does.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import orjson

from db.pool import Queryable

CHANNEL = "conduit_events"

EventKind = Literal["article", "comment"]


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    id: int
    article_id: int

    def payload(self) -> str:
        return orjson.dumps({"kind": self.kind, "id": self.id, "articleId": self.article_id}).decode()

    @classmethod
    def parse(cls, payload: str) -> "Event":
        data = orjson.loads(payload)
        if data["kind"] not in ("article", "comment"):
            raise ValueError(f"unknown event kind {data['kind']!r}")
        return cls(data["kind"], int(data["id"]), int(data["articleId"]))


NOTIFY = "SELECT pg_notify($1, $2)"


async def notify(tx: Queryable, event: Event) -> None:
    """Queue the event on the caller's transaction; it is sent when that commits."""
    await tx.execute(NOTIFY, CHANNEL, event.payload())


async def notify_article_created(tx: Queryable, article_id: int) -> None:
    await notify(tx, Event("article", article_id, article_id))


async def notify_comment_added(tx: Queryable, comment_id: int, article_id: int) -> None:
    await notify(tx, Event("comment", comment_id, article_id))


# A row's created_at is its transaction's start, and the transaction may
# commit later, so replays look back from the last moment the listener was
# known to be listening; the listener drops the ids it already delivered.
CREATED_SINCE = """
SELECT 'article' AS kind, a.id, a.id AS article_id, a.created_at FROM articles a WHERE a.created_at >= $1
UNION ALL
SELECT 'comment', c.id, c.article_id, c.created_at FROM comments c WHERE c.created_at >= $1
ORDER BY created_at, id
"""
DATABASE_NOW = "SELECT clock_timestamp()"


async def created_since(db: Queryable, since: datetime) -> list[Event]:
    return [Event(row["kind"], row["id"], row["article_id"]) for row in await db.fetch(CREATED_SINCE, since)]


async def database_now(db: Queryable) -> datetime:
    now: datetime = await db.fetchval(DATABASE_NOW)
    return now
