"""What one running operation has told its observer so far: its context and name, its document.

The HTTP door (graph/http/observe.py) opens an `Observation` per operation
and writes the log line and metrics from it when the operation ends; the
schema extension (graph/schema/operation_state.py) fills it in as the
operation runs. The context variable lives here, below both, so neither
imports the other.
"""

from contextvars import ContextVar
from typing import Any


class Observation:
    """Filled in while one operation runs; read once when it ends."""

    __slots__ = ("context", "operation_name", "query")

    def __init__(self) -> None:
        self.context: Any = None
        self.operation_name: str | None = None
        self.query: str | None = None  # the document, once a persisted query's hash is resolved


current_observation: ContextVar[Observation | None] = ContextVar("current_observation", default=None)
