"""The dialogmøte-2 candidate's lifecycle inside tidslinje (domain/dialogmotekandidat.py): the decision
on the stop point, a meeting that ends it, an officer's exception or "ikke aktuell", and closing an
outdated candidature. It runs on tidslinje's cases and timers, so it lives beside them rather than in
a service of its own; each change is stored once (by its stable id) and published on
nav.dialogmotekandidat in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import structlog

from sykmeldingsflyt.domain import dialogmotekandidat as kandidat
from sykmeldingsflyt.domain.dialogmotekandidat import DialogmotekandidatEndring, DialogmotekandidatVurdering
from sykmeldingsflyt.domain.tilfelle import Oppfolgingstilfelle
from sykmeldingsflyt.domain.timeline import DialogmoteHendelse
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.topics import NAV_DIALOGMOTEKANDIDAT
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.tidslinje import Tidslinjelager
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass
class Kandidatur:
    runtime: Runtime
    lukkes_etter_maneder: int
    """An open candidature is closed (LUKKET) this many months after the decision."""

    async def record(self, uow: UnitOfWork, lager: Tidslinjelager, endring: DialogmotekandidatEndring) -> None:
        if not await lager.add_kandidat_endring(endring):
            return
        topic = self.runtime.topics.name(NAV_DIALOGMOTEKANDIDAT)
        uow.publish(
            topic=topic,
            key=endring.tilfelle_id,
            value=contracts.encode(self.runtime.codec, endring, topic),
            event_id=endring.uuid,
        )
        log.info("tidslinje.kandidat", tilfelle_id=endring.tilfelle_id, kandidat=endring.kandidat, arsak=endring.arsak)

    async def current(self, lager: Tidslinjelager, person_ref: str) -> DialogmotekandidatEndring | None:
        return kandidat.gjeldende(await lager.endringer(person_ref))

    async def on_cases(
        self,
        uow: UnitOfWork,
        lager: Tidslinjelager,
        person_ref: str,
        tilfeller: Sequence[tuple[UUID, Oppfolgingstilfelle]],
        dialogmoter: Sequence[DialogmoteHendelse],
    ) -> dict[UUID, date]:
        """Decide what is due for the person's cases today; returns, per case, the next day the
        candidature needs looking at (its stop point, or the day an open one is closed)."""
        now, today = self.runtime.clock.now(), self.runtime.clock.today()
        endringer = await lager.endringer(person_ref)
        wake: dict[UUID, date] = {}
        for tilfelle_id, tilfelle in tilfeller:
            decided = kandidat.stoppunkt(
                person_ref, tilfelle_id, tilfelle, dialogmoter=dialogmoter, endringer=endringer, now=now, today=today
            )
            if decided is not None:
                await self.record(uow, lager, decided)
                endringer.append(decided)
            elif today < (day := kandidat.kandidatdag(tilfelle)):
                wake[tilfelle_id] = day
        current = kandidat.gjeldende(endringer)
        closed = kandidat.lukk_utdatert(current, self.lukkes_etter_maneder, now, today)
        if closed is not None:
            await self.record(uow, lager, closed)
        elif current is not None and (lukkes := kandidat.lukkedag(current, self.lukkes_etter_maneder)) is not None:
            tilfelle_id = UUID(current.tilfelle_id)
            wake[tilfelle_id] = min(lukkes, wake.get(tilfelle_id, lukkes))
        return wake

    async def on_vurdering(
        self, uow: UnitOfWork, lager: Tidslinjelager, person_ref: str, vurdering: DialogmotekandidatVurdering
    ) -> kandidat.Avslag | None:
        """Apply an officer's exception or "ikke aktuell"; the refusal, if it is refused."""
        outcome = kandidat.vurder(await self.current(lager, person_ref), vurdering, self.runtime.clock.now())
        if isinstance(outcome, kandidat.Avslag):
            return outcome
        await self.record(uow, lager, outcome)
        return None

    async def on_dialogmote(
        self, uow: UnitOfWork, lager: Tidslinjelager, person_ref: str, mote: DialogmoteHendelse, hendelse_id: str
    ) -> None:
        endring = kandidat.etter_dialogmote(
            await self.current(lager, person_ref), mote, hendelse_id, self.runtime.clock.now()
        )
        if endring is not None:
            await self.record(uow, lager, endring)
