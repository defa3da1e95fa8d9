"""The number of articles, kept exact by triggers in sixteen rows.

Revision ID: 0006_article_count
Revises: 0005_search_trigrams
Create Date: 2026-12-04

Every unfiltered article list answers its count (REST's `articlesCount`,
GraphQL's `articles { totalCount }`). `count(*)` over the table reads every
row's index entry, and after a burst of writes, until VACUUM has marked
the pages all-visible, every row's heap tuple too: 15 ms for 40,000
articles here, linear in the table. One row kept exact by triggers makes
it the sum of sixteen rows at any size.

Each writer adds to the row of its own backend (pid % 16), so concurrent
writers rarely share one; a delete may subtract from another row than
the insert added to, so only the sum is the count (and never negative). A
row is a lock writers may share, so it must be the last one each takes:
the triggers are deferred to the commit, after every other lock the
transaction holds (the tags' counters, the article rows).
Per statement they would not be: a cascaded delete's tag counters fire
after the statement's own triggers, and a delete counting first while a
create held the same tags deadlocked (tests/db/test_db_layer.py races
creates and deletes sharing tags). Held from the commit's start to its
end, a row serializes only the commits of the backends sharing it.
TRUNCATE (the tests') sets it to zero.
"""

from alembic import op

revision = "0006_article_count"
down_revision = "0005_search_trigrams"
branch_labels = None
depends_on = None

UPGRADE = (
    """
CREATE TABLE article_count (
    slot     smallint PRIMARY KEY CHECK (slot BETWEEN 0 AND 15),
    articles bigint NOT NULL
)
    """,
    """
INSERT INTO article_count (slot, articles)
SELECT slot, CASE WHEN slot = 0 THEN (SELECT count(*) FROM articles) ELSE 0 END FROM generate_series(0, 15) slot
    """,
    """
CREATE FUNCTION article_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE article_count SET articles = articles + 1 WHERE slot = pg_backend_pid() % 16;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE article_count SET articles = articles - 1 WHERE slot = pg_backend_pid() % 16;
    ELSE
        UPDATE article_count SET articles = 0;
    END IF;
    RETURN NULL;
END $$
    """,
    """
CREATE CONSTRAINT TRIGGER article_count_insert AFTER INSERT ON articles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION article_count_sync()
    """,
    """
CREATE CONSTRAINT TRIGGER article_count_delete AFTER DELETE ON articles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION article_count_sync()
    """,
    """
CREATE TRIGGER article_count_truncate AFTER TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION article_count_sync()
    """,
)

DOWNGRADE = (
    "DROP TRIGGER article_count_truncate ON articles",
    "DROP TRIGGER article_count_delete ON articles",
    "DROP TRIGGER article_count_insert ON articles",
    "DROP FUNCTION article_count_sync()",
    "DROP TABLE article_count",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
