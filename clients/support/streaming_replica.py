"""A primary with a streaming replica of it, migrated and seeded, for the read-your-writes client tests.

Run by support/server.js like throwaway_database.py: prints one JSON line
({"databaseUrl", "replicaUrl"}) once the replica has replayed the seed, then
waits; closing stdin stops both clusters and removes them. The clusters are
the pytest suite's (tests/replication.py): the replica applies commits
300 ms late, so a read right after a write that went to it would miss it.
"""

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from clients.support.throwaway_database import SEED, run_cli  # noqa: E402
from tests.clusters import migrated_database  # noqa: E402
from tests.replication import primary_and_replica, wait_for_replay  # noqa: E402


def main() -> None:
    with primary_and_replica() as (primary, replica):
        url = asyncio.run(migrated_database(primary))
        run_cli(url, "seed", *SEED)
        replica_url = replica.url("conduit")
        asyncio.run(wait_for_replay(url, replica_url))
        print(json.dumps({"databaseUrl": url, "replicaUrl": replica_url}), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
