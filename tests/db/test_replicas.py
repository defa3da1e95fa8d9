"""Read replicas on a real streaming replica: where each statement runs, reading one's writes, faults.

The app (uvicorn in this process, tests/live_app.py) serves a throwaway
primary and a streaming replica of it (tests/replication.py) that applies
commits 300 ms late, so any read right after a write that the router sent
to the replica would miss the write. Which server ran a statement is counted
with pg_stat_statements on each. The tests that stop a server come last.
"""

import asyncio
import itertools
import json
import time

import asyncpg
import httpx
import pytest
import websockets

from db.replicas import parse_position
from graph.settings import Settings
from tests.clusters import migrated_database
from tests.live_app import serving
from tests.operations import CREATE_ARTICLE, READ_ARTICLES, article_input, bearer, error_codes, register
from tests.replication import APPLY_DELAY_MS, primary_and_replica, statement_calls, wait_for_replay
from tests.servers import TEST_SECRET

pytestmark = pytest.mark.needs("initdb", "replication")

PROTOCOL = "graphql-transport-ws"
MAX_LAG = 2.0
READ_BACK = "query ReadBack($id: ID!) { node(id: $id) { ... on Article { title } } }"
ARTICLES = "%articles%"  # every statement that reads or writes articles, whichever path composed it


@pytest.fixture(scope="module")
def clusters():
    with primary_and_replica() as pair:
        yield pair


@pytest.fixture(scope="module")
async def urls(clusters) -> tuple[str, str]:
    primary, replica = clusters
    primary_url = await migrated_database(primary)
    connection = await asyncpg.connect(primary_url)
    try:
        await connection.execute("CREATE EXTENSION pg_stat_statements")
    finally:
        await connection.close()
    replica_url = replica.url("conduit")
    await wait_for_replay(primary_url, replica_url)
    return primary_url, replica_url


@pytest.fixture(scope="module")
async def served(urls, tmp_path_factory: pytest.TempPathFactory):
    primary_url, replica_url = urls
    settings = Settings(
        database_url=primary_url,
        replica_database_urls=[replica_url],
        replica_check_interval=0.1,
        replica_check_timeout=1.0,
        replica_max_lag_seconds=MAX_LAG,
        data_dir=tmp_path_factory.mktemp("replicas"),
        pool_min_size=1,
        pool_max_size=10,
        pool_acquire_timeout=8,
        registrations_per_address=10_000,  # every writer registers from 127.0.0.1
        jwt_secret=TEST_SECRET,
    )
    async with serving(settings) as ws_url:
        yield ws_url.removeprefix("ws://").removesuffix("/graphql")


@pytest.fixture
async def client(served) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=f"http://{served}", timeout=20) as client_:
        yield client_


_users = itertools.count()


async def _writer(client: httpx.AsyncClient) -> str:
    return await register(client, f"writer{next(_users)}")


async def _create(client: httpx.AsyncClient, token: str, title: str) -> tuple[httpx.Response, str | None]:
    """(the response, the new article's id) of one createArticle."""
    response = await client.post(
        "/graphql", json={"query": CREATE_ARTICLE, "variables": article_input(title)}, headers=bearer(token)
    )
    body = response.json()
    article = ((body.get("data") or {}).get("createArticle") or {}).get("article")
    return response, article["id"] if article else None


async def _read_back(client: httpx.AsyncClient, article_id: str, position: str | None) -> httpx.Response:
    headers = {"x-wal-position": position} if position is not None else {}
    return await client.post("/graphql", json={"query": READ_BACK, "variables": {"id": article_id}}, headers=headers)


def _title(response: httpx.Response) -> str | None:
    node = (response.json().get("data") or {}).get("node")
    return node["title"] if node else None


async def _pool_state(client: httpx.AsyncClient, name: str) -> str:
    return (await client.get("/readyz")).json()["pools"][name]["state"]


