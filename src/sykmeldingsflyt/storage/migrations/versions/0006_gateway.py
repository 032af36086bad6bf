"""gateway: its read model (owners, kvitteringer, employer views, plan receipts, tasks), idempotency keys, audit log.

Revision ID: 0006
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

_auto_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "gateway_sykmelding_eier",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_gateway_sykmelding_eier"),
    )
    op.create_index("ix_gateway_sykmelding_eier_person_ref", "gateway_sykmelding_eier", ["person_ref"])
    op.create_table(
        "gateway_kvittering",
        sa.Column("kvittering_id", sa.String(36), nullable=False),
        sa.Column("msg_id", sa.String(64), nullable=False),
        sa.Column("legekontor_orgnr", sa.String(9), nullable=True),
        sa.Column("kvittering", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kvittering_id", name="pk_gateway_kvittering"),
        sa.UniqueConstraint("msg_id", "legekontor_orgnr", name="uq_gateway_kvittering_msg_id"),
    )
    op.create_table(
        "gateway_plan_kvittering",
        sa.Column("plan_uuid", sa.String(36), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("kvittering", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("plan_uuid", "orgnummer", name="pk_gateway_plan_kvittering"),
    )
    op.create_table(
        "gateway_arbeidsgiver_sykmelding",
        sa.Column("position", _auto_id, primary_key=True, autoincrement=True),
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("juridisk_orgnummer", sa.String(9), nullable=False),
        sa.Column("view", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_gateway_arbeidsgiver_sykmelding"),
        sa.UniqueConstraint("sykmelding_id", "orgnummer", name="uq_gateway_arbeidsgiver_sykmelding_sykmelding_id"),
    )
    op.create_index("ix_gateway_arbeidsgiver_sykmelding_orgnummer", "gateway_arbeidsgiver_sykmelding", ["orgnummer"])
    op.create_index(
        "ix_gateway_arbeidsgiver_sykmelding_juridisk_orgnummer",
        "gateway_arbeidsgiver_sykmelding",
        ["juridisk_orgnummer"],
    )
    op.create_table(
        "gateway_oppgave",
        sa.Column("position", _auto_id, primary_key=True, autoincrement=True),
        sa.Column("oppgave_id", sa.String(36), nullable=False),
        sa.Column("oppgave", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_gateway_oppgave"),
        sa.UniqueConstraint("oppgave_id", name="uq_gateway_oppgave_oppgave_id"),
    )
    op.create_table(
        "gateway_idempotency_key",
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", "key", name="pk_gateway_idempotency_key"),
    )
    op.create_index("ix_gateway_idempotency_key_created_at", "gateway_idempotency_key", ["created_at"])
    op.create_table(
        "gateway_audit",
        sa.Column("id", _auto_id, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(128), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gateway_audit"),
    )
    op.create_index("ix_gateway_audit_at", "gateway_audit", ["at"])
    op.create_index("ix_gateway_audit_actor", "gateway_audit", ["actor"])
    op.create_index("ix_gateway_audit_resource_id", "gateway_audit", ["resource_id"])


def downgrade() -> None:
    for table in (
        "gateway_audit",
        "gateway_idempotency_key",
        "gateway_oppgave",
        "gateway_arbeidsgiver_sykmelding",
        "gateway_plan_kvittering",
        "gateway_kvittering",
        "gateway_sykmelding_eier",
    ):
        op.drop_table(table)
