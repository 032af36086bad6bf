"""The timeline's storage. `case_inputs` is the one read other services may use (motebehov judges a
møtebehov against the cases tidslinje keeps); everything else here is tidslinje's own writing."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.dialogmotekandidat import (
    DialogmotekandidatEndring,
    Endringsarsak,
    IkkeAktuellArsak,
    UnntakArsak,
)
from sykmeldingsflyt.domain.tilfelle import (
    KnownCase,
    Oppfolgingstilfelle,
    PeriodeKind,
    Sykeperiode,
    SykmeldingTilstand,
    soknad_biter,
    sykmelding_biter,
)
from sykmeldingsflyt.domain.timeline import CaseInputs, DialogmoteHendelse, DialogmoteStatus
from sykmeldingsflyt.storage.tables import (
    TidslinjeDialogmote,
    TidslinjeFiredAction,
    TidslinjeKandidatEndring,
    TidslinjeOppfolgingsplan,
    TidslinjePerson,
    TidslinjeSoknad,
    TidslinjeSykmelding,
    TidslinjeTilfelle,
)

StoredPeriode = list[str | int | None]
PersonsRad = TidslinjeDialogmote | TidslinjeOppfolgingsplan | TidslinjeSoknad | TidslinjePerson


def aware(instant: datetime) -> datetime:
    """A stored timestamp with its time zone: SQLite hands them back without (they are stored in UTC)."""
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def stored_perioder(perioder: Iterable[Sykeperiode]) -> list[StoredPeriode]:
    return [[p.fom.isoformat(), p.tom.isoformat(), p.kind.value, p.grad] for p in perioder]


def _perioder(sykmelding_id: str, stored: Iterable[StoredPeriode]) -> Iterable[Sykeperiode]:
    for fom, tom, kind, grad in stored:
        assert isinstance(fom, str) and isinstance(tom, str) and isinstance(kind, str)
        assert grad is None or isinstance(grad, int)
        yield Sykeperiode(sykmelding_id, date.fromisoformat(fom), date.fromisoformat(tom), PeriodeKind(kind), grad)


def _sykmelding_biter(row: TidslinjeSykmelding) -> list[Sykeperiode]:
    return sykmelding_biter(
        _perioder(row.sykmelding_id, row.perioder),
        SykmeldingTilstand(row.status),
        row.orgnummer,
        None if row.inntruffet is None else aware(row.inntruffet),
        [(date.fromisoformat(fom), date.fromisoformat(tom)) for fom, tom in row.egenmeldinger],
    )


def _soknad_biter(rows: Sequence[TidslinjeSoknad]) -> list[Sykeperiode]:
    corrected = {row.korrigerer for row in rows if row.korrigerer is not None}
    return [
        bit
        for row in rows
        if row.soknad_id not in corrected
        for bit in soknad_biter(_perioder(row.soknad_id, row.perioder), row.orgnummer, aware(row.sendt))
    ]


def _hendelse(row: TidslinjeDialogmote) -> DialogmoteHendelse:
    motetid = None if row.motetid is None else aware(row.motetid)
    return DialogmoteHendelse(row.mote_id, DialogmoteStatus(row.status), row.dato, motetid)


def _inputs(
    person_ref: str,
    *,
    sykmeldinger: Iterable[TidslinjeSykmelding],
    soknader: Iterable[TidslinjeSoknad],
    known: Iterable[TidslinjeTilfelle],
    planer: Iterable[tuple[str, date]],
    moter: Iterable[TidslinjeDialogmote],
    person: TidslinjePerson | None,
) -> CaseInputs:
    return CaseInputs(
        person_ref=person_ref,
        perioder=(
            *(bit for row in sykmeldinger for bit in _sykmelding_biter(row)),
            *_soknad_biter(list(soknader)),
        ),
        known=tuple(KnownCase(UUID(row.tilfelle_id), row.start, row.slutt) for row in known),
        oppfolgingsplaner=tuple(planer),
        dialogmoter=tuple(_hendelse(m) for m in moter),
        dodsdato=None if person is None else person.dodsdato,
    )


async def case_inputs(session: AsyncSession, person_ref: str) -> CaseInputs:
    """Everything the timeline knows about one person, across employers."""
    sykmeldinger = await session.scalars(
        select(TidslinjeSykmelding).where(TidslinjeSykmelding.person_ref == person_ref)
    )
    soknader = await session.scalars(select(TidslinjeSoknad).where(TidslinjeSoknad.person_ref == person_ref))
    known = await session.scalars(select(TidslinjeTilfelle).where(TidslinjeTilfelle.person_ref == person_ref))
    planer = await session.execute(
        select(TidslinjeOppfolgingsplan.orgnummer, TidslinjeOppfolgingsplan.mottatt).where(
            TidslinjeOppfolgingsplan.person_ref == person_ref
        )
    )
    moter = await session.scalars(
        select(TidslinjeDialogmote)
        .where(TidslinjeDialogmote.person_ref == person_ref)
        .order_by(TidslinjeDialogmote.position)
    )
    person = await session.get(TidslinjePerson, person_ref)
    return _inputs(
        person_ref,
        sykmeldinger=sykmeldinger,
        soknader=soknader,
        known=known,
        planer=((org, day) for org, day in planer),
        moter=moter,
        person=person,
    )


@dataclass
class Personrader:
    """One person's rows, as the batch has made them so far."""

    sykmeldinger: dict[str, TidslinjeSykmelding] = field(default_factory=dict)
    soknader: dict[str, TidslinjeSoknad] = field(default_factory=dict)
    tilfeller: dict[str, TidslinjeTilfelle] = field(default_factory=dict)
    planer: dict[str, TidslinjeOppfolgingsplan] = field(default_factory=dict)
    moter: list[TidslinjeDialogmote] = field(default_factory=list)
    person: TidslinjePerson | None = None
    endringer: list[DialogmotekandidatEndring] = field(default_factory=list)


