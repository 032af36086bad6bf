"""On PostgreSQL, a commit that adds outbox rows notifies the channel sykmeldingsflyt_outbox once per
producer, so that producer's relay, in whichever process, wakes at once instead of polling.

Revision ID: 0008_operable
Revises: 0007
"""

from alembic import op

revision = "0008_operable"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            producer_name text;
        BEGIN
            -- One notice per producer and statement; PostgreSQL sends them at commit, folding duplicates.
            FOR producer_name IN SELECT DISTINCT producer FROM inserted LOOP
                PERFORM pg_notify('sykmeldingsflyt_outbox', producer_name);
            END LOOP;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION outbox_notify()")
