"""The per-operation log line and the Prometheus metrics, in process."""

import asyncio
import hashlib
import logging
import sys
import time

import orjson
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from db.pool import create_database
from graph.observability import logs, metrics
from graph.observability.logs import JsonFormatter, RecordTemplate, logging_config
from tests import factories

NESTED = "query Nested { articles(first: 3) { edges { node { title author { username } } } } }"
MUTATION = 'mutation M { login(input: {email: "a@b.co", password: "x"}) { token } }'
LOGIN = "mutation SignIn($input: LoginInput!) { login(input: $input) { token errors { code } } }"


def operation_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [record.fields for record in caplog.records if record.name == "graph.request"]


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(http) -> dict[tuple[str, tuple], float]:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def nested_statements(settings) -> int:
    """What NESTED sends: one statement planned; on the general path the articles, then their authors in one batch."""
    return 1 if settings.planned_execution else 2


async def test_each_operation_logs_one_line_with_its_id_name_timing_statements_and_outcome(
    http, conn, caplog, settings
):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    with caplog.at_level(logging.INFO, logger="graph.request"):
        response = await http.post("/graphql", json={"query": NESTED}, headers={"x-request-id": "req-log-1"})
    assert response.status_code == 200
    (line,) = operation_lines(caplog)
    assert line["request_id"] == "req-log-1"
    assert line["operation"] == "Nested"
    assert line["outcome"] == "ok"
    assert line["status"] == 200
    assert line["method"] == "POST"
    assert line["statements"] == nested_statements(settings)
    assert line["duration_ms"] > 0
    assert line["persisted_query_hash"] is None
    assert "variables" not in line


async def test_the_log_line_names_the_persisted_query_hash_and_the_error_codes(http, caplog):
    query = "query Missing { nope }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    with caplog.at_level(logging.INFO, logger="graph.request"):
        await http.post("/graphql", json={"extensions": extensions})
        await http.post("/graphql", json={"query": query, "extensions": extensions})
    not_found, invalid = operation_lines(caplog)
    assert not_found["persisted_query_hash"] == digest
    assert not_found["outcome"] == ["PERSISTED_QUERY_NOT_FOUND"]
    assert not_found["statements"] == 0
    assert invalid["operation"] == "Missing"
    assert invalid["outcome"] == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_request_error_is_logged_with_its_http_status(http, caplog):
    with caplog.at_level(logging.INFO, logger="graph.request"):
        response = await http.get("/graphql", params={"query": MUTATION})
    assert response.status_code == 405
    (line,) = operation_lines(caplog)
    assert line["status"] == 405
    assert line["outcome"] == ["BAD_REQUEST"]
    assert line["method"] == "GET"


async def test_variables_stay_out_of_the_log_unless_asked_for_and_then_without_secrets(
    http, settings, caplog, monkeypatch
):
    variables = {"input": {"email": "someone@example.com", "password": "hunter2-secret"}}
    with caplog.at_level(logging.INFO, logger="graph.request"):
        await http.post("/graphql", json={"query": LOGIN, "variables": variables})
        monkeypatch.setattr(settings, "log_variables", True)
        await http.post("/graphql", json={"query": LOGIN, "variables": variables})
    quiet, verbose = operation_lines(caplog)
    assert "variables" not in quiet
    assert verbose["variables"] == {"input": {"email": "someone@example.com", "password": "[redacted]"}}
    assert "hunter2-secret" not in caplog.text
    assert all("hunter2-secret" not in orjson.dumps(line).decode() for line in (quiet, verbose))


