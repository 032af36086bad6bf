"""What mottak remembers of the sykmeldinger it accepted, looked up a whole batch at a time.

One query per batch instead of two per sykmelding: each round trip to the database costs more than
the rules do. Rows the batch itself added are consulted too, since they are not flushed until commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields
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


class MottakRepository:
    """The rows a batch may be a duplicate or an extension of, indexed for lookups in constant time."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._by_identity: dict[str, Mottatt] = {}  # by msgId, sykmelding id and content hash alike
        self._by_pasient: dict[str, list[Mottatt]] = {}

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
        for row in rows:
            self._remember(Mottatt(**row._mapping))

    def duplicate_of(self, fingerprint: Fingerprint) -> Mottatt | None:
        for identity in (fingerprint.msg_id, fingerprint.sykmelding_id, fingerprint.content_hash):
            if identity in self._by_identity:
                return self._by_identity[identity]
        return None

    def earlier_perioder(self, fingerprint: Fingerprint) -> tuple[Periode, ...]:
        """The patient's accepted periods for the same diagnosis: what tells an extension from a new case."""
        return tuple(
            Periode(fom=date.fromisoformat(fom), tom=date.fromisoformat(tom))
            for row in self._by_pasient.get(fingerprint.pasient_ref, ())
            if row.hoveddiagnose == fingerprint.hoveddiagnose and row.validation_status != RuleStatus.INVALID.value
            for fom, tom in row.perioder
        )

    def add(self, row: Mottatt) -> None:
        """Insert at commit; seen at once by the lookups of the rest of the batch."""
        self.uow.insert(MottattSykmelding, {name: getattr(row, name) for name in _COLUMNS})
        self._remember(row)

    def _remember(self, row: Mottatt) -> None:
        # The three identities are all unique columns, and of different shapes, so they share one map.
        for identity in (row.msg_id, row.sykmelding_id, row.content_hash):
            self._by_identity.setdefault(identity, row)
        self._by_pasient.setdefault(row.pasient_ref, []).append(row)


_COLUMNS = tuple(column.name for column in fields(Mottatt))
