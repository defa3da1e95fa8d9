"""Helpers for the read-side tests: fixed clocks, ids, and walking connections."""

from datetime import UTC, datetime, timedelta
from typing import Any

from graph.relay.ids import encode_id
from tests.graphql_client import GraphQLClient

BASE_TIME = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """A fixed instant `seconds` after BASE_TIME (microsecond precision kept)."""
    return BASE_TIME + timedelta(seconds=seconds)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def gid(type_name: str, key: int) -> str:
    return encode_id(type_name, key)


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def nodes_of(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


def ids_of(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


async def walk(
    gql: GraphQLClient,
    query: str,
    path: tuple[str, ...],
    *,
    size: int,
    backward: bool = False,
    variables: dict[str, Any] | None = None,
    between_pages: Any = None,
    max_pages: int = 200,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every node id of a connection, page by page, in display order, and each page's pageInfo.

    `query` takes `$first`/`$after` (forwards) or `$last`/`$before` (backwards)
    and selects `edges { cursor node { id } }` and PAGE_INFO at `path`.
    `between_pages` is awaited after each page but the last.
    """
    pages: list[list[str]] = []
    infos: list[dict[str, Any]] = []
    cursor = None
    for _ in range(max_pages):
        args = {"last": size, "before": cursor} if backward else {"first": size, "after": cursor}
        data = (await gql(query, {**(variables or {}), **args})).ok()
        connection = dig(data, path)
        edges = connection["edges"]
        info = connection["pageInfo"]
        assert len(edges) <= size
        if edges:
            assert info["startCursor"] == edges[0]["cursor"]
            assert info["endCursor"] == edges[-1]["cursor"]
        pages.append([edge["node"]["id"] for edge in edges])
        infos.append(info)
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            break
        cursor = info["startCursor"] if backward else info["endCursor"]
        if between_pages is not None:
            await between_pages()
    else:
        raise AssertionError("the walk did not end")
    if backward:
        pages.reverse()
    return [node_id for page in pages for node_id in page], infos


async def favorite_at(conn, user_id: int, article_id: int, when: datetime) -> None:
    await conn.execute(
        "INSERT INTO favorites (user_id, article_id, created_at) VALUES ($1, $2, $3)", user_id, article_id, when
    )


async def follow_at(conn, follower_id: int, followee_id: int, when: datetime) -> None:
    await conn.execute(
        "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3)",
        follower_id,
        followee_id,
        when,
    )
