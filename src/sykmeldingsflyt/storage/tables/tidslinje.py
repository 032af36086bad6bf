"""Tables owned by tidslinje. motebehov reads the first four, never writes them (storage/tidslinje.py)."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import AutoId, Base


class TidslinjeSykmelding(Base):
    """A sykmelding as the cases count it: whose (a pseudonym), its periods, and the employer it was sent
    to. The halves come from different topics, nav.sykmelding and arbeidsgiver.sykmelding, in any order."""

    __tablename__ = "tidslinje_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # [fom, tom, kind, grad] per period; empty until nav.sykmelding came, and for a rejected sykmelding.
    perioder: Mapped[list[list[str | int | None]]] = mapped_column(JSON)
    orgnummer: Mapped[str | None] = mapped_column(String(9), nullable=True)
    """Set while the employee has it SENDT to this virksomhet; None before, and after a withdrawal."""

    __table_args__ = (Index("ix_tidslinje_sykmelding_person", "person_ref", "orgnummer"),)


class TidslinjeTilfelle(Base):
    """Each case as last announced, and the day its next stop point is due: the durable timer."""

    __tablename__ = "tidslinje_tilfelle"

    tilfelle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64))
    orgnummer: Mapped[str] = mapped_column(String(9))
    start: Mapped[date] = mapped_column(Date)
    slutt: Mapped[date] = mapped_column(Date)
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)

    __table_args__ = (Index("ix_tidslinje_tilfelle_person", "person_ref", "orgnummer"),)


class TidslinjeDialogmote(Base):
    """NAV's dialogue-meeting status events per person and employer, in the order NAV sent them."""

    __tablename__ = "tidslinje_dialogmote"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    hendelse_id: Mapped[str] = mapped_column(String(36), unique=True)
    person_ref: Mapped[str] = mapped_column(String(64))
    orgnummer: Mapped[str] = mapped_column(String(9))
    mote_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))
    dato: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_tidslinje_dialogmote_person", "person_ref", "orgnummer"),)


class TidslinjeOppfolgingsplan(Base):
    """The days accepted follow-up plans arrived, per person and employer."""

    __tablename__ = "tidslinje_oppfolgingsplan"

    plan_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64))
    orgnummer: Mapped[str] = mapped_column(String(9))
    mottatt: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_tidslinje_oppfolgingsplan_person", "person_ref", "orgnummer"),)


class TidslinjeFiredAction(Base):
    """Every varsel and task the timeline emitted, by its stable id. The primary key is what makes a
    stop point fire once: across restarts, redeliveries, and instances racing for the same timer."""

    __tablename__ = "tidslinje_fired_action"

    action_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tilfelle_id: Mapped[str] = mapped_column(String(36), index=True)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
