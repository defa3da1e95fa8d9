"""A migrated, seeded database for one client test file; dropped when stdin closes.

Run by support/server.js: prints the database URL as one JSON line once it is
ready, then waits. Closing stdin (or the Node process dying, which closes it)
drops the database, so a crashed test run leaves nothing behind.
Reuses the pytest suite's helpers: TEST_DATABASE_URL names the server, and
without it an embedded PostgreSQL lives as long as this process.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from graph.__main__ import main as graph_cli  # noqa: E402
from tests import database  # noqa: E402

SEED = ["--users", "12", "--articles", "40", "--comments", "120"]


def run_cli(url: str, *args: str) -> None:
    # The same commands an operator runs, so the CLI is exercised too; their
    # output goes to stderr to keep stdout for the one JSON line.
    os.environ["DATABASE_URL"] = url
    stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        if graph_cli(list(args)) != 0:
            raise SystemExit(f"python -m graph {' '.join(args)} failed")
    finally:
        sys.stdout = stdout


def main() -> None:
    server = database.server_url()
    name, url = asyncio.run(database.create_database(server))
    try:
        run_cli(url, "migrate")
        run_cli(url, "seed", *SEED)
        print(json.dumps({"databaseUrl": url}), flush=True)
        sys.stdin.read()
    finally:
        asyncio.run(database.drop_database(server, name))


if __name__ == "__main__":
    main()
