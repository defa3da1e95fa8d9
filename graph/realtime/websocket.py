"""The WebSocket endpoint at /graphql: graphql-transport-ws only, authenticated, bounded.

Strawberry's router speaks the protocol; this subclass adds what the
contract asks of it: auth from `connection_init` (a bad token closes with
4403), the shared origin policy, a cap on connections per process and on
subscriptions per connection, and a code on every error it sends.
"""

from datetime import timedelta
from typing import Any

from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.types.unset import UNSET

from graph.auth import identify
from graph.context import Context
from graph.errors import Unauthenticated
from graph.origins import OriginPolicy
from graph.settings import Settings

TRY_AGAIN_LATER = 1013


class CodedTransportWSHandler(BaseGraphQLTransportWSHandler):
    async def handle_subscribe(self, message: Any) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and limit is not None
            and message.get("id") not in self.operations
            and len(self.operations) >= limit
        ):
            error = {"message": f"At most {limit} subscriptions per connection.", "extensions": {"code": "BAD_REQUEST"}}
            await self.send_message({"id": message["id"], "type": "error", "payload": [error]})
            return
        await super().handle_subscribe(message)


class SubscriptionRouter(GraphQLRouter):
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

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        return self.origins.allows(origin)

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = params.get("authorization", params.get("Authorization"))
        if authorization is None:
            if context.auth_error is not None:  # a bad token in the handshake's own header
                raise ConnectionRejectionError()
            return UNSET
        if not isinstance(authorization, str):
            raise ConnectionRejectionError()
        try:
            viewer, row = await identify(context.db, context.tokens, authorization)
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
