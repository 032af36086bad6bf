"""Tables owned by mottak."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import Base


class MottattSykmelding(Base):
    """mottak's record of every sykmelding it accepted for processing: for duplicates, and what the rules
    of the patient's later sykmeldinger read of it (DOMAIN.md §2.3)."""

    __tablename__ = "mottak_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    # Unique, so two instances that accept the same content at once cannot both commit it.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A keyed pseudonym of the patient's fnr: lets rules find earlier sykmeldinger without storing the fnr.
    pasient_ref: Mapped[str] = mapped_column(String(64), index=True)
    hoveddiagnose: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the code
    hoveddiagnose_system: Mapped[str | None] = mapped_column(String(32), nullable=True)
    validation_status: Mapped[str] = mapped_column(String(24))
    merknader: Mapped[list[str]] = mapped_column(JSON)
    # [{"fom", "tom", "type", "grad"}]; rows from before 0008_history have type and grad null.
    perioder: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    signatur_dato: Mapped[date | None] = mapped_column(Date, nullable=True)
    mottatt_dato: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MottakSykmeldingStatus(Base):
    """The employee's latest status for a sykmelding, from sykmelding.status. Kept apart from the sykmelding
    because either may arrive first: a status that comes early waits here, and the history reads both."""

    __tablename__ = "mottak_sykmelding_status"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
