"""A request's headers, read once."""

from collections.abc import Mapping
from typing import Any

Headers = Mapping[str, str]  # what the handlers read: `first_values`, or Starlette's Headers


def first_values(scope: Mapping[str, Any]) -> dict[str, str]:
    """Each header's first value by its lower-case name (ASGI servers lower-case them).

    What Starlette's `Headers.get` answers, but Headers scans the whole list
    on every read, and a GraphQL request reads up to eight headers, most of
    them absent; this is one pass.
    """
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(scope["headers"])}
