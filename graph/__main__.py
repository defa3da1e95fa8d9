"""Command line: `python -m graph {start,serve,migrate,seed,register-operations,export-schema}`."""

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.settings import Settings

if TYPE_CHECKING:
    from db.seed import SeedSize

ROOT = Path(__file__).resolve().parent.parent
APP = "graph.app:create_app"
DEMO_USER_EXISTS = "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)"


def _metrics_directory(workers: int) -> str | None:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR (graph/observability/metrics.py); one to remove after."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        # Files left by an earlier run would be added to this run's counters.
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        return None
    if workers <= 1:
        return None
    created = tempfile.mkdtemp(prefix="conduit-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = created
    return created


def _uvicorn_options(settings: Settings, host: str, port: int, workers: int) -> dict[str, Any]:
    from graph.http.ws_handshake import WebSocketProtocol
    from graph.observability.logs import logging_config

    return {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "loop": "uvloop",
        "http": "httptools",
        "ws": WebSocketProtocol,
        "log_config": logging_config(settings.log_level),
        "log_level": settings.log_level,
        "access_log": False,
        # The app reads X-Forwarded-For/-Proto itself, only from TRUSTED_PROXIES
        # (graph/http/client_address.py); uvicorn's own handling believes 127.0.0.1
        # whatever that setting says.
        "proxy_headers": False,
        # No `server: uvicorn` banner telling a scanner what to try.
        "server_header": False,
        "ws_max_size": settings.ws_max_message_bytes,
        # SIGTERM: stop accepting, let in-flight requests finish (this long at
        # most), then run the lifespan's shutdown, which closes the pool.
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


def _say(line: str) -> None:
    print(line, flush=True)


def _database_url(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server's, started if need be (and then stopped on SIGTERM too)."""
    if settings.database_url:
        return settings.database_url
    from db import embedded

    if not embedded.is_running(settings.data_dir):
        _say(f"starting the embedded PostgreSQL (data in {embedded.cluster_directory(settings.data_dir)})...")
    url = embedded.embedded_database_url(settings.data_dir)
    # uvicorn re-raises SIGTERM after its graceful shutdown; by default that
    # ends the process before atexit, where the embedded server is stopped.
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    return url


def _listen_address(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    from graph.auth.tokens import signing_secret
    from graph.cli.startup import check_port

    host, port = args.host or settings.host, args.port or settings.port
    signing_secret(settings)
    check_port(host, port)
    return host, port


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from graph.cli.startup import check_database

    host, port = _listen_address(args, settings)
    # Resolve the URL once (starting the embedded server if needed) so every
    # worker process connects to the same database.
    database_url = _database_url(settings)
    asyncio.run(check_database(database_url, at_head=True))
    os.environ["DATABASE_URL"] = database_url
    workers = args.workers or settings.workers
    created = _metrics_directory(workers)
    try:
        uvicorn.run(APP, **_uvicorn_options(settings, host, port, workers))
    finally:
        if created:
            shutil.rmtree(created, ignore_errors=True)
    return 0


def _start(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from graph.cli.banner import AnnouncingServer, banner
    from graph.cli.startup import check_database

    host, port = _listen_address(args, settings)
    database_url = _database_url(settings)
    asyncio.run(check_database(database_url, at_head=False))
    demo_account = asyncio.run(_migrate_and_seed(database_url))
    os.environ["DATABASE_URL"] = database_url
    config = uvicorn.Config(APP, **_uvicorn_options(settings, host, port, 1))
    server = AnnouncingServer(config, banner(settings, host, port, demo_account))
    # uvicorn re-raises Ctrl-C once it has shut down: the way `start` is meant to end.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 3


async def _migrate_and_seed(database_url: str) -> str | None:
    """Bring the database to head and, when it is empty, load the demo data; the demo account, if there is one."""
    from db.schema_version import current_revisions, head_revisions, upgrade_to_head
    from db.seed import SeedSize, demo_email, has_data, seed
    from graph.auth.passwords import DEMO_PASSWORD, hash_password_sync
    from graph.cli.startup import connection

    async with connection(database_url) as connected:
        if await current_revisions(connected) != head_revisions():
            _say("migrating the database to head...")
            await asyncio.to_thread(upgrade_to_head, database_url)
        if not await has_data(connected):
            size = SeedSize()
            _say(f"loading demo data ({size.users} users, {size.articles} articles, {size.comments} comments)...")
            await seed(connected, size, hash_password_sync(DEMO_PASSWORD), reset=False)
        email = demo_email()
        return email if await connected.fetchval(DEMO_USER_EXISTS, email) else None


def _migrate(_: argparse.Namespace, settings: Settings) -> int:
    from db.schema_version import upgrade_to_head
    from graph.cli.startup import check_database

    database_url = _database_url(settings)
    asyncio.run(check_database(database_url, at_head=False))
    upgrade_to_head(database_url)
    print("migrate: the database is at head")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from db.seed import seed
    from graph.auth.passwords import DEMO_PASSWORD, hash_password_sync
    from graph.cli.startup import check_database, connection

    size = args.size
    database_url = _database_url(settings)
    asyncio.run(check_database(database_url, at_head=True))

    async def run() -> bool:
        async with connection(database_url) as connected:
            return await seed(connected, size, hash_password_sync(DEMO_PASSWORD), reset=args.reset)

    if asyncio.run(run()):
        print(
            f"seed: {size.users} users, {size.articles} articles, {size.comments} comments "
            f"(every demo user's password is {DEMO_PASSWORD!r})"
        )
    else:
        print("seed: the database already has data; pass --reset to replace it")
    return 0


def _register_operations(args: argparse.Namespace, settings: Settings) -> int:
    import orjson

    from db import persisted_queries
    from graph.cli.startup import check_database, connection
    from graph.http.manifests import ManifestError, operations

    try:
        pairs = operations(orjson.loads(Path(args.manifest).read_bytes()))
    except (OSError, orjson.JSONDecodeError, ManifestError) as error:
        print(f"register-operations: {error}", file=sys.stderr)
        return 1

    database_url = _database_url(settings)
    asyncio.run(check_database(database_url, at_head=True))

    async def run() -> int:
        async with connection(database_url) as connected:
            return await persisted_queries.register(connected, pairs)

    print(f"register-operations: {asyncio.run(run())} operations on the allow-list")
    return 0


def _export_schema(args: argparse.Namespace, _: Settings) -> int:
    from graph.cli.artifacts import export, stale

    if args.check:
        outdated = stale(ROOT)
        for path in outdated:
            print(f"export-schema: {path.relative_to(ROOT)} is stale; run `python -m graph export-schema`")
        return 1 if outdated else 0
    for path in export(ROOT):
        print(f"export-schema: wrote {path.relative_to(ROOT)}")
    return 0


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; use 0 or more")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (1-65535)")
    return value


def _seed_size(parser: argparse.ArgumentParser, args: argparse.Namespace) -> "SeedSize":
    """Unset counts follow the ones given (no users: no articles, then no comments); given ones must agree."""
    from db.seed import SeedSize

    defaults = SeedSize()
    users = defaults.users if args.users is None else args.users
    articles = args.articles if args.articles is not None else (defaults.articles if users else 0)
    comments = args.comments if args.comments is not None else (defaults.comments if articles else 0)
    try:
        return SeedSize(users=users, articles=articles, comments=comments)
    except ValueError as error:
        parser.error(str(error))


def _add_listen_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--host", help="address to listen on (default: HOST, 127.0.0.1)")
    command.add_argument("--port", type=_port, help="port to listen on (default: PORT, 8000)")


def main(argv: list[str] | None = None) -> int:
    from graph.cli.errors import explain, without_secrets

    parser = argparse.ArgumentParser(prog="python -m graph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    start = commands.add_parser(
        "start", help="the whole service in one go: database, migrations, demo data (if empty), server"
    )
    _add_listen_arguments(start)
    start.set_defaults(run=_start)

    serve = commands.add_parser("serve", help="run the HTTP server (uvicorn, uvloop, httptools)")
    _add_listen_arguments(serve)
    serve.add_argument("--workers", type=_positive, help="worker processes (default: WORKERS, 1)")
    serve.set_defaults(run=_serve)

    commands.add_parser("migrate", help="upgrade the database to the newest migration").set_defaults(run=_migrate)

    seed = commands.add_parser("seed", help="load deterministic demo data (into an empty database, or --reset)")
    seed.add_argument("--users", type=_count, help="default 50")
    seed.add_argument("--articles", type=_count, help="default 200 (0 without users)")
    seed.add_argument("--comments", type=_count, help="default 1000 (0 without articles)")
    seed.add_argument("--reset", action="store_true", help="replace the existing data")
    seed.set_defaults(run=_seed)

    register = commands.add_parser(
        "register-operations", help="put a client manifest's operations on the allow-list (PERSISTED_QUERIES=allowlist)"
    )
    register.add_argument("manifest", help="Apollo persisted-query manifest or codegen persisted-documents JSON")
    register.set_defaults(run=_register_operations)

    export = commands.add_parser("export-schema", help="write schema.graphql and the client artifacts")
    export.add_argument("--check", action="store_true", help="exit 1 when a committed artifact is stale")
    export.set_defaults(run=_export_schema)

    args = parser.parse_args(argv)
    if args.command == "seed":
        args.size = _seed_size(seed, args)
    try:
        code: int = args.run(args, Settings())
        return code
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        lines = explain(error, args.command)
        if lines is None:
            raise
        urls = (os.environ.get("DATABASE_URL"), os.environ.get("LISTENER_DATABASE_URL"))
        for line in without_secrets(lines, *urls):
            print(f"{args.command}: {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
