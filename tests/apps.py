"""An app of its own, with some settings changed, for tests of settings the session app does not use."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager

from graph.app import create_app
from graph.settings import Settings


@asynccontextmanager
async def client_with(settings: Settings, **overrides) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings.model_copy(update={"pool_max_size": 4, **overrides}))
    async with LifespanManager(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@asynccontextmanager
async def clients_on_both_paths(settings: Settings, **overrides) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """An app with the planned path on and one with it off, for tests that must hold on both in one pass."""
    async with (
        client_with(settings, planned_execution=True, **overrides) as planned,
        client_with(settings, planned_execution=False, **overrides) as general,
    ):
        yield {"planned": planned, "general": general}
