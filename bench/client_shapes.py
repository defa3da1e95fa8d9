"""Shapes written the way Apollo Client and urql send them (the C* shapes beside Q1..M2).

What a normalized cache makes a client send: `__typename` on every object,
fragments, `@include`, `node` refetches, viewer fields on two levels, and for
each mutation the payload the cache needs to update itself (ids, the changed
fields, the objects around them). Each has a PostGraphile document with the
same meaning (SQL functions in bench/postgraphile/functions.sql where the
contract has no table-shaped equivalent) and a reference answer straight from
SQL (`reference`, compared by bench/checks.py before any load). The plain
endpoint serves none of them (no `plain_route`).

Toggle shapes (favorite, follow) send two documents, one operation each, as
clients do: `ours`/`postgraphile` map operation names to documents and each
request names its operation under `OPERATION`.
"""

from bench.client_accounts import CM7, CM8, CM9, CM10, FRESH_PER_SECOND, login_users
from bench.client_common import FOLLOW_USERS, WRITER_ARTICLES
from bench.client_reads import CQ1, CQ2, CQ3, CQ4
from bench.client_writes import CM1, CM2, CM3, CM4, CM5, CM6

# Re-exported for bench/runner.py.
__all__ = ["CLIENT_SHAPES", "CM3", "FOLLOW_USERS", "FRESH_PER_SECOND", "WRITER_ARTICLES", "login_users"]

CLIENT_SHAPES = (CQ1, CQ2, CQ3, CQ4, CM1, CM2, CM3, CM4, CM5, CM6, CM7, CM8, CM9, CM10)
