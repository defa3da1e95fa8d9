"""Which pool an HTTP operation runs on, and the WAL position a mutation's response carries.

Only with REPLICA_DATABASE_URLS set; without, the endpoint never calls here.
The operation's type is known here, before anything reads (the parse is the
one the planner and the schema reuse, cached by graph/operation_limits.py):

- a mutation runs on the primary (its payload too: it reads through the same
  context), or gets SERVICE_UNAVAILABLE at once while the primary is down;
  its response then carries the primary's WAL position, past its commit, in
  `extensions.walPosition` and the X-WAL-Position header;
- anything else reads from a replica (db/replicas.py picks which); a request
  that sends X-WAL-Position back is read only where replay has reached it.

A WebSocket's operations are routed the same way, one by one
(`websocket_operation_pool`), with the position from `connection_init`,
moved past every mutation the socket runs; subscriptions stay on the
primary, since an event is delivered the moment the primary commits it and
a replica may not have replayed it yet.

A read is read again elsewhere, once, when the replica failed it: a
connection error (the replica is then out until a check finds it answering),
or a token it did not accept (the viewer's account may be newer than the
replica: a fresh registration or password change). Both are reads, so
nothing runs twice that could change anything.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from graphql import GraphQLError, get_operation_ast

from db.pool import Database
from db.replicas import Replicas, parse_position
from graph.http.headers import Headers
from graph.http.params import RequestError
from graph.http.responses import Outcome
from graph.limits.extension import parse_within
from graph.limits.shape import Limits

HEADER = "x-wal-position"
EXTENSION = "walPosition"
MALFORMED = (
    "X-WAL-Position must be a WAL position as a response's X-WAL-Position or extensions.walPosition gave it "
    "(like 0/16B3748); send it back unchanged."
)

Execute = Callable[[Database], Awaitable[Outcome]]


# (document, operation name) -> its type: a dict lookup per request, where the
# parse cache's key (text and limits) costs ~150 Python instructions to hash and compare.
_kinds: dict[tuple[str, str | None], str | None] = {}
KINDS_CACHE_SIZE = 1024


def operation_kind(query: str | None, operation_name: str | None, limits: Limits) -> str | None:
    """query, mutation or subscription; None when there is no operation to run (the error needs no pool)."""
    if not query:
        return None
    key = (query, operation_name)
    try:
        return _kinds[key]
    except KeyError:
        pass
    try:
        document = parse_within(query, limits)
    except GraphQLError:
        return None  # not cached: the error is answered without a pool anyway
    operation = get_operation_ast(document, operation_name)
    kind = operation.operation.value if operation is not None else None
    if len(_kinds) >= KINDS_CACHE_SIZE:
        _kinds.clear()
    _kinds[key] = kind
    return kind


def read_after(headers: Headers) -> int | None:
    value = headers.get(HEADER)
    if value is None:
        return None
    try:
        return parse_position(value)
    except ValueError:
        raise RequestError(MALFORMED, code="BAD_REQUEST") from None


async def run_routed(replicas: Replicas, kind: str | None, headers: Headers, execute: Execute) -> Outcome:
    """`execute` on the pool this operation belongs on. DatabaseUnavailable: a write with the primary down."""
    if kind == "mutation":
        outcome = await execute(replicas.for_write())
        if "SERVICE_UNAVAILABLE" not in _codes(outcome.body):
            wal_position = await replicas.commit_position()
            if wal_position is not None:
                outcome.body["extensions"] = {**outcome.body.get("extensions", {}), EXTENSION: wal_position}
        return outcome
    position = read_after(headers)
    db = replicas.cached_read(position) or await replicas.for_read(position)
    outcome = await execute(db)
    if "errors" in outcome.body and replicas.is_replica(db):
        codes = _codes(outcome.body)
        if "SERVICE_UNAVAILABLE" in codes:
            replicas.failed(db, "a read met a connection error")
            outcome = await execute(await replicas.for_read(position))
        elif "UNAUTHENTICATED" in codes and "authorization" in headers and replicas.primary.state == "up":
            outcome = await execute(replicas.primary.db)
    # A read that asks for a position is this viewer's: no shared cache keeps it for others.
    return outcome if position is None else replace(outcome, public=False)


def _codes(body: dict[str, Any]) -> list[str | None]:
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors") or ()]


def wal_position_headers(body: Any) -> dict[str, str]:
    """The X-WAL-Position header of a response: the last mutation's position (of a batch, the latest)."""
    bodies = body if isinstance(body, list) else [body]
    for item in reversed(bodies):
        position = (item.get("extensions") or {}).get(EXTENSION) if isinstance(item, dict) else None
        if position is not None:
            return {HEADER: position}
    return {}


async def websocket_operation_pool(
    connection: Any, operation: Any, query: str, operation_name: str | None
) -> str | None:
    """Point one WebSocket operation's context at its pool; returns its type (for `after_websocket_operation`).

    `connection` is the socket's context (its `walPosition`, its writes),
    `operation` the operation's own copy of it, on the primary until a query
    moves it to a replica. While a mutation of the socket runs (until its
    position is recorded), the socket's queries read on the primary: its
    result reaches the client before that position does.
    """
    replicas = connection.replicas
    if replicas is None:
        return None
    kind = operation_kind(query, operation_name, connection.limits)
    if kind == "mutation":
        connection.writes_in_flight += 1
    elif kind == "query" and not connection.writes_in_flight:
        db = replicas.cached_read(connection.read_after) or await replicas.for_read(connection.read_after)
        if db is not operation.db:
            operation.db = db
            operation.reset_loaders()
    return kind


async def after_websocket_operation(connection: Any, kind: str | None) -> None:
    """After a mutation: the socket's later queries read where replay reached its commit."""
    if kind != "mutation":
        return
    try:
        position = await connection.replicas.commit_position()
        if position is not None:
            connection.read_after = max(connection.read_after or 0, parse_position(position))
    finally:
        connection.writes_in_flight -= 1
