"""What mottak remembers of the sykmeldinger it accepted, looked up a whole batch at a time.

One query per batch instead of two per sykmelding: each round trip to the database costs more than
the rules do. Rows the batch itself added are consulted too, since they are not flushed until commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from sykmeldingsflyt.domain.sykmelding import Periode
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.storage.tables import MottattSykmelding
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """How a sykmelding is recognised again: the sender's id, our id, and its medical content."""

    msg_id: str
    sykmelding_id: str
    content_hash: str
    pasient_ref: str
    hoveddiagnose: str | None


@dataclass
class MottakRepository:
    uow: UnitOfWork
    _stored: list[MottattSykmelding] = field(default_factory=list)

    async def load(self, fingerprints: Iterable[Fingerprint]) -> None:
        """Fetch every stored row a sykmelding of this batch could be a duplicate or an extension of."""
        wanted = list(fingerprints)
        if not wanted:
            return
        table = MottattSykmelding
        rows = await self.uow.session.scalars(
            select(table).where(
                or_(
                    table.msg_id.in_({f.msg_id for f in wanted}),
                    table.sykmelding_id.in_({f.sykmelding_id for f in wanted}),
                    table.content_hash.in_({f.content_hash for f in wanted}),
                    table.pasient_ref.in_({f.pasient_ref for f in wanted}),
                )
            )
        )
        self._stored = list(rows)

    def duplicate_of(self, fingerprint: Fingerprint) -> MottattSykmelding | None:
        for row in self._known():
            if fingerprint.msg_id == row.msg_id or fingerprint.sykmelding_id == row.sykmelding_id:
                return row
            if fingerprint.content_hash == row.content_hash:
                return row
        return None

    def earlier_perioder(self, fingerprint: Fingerprint) -> tuple[Periode, ...]:
        """The patient's accepted periods for the same diagnosis: what tells an extension from a new case."""
        return tuple(
            Periode(fom=date.fromisoformat(fom), tom=date.fromisoformat(tom))
            for row in self._known()
            if row.pasient_ref == fingerprint.pasient_ref
            and row.hoveddiagnose == fingerprint.hoveddiagnose
            and row.validation_status != RuleStatus.INVALID.value
            for fom, tom in row.perioder
        )

    def add(self, row: MottattSykmelding) -> None:
        self.uow.add(row)

    def _known(self) -> list[MottattSykmelding]:
        return [*self._stored, *self.uow.added(MottattSykmelding)]
