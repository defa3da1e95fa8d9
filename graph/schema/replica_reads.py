"""Replica reads over the WebSocket: each `query` picks its pool, as an HTTP request does.

A WebSocket has one context for all its operations (built at the handshake),
on the primary: subscriptions stay there, since an event is delivered the
moment the primary commits it and a replica may not have replayed it yet;
mutations stay there too. This extension gives each `query` a copy of the
context that reads from a replica (db/replicas.py picks it), honouring the
`walPosition` the client sent in `connection_init`, and moves that position
past every mutation the socket itself runs, so the socket reads its own
writes. A query that meets a replica going down gets SERVICE_UNAVAILABLE
once (the replica is then out); HTTP reads it again elsewhere instead.
"""

import copy
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from db.replicas import parse_position


class WebSocketReadRouting(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        execution_context = self.execution_context
        context = execution_context.context
        replicas = getattr(context, "replicas", None)  # set on WebSocket contexts only (graph/app.py)
        if replicas is None:
            yield
            return
        try:
            operation_type = execution_context.operation_type
        except Exception:  # no operation to pick: the error needs no pool
            yield
            return
        if operation_type is OperationType.QUERY:
            db = await replicas.for_read(context.read_after)
            if db is not context.db:
                reading = copy.copy(context)  # the statement counter and viewer are shared, the loaders not
                reading.db = db
                reading.reset_loaders()
                execution_context.context = reading
            yield
            result = execution_context.result
            if replicas.is_replica(db) and any(
                (error.extensions or {}).get("code") == "SERVICE_UNAVAILABLE" for error in result.errors or ()
            ):
                replicas.failed(db, "a read met a connection error")
            return
        yield
        if operation_type is OperationType.MUTATION:
            position = await replicas.commit_position()
            if position is not None:
                context.read_after = max(context.read_after or 0, parse_position(position))
