"""Login attempts per account and per client address, shared by every server process.

Revision ID: 0003_login_attempts
Revises: 0002_persisted_queries
Create Date: 2026-11-24

One row per bucket (`email:<sha256 of the email>` or `address:<ip>`) with a
fixed window: the first attempt after a window has passed starts a new one.
Emails are stored hashed: attackers try addresses that belong to no user.
"""

from alembic import op

revision = "0003_login_attempts"
down_revision = "0002_persisted_queries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE login_attempts (
            bucket             text PRIMARY KEY CHECK (char_length(bucket) <= 200),
            window_started_at  timestamptz NOT NULL,
            attempts           integer NOT NULL CHECK (attempts > 0)
        )
        """
    )
    op.execute("CREATE INDEX login_attempts_window_started_at ON login_attempts (window_started_at)")


def downgrade() -> None:
    op.execute("DROP TABLE login_attempts")
