"""Structured logs: one JSON object per line on stdout, for our loggers and uvicorn's.

`serve` hands `logging_config()` to uvicorn, which applies it in every worker
process. uvicorn's access log is off: each GraphQL operation gets its own
line from graph.http.observe (logger `graph.request`) with more in it.
"""

import logging
import time
from typing import Any

import orjson


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the record's `fields` (extra={"fields": {...}}), and any traceback."""

    # (whole second, its text): one strftime per second instead of one per line, a line per operation.
    _second: tuple[int, str] = (-1, "")

    def _time(self, record: logging.LogRecord) -> str:
        whole = int(record.created)
        second, text = self._second
        if second != whole:
            text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
            self._second = (whole, text)
        return f"{text}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self._time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class RecordTemplate:
    """LogRecords of one logger, level and message, made by copying the first.

    LogRecord.__init__ works out the caller's file and module name, the
    thread and the process for every record; for the line written per
    GraphQL operation (graph/http/observe.py) none of them changes within a
    worker, and the lookups were a fifth of that line's cost. A copy carries
    every attribute the first record had, so handlers, filters and formatters
    see an ordinary record of the installed record factory's class.
    """

    def __init__(self, name: str, level: int, message: str) -> None:
        self._args = (name, level, __file__, 0, message, (), None)
        self._first: dict[str, Any] | None = None
        self._class: type[logging.LogRecord] = logging.LogRecord

    def record(self, **extra: Any) -> logging.LogRecord:
        now = time.time()
        first = self._first
        if first is None:
            made = logging.getLogRecordFactory()(*self._args)
            self._class, self._first = type(made), made.__dict__.copy()
            first = self._first
        record = self._class.__new__(self._class)
        record.__dict__.update(first)
        record.created = now
        record.msecs = int((now - int(now)) * 1000) + 0.0  # as LogRecord computes it
        record.relativeCreated = first["relativeCreated"] + (now - first["created"]) * 1000
        record.__dict__.update(extra)
        return record


def logging_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server process and uvicorn's workers."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # uvicorn's loggers carry their own handlers by default; route them to ours.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
            # The startup migration check would log alembic's plugin set-up in every worker.
            "alembic": {"level": "WARNING"},
        },
    }
