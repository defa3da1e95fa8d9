"""Persisted queries, shared by every server process.

Revision ID: 0002_persisted_queries
Revises: 0001_conduit_schema
Create Date: 2026-11-23

`registered` marks operations loaded ahead of time from a client manifest:
in allow-list mode only those run.
"""

from alembic import op

revision = "0002_persisted_queries"
down_revision = "0001_conduit_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE persisted_queries (
            sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
            query       text NOT NULL CHECK (char_length(query) <= 100000),
            registered  boolean NOT NULL DEFAULT false,
            created_at  timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE persisted_queries")
