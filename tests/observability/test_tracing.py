"""OpenTelemetry tracing: an operation span with one child span per SQL statement; nothing when off."""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from strawberry.extensions import SchemaExtension

from db.pool import Database, Transaction, create_database
from graph.app import create_app
from graph.observability.tracing import tracer_provider
from graph.schema.build import schema
from tests import factories

NESTED = """
query Traced {
  articles(first: 5) { edges { node { title author { username } comments(first: 2) { edges { node { body } } } } } }
}
"""


async def traced_spans(settings, *requests: dict) -> list:
    exporter = InMemorySpanExporter()
    app = create_app(settings.model_copy(update={"tracing": "otlp"}), span_exporter=exporter)
    # Leaving the lifespan shuts the provider down, which flushes the batch processor.
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            for request in requests:
                assert (await client.post("/graphql", json=request)).status_code == 200
    return list(exporter.get_finished_spans())


async def test_an_operation_span_holds_one_child_span_per_sql_statement(settings, conn):
    author = await factories.user(conn)
    article = await factories.article(conn, author["id"])
    await factories.comment(conn, article["id"], author["id"])

    spans = await traced_spans(settings, {"query": NESTED})

    (operation,) = [span for span in spans if span.name.startswith("graphql")]
    assert operation.name == "graphql Traced"
    assert operation.attributes["graphql.operation.name"] == "Traced"
    # The planned path sends one statement; the general path articles, authors and comments, each batched.
    expected = 1 if settings.planned_execution else 3
    assert operation.attributes["db.statement_count"] == expected
    statements = [span for span in spans if span.attributes.get("db.system") == "postgresql"]
    children = [span for span in statements if span.parent and span.parent.span_id == operation.context.span_id]
    assert len(children) == expected
    assert {span.context.trace_id for span in children} == {operation.context.trace_id}
    assert all(span.kind == SpanKind.CLIENT for span in children)
    assert all(span.name in ("SELECT", "WITH") for span in children)
    assert all("$1" in span.attributes["db.statement"] for span in children)


async def test_a_mutation_traces_its_transaction_statements_and_marks_errors(settings):
    login = 'mutation Login { login(input: {email: "nobody@example.com", password: "wrong-password"}) { token } }'
    spans = await traced_spans(settings, {"query": login}, {"query": "query Broken { nope }"})

    operations = {span.name: span for span in spans if span.name.startswith("graphql")}
    assert set(operations) == {"graphql Login", "graphql Broken"}
    assert operations["graphql Broken"].status.status_code == StatusCode.ERROR
    login_children = [
        span for span in spans if span.parent and span.parent.span_id == operations["graphql Login"].context.span_id
    ]
    assert login_children, "the login's user lookup should be traced"
    # No parameter value (here the email) ever reaches a span.
    assert all("nobody@example.com" not in str(dict(span.attributes)) for span in spans)


async def test_with_tracing_off_statements_run_unwrapped_and_with_it_each_runs_in_a_span(settings):
    assert tracer_provider(settings) is None
    options = {"min_size": 1, "max_size": 2, "acquire_timeout": 5, "command_timeout": 5, "statement_cache_size": 0}
    plain = await create_database(settings.database_url, **options)
    try:
        assert type(plain) is Database
        assert plain.transaction_class is Transaction
    finally:
        await plain.close()

    seen: list[str] = []

    @contextmanager
    def record(sql: str) -> Iterator[None]:
        seen.append(sql)
        yield

    traced = await create_database(settings.database_url, statement_span=record, **options)
    try:
        assert await traced.fetchval("SELECT $1::int", 7) == 7
        async with traced.transaction() as transaction:
            await transaction.execute("SELECT 2")
        assert seen == ["SELECT $1::int", "SELECT 2"]
    finally:
        await traced.close()


def test_no_schema_extension_hooks_into_each_field():
    for extension in schema.extensions:
        factory = extension if isinstance(extension, type) else type(extension())
        assert factory.resolve is SchemaExtension.resolve, f"{factory.__name__} runs on every field"
