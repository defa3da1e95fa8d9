"""Trigram indexes for the article filter's `search`.

Revision ID: 0005_search_trigrams
Revises: 0004_login_attempt_delays
Create Date: 2026-12-03

`search` is `title ILIKE $p OR description ILIKE $p OR body ILIKE $p` with
`$p` = `%text%` (db/articles.py); a pg_trgm GIN index on each column lets
PostgreSQL answer each ILIKE from the index and OR the bitmaps instead of
reading every body, with the same answers (the index only preselects rows;
the ILIKE is rechecked on each).

pg_trgm is contrib: PostgreSQL packages ship it, and it is a trusted
extension (the database owner may create it), but the embedded server
(`python -m graph start`) does not have it. There the migration creates
nothing and `search` stays a scan: the bound on its length
(graph/limits/bounds.py) is what keeps that scan cheap.
"""

from alembic import op

revision = "0005_search_trigrams"
down_revision = "0004_login_attempt_delays"
branch_labels = None
depends_on = None

INDEXES = (
    "CREATE INDEX IF NOT EXISTS articles_title_trgm_idx ON articles USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS articles_description_trgm_idx ON articles USING gin (description gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS articles_body_trgm_idx ON articles USING gin (body gin_trgm_ops)",
)
DROPS = (
    "DROP INDEX IF EXISTS articles_title_trgm_idx",
    "DROP INDEX IF EXISTS articles_description_trgm_idx",
    "DROP INDEX IF EXISTS articles_body_trgm_idx",
)
AVAILABLE = "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"


def upgrade() -> None:
    if op.get_bind().exec_driver_sql(AVAILABLE).scalar() is None:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for statement in INDEXES:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROPS:
        op.execute(statement)
    # Without CASCADE: if anything else came to use pg_trgm, the downgrade stops rather than break it.
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
