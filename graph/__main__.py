"""Command line: `python -m graph {serve,migrate,seed,register-operations,export-schema}`."""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from graph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def _metrics_directory(workers: int) -> str | None:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR (see graph/metrics.py); returns one to remove after."""
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


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from graph.logs import logging_config

    # Resolve the URL once (starting the embedded server if needed) so every
    # worker process connects to the same database.
    os.environ["DATABASE_URL"] = settings.require_database_url()
    workers = args.workers or settings.workers
    created = _metrics_directory(workers)
    try:
        uvicorn.run(
            "graph.app:create_app",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=workers,
            loop="uvloop",
            http="httptools",
            ws="websockets-sansio",
            log_config=logging_config(settings.log_level),
            log_level=settings.log_level,
            access_log=False,
            ws_max_size=settings.ws_max_message_bytes,
            # SIGTERM: stop accepting, let in-flight requests finish (this long at
            # most), then run the lifespan's shutdown, which closes the pool.
            timeout_graceful_shutdown=settings.shutdown_timeout,
        )
    finally:
        if created:
            shutil.rmtree(created, ignore_errors=True)
    return 0


def _migrate(_: argparse.Namespace, settings: Settings) -> int:
    from graph.migrations import upgrade_to_head

    upgrade_to_head(settings.require_database_url())
    print("migrate: the database is at head")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    import asyncpg

    from db.seed import SeedSize, seed
    from graph.passwords import DEMO_PASSWORD, hash_password_sync

    size = SeedSize(users=args.users, articles=args.articles, comments=args.comments)

    async def run() -> bool:
        connection = await asyncpg.connect(settings.require_database_url())
        try:
            return await seed(connection, size, hash_password_sync(DEMO_PASSWORD), reset=args.reset)
        finally:
            await connection.close()

    if asyncio.run(run()):
        print(
            f"seed: {size.users} users, {size.articles} articles, {size.comments} comments "
            f"(every demo user's password is {DEMO_PASSWORD!r})"
        )
    else:
        print("seed: the database already has data; pass --reset to replace it")
    return 0


def _register_operations(args: argparse.Namespace, settings: Settings) -> int:
    import asyncpg
    import orjson

    from db import persisted_queries
    from graph.manifests import ManifestError, operations

    try:
        pairs = operations(orjson.loads(Path(args.manifest).read_bytes()))
    except (OSError, orjson.JSONDecodeError, ManifestError) as error:
        print(f"register-operations: {error}", file=sys.stderr)
        return 1

    async def run() -> int:
        connection = await asyncpg.connect(settings.require_database_url())
        try:
            return await persisted_queries.register(connection, pairs)
        finally:
            await connection.close()

    print(f"register-operations: {asyncio.run(run())} operations on the allow-list")
    return 0


def _export_schema(args: argparse.Namespace, _: Settings) -> int:
    from graph.artifacts import export, stale

    if args.check:
        outdated = stale(ROOT)
        for path in outdated:
            print(f"export-schema: {path.relative_to(ROOT)} is stale; run `python -m graph export-schema`")
        return 1 if outdated else 0
    for path in export(ROOT):
        print(f"export-schema: wrote {path.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server (uvicorn, uvloop, httptools)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="worker processes (default: WORKERS, 1)")
    serve.set_defaults(run=_serve)

    commands.add_parser("migrate", help="upgrade the database to the newest migration").set_defaults(run=_migrate)

    seed = commands.add_parser("seed", help="load deterministic demo data")
    seed.add_argument("--users", type=int, default=50)
    seed.add_argument("--articles", type=int, default=200)
    seed.add_argument("--comments", type=int, default=1000)
    seed.add_argument("--reset", action="store_true", help="replace existing data")
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
    return args.run(args, Settings())


if __name__ == "__main__":
    sys.exit(main())
