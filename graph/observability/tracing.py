"""Optional OpenTelemetry tracing (TRACING=otlp or console; off by default).

A span per GraphQL operation (graph.http.observe) with a child span per SQL
statement (db.pool runs each statement inside `statement_span`). The
provider is the app's own, not OpenTelemetry's global one, so tests can give
an app its own exporter. With tracing off none of this is on the request path:
no tracer, no statement wrapper, no per-field hooks.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind, Tracer

from graph.settings import Settings

SERVICE_NAME = "conduit-graphql"


def _exporter(kind: str) -> SpanExporter:
    if kind == "console":
        return ConsoleSpanExporter()
    # Endpoint, headers and protocol options come from the standard OTEL_EXPORTER_OTLP_* variables.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def tracer_provider(settings: Settings, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """The app's provider, or None when tracing is off. `exporter` replaces the configured one (tests)."""
    if settings.tracing == "off":
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(exporter or _exporter(settings.tracing)))
    return provider


def statement_spans(tracer: Tracer) -> Callable[[str], AbstractContextManager[object]]:
    """A context manager factory for db.pool: one CLIENT span per SQL statement, named by its verb."""

    @contextmanager
    def statement_span(sql: str) -> Iterator[object]:
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "SQL"
        # The SQL text is a constant with $n placeholders: parameter values never reach a span.
        attributes = {"db.system": "postgresql", "db.statement": sql}
        with tracer.start_as_current_span(verb, kind=SpanKind.CLIENT, attributes=attributes) as span:
            yield span

    return statement_span