class Tidslinjelager:
    """The timeline's rows for one transaction (a consumed batch, or a round of timers), fetched for all
    its people in a query per table instead of six per event. Each event still rebuilds its person's
    cases as before, in order, from these rows in memory: a batch's cases, ids, timers and messages are
    those of the events applied one at a time. Writes go to the session's objects and reach the database
    at the commit, several rows per statement.

    Loading a person takes the person's lock first (`lock_person`), as the rebuild of one did, so two
    instances never rebuild a person from rows the other is changing."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.people: dict[str, Personrader] = {}
        self.sykmeldinger: dict[str, TidslinjeSykmelding] = {}

    async def load(self, sykmelding_ids: Iterable[str] = (), persons: Iterable[str] = ()) -> None:
        """Fetch (and lock) these sykmeldinger, their people and `persons`, in a few queries."""
        wanted = sorted(set(sykmelding_ids) - self.sykmeldinger.keys())
        owners: set[str] = set()
        if wanted:
            insert = _insert(self.session)(TidslinjeSykmelding.__table__).on_conflict_do_nothing()
            await self.session.execute(insert, [_ny_sykmelding(sykmelding_id) for sykmelding_id in wanted])
            # A sykmelding's two halves arrive on two topics, in two stages at once: the insert that loses the
            # race waits for the other and then finds its row, without an error. Locked: the second half to
            # come must see what the first committed, or neither would see the sykmelding whole and count it.
            rows = await self.session.scalars(
                select(TidslinjeSykmelding)
                .where(TidslinjeSykmelding.sykmelding_id.in_(wanted))
                .order_by(TidslinjeSykmelding.sykmelding_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            for row in rows:
                self.sykmeldinger[row.sykmelding_id] = row
                if row.person_ref is not None:
                    owners.add(row.person_ref)
        new = sorted((owners | set(persons)) - self.people.keys())
        if not new:
            return
        for person_ref in new:
            await lock_person(self.session, person_ref)
        loaded = {person_ref: Personrader() for person_ref in new}
        for fetched in await self.session.scalars(
            select(TidslinjeSykmelding).where(TidslinjeSykmelding.person_ref.in_(new))
        ):
            # A row this transaction already holds is the one to keep: it may be changed and not yet flushed.
            row = self.sykmeldinger.setdefault(fetched.sykmelding_id, fetched)
            if row.person_ref in loaded:
                loaded[row.person_ref].sykmeldinger[row.sykmelding_id] = row
        for soknad in await self.session.scalars(select(TidslinjeSoknad).where(TidslinjeSoknad.person_ref.in_(new))):
            loaded[soknad.person_ref].soknader[soknad.soknad_id] = soknad
        for tilfelle in await self.session.scalars(
            select(TidslinjeTilfelle).where(TidslinjeTilfelle.person_ref.in_(new))
        ):
            loaded[tilfelle.person_ref].tilfeller[tilfelle.tilfelle_id] = tilfelle
        for plan in await self.session.scalars(
            select(TidslinjeOppfolgingsplan).where(TidslinjeOppfolgingsplan.person_ref.in_(new))
        ):
            loaded[plan.person_ref].planer[plan.plan_uuid] = plan
        for mote in await self.session.scalars(
            select(TidslinjeDialogmote)
            .where(TidslinjeDialogmote.person_ref.in_(new))
            .order_by(TidslinjeDialogmote.position)
        ):
            loaded[mote.person_ref].moter.append(mote)
        for person in await self.session.scalars(select(TidslinjePerson).where(TidslinjePerson.person_ref.in_(new))):
            loaded[person.person_ref].person = person
        for endring in await self.session.scalars(
            select(TidslinjeKandidatEndring)
            .where(TidslinjeKandidatEndring.person_ref.in_(new))
            .order_by(TidslinjeKandidatEndring.position)
        ):
            loaded[endring.person_ref].endringer.append(_endring(endring))
        self.people.update(loaded)

    async def rader(self, person_ref: str) -> Personrader:
        if person_ref not in self.people:
            await self.load(persons=[person_ref])
        return self.people[person_ref]

    async def sykmelding(self, sykmelding_id: str) -> TidslinjeSykmelding:
        """The sykmelding's row, made if new."""
        if sykmelding_id not in self.sykmeldinger:
            await self.load(sykmelding_ids=[sykmelding_id])
        return self.sykmeldinger[sykmelding_id]

    async def eie(self, row: TidslinjeSykmelding, person_ref: str) -> None:
        """Make `row` the sykmelding of `person_ref`."""
        if row.person_ref is not None and row.person_ref in self.people:
            self.people[row.person_ref].sykmeldinger.pop(row.sykmelding_id, None)
        (await self.rader(person_ref)).sykmeldinger[row.sykmelding_id] = row
        row.person_ref = person_ref

    async def inputs(self, person_ref: str) -> CaseInputs:
        rader = await self.rader(person_ref)
        return _inputs(
            person_ref,
            sykmeldinger=rader.sykmeldinger.values(),
            soknader=rader.soknader.values(),
            known=rader.tilfeller.values(),
            planer=((plan.orgnummer, plan.mottatt) for plan in rader.planer.values()),
            moter=rader.moter,
            person=rader.person,
        )

    async def save_cases(self, person_ref: str, cases: Sequence[tuple[UUID, Oppfolgingstilfelle, date | None]]) -> None:
        """Make the stored cases of one person these (each with its next timer); a case that no longer
        exists (its pieces withdrawn, or merged into another) is removed."""
        stored = (await self.rader(person_ref)).tilfeller
        gone = set(stored) - {str(tilfelle_id) for tilfelle_id, _, _ in cases}
        for gone_id in gone:
            await self.session.delete(stored.pop(gone_id))
        for tilfelle_id, tilfelle, next_due in cases:
            row = stored.get(str(tilfelle_id))
            if row is None:
                row = stored[str(tilfelle_id)] = TidslinjeTilfelle(tilfelle_id=str(tilfelle_id), person_ref=person_ref)
                self.session.add(row)
            row.start, row.slutt, row.next_due = tilfelle.start, tilfelle.end, next_due
            row.sykedager, row.arbeidsgivere = tilfelle.sykedager, list(tilfelle.arbeidsgivere)

    async def add(self, row: PersonsRad) -> None:
        """A new row of its person (the caller has looked that it is new)."""
        rader = await self.rader(row.person_ref)
        if isinstance(row, TidslinjeDialogmote):
            rader.moter.append(row)
        elif isinstance(row, TidslinjeOppfolgingsplan):
            rader.planer[row.plan_uuid] = row
        elif isinstance(row, TidslinjeSoknad):
            rader.soknader[row.soknad_id] = row
        else:
            rader.person = row
        self.session.add(row)

    async def endringer(self, person_ref: str) -> list[DialogmotekandidatEndring]:
        """The person's candidature changes, oldest first (`kandidat_endringer`, as the batch has made them)."""
        return list((await self.rader(person_ref)).endringer)

    async def add_kandidat_endring(self, endring: DialogmotekandidatEndring) -> bool:
        """Store a change; False when it was stored before (its id is derived from its cause)."""
        stored = (await self.rader(endring.person_ref)).endringer
        if any(known.uuid == endring.uuid for known in stored) or not await add_kandidat_endring(self.session, endring):
            return False
        stored.append(endring)
        return True


