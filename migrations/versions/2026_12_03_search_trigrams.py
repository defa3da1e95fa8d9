"""Trigram indexes for the article filter's `search`.

Revision ID: 0004_search_trigrams
Revises: 0003_login_attempts
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
(graph/argument_bounds.py) is what keeps that scan cheap.
"""

from alembic import op
from sqlalchemy import text

revision = "0004_search_trigrams"
down_revision = "0003_login_attempts"
branch_labels = None
depends_on = None

COLUMNS = ("title", "description", "body")


def _has_pg_trgm() -> bool:
    available = "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    return op.get_bind().execute(text(available)).scalar() is not None


def upgrade() -> None:
    if not _has_pg_trgm():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        index = f"articles_{column}_trgm_idx"
        op.execute(f"CREATE INDEX IF NOT EXISTS {index} ON articles USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS articles_{column}_trgm_idx")
    # Without CASCADE: if anything else came to use pg_trgm, the downgrade stops rather than break it.
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
