"""Tables owned by mottak."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import Base


class MottattSykmelding(Base):
    """mottak's record of every sykmelding it accepted for processing: for duplicates and backdating."""

    __tablename__ = "mottak_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64), unique=True)
    # Unique, so two instances that accept the same content at once cannot both commit it.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # A keyed pseudonym of the patient's fnr: lets rules find earlier sykmeldinger without storing the fnr.
    pasient_ref: Mapped[str] = mapped_column(String(64), index=True)
    # The rules' backdating exception needs the patient's earlier periods for the same diagnosis.
    hoveddiagnose: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    validation_status: Mapped[str] = mapped_column(String(24))
    perioder: Mapped[list[list[str]]] = mapped_column(JSON)
    mottatt_dato: Mapped[datetime] = mapped_column(DateTime(timezone=True))
