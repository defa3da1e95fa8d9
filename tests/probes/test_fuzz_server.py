"""Schemathesis against a real `python -m graph serve` process in production settings.

tests/probes/test_fuzz.py drives the app in-process; this run goes through uvicorn,
its HTTP parser and the production configuration (introspection off,
masked errors, login limits), which is what a client meets. Introspection
being off, schemathesis reads the committed schema.graphql instead of asking
the server. Half the examples are anonymous, half carry a valid token, so
mutations get past UNAUTHENTICATED. FUZZ_SERVER_EXAMPLES raises the count
for a longer local run (the default keeps both CI passes near a minute).
"""

import os
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from graph.auth.tokens import Tokens
from tests import factories
from tests.fuzz_ids import TYPES  # noqa: F401 - registers the ID strategy
from tests.servers import ROOT, TEST_SECRET, running_servers

EXAMPLES = int(os.environ.get("FUZZ_SERVER_EXAMPLES", "600"))
PRODUCTION = {"ENVIRONMENT": "production", "ALLOWED_ORIGINS": "https://app.example", "POOL_MAX_SIZE": "4"}

# What a JSON POST may be answered with (docs/api.md, "HTTP" and "Errors"):
# 200 for everything that reaches GraphQL, 400 BAD_REQUEST for a request
# that never does. Nothing schemathesis sends can be 405/415 (it POSTs JSON).
STATUSES = {200, 400}
CODES = {
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_USER_INPUT",
    "BAD_REQUEST",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "QUERY_TOO_COMPLEX",
    "RATE_LIMITED",
}


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    with running_servers(database_url, tmp_path_factory.mktemp("fuzz"), 1, env=PRODUCTION) as (only,):
        yield only


@pytest.fixture
async def viewer_token(conn) -> str:
    # Rows 1..2 of every type, half of them another user's: the IDs the fuzzer sends reach
    # real rows, so authorization (FORBIDDEN) and writes run, not only ID decoding.
    user = await factories.user(conn, "fuzzer")
    other = await factories.user(conn, "other")
    for author in (user, other):
        article = await factories.article(conn, author["id"], tags=("fuzz",))
        await factories.comment(conn, article["id"], other["id"] if author is user else user["id"])
    return Tokens(TEST_SECRET.encode(), 3600).issue(user["id"], 0)


def problems(status: int, body: dict) -> list:
    """Everything about one answer that the API promises never happens."""
    found = []
    if status not in STATUSES:
        found.append(f"status {status}")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in CODES:  # None (uncoded), INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE: each a bug here
            found.append(f"code {code}: {error.get('message')}")
    if status == 400 and not body.get("errors"):
        found.append("400 without errors")
    return found


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "viewer"])
def test_fuzzing_a_production_server_finds_no_server_error(server, viewer_token, signed_in):
    schema = schemathesis.graphql.from_path(Path(ROOT, "schema.graphql"))
    headers = {"authorization": f"Bearer {viewer_token}"} if signed_in else {}
    seen = {"requests": 0}
    session = requests.Session()  # one keep-alive connection, as a client would hold

    @settings(
        max_examples=EXAMPLES // 2,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy())
    def run(case) -> None:
        response = case.call(base_url=f"{server.url}/graphql", session=session, headers=headers)
        seen["requests"] += 1
        assert problems(response.status_code, response.json()) == [], (case.body, response.text)

    log_start = len(server.output())
    try:
        run()
    finally:
        session.close()
    assert seen["requests"] >= EXAMPLES // 4
    # A right answer can still hide a failure the server only logged (and recovered from by running twice).
    assert [line for line in server.output()[log_start:].splitlines() if "Traceback" in line] == []
