"""Login limits that slow an account down instead of locking it: counts per bucket, checked and kept by one function.

Revision ID: 0004_login_attempt_delays
Revises: 0003_login_attempts
Create Date: 2026-12-03

Buckets (graph/auth/login_limits.py): `email:<sha256>` (an account, from any
address), `email-address:<sha256>:<ip>` (an account from one address),
`address:<ip>` and `register:<ip>`. A fixed-window bucket allows `limit`
attempts until `expires_at` (window start + window). The account bucket
has no window: after `free` attempts each further one must come
`first_delay × 2^(attempts - free)` seconds (at most `max_delay`) after the
last, and the count is forgotten `window` seconds after the last attempt.

`count_login_attempt` locks every bucket of an attempt (creating missing ones
at zero) in sorted order, so concurrent attempts sharing buckets serialize and
cannot deadlock; then either every bucket allows it and it is counted in all
of them (returns 0), or nothing is counted and it returns the seconds to wait.
A refused attempt counts nowhere: an attacker hammering an account cannot push
its owner's next chance further away. One statement per attempt.

The counters are short-lived, so the old table is replaced rather than
converted: a deploy forgets at most a window's counts.
"""

from alembic import op

revision = "0004_login_attempt_delays"
down_revision = "0003_login_attempts"
branch_labels = None
depends_on = None

COUNT_LOGIN_ATTEMPT = """
CREATE FUNCTION count_login_attempt(
    fixed_buckets text[], fixed_limits integer[], fixed_windows double precision[],
    account text, free integer, account_window double precision,
    first_delay double precision, max_delay double precision
) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    wait double precision := 0;
    state record;
    position integer;
BEGIN
    FOR state IN
        INSERT INTO login_attempts AS a (bucket, attempts, last_attempt_at, expires_at)
        SELECT b, 0, now(), now() FROM unnest(fixed_buckets || account) AS b WHERE b IS NOT NULL ORDER BY b
        ON CONFLICT (bucket) DO UPDATE SET bucket = excluded.bucket
        RETURNING a.bucket, a.attempts, a.last_attempt_at, a.expires_at
    LOOP
        CONTINUE WHEN state.expires_at <= now();  -- an ended window, a forgotten account: zero
        IF state.bucket = account THEN
            IF state.attempts >= free THEN
                wait := greatest(wait, extract(epoch FROM state.last_attempt_at - now())
                    + least(max_delay, first_delay * 2 ^ least(state.attempts - free, 40)));
            END IF;
        ELSE
            position := array_position(fixed_buckets, state.bucket);
            IF state.attempts >= fixed_limits[position] THEN
                wait := greatest(wait, extract(epoch FROM state.expires_at - now()));
            END IF;
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN greatest(1, ceil(wait))::integer;
    END IF;
    UPDATE login_attempts AS a SET
        attempts = CASE WHEN a.expires_at <= now() THEN 1 ELSE a.attempts + 1 END,
        last_attempt_at = now(),
        expires_at = CASE
            WHEN a.bucket = account THEN now() + make_interval(secs => account_window)
            WHEN a.expires_at <= now()
                THEN now() + make_interval(secs => fixed_windows[array_position(fixed_buckets, a.bucket)])
            ELSE a.expires_at
        END
    WHERE a.bucket = ANY (fixed_buckets || account);
    RETURN 0;
END
$$
"""


def upgrade() -> None:
    op.execute("DROP TABLE login_attempts")
    op.execute(
        """
        CREATE TABLE login_attempts (
            bucket           text PRIMARY KEY CHECK (char_length(bucket) <= 200),
            attempts         integer NOT NULL CHECK (attempts >= 0),
            last_attempt_at  timestamptz NOT NULL,
            expires_at       timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX login_attempts_expires_at ON login_attempts (expires_at)")
    op.execute(COUNT_LOGIN_ATTEMPT)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION count_login_attempt(text[], integer[], double precision[], text, integer, double precision, "
        "double precision, double precision)"
    )
    op.execute("DROP TABLE login_attempts")
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