def _endring(row: TidslinjeKandidatEndring) -> DialogmotekandidatEndring:
    return DialogmotekandidatEndring(
        uuid=row.uuid,
        created_at=aware(row.created_at),
        person_ref=row.person_ref,
        tilfelle_id=row.tilfelle_id,
        tilfelle_start=row.tilfelle_start,
        kandidat=row.kandidat,
        arsak=Endringsarsak(row.arsak),
        unntak_arsak=None if row.unntak_arsak is None else UnntakArsak(row.unntak_arsak),
        ikke_aktuell_arsak=None if row.ikke_aktuell_arsak is None else IkkeAktuellArsak(row.ikke_aktuell_arsak),
    )


async def kandidat_endringer(session: AsyncSession, person_ref: str) -> list[DialogmotekandidatEndring]:
    """Every change of the person's dialogmøte-2 candidature, oldest first. The gateway's NAV routes
    read it too (same database, as motebehov reads the cases)."""
    rows = await session.scalars(
        select(TidslinjeKandidatEndring)
        .where(TidslinjeKandidatEndring.person_ref == person_ref)
        .order_by(TidslinjeKandidatEndring.position)
    )
    return [_endring(row) for row in rows]


async def dialogmoter(session: AsyncSession, person_ref: str) -> list[tuple[str, DialogmoteHendelse]]:
    """NAV's dialogue-meeting events of the person, each with its employer, in the order NAV sent them; the
    gateway's case room reads them (same database, as it reads the candidature)."""
    rows = await session.scalars(
        select(TidslinjeDialogmote)
        .where(TidslinjeDialogmote.person_ref == person_ref)
        .order_by(TidslinjeDialogmote.position)
    )
    return [(m.orgnummer, _hendelse(m)) for m in rows]


