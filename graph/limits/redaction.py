"""The variables an operation's log line may show (LOG_VARIABLES=true).

Redaction goes by what a variable feeds, not by its name: a value that
reaches a secret argument or input field (graph/limits/bounds.py marks
them: every `password`) is redacted whether the variable is `$input`,
`$p` or `$pass`, directly, inside an input object literal, or as a whole
input object (its secret fields only). A variable named `password` that
feeds a bio is shown: its name says nothing about what it holds. What the
operation does not declare, and everything when the document cannot be
read (it does not parse, or no query came), is redacted: nothing says
where those values would have gone.
"""

from typing import Any

from graphql import GraphQLError, GraphQLSchema

from graph.limits.bounds import REDACTED
from graph.limits.extension import variable_uses
from graph.limits.shape import Limits


def logged_variables(
    schema: GraphQLSchema,
    query: str | None,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    limits: Limits,
) -> dict[str, Any] | None:
    if not variables:
        return variables
    if query:
        try:
            return variable_uses(schema, query, operation_name, limits).redacted(variables)
        except GraphQLError:
            pass
    return dict.fromkeys(variables, REDACTED)
