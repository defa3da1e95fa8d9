"""`search` is served by the trigram indexes (migrations/versions/2026_12_03_search_trigrams.py)."""

from db.articles import ARTICLE_FILTER, _like_pattern
from tests import factories

WHERE = ARTICLE_FILTER.format(tag="$1", author="$2", favorited="$3", search="$4")
COUNT = f"SELECT count(*) FROM articles a WHERE {WHERE}"


async def test_the_search_statement_can_use_the_trigram_index_on_each_column(conn):
    await factories.article(conn, (await factories.user(conn, "alice"))["id"])
    pattern = _like_pattern("x" * 200)
    async with conn.transaction():
        # Few rows make a scan the cheaper plan; this asks whether an index can serve the statement at all.
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(row[0] for row in await conn.fetch(f"EXPLAIN {COUNT}", None, None, None, pattern))
    for column in ("title", "description", "body"):
        assert f"articles_{column}_trgm_idx" in plan, plan


async def test_the_indexes_keep_the_answers_of_ilike(conn):
    user = await factories.user(conn, "alice")
    await factories.article(conn, user["id"], title="Trigram Search", body="needle_in%the hay")
    await factories.article(conn, user["id"], title="Other", body="needleXin the hay")
    async with conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        # `_` and `%` are escaped: only the literal text matches, index or not.
        assert await conn.fetchval(COUNT, None, None, None, _like_pattern("needle_in%")) == 1
        assert await conn.fetchval(COUNT, None, None, None, _like_pattern("TRIGRAM s")) == 1
        assert await conn.fetchval(COUNT, None, None, None, _like_pattern("ne")) == 2  # under three characters
