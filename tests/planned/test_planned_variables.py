"""Planned variables coerce as graphql-core's `get_variable_values` coerces them (graph/planned/variables.py)."""

import pytest
from graphql import GraphQLError, parse
from graphql.execution.values import VariableValues, get_variable_values
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.planned import PlannedExecution
from graph.planned.variables import coerce_variables
from graph.schema.build import schema

GRAPHQL_SCHEMA = schema._schema

# Operations whose variables are all plain scalars without defaults: the shortcut serves them.
PLAIN = [
    "query ($u: String!) { user(username: $u) { username } }",
    "query ($u: String) { user(username: $u) { username } }",
    "query ($n: Int!, $a: String) { users(first: $n, after: $a) { edges { cursor } } }",
    "query ($n: Int, $b: String, $s: String!) { article(slug: $s) { title comments(last: $n, before: $b) "
    "{ edges { cursor } } } }",
    "{ users(first: 2) { edges { cursor } } }",
]
# Operations the shortcut leaves to graphql-core: a default, an input object.
GENERAL = [
    "query ($n: Int = 3) { users(first: $n) { edges { cursor } } }",
    "query ($f: ArticleFilter) { articles(first: 2, filter: $f) { edges { cursor } } }",
]
values = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.integers(min_value=-(2**33), max_value=2**33),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
NAMES = ("u", "n", "a", "b", "s", "f", "extra")


def plan_of(query: str):
    return PlannedExecution(schema)._build(parse(query), None)


def comparable(result: VariableValues | list[GraphQLError]):
    if isinstance(result, list):
        return [error.message for error in result]
    sources = {
        name: (source.signature.name, str(source.signature.type), source.signature.default, source.value)
        for name, source in result.sources.items()
    }
    return result.coerced, sources


@pytest.mark.parametrize("query", PLAIN)
def test_plain_variables_are_read_once_per_plan(query: str) -> None:
    plan = plan_of(query)
    coerce_variables(GRAPHQL_SCHEMA, plan, {})
    assert isinstance(plan.plain_variables, tuple)


@pytest.mark.parametrize("query", GENERAL)
def test_other_variables_are_left_to_graphql_core(query: str) -> None:
    plan = plan_of(query)
    coerce_variables(GRAPHQL_SCHEMA, plan, {})
    assert plan.plain_variables is False


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    query=st.sampled_from(PLAIN + GENERAL),
    inputs=st.dictionaries(st.sampled_from(NAMES), values, max_size=4),
)
def test_every_input_coerces_as_graphql_core_coerces_it(query: str, inputs: dict) -> None:
    plan = plan_of(query)
    expected = get_variable_values(GRAPHQL_SCHEMA, plan.operation.variable_definitions or (), inputs)
    assert comparable(coerce_variables(GRAPHQL_SCHEMA, plan, inputs)) == comparable(expected)
    assert comparable(coerce_variables(GRAPHQL_SCHEMA, plan, inputs)) == comparable(expected)  # with signatures cached


@pytest.mark.parametrize(
    ("inputs", "coerced"),
    [
        ({"n": 2**31 - 1}, {"n": 2**31 - 1}),
        ({"n": 2**31}, None),  # beyond Int: graphql-core's error
        ({"n": True}, None),  # a bool is no Int
        ({"n": 2.0}, {"n": 2}),  # graphql-core's own coercion of a whole float
        ({"n": None}, None),  # null for Int!
        ({}, None),  # Int! missing
        ({"n": 1, "a": None}, {"n": 1, "a": None}),
        ({"n": 1, "extra": object()}, {"n": 1}),  # undeclared variables are ignored
    ],
)
def test_edge_values(inputs: dict, coerced: dict | None) -> None:
    plan = plan_of(PLAIN[2])
    result = coerce_variables(GRAPHQL_SCHEMA, plan, inputs)
    if coerced is None:
        assert isinstance(result, list) and result
    else:
        assert result.coerced == coerced
