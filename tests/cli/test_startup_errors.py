"""Every startup mistake a user can make ends in at most two lines that say what to do, never a traceback."""

import socket
from pathlib import Path

import pytest

from tests import database
from tests.commands import command_env, run_command
from tests.servers import free_port

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)

PASSWORD = "hunter2-not-for-logs"
COMMANDS = ("start", "serve", "migrate", "seed", "register-operations")


def manifest(tmp_path: Path) -> str:
    path = tmp_path / "manifest.json"
    path.write_text('{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []}')
    return str(path)


def arguments(command: str, tmp_path: Path) -> list[str]:
    if command == "register-operations":
        return [command, manifest(tmp_path)]
    if command in ("start", "serve"):
        return [command, "--port", str(free_port())]
    return [command]


def assert_explained(result, *fixes: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    for fix in fixes:
        assert fix in result.stderr, result.stderr
    return result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreachable_database_names_the_address_and_the_setting(command, tmp_path) -> None:
    env = command_env(tmp_path, DATABASE_URL=f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/x")
    result = run_command(*arguments(command, tmp_path), env=env)
    assert_explained(result, "cannot reach PostgreSQL at 127.0.0.1:1/x", "set DATABASE_URL")


def test_an_unknown_role_is_a_login_problem(tmp_path) -> None:
    url = database.server_url().replace("postgresql://postgres", f"postgresql://no_such_role:{PASSWORD}", 1)
    result = run_command("migrate", env=command_env(tmp_path, DATABASE_URL=url))
    assert_explained(result, "refused the login", "no_such_role", "fix the user and password in DATABASE_URL")


def test_a_missing_database_says_how_to_create_it(tmp_path) -> None:
    url = database.with_database(database.server_url(), "no_such_database_here")
    result = run_command("serve", "--port", str(free_port()), env=command_env(tmp_path, DATABASE_URL=url))
    assert_explained(result, '"no_such_database_here" does not exist', "createdb no_such_database_here")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("PORT", "abc", "valid integer"),
        ("LOG_LEVEL", "loud", "'debug', 'info', 'warning' or 'error'"),
        ("POOL_MAX_SIZE", "0", "greater than or equal to 1"),
        ("PORT", "70000", "less than or equal to 65535"),
    ],
)
@pytest.mark.parametrize("command", ("start", "migrate"))
def test_a_bad_setting_names_the_variable_and_what_it_accepts(command, name, value, problem, tmp_path) -> None:
    result = run_command(command, env=command_env(tmp_path, **{name: value}))
    assert_explained(result, f"{name}={value!r}", problem, f"fix or unset {name}")


def test_a_bad_database_url_is_not_repeated_back(tmp_path) -> None:
    env = command_env(tmp_path, DATABASE_URL=f"postgresql://postgres:{PASSWORD}@127.0.0.1:notaport/x")
    assert_explained(run_command("migrate", env=env), "DATABASE_URL", "postgresql://USER:PASSWORD@HOST:PORT/DATABASE")


async def test_serve_on_an_unmigrated_database_says_to_migrate(tmp_path) -> None:
    name, url = await database.create_database(database.server_url())
    try:
        env = command_env(tmp_path, DATABASE_URL=url)
        for command in ("serve", "seed"):
            result = run_command(*arguments(command, tmp_path), env=env)
            assert_explained(result, "the database is at revision nothing", "head is", "python -m graph migrate")
    finally:
        await database.drop_database(database.server_url(), name)


@pytest.mark.parametrize("command", ("start", "serve"))
def test_a_busy_port_says_how_to_choose_another(command, tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # A database nobody could reach: the port check must come first.
        env = command_env(tmp_path, DATABASE_URL=f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/x")
        result = run_command(command, "--port", str(port), env=env)
    assert_explained(result, f"port {port} on 127.0.0.1 is already in use", f"--port {port + 1}", f"PORT={port + 1}")


def test_production_without_a_signing_secret_says_how_to_make_one(tmp_path) -> None:
    env = command_env(tmp_path, ENVIRONMENT="production", JWT_SECRET=None)
    result = run_command("serve", "--port", str(free_port()), env=env)
    assert_explained(result, "JWT_SECRET is not set", "openssl rand")


def test_an_embedded_server_that_cannot_start_points_at_its_log(tmp_path) -> None:
    pgdata = tmp_path / "postgres"
    pgdata.mkdir()
    # A data directory that claims to be initialised but holds nothing PostgreSQL can run on.
    (pgdata / "PG_VERSION").write_text("18\n")
    pgdata.chmod(0o777)
    result = run_command("migrate", env=command_env(tmp_path))
    assert_explained(result, "the embedded PostgreSQL", "did not start", str(pgdata / "log"), "DATABASE_URL")


def test_a_negative_port_is_refused_by_the_parser(tmp_path) -> None:
    result = run_command("start", "--port", "-5", env=command_env(tmp_path))
    assert result.returncode == 2
    assert "negative" in result.stderr and "Traceback" not in result.stderr
