"""A field that fails makes graphql-core cancel its siblings' tasks mid-statement.

A cancelled asyncpg statement could leave its backend "active" in ClientRead
with its locks held (a later TRUNCATE or migration then waits forever);
db/pool.py runs each statement in a task of its own so that cannot happen.
"""

import asyncio

from tests import factories

QUERY = """{
  a: articles(first: 50) { edges { node { tags comments(first: 5) { totalCount } author { username } } } }
  b: articles(after: "garbage") { totalCount }
  c: tags { name }
}"""


async def test_cancelled_sibling_fields_leave_no_backend_mid_statement(gql, conn) -> None:
    author = await factories.user(conn)
    for _ in range(30):
        await factories.article(conn, author["id"], tags=("x",))
    for _ in range(100):
        responses = await asyncio.gather(*(gql(QUERY) for _ in range(5)))
        assert all(response.codes == ["BAD_USER_INPUT"] for response in responses)
    await asyncio.sleep(0.5)
    busy = await conn.fetch(
        """SELECT state, wait_event, query FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"""
    )
    assert busy == []
