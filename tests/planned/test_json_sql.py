"""The one-statement tier: its SQL text depends on the plan's shape only, and edge values format as the general path's.

tests/planned/test_planned_equivalence.py compares whole answers on generated
documents; these pin what generated data rarely hits (whole-second and
pre-1970 timestamps, text that needs JSON escaping, keys beyond one
json_build_object) and the rule that no request value becomes SQL text.
"""

from datetime import UTC, datetime

import orjson
import pytest
from graphql import parse

from db.pool import Database
from graph.planned import PlannedExecution
from graph.planned.json_sql import MAX_KEYS, JsonStatement
from graph.schema.build import schema
from tests import factories
from tests.planned.test_planned_equivalence import context_for, decoded


def built(query: str, viewer_id: int | None = None, variables: dict | None = None) -> JsonStatement:
    plan = PlannedExecution(schema)._build(parse(query), None)
    statement = JsonStatement(viewer_id, variables or {})
    statement.text = statement.build(plan.fields)
    return statement


SHAPE = """{{ {alias}: user(username: "{username}") {{ {name}: username
  {edges}: articles(first: {first}) {{ edges {{ cursor node {{ {title}: title tags }} }} }} }} }}"""


def test_the_text_depends_on_the_shape_only() -> None:
    plain = built(SHAPE.format(alias="u", username="ann", name="n", edges="e", first=3, title="t"), 7)
    hostile = built(
        SHAPE.format(
            alias="DROP_TABLE_users",
            username="x'); DROP TABLE users; --",
            name="select",
            edges="e_1",
            first=99,
            title="union_all",
        ),
        8,
    )
    assert plain.text == hostile.text
    for value in ("DROP_TABLE_users", "x'); DROP TABLE users; --", "union_all"):
        assert value in hostile.params and value not in hostile.text


def test_only_placeholders_carry_values() -> None:
    statement = built('{ article(slug: "a-slug") { title comments(last: 2) { totalCount } } }')
    assert "a-slug" not in statement.text and "'Comment" not in statement.text
    assert statement.params.count("a-slug") == 1  # equal values share one parameter


async def answers(db, settings, query: str, viewer_id: int | None = None):
    execution = PlannedExecution(schema)
    planned = await execution.answer(query, None, None, context_for(db, settings, viewer_id))
    general = await schema.execute(query, context_value=context_for(db, settings, viewer_id))
    assert not general.errors
    return planned, general.data, execution


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 14, 23, 56, tzinfo=UTC),  # whole second: isoformat drops the fraction
        datetime(2026, 11, 23, 14, 23, 56, 120, tzinfo=UTC),
        datetime(1969, 7, 20, 20, 17, 40, 500000, tzinfo=UTC),  # before the epoch: negative cursor values
    ],
)
async def test_timestamps_and_cursors_match(conn, db, settings, moment) -> None:
    author = await factories.user(conn, created_at=moment)
    await factories.article(conn, author["id"], 'Quote " back\\slash \u2028 tab\t', created_at=moment)
    query = f"""{{ user(username: "{author["username"]}") {{ createdAt
      articles(first: 5) {{ edges {{ cursor node {{ title createdAt updatedAt }} }} pageInfo {{ endCursor }} }} }} }}"""
    planned, general, execution = await answers(db, settings, query)
    assert execution.answered == {"planned": 1}
    assert decoded(planned) == general


async def test_an_object_with_more_keys_than_one_call_takes_is_served_by_the_executor(conn, db, settings) -> None:
    # Only an operator who raises the alias and repeat limits can ask for this many keys.
    roomy = settings.model_copy(update={"max_query_aliases": 100, "max_query_field_repeats": 100})
    author = await factories.user(conn)
    keys = " ".join(f"k{n}: username" for n in range(MAX_KEYS + 1))
    query = f'{{ user(username: "{author["username"]}") {{ {keys} }} }}'
    planned, general, execution = await answers(db, roomy, query)
    assert execution.answered == {"tiered": 1}
    assert planned == general


async def test_the_answer_is_passed_through_as_json_text(conn, db, settings) -> None:
    author = await factories.user(conn)
    planned, general, _ = await answers(db, settings, f'{{ user(username: "{author["username"]}") {{ id }} }}')
    assert isinstance(planned, orjson.Fragment)
    assert orjson.loads(orjson.dumps({"data": planned})) == {"data": general}


async def test_a_statement_built_once_answers_each_viewer_for_themselves(conn, db, settings) -> None:
    ann, bob = await factories.user(conn), await factories.user(conn)
    article = await factories.article(conn, ann["id"])
    await conn.execute("INSERT INTO favorites (user_id, article_id) VALUES ($1, $2)", bob["id"], article["id"])
    await conn.execute("INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)", bob["id"], ann["id"])
    query = """{ viewer { user { username } feed(first: 5) { edges { node { viewerHasFavorited } } } }
      articles(first: 5) { edges { node { viewerHasFavorited author { viewerIsFollowing } } } } }"""
    execution = PlannedExecution(schema)  # one plan cache: the statement is built once per viewer presence
    for viewer_id in (bob["id"], ann["id"], None, bob["id"]):
        planned = await execution.answer(query, None, None, context_for(db, settings, viewer_id))
        general = await schema.execute(query, context_value=context_for(db, settings, viewer_id))
        assert decoded(planned) == general.data
    assert execution.answered == {"planned": 4}
    plan = execution.plan_for(query, None)
    assert set(plan.statements) == {False, True}


async def test_a_variable_that_names_the_row_reuses_the_statement(conn, db, settings) -> None:
    ann, bob = await factories.user(conn), await factories.user(conn)
    await factories.article(conn, ann["id"], "By Ann")
    await factories.article(conn, bob["id"], "By Bob")
    query = """query Q1($username: String!, $first: Int) { user(username: $username) { username
      articles(first: 10) { edges { node { title } } } } more: articles(first: $first) { totalCount } }"""
    fixed = query.replace("first: $first", "first: 2").replace(", $first: Int", "")
    for document, reusable in ((fixed, True), (query, False)):
        execution = PlannedExecution(schema)
        for username in (ann["username"], bob["username"], "nobody"):
            variables = {"username": username, "first": 1} if not reusable else {"username": username}
            planned = await execution.answer(document, None, variables, context_for(db, settings, None))
            general = await schema.execute(
                document, variable_values=variables, context_value=context_for(db, settings, None)
            )
            assert decoded(planned) == general.data
        plan = execution.plan_for(document, None)
        assert plan.statement_reusable is reusable
        assert len(plan.statements) == (1 if reusable else 0)


async def test_the_one_statement_is_awaited_by_the_request_itself(conn, db, settings, monkeypatch) -> None:
    """No shielding task (db/pool.py `_once`): nothing but a shutdown can cancel a request's sole statement."""
    author = await factories.user(conn)
    await factories.article(conn, author["id"], "Alone")

    def no_task(*_args):
        raise AssertionError("the sole statement ran in a shielding task")

    monkeypatch.setattr(Database, "_once", no_task)
    execution = PlannedExecution(schema)
    query = f'{{ user(username: "{author["username"]}") {{ articles(first: 1) {{ edges {{ node {{ title }} }} }} }} }}'
    data = await execution.answer(query, None, None, context_for(db, settings, None))
    assert execution.answered["planned"] == 1
    assert decoded(data)["user"]["articles"]["edges"] == [{"node": {"title": "Alone"}}]
    with pytest.raises(AssertionError, match="shielding task"):
        await db.fetchval("SELECT 1")  # every other statement still runs in one
