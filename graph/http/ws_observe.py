"""What each WebSocket operation leaves behind, as an HTTP operation does (graph/http/observe.py).

When an operation sent over the WebSocket ends (a query or mutation after
its one result, a subscription when it completes or the client stops it),
`graph.request` logs one line with the path that answered it
(graph/observability/paths.py), and the PATH_COUNTS_REPORT counts take it. A query or
mutation is counted in the metrics then, as on HTTP. A subscription is
counted when it starts listening and each of its events when it is delivered,
by path (graph/realtime/hub.py), so a long-lived one shows while it is open;
a refused `subscribe` is counted and logged by its refusal
(graph/http/websocket.py), and logs no second line here.
"""

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError, get_operation_ast

from graph.http.state import app_state
from graph.limits.extension import limits_of, parse_within
from graph.observability import metrics
from graph.observability.logs import RecordTemplate
from graph.observability.paths import REFUSED, SUBSCRIPTION_EVENT

log = logging.getLogger("graph.request")
RECORDS = RecordTemplate(log.name, logging.INFO, "graphql operation")
METHOD = "WEBSOCKET"  # the log line's `method` for operations sent over the WebSocket


class OperationWatch:
    """Filled in while one WebSocket operation runs; read once when it ends."""

    __slots__ = ("codes", "refused", "results", "started")

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.codes: list[str] = []  # error codes over every result, each once
        self.results = 0  # `next` messages: one for a query or mutation, one per event for a subscription
        self.refused = False  # answered with an `error` message (its own log line said so)

    async def watched(self, results: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for result in results:
            self.results += 1
            for error in getattr(result, "errors", None) or ():
                code = (error.extensions or {}).get("code") or "UNKNOWN"
                if code not in self.codes:
                    self.codes.append(code)
            yield result


def record(context: Any, operation: Any, watch: OperationWatch) -> None:
    """The operation's log line, metrics (queries and mutations) and path counts."""
    seconds = time.perf_counter() - watch.started
    path = REFUSED if watch.refused else context.answered_by or REFUSED
    operation_type = context.operation_type or "unknown"
    name = _name(operation, context)
    path_counts = app_state(context.request)["path_counts"] if context.request is not None else None
    if path_counts is not None:
        path_counts.add(path, operation_type, name, operation.query, not watch.codes and not watch.refused)
        for event_path, count in context.events_by_path.items():
            path_counts.counts[(event_path, SUBSCRIPTION_EVENT)] += count
    if watch.refused:
        return  # the refusal logged and counted it
    if context.settings.metrics and operation_type != "subscription":
        metrics.observe_operation(name, watch.codes, seconds, context.statements.value, path, operation_type)
    if log.isEnabledFor(logging.INFO):
        fields = {
            "request_id": context.request_id[:128],
            "operation": name,
            "method": METHOD,
            "type": operation_type,
            "outcome": watch.codes or "ok",
            "duration_ms": round(seconds * 1000, 2),
            "statements": context.statements.value,
            "path": path,
        }
        if operation_type == "subscription":
            fields["events"] = dict(context.events_by_path)  # by the path that answered them
        log.handle(RECORDS.record(fields=fields))


def _name(operation: Any, context: Any) -> str | None:
    """The name the client gave, else the one operation's own (its document's parse is cached)."""
    if operation.operation_name is not None:
        name: str = operation.operation_name
        return name
    try:
        document = parse_within(operation.query, limits_of(context))
    except GraphQLError:
        return None
    definition = get_operation_ast(document)
    return definition.name.value if definition is not None and definition.name is not None else None
