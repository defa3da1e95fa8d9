"""Malformed HTTP requests the probe sent that tests/http/test_http.py does not: each is refused with a code, none runs.

tests/http/test_http.py covers a body that is not JSON, a non-string query,
variables that are an array, a batch, form and text bodies and a mutation
over GET. These are the rest of the probe's list: JSON that is not an
object, wrong types for `variables`, `operationName` and `extensions`,
integers past Int's range (in variables and in the document), bytes that are
not UTF-8, methods other than GET and POST, and circular fragments.
"""

import json

import pytest

from tests import factories

TAGS = "{ tags { name } }"
JSON = {"content-type": "application/json"}
STRICT = {**JSON, "accept": "application/graphql-response+json"}


def code(response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


@pytest.mark.parametrize(
    "content",
    [b'"{ tags { name } }"', b"42", b"null", b"true", b"{}"],
    ids=["a string", "a number", "null", "true", "an empty object"],
)
async def test_json_that_is_not_an_operation_object_is_bad_request(http, content):
    response = await http.post("/graphql", content=content, headers=JSON)
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"
    assert "data" not in response.json()


@pytest.mark.parametrize(
    "fields",
    [
        {"variables": "{}"},  # JSON text inside JSON: a string, not an object
        {"variables": 1},
        {"operationName": 1},
        {"operationName": ["a"]},
        {"extensions": "x"},
        {"extensions": [1]},
    ],
    ids=[
        "variables a string",
        "variables a number",
        "operationName a number",
        "operationName a list",
        "extensions a string",
        "extensions a list",
    ],
)
async def test_a_request_field_of_the_wrong_type_is_bad_request(http, fields):
    response = await http.post("/graphql", content=json.dumps({"query": TAGS, **fields}), headers=JSON)
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "value", [2**31, -(2**31) - 1, 2**63, 1.5, "1"], ids=["2^31", "-2^31-1", "2^63", "1.5", "a string"]
)
async def test_a_variable_that_does_not_fit_int_is_bad_user_input_before_any_sql(http, value):
    query = "query ($n: Int) { tags(first: $n) { name } }"
    response = await http.post("/graphql", json={"query": query, "variables": {"n": value}}, headers=STRICT)
    assert response.status_code == 400
    assert code(response) == "BAD_USER_INPUT"
    assert "data" not in response.json()


@pytest.mark.parametrize("literal", ["2147483648", "-2147483649", "1" * 400])
async def test_an_int_literal_past_int_range_is_a_validation_error(http, literal):
    response = await http.post("/graphql", json={"query": f"{{ tags(first: {literal}) {{ name }} }}"}, headers=STRICT)
    assert response.status_code == 400
    assert code(response) == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_an_integer_past_64_bits_in_variables_is_refused_by_the_json_parser(http, method):
    # 10**400 is valid JSON that no machine number holds; the parser (orjson) refuses it
    # as it refuses any malformed body, so it never reaches coercion as an OverflowError.
    query, variables = "query ($n: Int) { tags(first: $n) { name } }", '{"n": 1' + "0" * 400 + "}"
    if method == "GET":
        response = await http.get("/graphql", params={"query": query, "variables": variables})
    else:
        body = '{"query": ' + json.dumps(query) + ', "variables": ' + variables + "}"
        response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "content",
    [
        b'{"query": "{ tags { name } }\xff"}',  # a byte no UTF-8 text contains
        b'{"query": "{ tags { name \xc3 } }"}',  # a truncated two-byte sequence
        b'\xff\xfe{\x00"\x00q\x00',  # UTF-16 with a byte-order mark
    ],
    ids=["0xff", "truncated sequence", "utf-16"],
)
async def test_a_body_that_is_not_utf8_is_bad_request(http, content):
    response = await http.post("/graphql", content=content, headers=JSON)
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


async def test_a_query_string_that_is_not_utf8_does_not_parse(http):
    # Starlette decodes the URL with replacement: the stray byte becomes U+FFFD, which the lexer refuses.
    response = await http.get("/graphql?query=%7B%20tags%20%7B%20name%20%7D%20%7D%FF")
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "Syntax Error: Unexpected character: U+FFFD.",
                "locations": [{"line": 1, "column": 18}],
                "extensions": {"code": "GRAPHQL_PARSE_FAILED"},
            }
        ]
    }


async def test_variables_in_a_query_string_that_are_not_utf8_are_bad_request(http):
    response = await http.get("/graphql?query=%7B%20tags%20%7B%20name%20%7D%20%7D&variables=%FF")
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_405_and_write_nothing(http, conn, method):
    mutation = (
        'mutation { register(input: {username: "mallory", email: "m@example.com", password: "password123"}) { token } }'
    )
    response = await http.request(method, "/graphql", json={"query": mutation})
    assert response.status_code == 405
    assert await conn.fetchval("SELECT count(*) FROM users") == 0


@pytest.mark.parametrize(
    "query",
    [
        "{ ...A } fragment A on Query { ...A }",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "{ tags { ...T } } fragment T on Tag { name ...U } fragment U on Tag { ...T }",
    ],
    ids=["self", "two", "nested"],
)
async def test_circular_fragments_are_a_validation_error_not_a_recursion(http, conn, query):
    await factories.user(conn, "alice")
    response = await http.post("/graphql", json={"query": query}, headers=STRICT)
    assert response.status_code == 400
    assert code(response) in {"GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX"}
    assert "data" not in response.json()
