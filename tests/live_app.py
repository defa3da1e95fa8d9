"""The app served by uvicorn inside the test process, on a real socket.

For tests that must see the server's own memory (tracemalloc) or log records
(caplog), which a server process (tests/servers.py) keeps to itself; the
WebSocket stack is still uvicorn's, as in production.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from graph.app import create_app
from graph.settings import Settings
from tests.servers import free_port


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """The app's WebSocket URL while it serves."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning", lifespan="on"))
    serving_ = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        if serving_.done():
            serving_.result()  # startup failed: raise its error
        await asyncio.sleep(0.05)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await serving_
