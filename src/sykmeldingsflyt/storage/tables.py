"""Every table, declared once. Each service owns its own tables; the delivery tables are shared plumbing,
with a column saying which service a row belongs to."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, LargeBinary, MetaData, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Explicit constraint names keep migrations identical on SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT for a busy outbox.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = metadata


class HandledEvent(Base):
    """The inbound events a consumer has applied: written in the same transaction as their effects."""

    __tablename__ = "handled_event"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Base):
    """What a service will publish, written in the same transaction as the state change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    producer: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(249))
    key: Mapped[bytes] = mapped_column(LargeBinary)
    value: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # None is a tombstone
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        # The relay only ever scans unpublished rows; a partial index keeps that scan small forever.
        Index(
            "ix_outbox_unpublished",
            "producer",
            "id",
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
    )


class RelayLease(Base):
    """One relay per producing service publishes at a time, so per-key order on the topic is kept."""

    __tablename__ = "relay_lease"

    producer: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RelayPosition(Base):
    """The last offset a relay saw committed per partition: where its crash recovery starts reading."""

    __tablename__ = "relay_position"

    producer: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic: Mapped[str] = mapped_column(String(249), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger)


class MottattSykmelding(Base):
    """mottak's record of every sykmelding it accepted for processing: for duplicates and backdating."""

    __tablename__ = "mottak_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # A keyed pseudonym of the patient's fnr: lets rules find earlier sykmeldinger without storing the fnr.
    pasient_ref: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    validation_status: Mapped[str] = mapped_column(String(24))
    perioder: Mapped[list[list[str]]] = mapped_column(JSON)
    mottatt_dato: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PersonvernSykmelding(Base):
    """personvern's copy of each sykmelding and where the employee has taken it."""

    __tablename__ = "personvern_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nav_sykmelding: Mapped[bytes] = mapped_column(LargeBinary)  # NAV's view as received, Avro
    validation_status: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    sendt_til_orgnummer: Mapped[str | None] = mapped_column(String(9), nullable=True)
    sendt_til_juridisk_orgnummer: Mapped[str | None] = mapped_column(String(9), nullable=True)


class PersonvernStatusEvent(Base):
    """Status events applied, by the employee's event id: the same event sent twice applies once."""

    __tablename__ = "personvern_status_event"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sykmelding_id: Mapped[str] = mapped_column(String(36), index=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PersonvernVentendeStatus(Base):
    """Status events that arrived before their sykmelding: applied when it arrives, refused if it never does."""

    __tablename__ = "personvern_ventende_status"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sykmelding_id: Mapped[str] = mapped_column(String(36), index=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    source_topic: Mapped[str] = mapped_column(String(249))
    source_partition: Mapped[int] = mapped_column(Integer)
    source_offset: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