async def oppfolgingsplaner(session: AsyncSession, person_ref: str) -> list[tuple[str, str, date]]:
    """The person's accepted follow-up plans, (plan uuid, virksomhet, day received), oldest first; read by the
    gateway's case room as `dialogmoter`."""
    rows = await session.execute(
        select(TidslinjeOppfolgingsplan.plan_uuid, TidslinjeOppfolgingsplan.orgnummer, TidslinjeOppfolgingsplan.mottatt)
        .where(TidslinjeOppfolgingsplan.person_ref == person_ref)
        .order_by(TidslinjeOppfolgingsplan.mottatt, TidslinjeOppfolgingsplan.plan_uuid)
    )
    return [(uuid, orgnummer, mottatt) for uuid, orgnummer, mottatt in rows]


def _endring_row(endring: DialogmotekandidatEndring) -> TidslinjeKandidatEndring:
    return TidslinjeKandidatEndring(
        uuid=endring.uuid,
        person_ref=endring.person_ref,
        tilfelle_id=endring.tilfelle_id,
        tilfelle_start=endring.tilfelle_start,
        created_at=endring.created_at,
        kandidat=endring.kandidat,
        arsak=endring.arsak.value,
        unntak_arsak=None if endring.unntak_arsak is None else endring.unntak_arsak.value,
        ikke_aktuell_arsak=None if endring.ikke_aktuell_arsak is None else endring.ikke_aktuell_arsak.value,
    )


async def add_kandidat_endring(session: AsyncSession, endring: DialogmotekandidatEndring) -> bool:
    """Store a change; False when it was stored before (its id is derived from its cause)."""
    if await session.scalar(
        select(TidslinjeKandidatEndring.position).where(TidslinjeKandidatEndring.uuid == endring.uuid)
    ):
        return False
    session.add(_endring_row(endring))
    await session.flush()
    return True


async def claim_due(session: AsyncSession, today: date, limit: int) -> list[str]:
    """The people with a timer due by `today`, from at most `limit` cases, each held for this transaction.

    On PostgreSQL a person is claimed by trying the person's lock (`lock_person`), before any of the
    person's rows: a stage holds that lock while it changes the person's case rows, so claiming the case
    rows first, as this once did, deadlocked with it. A person another transaction holds is left for the
    next round, as is every person another timer instance claimed. SQLite has one writer anyway."""
    due = list(
        dict.fromkeys(
            await session.scalars(
                select(TidslinjeTilfelle.person_ref)
                .where(TidslinjeTilfelle.next_due <= today)
                .order_by(TidslinjeTilfelle.next_due)
                .limit(limit)
            )
        )
    )
    if not due or session.get_bind().dialect.name != "postgresql":
        return due
    held = await session.scalars(
        text(
            "SELECT person_ref FROM unnest(CAST(:due AS text[])) WITH ORDINALITY AS d(person_ref, n)"
            " WHERE pg_try_advisory_xact_lock(hashtext(person_ref)) ORDER BY n"
        ),
        {"due": due},
    )
    return list(held)


def _insert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert


def _ny_sykmelding(sykmelding_id: str) -> dict[str, Any]:
    return {
        "sykmelding_id": sykmelding_id,
        "person_ref": None,
        "perioder": [],
        "orgnummer": None,
        "status": SykmeldingTilstand.NY.value,
        "egenmeldinger": [],
    }


async def lock_person(session: AsyncSession, person_ref: str) -> None:
    """Hold the person for this transaction: two stages (or instances) rebuilding one person's cases
    at once would each add the same new case. PostgreSQL takes an advisory lock; SQLite has one writer."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(person_ref))))


async def mark_fired(session: AsyncSession, action_id: str, tilfelle_id: str, at: datetime) -> bool:
    """Record that an action is emitted; False if it was already, by this instance or another. A racing
    insert waits for the other transaction and then loses on the primary key, without an error."""
    result = await session.execute(
        _insert(session)(TidslinjeFiredAction)
        .values(action_id=action_id, tilfelle_id=tilfelle_id, fired_at=at)
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
