"""Tables owned by the register outage handling in mottak."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import AutoId, Base


class MottakParkert(Base):
    """A sykmelding mottak could not decide yet, as the record was read: a register it needs could not
    answer, or an earlier sykmelding of the same patient is parked. Decided in `id` order per patient."""

    __tablename__ = "mottak_parkert"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(300), unique=True)
    pasient_ref: Mapped[str] = mapped_column(String(64), index=True)
    register: Mapped[str] = mapped_column(String(32))
    """The register that could not answer at the last attempt, or "ko" when it waits behind another."""
    parkert: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    forsok: Mapped[int] = mapped_column(Integer, default=0)
    neste_forsok: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    topic: Mapped[str] = mapped_column(String(249))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    value: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The dead-letter keyring's key that `key` and `value` are sealed with; None: parked before sealing, clear."""
    headers: Mapped[str] = mapped_column(Text)
    """The record's headers as JSON: [[name, base64 value], ...]."""
