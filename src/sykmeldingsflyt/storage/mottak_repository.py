"""What mottak remembers of the sykmeldinger it accepted, looked up a whole batch at a time.

One query per batch, whatever its size, instead of two per sykmelding: each round trip to the database
costs more than the rules do. It fetches the rows the batch's sykmeldinger could duplicate and the
patients' whole histories, each with its latest status, and the statuses that came before the batch's
own sykmeldinger. Rows the batch itself added are consulted too, since they are not flushed until commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.livslop import status_etter
from sykmeldingsflyt.domain.rules import TidligerePeriode, TidligereSykmelding
from sykmeldingsflyt.domain.status import StatusEvent
from sykmeldingsflyt.domain.sykmelding import Periodetype, SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.storage.tables import MottakSykmeldingStatus, MottattSykmelding
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """How a sykmelding is recognised again: the sender's id, our id, and its medical content."""

    msg_id: str
    sykmelding_id: str
    content_hash: str
    pasient_ref: str


@dataclass(frozen=True, slots=True)
class Mottatt:
    """What mottak keeps of a sykmelding it accepted for processing: how to recognise it, and what the
    rules of the patient's later sykmeldinger read of it."""

    msg_id: str
    content_hash: str
    pasient_ref: str
    mottatt_dato: datetime
    historikk: TidligereSykmelding

    @property
    def sykmelding_id(self) -> str:
        return self.historikk.sykmelding_id


class MottakRepository:
    """The rows a batch may be a duplicate of, and its patients' histories, indexed for constant-time lookups."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._by_identity: dict[str, Mottatt] = {}  # by msgId, sykmelding id and content hash alike
        self._by_pasient: dict[str, list[Mottatt]] = {}
        self._early_status: dict[str, SykmeldingStatus] = {}

    async def load(self, fingerprints: Iterable[Fingerprint]) -> None:
        """Fetch every stored row a sykmelding of this batch could duplicate, and its patients' histories."""
        wanted = list(fingerprints)
        if not wanted:
            return
        table, status = MottattSykmelding, MottakSykmeldingStatus
        ids = {f.sykmelding_id for f in wanted}
        # Columns, not ORM objects: an object per row would cost more than the rest of the lookup.
        columns = list(table.__table__.columns)
        history = (
            select(*columns, status.status.label("latest_status"))
            .outerjoin(status, status.sykmelding_id == table.sykmelding_id)
            .where(
                or_(
                    table.msg_id.in_({f.msg_id for f in wanted}),
                    table.sykmelding_id.in_(ids),
                    table.content_hash.in_({f.content_hash for f in wanted}),
                    table.pasient_ref.in_({f.pasient_ref for f in wanted}),
                )
            )
        )
        # In the same round trip, the statuses of the batch's own sykmeldinger: one may have come first.
        statuses = select(
            *(status.sykmelding_id if c.name == "sykmelding_id" else null().label(c.name) for c in columns),
            status.status.label("latest_status"),
        ).where(status.sykmelding_id.in_(ids))
        for row in await self.uow.session.execute(union_all(history, statuses)):
            mapping = row._mapping
            if mapping["msg_id"] is None:
                self._early_status[mapping["sykmelding_id"]] = SykmeldingStatus(mapping["latest_status"])
            else:
                self._remember(_from_row(mapping))

    def duplicate_of(self, fingerprint: Fingerprint) -> Mottatt | None:
        for identity in (fingerprint.msg_id, fingerprint.sykmelding_id, fingerprint.content_hash):
            if identity in self._by_identity:
                return self._by_identity[identity]
        return None

    def tidligere(self, fingerprint: Fingerprint) -> tuple[TidligereSykmelding, ...]:
        """Every earlier sykmelding of the patient, as the rules read it; they choose which count."""
        return tuple(row.historikk for row in self._by_pasient.get(fingerprint.pasient_ref, ()))

    def add(self, row: Mottatt) -> None:
        """Insert at commit; seen at once by the lookups of the rest of the batch, with any status that
        came before it."""
        self.uow.insert(MottattSykmelding, _to_row(row))
        early = self._early_status.get(row.sykmelding_id)
        self._remember(replace(row, historikk=replace(row.historikk, status=early)) if early else row)

    def _remember(self, row: Mottatt) -> None:
        # The three identities are all unique columns, and of different shapes, so they share one map.
        for identity in (row.msg_id, row.sykmelding_id, row.content_hash):
            self._by_identity.setdefault(identity, row)
        self._by_pasient.setdefault(row.pasient_ref, []).append(row)


