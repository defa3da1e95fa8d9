"""Several server processes over one database behave as one service."""

import hashlib
import signal

import httpx
import pytest

from tests.servers import running_servers

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

QUERY = "query Tags { tags { name } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
EXTENSIONS = {"persistedQuery": {"version": 1, "sha256Hash": HASH}}


@pytest.fixture(scope="module")
def two_servers(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    with running_servers(database_url, tmp_path_factory.mktemp("servers"), 2) as servers:
        yield servers


def test_a_persisted_query_registered_on_one_process_is_served_by_the_other(two_servers) -> None:
    first, second = two_servers
    unknown = httpx.post(f"{second.url}/graphql", json={"extensions": EXTENSIONS})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    registered = httpx.post(f"{first.url}/graphql", json={"query": QUERY, "extensions": EXTENSIONS})
    assert registered.json() == {"data": {"tags": []}}

    served = httpx.post(f"{second.url}/graphql", json={"extensions": EXTENSIONS})
    assert served.json() == {"data": {"tags": []}}


def test_login_attempts_are_limited_across_processes(two_servers) -> None:
    from graph.settings import Settings

    limit = Settings().login_attempts_per_account_address  # one address, one account
    login = 'mutation { login(input: {email: "alice@example.com", password: "wrong password"}) { token } }'
    codes = [
        [
            error["extensions"]["code"]
            for error in httpx.post(f"{two_servers[i % 2].url}/graphql", json={"query": login}).json().get("errors", [])
        ]
        for i in range(limit + 2)
    ]
    assert codes == [[]] * limit + [["RATE_LIMITED"]] * 2


def test_sigterm_stops_a_server_cleanly(database_url: str, tmp_path) -> None:
    with running_servers(database_url, tmp_path, 1) as (server,):
        # uvicorn re-raises the signal after its clean shutdown, so -SIGTERM is the success code.
        assert server.stop() in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.output()
        assert "Traceback" not in server.output()
