"""Tables owned by oppfolging."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import Base


class OppfolgingSykmelding(Base):
    """Whose each sykmelding is and how long it runs, from nav.sykmelding: a pseudonym, never the fnr."""

    __tablename__ = "oppfolging_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    siste_tom: Mapped[date] = mapped_column(Date)


class OppfolgingSendtSykmelding(Base):
    """Which employer the employee sent each sykmelding to, from arbeidsgiver.sykmelding; gone on its tombstone."""

    __tablename__ = "oppfolging_sendt_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    orgnummer: Mapped[str] = mapped_column(String(9))
    juridisk_orgnummer: Mapped[str] = mapped_column(String(9))


class OppfolgingPlan(Base):
    """Each accepted plan by its uuid, with the receipt it got: the same uuid again is answered, not routed."""

    __tablename__ = "oppfolging_plan"

    plan_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kvittering: Mapped[bytes] = mapped_column(LargeBinary)  # the receipt as published, Avro
    mottatt: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OppfolgingVentendePlan(Base):
    """Valid plans whose employer has no active sykmelding yet, or whose register could not answer, as the
    record was read, sealed at rest (storage/segl.py): accepted when the sykmelding, its SENDT status or the
    register arrives, refused when the waiting time runs out."""

    __tablename__ = "oppfolging_ventende_plan"

    plan_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The dead-letter keyring's key that `key` and `value` are sealed with; None: stored before sealing, clear."""
    source_topic: Mapped[str] = mapped_column(String(249))
    source_partition: Mapped[int] = mapped_column(Integer)
    source_offset: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
