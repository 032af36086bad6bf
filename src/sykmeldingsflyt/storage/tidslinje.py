"""The timeline's storage. `case_inputs` is the one read other services may use (motebehov judges a
møtebehov against the cases tidslinje keeps); everything else here is tidslinje's own writing."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.tilfelle import KnownCase, PeriodeKind, Sykeperiode
from sykmeldingsflyt.domain.timeline import CaseFacts, CaseInputs, DialogmoteHendelse, DialogmoteStatus
from sykmeldingsflyt.storage.tables import (
    TidslinjeDialogmote,
    TidslinjeFiredAction,
    TidslinjeOppfolgingsplan,
    TidslinjeSykmelding,
    TidslinjeTilfelle,
)

StoredPeriode = list[str | int | None]


def stored_perioder(perioder: Iterable[Sykeperiode]) -> list[StoredPeriode]:
    return [[p.fom.isoformat(), p.tom.isoformat(), p.kind.value, p.grad] for p in perioder]


def _perioder(sykmelding_id: str, stored: Iterable[StoredPeriode]) -> Iterable[Sykeperiode]:
    for fom, tom, kind, grad in stored:
        assert isinstance(fom, str) and isinstance(tom, str) and isinstance(kind, str)
        assert grad is None or isinstance(grad, int)
        yield Sykeperiode(sykmelding_id, date.fromisoformat(fom), date.fromisoformat(tom), PeriodeKind(kind), grad)


async def case_inputs(session: AsyncSession, person_ref: str, orgnummer: str) -> CaseInputs:
    """Everything the timeline knows about one person with one employer."""
    sykmeldinger = await session.execute(
        select(TidslinjeSykmelding.sykmelding_id, TidslinjeSykmelding.perioder).where(
            TidslinjeSykmelding.person_ref == person_ref, TidslinjeSykmelding.orgnummer == orgnummer
        )
    )
    known = await session.scalars(
        select(TidslinjeTilfelle).where(
            TidslinjeTilfelle.person_ref == person_ref, TidslinjeTilfelle.orgnummer == orgnummer
        )
    )
    planer = await session.scalars(
        select(TidslinjeOppfolgingsplan.mottatt).where(
            TidslinjeOppfolgingsplan.person_ref == person_ref, TidslinjeOppfolgingsplan.orgnummer == orgnummer
        )
    )
    moter = await session.scalars(
        select(TidslinjeDialogmote)
        .where(TidslinjeDialogmote.person_ref == person_ref, TidslinjeDialogmote.orgnummer == orgnummer)
        .order_by(TidslinjeDialogmote.position)
    )
    return CaseInputs(
        person_ref=person_ref,
        orgnr=orgnummer,
        perioder=tuple(p for sykmelding_id, stored in sykmeldinger for p in _perioder(sykmelding_id, stored)),
        known=tuple(KnownCase(UUID(row.tilfelle_id), row.start, row.slutt) for row in known),
        oppfolgingsplaner=tuple(planer),
        dialogmoter=tuple(DialogmoteHendelse(m.mote_id, DialogmoteStatus(m.status), m.dato) for m in moter),
    )


async def sykmelding_row(session: AsyncSession, sykmelding_id: str) -> TidslinjeSykmelding:
    """The row of a sykmelding (empty if it is new), locked to this transaction. Its two halves come from
    two topics whose consumers run side by side: both may make the row at once (the insert that loses
    does nothing), and the second to write must see what the first committed, or neither would see the
    sykmelding whole and count it."""
    await session.execute(
        _insert(session)(TidslinjeSykmelding)
        .values(sykmelding_id=sykmelding_id, person_ref=None, perioder=[], orgnummer=None)
        .on_conflict_do_nothing()
    )
    row = await session.get(TidslinjeSykmelding, sykmelding_id, with_for_update=True, populate_existing=True)
    assert row is not None  # inserted above, and never deleted
    return row


async def lock_cases(session: AsyncSession, person_ref: str, orgnummer: str) -> None:
    """Take the cases of one person with one employer for this transaction, so that two consumers
    (a sykmelding and a dialogmøte, say) do not each recompute them without the other's news. SQLite
    has one writer at a time already."""
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"tidslinje:{person_ref}:{orgnummer}"},
        )


async def save_cases(
    session: AsyncSession, person_ref: str, orgnummer: str, cases: Sequence[tuple[CaseFacts, date | None]]
) -> None:
    """Make the stored cases of one person with one employer these (each with its next timer); a case
    that no longer exists (its sykmeldinger withdrawn, or merged into another) is removed."""
    stored = {
        row.tilfelle_id: row
        for row in await session.scalars(
            select(TidslinjeTilfelle).where(
                TidslinjeTilfelle.person_ref == person_ref, TidslinjeTilfelle.orgnummer == orgnummer
            )
        )
    }
    for facts, next_due in cases:
        tilfelle_id = str(facts.tilfelle_id)
        row = stored.pop(tilfelle_id, None)
        if row is None:
            row = TidslinjeTilfelle(tilfelle_id=tilfelle_id, person_ref=person_ref, orgnummer=orgnummer)
            session.add(row)
        row.start, row.slutt, row.next_due = facts.tilfelle.start, facts.tilfelle.end, next_due
    for gone in stored.values():
        await session.delete(gone)


async def claim_due(session: AsyncSession, today: date, limit: int) -> list[tuple[str, str]]:
    """The people and employers with a timer due by `today`, at most `limit` cases. On PostgreSQL the
    rows stay locked to this transaction and other instances skip them; SQLite has one writer anyway."""
    rows = await session.execute(
        select(TidslinjeTilfelle.person_ref, TidslinjeTilfelle.orgnummer)
        .where(TidslinjeTilfelle.next_due <= today)
        .order_by(TidslinjeTilfelle.next_due)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(dict.fromkeys((person_ref, orgnummer) for person_ref, orgnummer in rows))


async def mark_fired(session: AsyncSession, action_id: str, tilfelle_id: str, at: datetime) -> bool:
    """Record that an action is emitted; False if it was already, by this instance or another. A racing
    insert waits for the other transaction and then loses on the primary key, without an error."""
    result = await session.execute(
        _insert(session)(TidslinjeFiredAction)
        .values(action_id=action_id, tilfelle_id=tilfelle_id, fired_at=at)
        .on_conflict_do_nothing()
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _insert(session: AsyncSession) -> Any:
    return sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
