"""docs/settings.md, rendered from `graph.settings.Settings` so the page cannot drift from the code.

graph/cli/artifacts.py writes it with the schema artifacts; `export-schema --check` notices it stale.
"""

import types
import typing
from pathlib import Path

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from graph.settings import Settings

# docs/settings.md: one table per group; a group runs from the field named here
# to the next group's first field, in the class's order, so a field added
# inside a group lands in it.
SETTINGS_GROUPS = {
    "environment": "Environment and database",
    "pool_min_size": "Connection pool and timeouts",
    "host": "Serving",
    "persisted_queries": "Execution",
    "introspection": "Operation limits",
    "csrf_prevention": "Cross-site requests",
    "login_attempts_per_account": "Login attempts and client addresses",
    "log_level": "Logs, metrics, tracing",
    "allowed_origins": "Browsers, WebSockets and subscriptions",
    "jwt_secret": "Tokens",
}

SETTINGS_INTRO = """\
<!-- Generated from graph/settings.py by `python -m graph export-schema`; do not edit. -->
# Settings

Every setting is read from an environment variable of the same name in upper
case (pydantic-settings, `graph/settings.py`); no `.env` file is read. Booleans
accept `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`); "unset" means the
variable is absent. This page is rendered from the `Settings` class and its
field descriptions: `python -m graph export-schema` rewrites it, and
`python -m graph export-schema --check` (run by `scripts/test`) and
`tests/cli/test_settings_doc.py` fail when it is stale.

Read by other code, not by `Settings`: `PROMETHEUS_MULTIPROC_DIR` (where the
workers' metric files live; `serve --workers N` with N > 1 creates a temporary
one when unset and clears it at start when set, see [operating.md](operating.md)),
the standard `OTEL_EXPORTER_OTLP_*` variables (the OTLP exporter's endpoint and
headers when `TRACING=otlp`), and `TEST_DATABASE_URL` (the tests' PostgreSQL
server, see [testing.md](testing.md)).
"""


def _accepted(field: FieldInfo) -> str:
    """The values a field accepts, as a reader would type them."""
    annotation = field.annotation
    optional = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        (annotation,) = members
    if typing.get_origin(annotation) is typing.Literal:
        text = ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    elif annotation is bool:
        text = "`true`, `false`"
    elif annotation in (int, float):
        text = "integer" if annotation is int else "number"
        for constraint in field.metadata:
            if isinstance(constraint, annotated_types.Ge):
                text += f" ≥ {constraint.ge}"
            elif isinstance(constraint, annotated_types.Gt):
                text += f" > {constraint.gt}"
    elif annotation is SecretStr:
        text = "secret text"
    elif annotation is Path:
        text = "path"
    elif typing.get_origin(annotation) is list:
        text = "comma-separated list"
    elif annotation is str:
        text = "text"
    else:
        raise TypeError(f"settings doc: no wording for {annotation!r}")
    return f"{text}, unset" if optional else text


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if value in ("", []):
        return "empty"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _row(name: str, field: FieldInfo) -> str:
    if not field.description:
        raise ValueError(f"settings doc: {name} has no description")
    meaning = field.description.replace("|", "\\|").replace("\n", " ")
    return f"| `{name.upper()}` | {_accepted(field)} | {_default(field)} | {meaning} |"


def settings_doc(settings_class: type[Settings] = Settings) -> str:
    """docs/settings.md: one table per group of SETTINGS_GROUPS, fields in the class's order."""
    fields = settings_class.model_fields
    missing = [name for name in SETTINGS_GROUPS if name not in fields]
    if missing or next(iter(fields)) not in SETTINGS_GROUPS:
        raise ValueError(f"settings doc: SETTINGS_GROUPS does not match the settings ({missing})")
    sections: list[list[str]] = []
    for name, field in fields.items():
        if name in SETTINGS_GROUPS:
            sections.append([f"## {SETTINGS_GROUPS[name]}", "", "| variable | accepts | default | meaning |"])
            sections[-1].append("| --- | --- | --- | --- |")
        sections[-1].append(_row(name, field))
    return "\n\n".join([SETTINGS_INTRO.rstrip("\n"), *("\n".join(section) for section in sections)]) + "\n"
