"""bench/profile.py's reading of py-spy's collapsed stacks."""

from bench.profile import summarize

RAW = """\
process 1:"python -m graph serve";thread (0x1);main (graph/__main__.py:10);handle (graph/http/endpoint.py:5) 3
process 1:"python -m graph serve";thread (0x1);main (graph/__main__.py:10);handle (graph/http/endpoint.py:7);\
fetch (/x/site-packages/asyncpg/connection.py:99) 1
process 1:"python -m graph serve";thread (0x1);main (graph/__main__.py:11) 2
"""


def test_own_and_cumulative_time_are_counted_per_function_whatever_the_line():
    total, own, cumulative, by_file = summarize(RAW, top=10)
    assert total == 6
    assert own == [
        ("handle (graph/http/endpoint.py)", 3),
        ("main (graph/__main__.py)", 2),
        ("fetch (asyncpg/connection.py)", 1),
    ]
    assert dict(cumulative) == {
        "main (graph/__main__.py)": 6,
        "handle (graph/http/endpoint.py)": 4,
        "fetch (asyncpg/connection.py)": 1,
    }
    assert dict(by_file)["graph/http/endpoint.py"] == 3
