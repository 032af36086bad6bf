"""Delivery plumbing every service uses: handled events, the outbox, the relay's lease and positions."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import AutoId, Base


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