async def _until_state(client: httpx.AsyncClient, name: str, state: str, budget: float) -> None:
    deadline = time.monotonic() + budget
    while (seen := await _pool_state(client, name)) != state:
        assert time.monotonic() < deadline, f"{name} still {seen}, not {state}, after {budget} s"
        await asyncio.sleep(0.05)


async def test_a_mutation_answers_with_the_wal_position_past_its_commit(client, urls) -> None:
    primary_url, _ = urls
    connection = await asyncpg.connect(primary_url)
    try:
        before = parse_position(await connection.fetchval("SELECT pg_current_wal_insert_lsn()::text"))
        token = await _writer(client)
        response, _ = await _create(client, token, "Positioned")
        after = parse_position(await connection.fetchval("SELECT pg_current_wal_insert_lsn()::text"))
    finally:
        await connection.close()
    position = response.json()["extensions"]["walPosition"]
    assert response.headers["x-wal-position"] == position
    assert before < parse_position(position) <= after


async def test_queries_read_on_the_replica_and_mutations_run_on_the_primary(client, urls) -> None:
    primary_url, replica_url = urls
    token = await _writer(client)
    await wait_for_replay(primary_url, replica_url)
    primary_before = await statement_calls(primary_url, ARTICLES)
    replica_before = await statement_calls(replica_url, ARTICLES)
    for _ in range(10):
        response = await client.post("/graphql", json={"query": READ_ARTICLES}, headers=bearer(token))
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    assert await statement_calls(primary_url, ARTICLES) == primary_before
    replica_reads = await statement_calls(replica_url, ARTICLES)
    assert replica_reads >= replica_before + 10

    response, article_id = await _create(client, token, "Written on the primary")
    assert article_id is not None, response.text
    assert await statement_calls(primary_url, "%insert into articles%") >= 1
    assert await statement_calls(primary_url, ARTICLES) >= primary_before + 2  # the write and its payload's read
    assert await statement_calls(replica_url, ARTICLES) == replica_reads


async def test_a_read_without_the_position_right_after_a_write_misses_it(client) -> None:
    """The control for the tests below: the replica really is behind a fresh write."""
    token = await _writer(client)
    _, article_id = await _create(client, token, "Not there yet")
    assert _title(await _read_back(client, article_id, None)) is None


async def test_a_viewer_reads_their_own_write_every_time_under_concurrent_load(client) -> None:
    async def write_then_read(worker: int) -> list[str]:
        token = await _writer(client)
        failures = []
        for n in range(8):
            title = f"Own write {worker}-{n}"
            response, article_id = await _create(client, token, title)
            position = response.headers.get("x-wal-position")
            if article_id is None or position is None:
                failures.append(f"write {title}: {response.status_code} {response.text[:200]}")
                continue
            read = await _read_back(client, article_id, position)
            if _title(read) != title:
                failures.append(f"read {title}: {read.status_code} {read.text[:200]}")
        return failures

    outcomes = await asyncio.gather(*(write_then_read(worker) for worker in range(16)))
    assert [failure for failures in outcomes for failure in failures] == []


async def test_a_position_the_replica_has_replayed_is_read_on_the_replica(client, urls) -> None:
    primary_url, replica_url = urls
    token = await _writer(client)
    response, article_id = await _create(client, token, "Replayed since")
    position = response.headers["x-wal-position"]
    await wait_for_replay(primary_url, replica_url)
    await asyncio.sleep(0.3)  # a check or two: the router has seen the replica's new position
    primary_before = await statement_calls(primary_url, ARTICLES)
    replica_before = await statement_calls(replica_url, ARTICLES)
    assert _title(await _read_back(client, article_id, position)) == "Replayed since"
    assert await statement_calls(primary_url, ARTICLES) == primary_before
    assert await statement_calls(replica_url, ARTICLES) > replica_before


async def test_a_token_the_replica_does_not_know_yet_is_read_on_the_primary(client) -> None:
    token = await _writer(client)  # the account is 300 ms from the replica
    response = await client.post("/graphql", json={"query": "{ viewer { user { username } } }"}, headers=bearer(token))
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["viewer"]["user"]["username"].startswith("writer")


