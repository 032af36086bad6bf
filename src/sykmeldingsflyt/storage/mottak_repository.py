"""What mottak remembers of the sykmeldinger it accepted, looked up a whole batch at a time.

One query per batch instead of two per sykmelding: each round trip to the database costs more than
the rules do. Rows the batch itself added are consulted too, since they are not flushed until commit.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

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


@dataclass(frozen=True, slots=True)
class Mottatt:
    """What mottak keeps of a sykmelding it accepted for processing."""

    sykmelding_id: str
    msg_id: str
    content_hash: str
    pasient_ref: str
    hoveddiagnose: str | None
    status: str
    validation_status: str
    perioder: list[list[str]]
    mottatt_dato: datetime


@dataclass
class MottakRepository:
    uow: UnitOfWork
    _stored: list[Mottatt] = field(default_factory=list)

    async def load(self, fingerprints: Iterable[Fingerprint]) -> None:
        """Fetch every stored row a sykmelding of this batch could be a duplicate or an extension of."""
        wanted = list(fingerprints)
        if not wanted:
            return
        table = MottattSykmelding
        rows = await self.uow.session.execute(
            select(*(getattr(table, name) for name in _COLUMNS)).where(
                or_(
                    table.msg_id.in_({f.msg_id for f in wanted}),
                    table.sykmelding_id.in_({f.sykmelding_id for f in wanted}),
                    table.content_hash.in_({f.content_hash for f in wanted}),
                    table.pasient_ref.in_({f.pasient_ref for f in wanted}),
                )
            )
        )
        self._stored = [Mottatt(**row._mapping) for row in rows]

    def duplicate_of(self, fingerprint: Fingerprint) -> Mottatt | None:
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

    def add(self, row: Mottatt) -> None:
        self.uow.insert(MottattSykmelding, asdict(row))

    def _known(self) -> list[Mottatt]:
        return [*self._stored, *(Mottatt(**values) for values in self.uow.inserted(MottattSykmelding))]


_COLUMNS = tuple(field.name for field in fields(Mottatt))
