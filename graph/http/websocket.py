"""The WebSocket endpoint at /graphql: graphql-transport-ws only, authenticated, bounded.

Strawberry's router speaks the protocol; this subclass adds what the
contract asks of it: auth from `connection_init` (a bad token closes with
4403), the shared origin policy, a cap on connections per process and on
subscriptions per connection, and a code on every error it sends.

Every `subscribe` that fails before its first event (a document that does
not parse, validate or fit the limits, variables or arguments that do not
hold, too many subscriptions) is answered with one `error` message carrying
the codes the HTTP side uses, and logged in one line without a traceback:
the client sent something wrong, the server did not fail.
"""

import logging
from contextlib import aclosing, suppress
from datetime import timedelta
from typing import Any, cast

import orjson
from graphql import GraphQLError, get_operation_ast
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage, Message
from strawberry.types.unset import UNSET

from db.replicas import parse_position
from graph.auth.viewer import identify
from graph.errors import Unauthenticated
from graph.http.origins import OriginPolicy
from graph.http.replica_routing import after_websocket_operation, websocket_operation_pool
from graph.http.ws_observe import OperationWatch, record
from graph.limits.extension import limits_of, parse_within
from graph.observability.metrics import count_path
from graph.observability.paths import REFUSED
from graph.planned.mutations import WithErrors
from graph.schema.context import Context
from graph.schema.error_codes import assign_codes
from graph.settings import Settings

TRY_AGAIN_LATER = 1013
WAL_POSITION = "walPosition"  # connection_init's field: the last mutation response's extensions.walPosition
MALFORMED_POSITION = "walPosition must be a WAL position as a mutation's extensions.walPosition gave it."

log = logging.getLogger("graph.websocket")


class CodedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watches: dict[str, OperationWatch] = {}  # by operation id, while each runs

    async def handle_message(self, message: Any) -> None:
        # Strawberry indexes every frame as an object: a JSON array, number or
        # null raised out of its loop, and the socket died without a close
        # frame (1006) and a traceback. The protocol's answer is 4400.
        if not isinstance(message, dict):
            await self.handle_invalid_message("A message must be a JSON object.")
            return
        await super().handle_message(cast(Message, message))  # Strawberry tells them apart by `type`

    async def handle_subscribe(self, message: Any) -> None:
        if (malformed := _malformed_subscribe(message)) is not None:
            # A payload that is not an object crashed the socket as above; a query
            # that is not a string reached the executor and ended as a traceback
            # and a bare `complete`. A malformed message is 4400, as the protocol says.
            await self.handle_invalid_message(malformed)
            return
        # Before acknowledgement, or for an id already in use, Strawberry closes the socket (4401, 4409).
        if self.connection_acknowledged and message.get("id") not in self.operations:
            limit = self.max_subscriptions_per_connection
            if limit is not None and len(self.operations) >= limit:
                message_text = f"At most {limit} subscriptions per connection."
                await self._refuse(message["id"], [GraphQLError(message_text, extensions={"code": "BAD_REQUEST"})])
                return
            if (unpickable := self._unpickable_operation(message)) is not None:
                await self._refuse(message["id"], [unpickable])
                return
        await super().handle_subscribe(message)

    def _unpickable_operation(self, message: Any) -> GraphQLError | None:
        """BAD_REQUEST, as on HTTP, for no query or no operation to pick; Strawberry's stream calls those internal."""
        payload = message["payload"]  # an object with a string query (_malformed_subscribe)
        query = payload["query"]
        if not query.strip():
            return GraphQLError("No GraphQL query in the subscribe message.", extensions={"code": "BAD_REQUEST"})
        try:
            document = parse_within(query, limits_of(self.context))  # cached: the stream's parse hook reuses it
        except GraphQLError:
            return None  # the stream answers it with its code
        name = payload.get("operationName")
        if get_operation_ast(document, name) is not None:
            return None
        reason = f'Unknown operation named "{name}".' if name else "Name the operation: the document has several."
        return GraphQLError(reason, extensions={"code": "BAD_REQUEST"})

    async def run_operation(self, operation: Any) -> None:
        """Strawberry's, with the operation's own context and its observation (graph/http/ws_observe.py).

        A query or mutation goes to the planner first, as on HTTP (a mutation
        for its payload's statements, graph/planned/payloads.py).
        """
        context = self.context.for_operation()
        kind = await websocket_operation_pool(self.context, context, operation.query, operation.operation_name)
        watch = self._watches[operation.id] = OperationWatch()
        try:
            if not await self._planned(operation, context, watch):
                result_source = await self.schema.stream(
                    operation.query,
                    variable_values=operation.variables,
                    context_value=context,
                    root_value=self.root_value,
                    operation_name=operation.operation_name,
                )
                async with aclosing(result_source):
                    await self._send_result_stream(operation, watch.watched(result_source))
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:  # as Strawberry's: its task logger reports it
            await self.handle_task_exception(error)
            with suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise
        finally:
            if self._watches.get(operation.id) is watch:  # a finished id may already be reused by the client
                del self._watches[operation.id]
            record(context, operation, watch)
            await after_websocket_operation(self.context, kind)

    async def _planned(self, operation: Any, context: Context, watch: OperationWatch) -> bool:
        """Whether the planner answered the operation (its `next` is sent); False: the general path runs it."""
        hub = context.events
        planned = hub.planned if hub is not None else None
        if planned is None:
            return False
        data = await planned.answer(
            operation.query, operation.operation_name, operation.variables, context, writes=True
        )
        if data is None:
            return False
        watch.results += 1
        payload = data.body if isinstance(data, WithErrors) else {"data": data}
        await operation.send_operation_message({"id": operation.id, "type": "next", "payload": payload})
        return True

    async def _handle_pre_execution_error(self, operation: Any, result: Any) -> None:
        # Strawberry closes the whole socket (4400) for a syntax error or an
        # operation it cannot pick, ending the client's other subscriptions
        # too; the protocol's answer to a bad `subscribe` is its `error`.
        await self._refuse(operation.id, result.errors, operation)

    async def _send_result_stream(self, operation: Any, result_source: Any) -> None:
        try:
            await super()._send_result_stream(operation, result_source)
        except GraphQLError as error:
            # Only the parse hook (graph/limits/extension.py: syntax errors and
            # the length and token limits) raises out of Strawberry's stream,
            # which, unlike its HTTP execute, does not catch it: it used to
            # reach the task's logger as a traceback, and the client got only
            # `complete`. Nothing parsed, so no other error can arrive here.
            assign_codes([error], parsed=False, request_id=getattr(self.context, "request_id", None))
            await self._refuse(operation.id, [error], operation)

    async def _refuse(self, operation_id: str, errors: list[GraphQLError], operation: Any = None) -> None:
        """The one `error` message (through the operation, when there is one, which it then ends) and one log line."""
        watch = self._watches.get(operation_id) if operation is not None else None  # None: refused before it ran
        if watch is not None:
            watch.refused = True
        codes = ",".join(str((error.extensions or {}).get("code")) for error in errors)
        log.info("websocket subscribe %r refused: %s", operation_id, codes, extra={"fields": {"path": REFUSED}})
        if self.context.settings.metrics:
            count_path(REFUSED, "subscription")
        message = ErrorMessage(id=operation_id, type="error", payload=[error.formatted for error in errors])
        await (operation.send_operation_message(message) if operation is not None else self.send_message(message))


