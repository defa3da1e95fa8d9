"""Schemathesis fuzzes /graphql from its own introspection: no 5xx, every top-level error coded, none internal.

Every root field (queries and mutations) is an operation; schemathesis
generates documents with arbitrary arguments (and a viewer's token, so
mutations get past UNAUTHENTICATED). The app runs in-process on the test
database with its lifespan (schemathesis drives ASGI apps from its own
event-loop thread). The example count is bounded to keep CI under a minute;
FUZZ_EXAMPLES raises it for a longer local run.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.python import asgi

from graph.app import create_app
from graph.auth.tokens import Tokens, signing_secret
from tests import factories
from tests.fuzz_ids import TYPES  # noqa: F401 - registers the ID strategy

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))


@pytest.fixture(scope="module")
def fuzzed_app(settings):
    yield create_app(settings.model_copy(update={"pool_max_size": 4}))
    asgi.shutdown_lifespans()


@pytest.fixture
async def viewer_token(conn, settings):
    user = await factories.user(conn, "fuzzer")
    await factories.article(conn, user["id"], tags=("fuzz",))
    return Tokens(signing_secret(settings), 3600).issue(user["id"], 0)


def uncoded_errors(body: dict) -> list:
    return [error for error in body.get("errors") or [] if not (error.get("extensions") or {}).get("code")]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "viewer"])
def test_fuzzing_finds_no_5xx_and_no_uncoded_error(fuzzed_app, viewer_token, signed_in):
    schema = schemathesis.graphql.from_asgi("/graphql", fuzzed_app)
    headers = {"authorization": f"Bearer {viewer_token}"} if signed_in else {}
    seen = {"requests": 0}

    @settings(
        max_examples=EXAMPLES // 2,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy())
    def run(case) -> None:
        response = case.call(headers=headers)
        seen["requests"] += 1
        assert response.status_code < 500, (case.body, response.text)
        body = response.json()
        assert uncoded_errors(body) == [], (case.body, body)
        # Coded, but the server's own failure (a 500 in all but status): each one is a bug.
        assert "INTERNAL_SERVER_ERROR" not in {error["extensions"]["code"] for error in body.get("errors") or []}, (
            case.body,
            body,
        )
        if response.status_code == 400:
            assert body["errors"][0]["extensions"]["code"] in {
                "GRAPHQL_PARSE_FAILED",
                "GRAPHQL_VALIDATION_FAILED",
                "BAD_USER_INPUT",
                "BAD_REQUEST",
                "QUERY_TOO_COMPLEX",
            }

    run()
    assert seen["requests"] >= EXAMPLES // 4
