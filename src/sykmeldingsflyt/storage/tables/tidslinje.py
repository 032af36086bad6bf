"""Tables owned by tidslinje. motebehov reads them through storage/tidslinje.case_inputs, never writes them."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import AutoId, Base


class TidslinjeSykmelding(Base):
    """A sykmelding as the cases count it: whose (a pseudonym), its periods, and what the employee did
    with it. The halves come from different topics, nav.sykmelding and sykmelding.status, in any order."""

    __tablename__ = "tidslinje_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # [fom, tom, kind, grad] per period; empty until nav.sykmelding came, and for a rejected sykmelding.
    perioder: Mapped[list[list[str | int | None]]] = mapped_column(JSON)
    orgnummer: Mapped[str | None] = mapped_column(String(9), nullable=True)
    """Set while the employee has it SENDT to this virksomhet; None otherwise."""
    status: Mapped[str] = mapped_column(String(16), default="NY")
    """SykmeldingTilstand: NY until the employee acts; AVBRUTT counts no days."""
    status_tidspunkt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the status last applied was set: an older event arriving late changes nothing."""
    inntruffet: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the sykmelding was signed: the newest wins a tie between pieces."""
    egenmeldinger: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    """[fom, tom] of the egenmelding days the employee reported with it."""

    __table_args__ = (Index("ix_tidslinje_sykmelding_person", "person_ref"),)


class TidslinjeSoknad(Base):
    """A sykepengesøknad as the cases count it; one corrected by a later one (korrigerer) counts no more."""

    __tablename__ = "tidslinje_soknad"

    soknad_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    orgnummer: Mapped[str | None] = mapped_column(String(9), nullable=True)
    # [fom, tom, kind, grad] per piece: its periods, work resumed, holiday, leave, behandlingsdager.
    perioder: Mapped[list[list[str | int | None]]] = mapped_column(JSON)
    sendt: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    korrigerer: Mapped[str | None] = mapped_column(String(36), nullable=True)


class TidslinjePerson(Base):
    """What the timeline knows of a person beyond the pieces: the death date, from NAV's register."""

    __tablename__ = "tidslinje_person"

    person_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    dodsdato: Mapped[date | None] = mapped_column(Date, nullable=True)


class TidslinjeTilfelle(Base):
    """Each of a person's cases as last announced, and the day its next stop point is due: the
    durable timer."""

    __tablename__ = "tidslinje_tilfelle"

    tilfelle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    start: Mapped[date] = mapped_column(Date)
    slutt: Mapped[date] = mapped_column(Date)
    sykedager: Mapped[int] = mapped_column(Integer)
    arbeidsgivere: Mapped[list[str]] = mapped_column(JSON)
    """The employers involved, each of whom sees the case (NAV's virksomhetsnummerList)."""
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)


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
    motetid: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the meeting is (or was) held; None for an event stored before 0012_rom_motetid."""

    __table_args__ = (Index("ix_tidslinje_dialogmote_person", "person_ref", "orgnummer"),)


class TidslinjeOppfolgingsplan(Base):
    """The days accepted follow-up plans arrived, per person and employer."""

    __tablename__ = "tidslinje_oppfolgingsplan"

    plan_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64))
    orgnummer: Mapped[str] = mapped_column(String(9))
    mottatt: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_tidslinje_oppfolgingsplan_person", "person_ref", "orgnummer"),)


class TidslinjeKandidatEndring(Base):
    """Every change of a person's dialogmøte-2 candidature, in the order made (two can share a
    timestamp); the last is the current one. The stable id makes each change once."""

    __tablename__ = "tidslinje_kandidat_endring"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    tilfelle_id: Mapped[str] = mapped_column(String(36))
    tilfelle_start: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kandidat: Mapped[bool] = mapped_column(Boolean)
    arsak: Mapped[str] = mapped_column(String(32))
    unntak_arsak: Mapped[str | None] = mapped_column(String(48), nullable=True)
    ikke_aktuell_arsak: Mapped[str | None] = mapped_column(String(48), nullable=True)


class TidslinjeFiredAction(Base):
    """Every varsel and task the timeline emitted, by its stable id. The primary key is what makes a
    stop point fire once: across restarts, redeliveries, and instances racing for the same timer."""

    __tablename__ = "tidslinje_fired_action"

    action_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tilfelle_id: Mapped[str] = mapped_column(String(36), index=True)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