def _malformed_subscribe(message: dict[str, Any]) -> str | None:
    """What makes a `subscribe` message unreadable (graphql-transport-ws's shape), or None."""
    payload = message.get("payload")
    if not isinstance(message.get("id"), str):
        return "A subscribe message needs a string `id`."
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "A subscribe message needs a `payload` object with a string `query`."
    if not isinstance(payload.get("variables"), dict | None):
        return "`variables` must be an object."
    if not isinstance(payload.get("operationName"), str | None):
        return "`operationName` must be a string."
    if not isinstance(payload.get("extensions"), dict | None):
        return "`extensions` must be an object."
    return None


class SubscriptionRouter(GraphQLRouter[Context, None]):
    graphql_transport_ws_handler_class = CodedTransportWSHandler

    def __init__(self, schema: Any, settings: Settings, origins: OriginPolicy, context_getter: Any) -> None:
        super().__init__(
            schema,
            path="/graphql",
            context_getter=context_getter,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout),
        )
        self.origins = origins
        self.max_connections = settings.ws_max_connections
        self.open_connections = 0

    def encode_json(self, data: object) -> str:
        # orjson puts a planned event's JSON text (an orjson.Fragment, graph/planned/events.py)
        # into the `next` message as it is; a str, so that it goes out as a text frame.
        return orjson.dumps(data).decode()

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        return self.origins.allows(origin)

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        if (position := params.get(WAL_POSITION)) is not None:
            # Behind replicas, the socket's queries read where replay reached this (replica_routing.py).
            if not isinstance(position, str):
                raise ConnectionRejectionError({"message": MALFORMED_POSITION})
            try:
                context.read_after = parse_position(position)
            except ValueError:
                raise ConnectionRejectionError({"message": MALFORMED_POSITION}) from None
        authorization = params.get("authorization", params.get("Authorization"))
        if authorization is None:
            if context.auth_error is not None:  # a bad token in the handshake's own header
                raise ConnectionRejectionError()
            return UNSET
        if not isinstance(authorization, str):
            raise ConnectionRejectionError()
        try:
            _, tokens = context.hasher_and_tokens()
            viewer, row = await identify(context.db, tokens, authorization)
        except Unauthenticated as error:
            raise ConnectionRejectionError() from error
        context.sign_in(viewer)
        if row is not None:
            context.prime_viewer(row)
        return UNSET

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not isinstance(request, WebSocket):
            return await super().run(request, context=context, root_value=root_value)
        if self.open_connections >= self.max_connections:
            offered = request.scope.get("subprotocols") or []
            await request.accept(GRAPHQL_TRANSPORT_WS_PROTOCOL if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered else None)
            await request.close(TRY_AGAIN_LATER, "Too many connections; try again later.")
            return None
        self.open_connections += 1
        try:
            return await super().run(request, context=context, root_value=root_value)
        finally:
            self.open_connections -= 1
