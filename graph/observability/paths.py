"""Which execution path answered an operation: one name per path, used in code, metrics, logs and docs.

- `planned`: the planner's one SQL statement (graph/planned/json_sql.py).
- `tiered`: the planner's level-by-level tier (graph/planned/executor.py),
  for a plan the one-statement compiler does not cover.
- `general`: Strawberry's resolvers and DataLoaders.
- `introspection`: the general path, for an operation whose root fields are
  all introspection (`__schema`, `__type`, `__typename`).
- `refused`: no path ran the document: a request error, an unknown persisted
  query, a document that does not parse, validate or fit the limits, a bad
  token, the database unavailable before execution, a refused subscribe.

`PathCounts` is the PATH_COUNTS_REPORT file's content: off (None) unless the
setting names a file, so the request path pays one `is not None` for it.
"""

from collections import Counter
from pathlib import Path

import orjson

PLANNED = "planned"
TIERED = "tiered"
GENERAL = "general"
INTROSPECTION = "introspection"
REFUSED = "refused"
PATHS = (PLANNED, TIERED, GENERAL, INTROSPECTION, REFUSED)
# The operation type counted for each subscription event delivered to one subscriber (graph/realtime/hub.py).
SUBSCRIPTION_EVENT = "subscription_event"

# Distinct documents remembered per process for the report: a test suite sends
# a few hundred; a bound keeps a long-running server's memory flat.
MAX_DOCUMENTS = 2000


class PathCounts:
    """Operations by (path, type) in this process, and which documents took the general path."""

    def __init__(self, planned_execution: bool = True) -> None:
        # Whether this process ran with the planned path on: a report over a test run leaves out those that did not.
        self.planned_execution = planned_execution
        self.counts: Counter[tuple[str, str]] = Counter()
        # (operation name, document) -> how many times the general path answered it successfully.
        self.general: Counter[tuple[str | None, str]] = Counter()

    def add(self, path: str, operation_type: str, name: str | None, query: str | None, ok: bool) -> None:
        self.counts[(path, operation_type)] += 1
        if ok and path == GENERAL and query is not None:
            key = (name, query)
            if key in self.general or len(self.general) < MAX_DOCUMENTS:
                self.general[key] += 1

    def append_to(self, file: Path) -> None:
        """One JSON line per process (several workers, several servers: each appends its own)."""
        line = {
            "planned_execution": self.planned_execution,
            "counts": [{"path": p, "type": t, "count": n} for (p, t), n in sorted(self.counts.items())],
            "general": [{"operation": name, "query": q, "count": n} for (name, q), n in self.general.items()],
        }
        with file.open("ab") as out:
            out.write(orjson.dumps(line) + b"\n")
