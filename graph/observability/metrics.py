"""Prometheus metrics and the /metrics route.

One process: the default registry. Several (`serve --workers N`): `serve`
sets PROMETHEUS_MULTIPROC_DIR before the workers start, prometheus_client
then keeps every value in files there, and /metrics on any worker adds up
all of them. The variable must be set before prometheus_client is imported,
which is why only the worker processes import this module.

`subscriptions_open` is kept by graph.realtime.hub: `inc()` when a
subscription starts listening for events, `dec()` when it ends.
"""

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

from db.pool import Database
from db.replicas import UP, Replicas

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
POOL_SAMPLE_SECONDS = 1.0
# Operation names are chosen by clients: past this many distinct names per
# process, further ones are counted as "other" so no client can grow the
# series without bound.
MAX_OPERATION_LABELS = 200
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")

requests_total = Counter(
    "graphql_requests",
    "GraphQL operations answered, by operation name and outcome (ok or error).",
    ["operation", "outcome"],
)
errors_total = Counter("graphql_errors", "Errors in GraphQL responses, by extensions.code.", ["code"])
request_duration = Histogram(
    "graphql_request_duration_seconds",
    "Time to answer one GraphQL operation.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
request_statements = Histogram(
    "graphql_request_statements",
    "SQL statements sent for one GraphQL operation.",
    buckets=(0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64),
)
operations_by_path = Counter(
    "graphql_operations_by_path",
    "GraphQL operations by the path that answered them (graph/observability/paths.py) and operation type.",
    ["path", "type"],
)
pool_size = Gauge("db_pool_size", "Connections the pool holds open.", multiprocess_mode="livesum")
pool_in_use = Gauge(
    "db_pool_in_use", "Connections borrowed by a statement or transaction.", multiprocess_mode="livesum"
)
pool_waiting = Gauge("db_pool_waiting", "Borrowers waiting for a pooled connection.", multiprocess_mode="livesum")
# Read replicas (db/replicas.py), set after every check; labelled by pool name (primary, replica1, …).
pool_up = Gauge(
    "db_pool_up",
    "1 while the pool serves (a replica: answering and within REPLICA_MAX_LAG_SECONDS), else 0.",
    ["pool"],
    multiprocess_mode="livemin",
)
replica_lag_seconds = Gauge(
    "db_replica_lag_seconds",
    "How long ago the primary had WAL this replica has not replayed (to within one check interval).",
    ["pool"],
    multiprocess_mode="livemax",
)
replica_lag_bytes = Gauge(
    "db_replica_lag_bytes",
    "WAL bytes the primary flushed that this replica has not replayed.",
    ["pool"],
    multiprocess_mode="livemax",
)
subscriptions_open = Gauge(
    "graphql_subscriptions_open", "GraphQL subscriptions currently open over WebSocket.", multiprocess_mode="livesum"
)

_operation_labels: set[str] = set()
# The labelled children per operation label, looked up once: `labels()` takes a lock and builds tuples.
_children: dict[str, tuple[Counter, Counter, Histogram]] = {}
_path_children: dict[tuple[str, str], Counter] = {}


def operation_label(name: str | None) -> str:
    if name is None:
        return "anonymous"
    if name in _operation_labels:
        return name
    if OPERATION_NAME.fullmatch(name) is None:
        return "invalid"
    if len(_operation_labels) >= MAX_OPERATION_LABELS:
        return "other"
    _operation_labels.add(name)
    return name


def count_path(path: str, operation_type: str) -> None:
    key = (path, operation_type)
    child = _path_children.get(key)
    if child is None:
        child = _path_children[key] = operations_by_path.labels(path, operation_type)
    child.inc()


def observe_operation(
    name: str | None, codes: list[str], seconds: float, statements: int, path: str, operation_type: str
) -> None:
    operation = operation_label(name)
    children = _children.get(operation)
    if children is None:
        children = _children[operation] = (
            requests_total.labels(operation, "ok"),
            requests_total.labels(operation, "error"),
            request_duration.labels(operation),
        )
    ok, error, duration = children
    if codes:
        error.inc()
        for code in codes:
            errors_total.labels(code).inc()
    else:
        ok.inc()
    duration.observe(seconds)
    request_statements.observe(statements)
    by_path = _path_children.get((path, operation_type))  # count_path, inlined: this runs per request
    if by_path is None:
        by_path = _path_children[(path, operation_type)] = operations_by_path.labels(path, operation_type)
    by_path.inc()


def sample_pool(db: Database) -> None:
    size = db.pool.get_size()
    pool_size.set(size)
    pool_in_use.set(size - db.pool.get_idle_size())
    pool_waiting.set(db.waiting)


def sample_replicas(replicas: Replicas) -> None:
    pool_up.labels(replicas.primary.name).set(1 if replicas.primary.state == UP else 0)
    for member in replicas.replicas:
        pool_up.labels(member.name).set(1 if member.state == UP else 0)
        replica_lag_seconds.labels(member.name).set(member.lag_seconds)
        replica_lag_bytes.labels(member.name).set(member.lag_bytes)


@asynccontextmanager
async def pool_sampling(db: Database) -> AsyncIterator[None]:
    """Sample the pool gauges every second in the background (nothing on the request path)."""

    async def sample_forever() -> None:
        while True:
            sample_pool(db)
            await asyncio.sleep(POOL_SAMPLE_SECONDS)

    task = asyncio.create_task(sample_forever())
    try:
        yield
    finally:
        task.cancel()


def exposition() -> bytes:
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not request.state.settings.metrics:
            return Response(status_code=404)
        sample_pool(request.state.db)
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return routes