async def test_a_malformed_wal_position_is_refused_with_one_line(client) -> None:
    response = await client.post("/graphql", json={"query": READ_ARTICLES}, headers={"x-wal-position": "yesterday"})
    body = response.json()
    assert response.status_code == 400
    assert error_codes(body) == ["BAD_REQUEST"]
    assert "X-WAL-Position" in body["errors"][0]["message"] and "\n" not in body["errors"][0]["message"]


async def test_readyz_and_metrics_show_each_pool_with_its_lag(client, urls) -> None:
    primary_url, replica_url = urls
    await wait_for_replay(primary_url, replica_url)
    await asyncio.sleep(0.3)
    ready = (await client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert ready["pools"]["primary"] == {"state": "up"}
    replica = ready["pools"]["replica1"]
    assert replica["state"] == "up" and 0 <= replica["lagSeconds"] <= MAX_LAG and replica["lagBytes"] >= 0
    assert "postgresql://" not in json.dumps(ready)
    metrics = (await client.get("/metrics")).text
    assert 'db_pool_up{pool="primary"} 1.0' in metrics
    assert 'db_pool_up{pool="replica1"} 1.0' in metrics
    assert 'db_replica_lag_seconds{pool="replica1"}' in metrics
    assert 'db_replica_lag_bytes{pool="replica1"}' in metrics


async def _socket(served: str, init: dict):
    ws = await websockets.connect(f"ws://{served}/graphql", subprotocols=[PROTOCOL])
    await ws.send(json.dumps({"type": "connection_init", "payload": init}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    return ws


async def _ws_result(ws, operation_id: str, query: str, variables: dict) -> dict:
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))
    message = json.loads(await ws.recv())
    assert message["type"] == "next", message
    assert json.loads(await ws.recv())["type"] == "complete"
    return message["payload"]


async def test_a_websocket_reads_its_connection_inits_position_and_its_own_writes(client, served) -> None:
    token = await _writer(client)
    response, article_id = await _create(client, token, "Before the socket")
    position = response.headers["x-wal-position"]
    variables = {"id": article_id}

    unpositioned = await _socket(served, {"authorization": f"Bearer {token}"})
    positioned = await _socket(served, {"authorization": f"Bearer {token}", "walPosition": position})
    try:
        control = await _ws_result(unpositioned, "control", READ_BACK, variables)
        assert control["data"]["node"] is None  # on the replica, 300 ms behind
        seen = await _ws_result(positioned, "read", READ_BACK, variables)
        assert seen["data"]["node"] == {"title": "Before the socket"}

        created = await _ws_result(positioned, "write", CREATE_ARTICLE, article_input("Over the socket"))
        new_id = created["data"]["createArticle"]["article"]["id"]
        again = await _ws_result(positioned, "read-own", READ_BACK, {"id": new_id})
        assert again["data"]["node"] == {"title": "Over the socket"}
    finally:
        await unpositioned.close()
        await positioned.close()


async def test_a_malformed_position_in_connection_init_closes_the_socket(served) -> None:
    async with websockets.connect(f"ws://{served}/graphql", subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"walPosition": "soon"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4403


async def test_a_replica_past_the_lag_limit_is_taken_out_and_put_back(client, urls) -> None:
    primary_url, replica_url = urls
    token = await _writer(client)
    replica = await asyncpg.connect(replica_url)
    try:
        await replica.execute("SELECT pg_wal_replay_pause()")
        try:
            deadline = time.monotonic() + MAX_LAG * 4
            while await _pool_state(client, "replica1") != "lagging":
                assert time.monotonic() < deadline, "a paused replica stayed in"
                await _create(client, token, "While paused")  # WAL the replica does not replay
                await asyncio.sleep(0.1)
            replica_before = await statement_calls(replica_url, ARTICLES)
            response = await client.post("/graphql", json={"query": READ_ARTICLES})
            assert "errors" not in response.json()
            assert await statement_calls(replica_url, ARTICLES) == replica_before  # the primary answered
        finally:
            await replica.execute("SELECT pg_wal_replay_resume()")
    finally:
        await replica.close()
    await _until_state(client, "replica1", "up", budget=MAX_LAG + 5)


async def _load(client: httpx.AsyncClient, seconds: float, fault) -> tuple[list[str], list[str]]:
    """Writers that read back each write with its position, and anonymous readers, while `fault` runs.

    Returns (what went wrong, the replica states /readyz showed meanwhile).
    """
    tokens = [await _writer(client) for _ in range(6)]
    stop = asyncio.Event()
    problems: list[str] = []
    states: list[str] = []

    async def write_then_read(token: str, worker: int) -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            title = f"Under load {worker}-{n}"
            response, article_id = await _create(client, token, title)
            if response.status_code != 200 or article_id is None:
                problems.append(f"write: {response.status_code} {response.text[:200]}")
                continue
            read = await _read_back(client, article_id, response.headers.get("x-wal-position"))
            if read.status_code != 200 or _title(read) != title:
                problems.append(f"read-after-write: {read.status_code} {read.text[:200]}")

    async def read(worker: int) -> None:
        while not stop.is_set():
            response = await client.post("/graphql", json={"query": READ_ARTICLES})
            if response.status_code != 200 or error_codes(response.json()):
                problems.append(f"read: {response.status_code} {response.text[:200]}")

    async def watch() -> None:
        while not stop.is_set():
            states.append(await _pool_state(client, "replica1"))
            await asyncio.sleep(0.05)

    tasks = [asyncio.create_task(write_then_read(token, n)) for n, token in enumerate(tokens)]
    tasks += [asyncio.create_task(read(n)) for n in range(6)]
    tasks.append(asyncio.create_task(watch()))
    try:
        await asyncio.sleep(0.5)
        await fault()
        await asyncio.sleep(seconds)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return problems, states


async def test_a_replica_killed_and_restarted_mid_load_costs_no_error_and_no_stale_read(client, clusters) -> None:
    _, replica = clusters

    async def kill_and_restart() -> None:
        await asyncio.to_thread(replica.stop, "immediate")
        await asyncio.sleep(1.0)
        await asyncio.to_thread(replica.start)

    problems, states = await _load(client, 1.5, kill_and_restart)
    assert problems == []
    assert "down" in states  # it was taken out …
    await _until_state(client, "replica1", "up", budget=10)  # … and put back by itself


async def test_with_the_primary_stopped_reads_are_answered_and_writes_unavailable(client, clusters) -> None:
    primary, _ = clusters
    token = await _writer(client)
    await asyncio.sleep(APPLY_DELAY_MS / 1000 + 0.3)  # the replica has the writer's account
    stop = asyncio.Event()
    problems: list[str] = []
    answered = 0

    async def read(headers: dict[str, str]) -> None:
        nonlocal answered
        while not stop.is_set():
            response = await client.post("/graphql", json={"query": READ_ARTICLES}, headers=headers)
            if response.status_code != 200 or error_codes(response.json()):
                problems.append(f"read: {response.status_code} {response.text[:200]}")
            else:
                answered += 1

    readers = [asyncio.create_task(read(bearer(token) if n % 2 else {})) for n in range(6)]
    try:
        await asyncio.to_thread(primary.stop, "fast")
        try:
            await _until_state(client, "primary", "down", budget=5)
            answered_while_down = answered
            await asyncio.sleep(1.0)
            assert answered > answered_while_down  # reads kept being answered
            response, _ = await _create(client, token, "Nowhere to write")
            assert error_codes(response.json()) == ["SERVICE_UNAVAILABLE"]
            ready = await client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        finally:
            stop.set()
            await asyncio.gather(*readers)
            await asyncio.to_thread(primary.start)
    finally:
        stop.set()
    assert problems == []
    await _until_state(client, "primary", "up", budget=10)
    response, article_id = await _create(client, token, "Written again")
    assert article_id is not None, response.text
