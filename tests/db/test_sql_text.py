"""No request value ever becomes SQL text: a static check of every statement the code sends.

The rule, checked on the syntax tree of db/, graph/ and migrations/:

- The SQL argument of execute/fetch/fetchrow/fetchval/executemany/prepare/
  cursor/copy_from_query (and the table of copy_*) is a string literal, or a
  module-level name (or an item of one: `ARTICLES_PAGE[order][backward]`).
  Module-level names are bound at import time, when no request exists, so
  whatever f-strings build them (`ARTICLE_COLUMNS`, db/keyset.py's
  templates) hold only text written in this repository. No `global`
  statement may rebind one later.
- Four pass-throughs are allowed by name: db/pool.py's wrappers (and its
  tracing subclass) forward their `sql` parameter, db/keyset.py's `fetch_pages` runs the `statements`
  it is given (every call of `fetch_pages` must pass a module-level name),
  db/fields.py's declarations run the statements they composed (`self.…`),
  and graph/planned/json_sql.py runs the statements it composed (a whole
  response, or one object of a mutation payload) from its
  constant fragments in the shape of a plan; every value in it, response
  keys included, is a `$n` parameter (tests/planned/test_json_sql.py checks that
  the text depends on the plan's shape only).
- SQL text is composed at run time only in `SortKey.statements`/`_fill`
  (db/keyset.py), from the key's constant columns and a template, and in
  the `__post_init__` of db/fields.py's declarations; `.statements(` and
  those declarations may only be called at module level (so only at import).
- No function body in db/ builds text that looks like SQL with an f-string,
  `.format`, `%` or `+`.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(path for folder in ("db", "graph", "migrations") for path in (ROOT / folder).rglob("*.py"))
SQL_METHODS = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "prepare", "cursor", "copy_from_query"}
TABLE_METHODS = {"copy_records_to_table", "copy_to_table", "copy_from_table"}
GRAPHQL_RECEIVERS = {"schema", "planned"}  # schema.execute, the planned path's execute
PASS_THROUGH = {
    ("db/pool.py", "sql"),
    ("db/keyset.py", "statements"),
    ("db/fields.py", "self"),
    ("graph/planned/json_sql.py", "sql"),
}
COMPOSERS = {("db/keyset.py", "statements"), ("db/keyset.py", "_fill"), ("db/fields.py", "__post_init__")}
# db/fields.py's declaration kinds: each composes statements when made, so only module level may make one.
DECLARATIONS = {
    node.name for node in ast.parse((ROOT / "db" / "fields.py").read_text()).body if isinstance(node, ast.ClassDef)
}
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|FROM|ORDER BY|VALUES)\b")


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the conftest fixture: this reads source files only."""


def module_names(tree: ast.Module) -> set[str]:
    names = set()
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name):
                names.add(target.id)
    return names