def test_the_json_formatter_writes_one_parsable_line_with_fields_and_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("graph.x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    record.fields = {"request_id": "abc"}
    text = JsonFormatter().format(record)
    assert "\n" not in text.strip().split('"exception"')[0]
    line = orjson.loads(text)
    assert line["level"] == "error"
    assert line["logger"] == "graph.x"
    assert line["message"] == "failed here"
    assert line["request_id"] == "abc"
    assert "ValueError: boom" in line["exception"]
    assert line["time"].endswith("Z")


def test_the_json_formatter_stamps_each_line_with_its_own_second_and_millisecond():
    formatter = JsonFormatter()
    stamps = []
    for created in (1_700_000_000.25, 1_700_000_000.75, 1_700_000_001.5, 1_700_000_000.125):
        record = logging.LogRecord("graph.x", logging.INFO, __file__, 1, "m", (), None)
        record.created, record.msecs = created, (created % 1) * 1000
        stamps.append(orjson.loads(formatter.format(record))["time"])
    assert stamps == [
        "2023-11-14T22:13:20.250Z",
        "2023-11-14T22:13:20.750Z",
        "2023-11-14T22:13:21.500Z",
        "2023-11-14T22:13:20.125Z",
    ]


def test_the_logging_config_sends_uvicorn_through_the_json_handler():
    config = logging_config("warning")
    assert config["root"]["level"] == "WARNING"
    assert config["loggers"]["uvicorn.error"] == {"handlers": [], "level": "WARNING", "propagate": True}
    assert config["handlers"]["stdout"]["formatter"] == "json"


async def test_metrics_count_operations_by_name_and_outcome_and_observe_latency_and_statements(http, conn, settings):
    author = await factories.user(conn)
    await factories.article(conn, author["id"])
    before = await scrape(http)
    for _ in range(3):
        await http.post("/graphql", json={"query": NESTED})
    await http.post("/graphql", json={"query": "query Broken { nope }"})
    after = await scrape(http)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("graphql_requests_total", operation="Nested", outcome="ok") == 3
    assert delta("graphql_requests_total", operation="Broken", outcome="error") == 1
    assert delta("graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert delta("graphql_request_duration_seconds_count", operation="Nested") == 3
    assert delta("graphql_request_duration_seconds_sum", operation="Nested") > 0
    assert delta("graphql_request_statements_count") == 4
    each = nested_statements(settings)
    assert delta("graphql_request_statements_sum") == 3 * each
    # The three Nested operations sent `each` statements; Broken none.
    assert delta("graphql_request_statements_bucket", le="0.0") == 1
    assert delta("graphql_request_statements_bucket", le="1.0") == (4 if each == 1 else 1)
    assert delta("graphql_request_statements_bucket", le="2.0") == 4


async def test_metrics_report_the_pool_and_the_subscription_gauge(http):
    values = await scrape(http)
    assert values[("db_pool_size", ())] >= 1
    assert values[("db_pool_in_use", ())] == 0
    assert values[("db_pool_waiting", ())] == 0
    assert values[("graphql_subscriptions_open", ())] == 0


async def test_metrics_can_be_switched_off(http, settings, monkeypatch):
    monkeypatch.setattr(settings, "metrics", False)
    assert (await http.get("/metrics")).status_code == 404


async def test_the_pool_counts_borrowers_waiting_for_a_connection(settings):
    db = await create_database(
        settings.database_url, min_size=1, max_size=1, acquire_timeout=5, command_timeout=5, statement_cache_size=0
    )
    try:
        async with db.transaction() as transaction:
            await transaction.fetchval("SELECT 1")
            waiter = asyncio.create_task(db.fetchval("SELECT 2"))
            for _ in range(100):
                if db.waiting:
                    break
                await asyncio.sleep(0.01)
            assert db.waiting == 1
            metrics.sample_pool(db)
            assert REGISTRY.get_sample_value("db_pool_waiting") == 1
            assert REGISTRY.get_sample_value("db_pool_in_use") == 1
        assert await waiter == 2
        assert db.waiting == 0
    finally:
        await db.close()


def test_operation_labels_are_bounded_and_only_graphql_names(monkeypatch):
    monkeypatch.setattr(metrics, "_operation_labels", set())
    monkeypatch.setattr(metrics, "MAX_OPERATION_LABELS", 2)
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("drop table; --") == "invalid"
    assert metrics.operation_label("x" * 65) == "invalid"
    assert metrics.operation_label("First") == "First"
    assert metrics.operation_label("Second") == "Second"
    assert metrics.operation_label("Third") == "other"
    assert metrics.operation_label("First") == "First"


def test_the_subscription_gauge_counts_open_subscriptions():
    from graph.realtime.hub import EventHub

    hub = EventHub(10)
    before = REGISTRY.get_sample_value("graphql_subscriptions_open")
    with hub.subscribe("article"), hub.subscribe("comment", 7):
        assert REGISTRY.get_sample_value("graphql_subscriptions_open") == before + 2
    assert REGISTRY.get_sample_value("graphql_subscriptions_open") == before


def test_a_templated_record_is_the_record_logging_would_make_with_its_own_time(monkeypatch):
    class Tagged(logging.LogRecord):
        pass

    monkeypatch.setattr(logging, "getLogRecordFactory", lambda: Tagged)  # an installed factory is honoured
    template = RecordTemplate("graph.request", logging.INFO, "graphql operation")
    before = time.time()
    first = template.record(fields={"n": 1})
    second = template.record(fields={"n": 2})
    after = time.time()
    made = logging.LogRecord("graph.request", logging.INFO, logs.__file__, 0, "graphql operation", (), None)
    times = {"created", "msecs", "relativeCreated", "fields"}
    for record in (first, second):
        assert type(record) is Tagged
        assert {k: v for k, v in vars(record).items() if k not in times} == {
            k: v for k, v in vars(made).items() if k not in times
        }
        assert before <= record.created <= after
        assert record.msecs == int((record.created - int(record.created)) * 1000)
        assert abs(record.relativeCreated - made.relativeCreated - (record.created - made.created) * 1000) < 1
    assert (first.fields, second.fields) == ({"n": 1}, {"n": 2})
    assert orjson.loads(JsonFormatter().format(second))["n"] == 2
