"""Cursors and the Relay arguments, checked before any SQL runs."""

import base64
import inspect
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.articles import ORDERS, ArticleOrder
from db.comments import COMMENTS_ORDER
from db.keyset import SortKey, Window
from db.users import FOLLOWERS_ORDER, USERS_ORDER
from graph.errors import BadUserInput
from graph.relay.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PageArgs,
    decode_cursor,
    encode_cursor,
    paged,
    window_for,
)


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: these are pure functions, with no tables to clean."""


NEWEST = ORDERS[ArticleOrder.NEWEST]
OLDEST = ORDERS[ArticleOrder.OLDEST]
FAVORITED = ORDERS[ArticleOrder.MOST_FAVORITED]


def raw_cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


# --- cursors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 5, 17, 12, 30, 45, 123456, tzinfo=UTC),
        datetime(2024, 5, 17, 12, 30, 45, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1960, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
        datetime(1, 1, 2, tzinfo=UTC),
        datetime(9999, 12, 30, tzinfo=UTC),
    ],
)
def test_cursor_round_trips_a_timestamp_to_the_microsecond(moment):
    assert decode_cursor(NEWEST, encode_cursor(NEWEST, (moment, 42))) == (moment, 42)


def test_cursor_round_trips_a_timestamp_given_in_another_zone_as_the_same_instant():
    moment = datetime(2024, 5, 17, 14, 30, 45, 654321, tzinfo=timezone(timedelta(hours=2)))
    decoded_moment, decoded_id = decode_cursor(NEWEST, encode_cursor(NEWEST, (moment, 9)))
    assert decoded_moment == moment
    assert decoded_moment.utcoffset() == timedelta(0)
    assert decoded_id == 9


@pytest.mark.parametrize("values", [(0, 1), (5, 2**62), (2**31 - 1, 2**63 - 1)])
def test_cursor_round_trips_integer_keys(values):
    assert decode_cursor(FAVORITED, encode_cursor(FAVORITED, values)) == values


def test_cursor_is_url_safe_and_unpadded():
    cursor = encode_cursor(NEWEST, (datetime(2024, 1, 1, tzinfo=UTC), 1))
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor


def test_cursors_of_different_lists_with_the_same_values_differ():
    values = (datetime(2024, 1, 1, tzinfo=UTC), 1)
    assert encode_cursor(NEWEST, values) != encode_cursor(OLDEST, values)


@pytest.mark.parametrize(
    ("made_for", "given_to"),
    [(NEWEST, OLDEST), (OLDEST, NEWEST), (COMMENTS_ORDER, NEWEST), (USERS_ORDER, FOLLOWERS_ORDER)],
    ids=lambda key: key.name,
)
def test_cursor_from_another_list_is_bad_user_input(made_for: SortKey, given_to: SortKey):
    cursor = encode_cursor(made_for, (datetime(2024, 1, 1, tzinfo=UTC), 1))
    with pytest.raises(BadUserInput):
        decode_cursor(given_to, cursor)


def test_cursor_of_a_timestamp_list_given_to_an_integer_list_is_bad_user_input():
    cursor = encode_cursor(NEWEST, (datetime(2024, 1, 1, tzinfo=UTC), 1))
    with pytest.raises(BadUserInput):
        decode_cursor(FAVORITED, cursor)


GARBAGE_CURSORS = {
    "empty": "",
    "not base64": "%%%",
    "one base64 character": "A",
    "base64 of text": base64.urlsafe_b64encode(b"hello").decode(),
    "non-ascii": "curs\u00f6r",
    "json object": raw_cursor({"articles.newest": [1, 2]}),
    "json number": raw_cursor(7),
    "json null": raw_cursor(None),
    "bare list name": raw_cursor("articles.newest"),
    "too few values": raw_cursor(["articles.newest", [1]]),
    "too many values": raw_cursor(["articles.newest", [1, 2, 3]]),
    "values not a list": raw_cursor(["articles.newest", 12]),
    "string timestamp": raw_cursor(["articles.newest", ["2024-01-01T00:00:00Z", 1]]),
    "float timestamp": raw_cursor(["articles.newest", [1.5, 1]]),
    "boolean id": raw_cursor(["articles.newest", [1, True]]),
    "null id": raw_cursor(["articles.newest", [1, None]]),
    "timestamp past year 9999": raw_cursor(["articles.newest", [2**62, 1]]),
    "three elements": raw_cursor(["articles.newest", [1, 2], "x"]),
    "truncated json": base64.urlsafe_b64encode(b'["articles.newest", [1').decode(),
}


@pytest.mark.parametrize("cursor", list(GARBAGE_CURSORS.values()), ids=list(GARBAGE_CURSORS))
def test_garbage_cursor_is_bad_user_input(cursor):
    with pytest.raises(BadUserInput) as caught:
        decode_cursor(NEWEST, cursor)
    assert caught.value.extensions["code"] == "BAD_USER_INPUT"


@given(st.text())
def test_any_text_as_cursor_is_bad_user_input_or_a_valid_key(text):
    try:
        values = decode_cursor(NEWEST, text)
    except BadUserInput:
        return
    moment, key = values
    assert isinstance(moment, datetime) and moment.tzinfo is not None
    assert type(key) is int
    assert fits_its_column(NEWEST, values)


INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}


def fits_its_column(key: SortKey, values: tuple) -> bool:
    return all(
        sql_type not in INT_RANGES or INT_RANGES[sql_type][0] <= value <= INT_RANGES[sql_type][1]
        for value, (_, sql_type, _) in zip(values, key.columns, strict=True)
    )


@pytest.mark.parametrize(
    "values",
    [[2**31, 1], [-(2**31) - 1, 1], [1, 2**63], [1, 2**64 - 1]],
    ids=["count past int4", "count below int4", "id past int8", "id at uint64 max"],
)
def test_integer_cursor_value_outside_its_sql_type_is_bad_user_input(values):
    # favorites_count is an `integer`, the id a `bigint`: a cursor that cannot
    # be bound to the statement's parameter is malformed input, not a crash.
    with pytest.raises(BadUserInput):
        decode_cursor(FAVORITED, raw_cursor(["articles.favorited", values]))


def test_timestamp_cursor_with_an_id_past_bigint_is_bad_user_input():
    with pytest.raises(BadUserInput):
        decode_cursor(NEWEST, raw_cursor(["articles.newest", [0, 2**63]]))


@given(st.integers(min_value=-(2**63), max_value=2**64 - 1), st.integers(min_value=-(2**63), max_value=2**64 - 1))
def test_any_integers_in_a_cursor_are_bad_user_input_or_fit_their_columns(count, key):
    try:
        values = decode_cursor(FAVORITED, raw_cursor(["articles.favorited", [count, key]]))
    except BadUserInput:
        return
    assert values == (count, key)
    assert fits_its_column(FAVORITED, values)


@given(st.binary())
def test_any_bytes_behind_base64_as_cursor_is_bad_user_input_or_a_valid_key(data):
    cursor = base64.urlsafe_b64encode(data).decode()
    try:
        values = decode_cursor(FAVORITED, cursor)
    except BadUserInput:
        return
    assert all(type(value) is int for value in values)
    assert fits_its_column(FAVORITED, values)


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
    st.integers(min_value=1, max_value=2**63 - 1),
)
def test_every_timestamp_and_id_round_trip_through_a_cursor(moment, key):
    assert decode_cursor(OLDEST, encode_cursor(OLDEST, (moment, key))) == (moment, key)


# --- window_for ----------------------------------------------------------------------------------------


def test_no_arguments_give_the_first_twenty_forwards():
    assert DEFAULT_PAGE_SIZE == 20
    assert window_for(PageArgs(), NEWEST) == Window(limit=20, backward=False, cursor=None)


def test_first_sets_the_forward_limit():
    assert window_for(PageArgs(first=5), NEWEST) == Window(limit=5, backward=False, cursor=None)


def test_last_pages_backwards():
    assert window_for(PageArgs(last=7), NEWEST) == Window(limit=7, backward=True, cursor=None)


def test_before_alone_pages_backwards_twenty():
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    window = window_for(PageArgs(before=encode_cursor(NEWEST, (moment, 3))), NEWEST)
    assert window == Window(limit=20, backward=True, cursor=(moment, 3))


def test_after_is_decoded_into_the_window():
    moment = datetime(2024, 1, 1, 1, 2, 3, 456789, tzinfo=UTC)
    window = window_for(PageArgs(first=2, after=encode_cursor(NEWEST, (moment, 11))), NEWEST)
    assert window == Window(limit=2, backward=False, cursor=(moment, 11))


def test_last_with_before_is_decoded_into_a_backward_window():
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    window = window_for(PageArgs(last=4, before=encode_cursor(NEWEST, (moment, 11))), NEWEST)
    assert window == Window(limit=4, backward=True, cursor=(moment, 11))


@pytest.mark.parametrize("size", [0, 1, MAX_PAGE_SIZE])
def test_page_sizes_from_zero_to_the_maximum_are_accepted(size):
    assert MAX_PAGE_SIZE == 100
    assert window_for(PageArgs(first=size), NEWEST).limit == size
    assert window_for(PageArgs(last=size), NEWEST).limit == size


@pytest.mark.parametrize(
    "args",
    [
        PageArgs(first=MAX_PAGE_SIZE + 1),
        PageArgs(last=MAX_PAGE_SIZE + 1),
        PageArgs(first=-1),
        PageArgs(last=-1),
        PageArgs(first=10**9),
    ],
    ids=["first 101", "last 101", "first -1", "last -1", "first huge"],
)
def test_page_size_outside_zero_to_a_hundred_is_bad_user_input(args):
    with pytest.raises(BadUserInput) as caught:
        window_for(args, NEWEST)
    assert caught.value.extensions["argument"] in {"first", "last"}


def _cursor() -> str:
    return encode_cursor(NEWEST, (datetime(2024, 1, 1, tzinfo=UTC), 1))


@pytest.mark.parametrize(
    "args",
    [
        PageArgs(first=1, last=1),
        PageArgs(after=_cursor(), before=_cursor()),
        PageArgs(first=1, after=_cursor(), before=_cursor()),
        PageArgs(first=1, before=_cursor()),
        PageArgs(last=1, after=_cursor()),
    ],
    ids=["first and last", "after and before", "first after before", "first with before", "last with after"],
)
def test_mixing_directions_is_bad_user_input(args):
    with pytest.raises(BadUserInput):
        window_for(args, NEWEST)


def test_window_with_a_cursor_of_another_list_is_bad_user_input():
    cursor = encode_cursor(COMMENTS_ORDER, (datetime(2024, 1, 1, tzinfo=UTC), 1))
    with pytest.raises(BadUserInput):
        window_for(PageArgs(first=1, after=cursor), NEWEST)


_SIZES = st.one_of(st.none(), st.integers(min_value=-(2**70), max_value=2**70))
_CURSORS = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.builds(
        lambda key, values: encode_cursor(key, values),
        st.sampled_from([USERS_ORDER]),
        st.tuples(
            st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 29), timezones=st.just(UTC)),
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
        ),
    ),
)


@given(first=_SIZES, after=_CURSORS, last=_SIZES, before=_CURSORS)
def test_any_relay_arguments_give_a_window_or_bad_user_input(first, after, last, before):
    """Whatever a client sends as first/after/last/before: a sane window or BAD_USER_INPUT, nothing else."""
    try:
        window = window_for(PageArgs(first, after, last, before), USERS_ORDER)
    except BadUserInput as error:
        assert error.extensions["code"] == "BAD_USER_INPUT"
        return
    assert 0 <= window.limit <= MAX_PAGE_SIZE
    assert window.backward == (last is not None or (first is None and before is not None))


async def _resolver(self, info, page: PageArgs, filter: str | None = None) -> tuple[PageArgs, str | None]:
    return page, filter


async def test_a_paged_resolver_shows_the_four_arguments_where_page_was_and_gets_them_as_one():
    """What Strawberry reads (the signature) has the four in PageArgs' order; the resolver gets one PageArgs."""
    resolver = paged(_resolver)
    shown = inspect.signature(resolver).parameters
    assert list(shown) == ["self", "info", "first", "after", "last", "before", "filter"]
    assert [(shown[name].annotation, shown[name].default) for name in ("first", "after")] == [
        (int | None, None),
        (str | None, None),
    ]
    assert await resolver(None, info=None, first=2, after="c", last=None, before=None, filter="f") == (
        PageArgs(first=2, after="c"),
        "f",
    )


def test_a_resolver_without_a_page_parameter_is_refused_when_declared():
    async def no_page(self, info) -> None: ...

    with pytest.raises(ValueError):
        paged(no_page)