def base_name(node: ast.expr) -> ast.Name | None:
    """The name an expression starts from: `PAGES[order][backward]`, `COMMENTS.by_ids`, `self.counts`."""
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def violations(source: str, relative: str) -> list[str]:
    tree = ast.parse(source)
    constants = module_names(tree)
    for loop in ast.walk(tree):  # `for statement in UPGRADE:` takes items of a module-level name
        if isinstance(loop, ast.For) and isinstance(loop.target, ast.Name):
            iterated = base_name(loop.iter)
            if iterated is not None and iterated.id in constants:
                constants.add(loop.target.id)
    found: list[str] = []
    functions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                functions.setdefault(id(inner), node.name)

    def where(node: ast.AST) -> str:
        return f"{relative}:{node.lineno}"

    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(f"{where(node)} rebinds a module-level name with `global`")
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        receiver = function.value if isinstance(function, ast.Attribute) else None
        inside = functions.get(id(node))
        if inside is not None and (relative, inside) not in COMPOSERS:
            if name == "statements" and isinstance(function, ast.Attribute):
                found.append(f"{where(node)} composes statements inside a function")
            if name in DECLARATIONS and relative.startswith(("db/", "graph/")):
                found.append(f"{where(node)} makes a field declaration inside a function")
        if name == "fetch_pages" and relative.startswith("db/") and relative != "db/keyset.py":
            base = base_name(node.args[1]) if len(node.args) >= 2 else None
            if base is None or (base.id not in constants and (relative, base.id) not in PASS_THROUGH):
                found.append(f"{where(node)} passes fetch_pages statements that are not module-level")
        if receiver is None or name not in SQL_METHODS | TABLE_METHODS or not node.args:
            continue
        if isinstance(receiver, ast.Name) and receiver.id in GRAPHQL_RECEIVERS:
            continue  # GraphQL's execute, not SQL
        argument = node.args[0]
        if isinstance(argument, ast.Name) and argument.id == "self" and len(node.args) > 1:
            argument = node.args[1]  # `base.fetch(self, sql, ...)`: a method called through its class
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            continue
        if name in TABLE_METHODS:
            found.append(f"{where(node)} names a table with a non-literal")
            continue
        base = base_name(argument)
        if base is not None and base.id in constants:
            continue
        if base is not None and (relative, base.id) in PASS_THROUGH:
            continue
        found.append(f"{where(node)} sends SQL text that is not a literal or module-level: {ast.unparse(argument)}")

    if relative.startswith("db/"):
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (relative, function.name) in COMPOSERS:
                continue
            for node in ast.walk(function):
                if composes_sql(node):
                    found.append(f"{where(node)} builds SQL-like text at run time: {ast.unparse(node)[:60]}")
    return found


def composes_sql(node: ast.AST) -> bool:
    def sql_literal(part: ast.AST) -> bool:
        return any(
            isinstance(constant, ast.Constant) and isinstance(constant.value, str) and SQL_WORDS.search(constant.value)
            for constant in ast.walk(part)
        )

    if isinstance(node, ast.JoinedStr):
        return sql_literal(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return sql_literal(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return sql_literal(node.func.value)
    return False


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_request_value_becomes_sql_text(path):
    relative = str(path.relative_to(ROOT))
    assert violations(path.read_text(), relative) == []


def test_the_sources_checked_include_the_db_layer():
    checked = {str(path.relative_to(ROOT)) for path in SOURCES}
    assert {"db/users.py", "db/articles.py", "db/keyset.py", "db/login_attempts.py"} <= checked


@pytest.mark.parametrize(
    "snippet",
    [
        "async def f(db, name):\n    return await db.fetch(f\"SELECT * FROM users WHERE name = '{name}'\")\n",
        'async def f(db, name):\n    return await db.fetchrow("SELECT * FROM users WHERE name = %s" % name)\n',
        'async def f(db, name):\n    sql = "SELECT * FROM t WHERE a = " + name\n    return await db.execute(sql)\n',
        'async def f(db, order):\n    return await db.fetch("SELECT 1 ORDER BY {}".format(order))\n',
        'Q = "SELECT 1"\ndef f(x):\n    global Q\n    Q = x\n',
        "async def f(db, table):\n    await db.copy_records_to_table(table, records=[])\n",
        "async def f(db, key):\n    return await db.fetch(key.statements('SELECT {where}', 1)[False])\n",
        "async def f(db, column):\n    return await Values('t', column, 'v').of(db, [1])\n",
        "async def f(db, declared):\n    return await db.fetch(declared.batch, [1])\n",
    ],
)
def test_the_check_catches_sql_built_from_values(snippet):
    assert violations(snippet, "db/example.py") != []


def test_the_check_accepts_the_safe_patterns():
    snippet = (
        'COLUMNS = "a, b"\n'
        'BY_ID = f"SELECT {COLUMNS} FROM t WHERE id = $1"\n'
        'PAGES = {True: "SELECT 1", False: "SELECT 2"}\n'
        "async def f(db, backward, id):\n"
        "    await db.fetchrow(BY_ID, id)\n"
        "    await db.fetch(PAGES[backward])\n"
        '    await db.execute("DELETE FROM t WHERE id = $1", id)\n'
    )
    assert violations(snippet, "db/example.py") == []
