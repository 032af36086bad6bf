"""Tables owned by personvern."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import Base


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
