"""The application factory: the lifespan owns the pool; every route borrows it."""

import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import Tracer
from starlette.requests import HTTPConnection

from db.listener import Listener
from db.pool import Database, StatementSpan, create_database
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
        async with AsyncExitStack() as teardown:
            yield await _open_state(settings, span_exporter, teardown)

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


async def _open_state(settings: Settings, span_exporter: SpanExporter | None, teardown: AsyncExitStack) -> AppState:
    """Everything built once for the process; each part's teardown goes on `teardown` as it is set up.

    So teardown runs in reverse: the background tasks stop, the subscriptions
    end (their last loads still need the pool), then the listener, the
    replicas, the pool, the tracer, and last the path counts are written. A
    start that fails part way tears down what it had set up.
    """
    tokens = Tokens(signing_secret(settings), settings.jwt_lifetime_seconds)
    path_counts = _path_counts(settings, teardown)
    tracer = _tracer(settings, span_exporter, teardown)
    spans = statement_spans(tracer) if tracer is not None else None
    db = await _open_database(settings, spans, teardown)
    replicas = await open_replicas(settings, db, spans)
    if replicas is not None:
        teardown.push_async_callback(replicas.close)
    planned = PlannedExecution(schema) if settings.planned_execution else None
    hub = await _open_events(settings, planned, teardown)
    # Everything built so far (schema, app, pool) lives as long as the process:
    # move it out of the collector's sight, so the collections each request's
    # garbage triggers stay cheap.
    gc.collect()
    gc.freeze()
    await teardown.enter_async_context(pool_sampling(db))
    await teardown.enter_async_context(replica_checks(replicas, metrics=settings.metrics))
    return {
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


def _path_counts(settings: Settings, teardown: AsyncExitStack) -> PathCounts | None:
    """With PATH_COUNTS_REPORT: the counts, appended to its file when the process ends."""
    if settings.path_counts_report is None:
        return None
    path_counts = PathCounts(settings.planned_execution)
    teardown.callback(path_counts.append_to, settings.path_counts_report)
    return path_counts


def _tracer(settings: Settings, span_exporter: SpanExporter | None, teardown: AsyncExitStack) -> Tracer | None:
    """With TRACING on: the tracer, its provider shut down (its last spans exported) at the end."""
    provider = tracer_provider(settings, span_exporter)
    if provider is None:
        return None
    teardown.callback(provider.shutdown)
    return provider.get_tracer("graph")


async def _open_database(settings: Settings, spans: StatementSpan | None, teardown: AsyncExitStack) -> Database:
    """The pool, on a schema at the migrations' head (else the start fails, the pool closed)."""
    db = await create_database(
        settings.require_database_url(),
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        acquire_timeout=settings.pool_acquire_timeout,
        command_timeout=settings.command_timeout,
        statement_cache_size=settings.statement_cache_size,
        statement_timeout=settings.server_statement_timeout,
        statement_span=spans,
    )
    teardown.push_async_callback(db.close)
    await ensure_at_head(db)
    return db


async def _open_events(settings: Settings, planned: PlannedExecution | None, teardown: AsyncExitStack) -> EventHub:
    """The subscriptions' hub, fed by a listener on the database's change events.

    The hub's close goes on `teardown` once the listener is up, so it runs
    first: the subscriptions end while the pool still serves their last loads.
    """
    hub = EventHub(settings.subscription_buffer, planned)
    listener = Listener(
        settings.listener_database_url or settings.require_database_url(),
        hub.publish,
        backoff_initial=settings.listener_reconnect_delay,
    )
    teardown.push_async_callback(listener.close)
    await listener.start()
    teardown.callback(hub.close)
    return hub
