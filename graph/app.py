"""The application factory: the lifespan owns the pool; every route borrows it."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from starlette.requests import HTTPConnection

from db.listener import Listener
from db.pool import create_database
from db.schema_version import ensure_at_head
from graph.auth.passwords import Passwords
from graph.auth.tokens import Tokens, signing_secret
from graph.http.dispatch import App
from graph.http.edge import Edge
from graph.http.endpoint import router as http_router
from graph.http.graphiql import assets_router as graphiql_assets
from graph.http.health import router as health_router
from graph.http.landing import router as landing_router
from graph.http.origins import OriginPolicy
from graph.http.persisted import PersistedQueries
from graph.http.replica_pools import open_replicas, replica_checks
from graph.http.request_context import context_for
from graph.http.state import AppState, app_state
from graph.http.websocket import SubscriptionRouter
from graph.limits.shape import Limits
from graph.observability.metrics import metrics_router, pool_sampling
from graph.observability.paths import PathCounts
from graph.observability.tracing import statement_spans, tracer_provider
from graph.planned import PlannedExecution
from graph.realtime.hub import EventHub
from graph.rest.mount import mount_rest
from graph.rest.paths import PREFIX as REST_PREFIX
from graph.schema.build import schema
from graph.schema.context import Context
from graph.settings import Settings


def create_app(settings: Settings | None = None, *, span_exporter: SpanExporter | None = None) -> FastAPI:
    """The app; `span_exporter` replaces the exporter TRACING names (tests read spans from memory)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[AppState]:
        tokens = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds)
        provider = tracer_provider(settings, span_exporter)
        tracer = provider.get_tracer("graph") if provider is not None else None
        database_url = settings.require_database_url()
        spans = statement_spans(tracer) if tracer is not None else None
        db = await create_database(
            database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            acquire_timeout=settings.pool_acquire_timeout,
            command_timeout=settings.command_timeout,
            statement_cache_size=settings.statement_cache_size,
            statement_timeout=settings.server_statement_timeout,
            statement_span=spans,
        )
        planned = PlannedExecution(schema) if settings.planned_execution else None
        hub = EventHub(settings.subscription_buffer, planned)
        path_counts = PathCounts(settings.planned_execution) if settings.path_counts_report is not None else None
        listener = Listener(
            settings.listener_database_url or database_url,
            hub.publish,
            backoff_initial=settings.listener_reconnect_delay,
        )
        replicas = None
        try:
            await ensure_at_head(db)
            replicas = await open_replicas(settings, db, spans)
            await listener.start()
            # Everything built so far (schema, app, pool) lives as long as the
            # process: move it out of the collector's sight, so the collections
            # each request's garbage triggers stay cheap.
            gc.collect()
            gc.freeze()
            app.state.listener = listener  # tests terminate its backend to simulate a lost connection
            async with pool_sampling(db), replica_checks(replicas, metrics=settings.metrics):
                yield {
                    "db": db,
                    "replicas": replicas,
                    "settings": settings,
                    "passwords": Passwords(),
                    "tokens": tokens,
                    "persisted_queries": PersistedQueries(db, settings.persisted_queries),
                    "events": hub,
                    "tracer": tracer,
                    "planned": planned,
                    # Read once, like the rest of this state: every request used to rebuild them.
                    "limits": Limits.from_settings(settings),
                    "path_counts": path_counts,
                    "request_context": context_for,
                }
        finally:
            # Subscriptions end first (their last loads still need the pool),
            # then the listener, then the pool.
            hub.close()
            await listener.close()
            if replicas is not None:
                await replicas.close()
            await db.close()
            if provider is not None:
                provider.shutdown()
            if path_counts is not None and settings.path_counts_report is not None:
                path_counts.append_to(settings.path_counts_report)

    async def websocket_context(connection: HTTPConnection) -> Context:  # FastAPI passes the WebSocket
        context = await context_for(connection)
        context.replicas = app_state(connection)["replicas"]  # its queries read there
        return context

    origins = OriginPolicy(settings)
    app = App(
        title="Conduit GraphQL",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        middleware=[origins.cors_middleware()],
    )
    app.edge = Edge(settings, rest_prefix=REST_PREFIX)
    # HTTP first: these routes shadow the GraphQLRouter's GET/POST, which then
    # serves only the WebSocket protocol. `App` answers most GET/POST /graphql
    # without routing at all (graph/http/dispatch.py); these routes serve the rest.
    app.include_router(http_router())
    app.include_router(graphiql_assets())
    app.include_router(metrics_router())
    app.include_router(SubscriptionRouter(schema, settings, origins, websocket_context))

    app.include_router(health_router())
    app.include_router(landing_router())
    mount_rest(app)  # the RealWorld REST API under /api, on the same state (graph/rest)
    return app
