"""Global IDs: base64 of "Type:key", decoded strictly at the edge."""

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.errors import BadUserInput
from graph.relay.ids import NODE_TYPES, decode_id, encode_id


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these are pure functions, with no tables to clean."""


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("type_name", sorted(NODE_TYPES))
@pytest.mark.parametrize("key", [1, 7, 123456789, 10**18 - 1])
def test_encoded_id_decodes_to_the_same_type_and_key(type_name, key):
    assert decode_id(encode_id(type_name, key)) == (type_name, key)


def test_encoded_id_is_base64_of_type_and_key():
    assert encode_id("User", 42) == b64("User:42")


def test_ids_of_different_types_with_the_same_key_differ():
    assert len({encode_id(type_name, 5) for type_name in NODE_TYPES}) == len(NODE_TYPES)


def test_expected_type_accepts_an_id_of_that_type():
    assert decode_id(encode_id("Article", 3), expected="Article") == ("Article", 3)


def test_expected_type_refuses_an_id_of_another_type():
    with pytest.raises(BadUserInput) as caught:
        decode_id(encode_id("Article", 3), expected="User")
    assert caught.value.extensions["code"] == "BAD_USER_INPUT"


GARBAGE = {
    "empty string": "",
    "not base64": "not base64!",
    "base64 without padding": b64("User:12").rstrip("="),
    "base64 of non-utf8 bytes": base64.b64encode(b"\xff\xfe:1").decode(),
    "unknown type name": b64("Foo:1"),
    "type name in other case": b64("user:1"),
    "tag is not a node": b64("Tag:1"),
    "no colon": b64("User1"),
    "no key": b64("User:"),
    "no type": b64(":1"),
    "leading zero": b64("User:01"),
    "plus sign": b64("User:+1"),
    "whitespace in key": b64("User: 1"),
    "trailing newline": b64("User:1\n"),
    "key zero": b64("User:0"),
    "negative key": b64("User:-1"),
    "huge key": b64("User:" + "9" * 40),
    "key past bigint": b64(f"User:{2**63}"),
    "non-ascii digits": b64("User:\u0661\u0662"),
    "superscript digit": b64("User:\u00b2"),
    "two colons": b64("User:1:2"),
    "decimal key": b64("User:1.0"),
    "unicode text": "Üsér:1",
    "emoji": "\U0001f600",
    "raw type and key": "User:1",
    "base64 with trailing junk": b64("User:1") + "AA",
    "base64 with whitespace": " " + b64("User:1"),
    "urlsafe alphabet": b64("User:1").replace("+", "-").replace("/", "_") + "-",
}


@pytest.mark.parametrize("global_id", list(GARBAGE.values()), ids=list(GARBAGE))
def test_malformed_id_is_bad_user_input(global_id):
    with pytest.raises(BadUserInput) as caught:
        decode_id(global_id)
    assert caught.value.extensions["code"] == "BAD_USER_INPUT"


def test_error_message_names_the_id():
    with pytest.raises(BadUserInput, match="Foo"):
        decode_id("Foo")


@given(st.text())
def test_any_text_decodes_to_a_round_tripping_id_or_is_bad_user_input(text):
    try:
        type_name, key = decode_id(text)
    except BadUserInput:
        return
    assert type_name in NODE_TYPES
    assert key >= 1
    assert encode_id(type_name, key) == text


@given(st.sampled_from(sorted(NODE_TYPES)), st.integers(min_value=1, max_value=10**18 - 1))
def test_every_valid_type_and_key_round_trips(type_name, key):
    assert decode_id(encode_id(type_name, key)) == (type_name, key)


@given(st.sampled_from(sorted(NODE_TYPES)), st.text(max_size=30))
def test_base64_of_a_type_and_any_key_text_is_canonical_or_refused(type_name, raw_key):
    global_id = b64(f"{type_name}:{raw_key}")
    try:
        decoded = decode_id(global_id)
    except BadUserInput:
        return
    assert decoded == (type_name, int(raw_key))
    assert str(int(raw_key)) == raw_key