class Statuser:
    """The employee's latest status of each sykmelding a batch of status events names: fetched in one
    query, changed in memory, written by the session at the commit (one statement per kind of change)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[str, MottakSykmeldingStatus | None] = {}  # None: looked for, not stored yet

    async def load(self, sykmelding_ids: Iterable[str]) -> None:
        wanted = set(sykmelding_ids) - self._rows.keys()
        if not wanted:
            return
        self._rows |= dict.fromkeys(wanted)
        for row in await self.session.scalars(
            select(MottakSykmeldingStatus).where(MottakSykmeldingStatus.sykmelding_id.in_(wanted))
        ):
            self._rows[row.sykmelding_id] = row

    async def registrer(self, sykmelding_id: str, hendelse: StatusEvent) -> None:
        """Apply the employee's event to the sykmelding's latest status, known or not yet.

        Events of one sykmelding share its key and so a partition: they arrive in the order they were sent.
        """
        await self.load([sykmelding_id])  # a no-op for the batch's own, which `load` fetched before
        row = self._rows[sykmelding_id]
        if row is None:
            row = MottakSykmeldingStatus(sykmelding_id=sykmelding_id, status=SykmeldingStatus.APEN.value)
            self.session.add(row)
            self._rows[sykmelding_id] = row
        row.status = status_etter(SykmeldingStatus(row.status), hendelse).value


def _to_row(row: Mottatt) -> dict[str, Any]:
    historikk = row.historikk
    return {
        "sykmelding_id": historikk.sykmelding_id,
        "msg_id": row.msg_id,
        "content_hash": row.content_hash,
        "pasient_ref": row.pasient_ref,
        "hoveddiagnose": historikk.hoveddiagnose_kode,
        "hoveddiagnose_system": historikk.hoveddiagnose_system,
        "validation_status": historikk.regelstatus.value,
        "merknader": list(historikk.merknader),
        "perioder": [
            {"fom": p.fom.isoformat(), "tom": p.tom.isoformat(), "type": p.kind, "grad": p.grad}
            for p in historikk.perioder
        ],
        "signatur_dato": historikk.signatur_dato,
        "mottatt_dato": row.mottatt_dato,
    }


def _from_row(row: RowMapping) -> Mottatt:
    return Mottatt(
        msg_id=row["msg_id"],
        content_hash=row["content_hash"],
        pasient_ref=row["pasient_ref"],
        mottatt_dato=row["mottatt_dato"],
        historikk=TidligereSykmelding(
            sykmelding_id=row["sykmelding_id"],
            perioder=tuple(_periode(periode) for periode in row["perioder"]),
            hoveddiagnose_system=row["hoveddiagnose_system"],
            hoveddiagnose_kode=row["hoveddiagnose"],
            regelstatus=RuleStatus(row["validation_status"]),
            merknader=tuple(row["merknader"]),
            signatur_dato=row["signatur_dato"],
            status=SykmeldingStatus(row["latest_status"] or SykmeldingStatus.APEN),
        ),
    )


def _periode(periode: dict[str, Any]) -> TidligerePeriode:
    kind = periode["type"]
    return TidligerePeriode(
        fom=date.fromisoformat(periode["fom"]),
        tom=date.fromisoformat(periode["tom"]),
        kind=Periodetype(kind) if kind else None,
        grad=periode["grad"],
    )
