"""A graphql-transport-ws client for tests: the gql package over websockets, one queue per subscription."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

PROTOCOL = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # "graphql-transport-ws"

# No acknowledgement tells a client when the server has registered a
# subscription; this is the wait between subscribing and writing.
SETTLE_SECONDS = 0.5


class Subscription:
    """The results of one subscription, read with a timeout."""

    def __init__(self, session: Any, query: str, variables: dict[str, Any] | None) -> None:
        self.results: asyncio.Queue[Any] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(session, query, variables))

    async def _pump(self, session: Any, query: str, variables: dict[str, Any] | None) -> None:
        try:
            async for result in session.subscribe(GraphQLRequest(query, variable_values=variables)):
                await self.results.put(result)
        except Exception as error:  # noqa: BLE001 - the test reads it from the queue
            await self.results.put(error)

    async def next(self, within: float = 10) -> Any:
        result = await asyncio.wait_for(self.results.get(), within)
        if isinstance(result, Exception):
            raise result
        return result

    async def nothing_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.results.get(), seconds)
        except TimeoutError:
            return True
        return False

    async def cancel(self) -> None:
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task


class Socket:
    def __init__(self, session: Any) -> None:
        self.session = session
        self.subscriptions: list[Subscription] = []

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None, *, settle: bool = True):
        subscription = Subscription(self.session, query, variables)
        self.subscriptions.append(subscription)
        if settle:
            await asyncio.sleep(SETTLE_SECONDS)
        return subscription


@asynccontextmanager
async def socket(url: str, token: str | None = None, **transport_options: Any) -> AsyncIterator[Socket]:
    init_payload = {"authorization": f"Bearer {token}"} if token else {}
    transport = WebsocketsTransport(url=url, init_payload=init_payload, subprotocols=[PROTOCOL], **transport_options)
    async with Client(transport=transport) as session:
        ws = Socket(session)
        try:
            yield ws
        finally:
            for subscription in ws.subscriptions:
                await subscription.cancel()
