"""The gateway read model's batch: the rows its handlers look up, fetched for the whole batch in one query per
table, and its feeds' new entries, written at the commit in one statement per table.

Looked up one message at a time, each message cost the gateway several round trips (a lookup, and the autoflush
of the previous message's rows before it): more than the rest of its handling, so that the read model fell
behind the services feeding it. A feed entry that moves to the end is deleted and inserted again: here the batch
deletes the entries it replaces and then inserts its new ones in the order they were appended, so that their
positions follow that order as they did one at a time.
"""

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar, cast

from sqlalchemy import Column, Table, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session

from sykmeldingsflyt.storage.tables import (
    Base,
    GatewayArbeidsgiverSoknad,
    GatewayArbeidsgiverSykmelding,
    GatewayDialogmelding,
    GatewayKvittering,
    GatewayMotebehov,
    GatewayOppgave,
    GatewayPlanKvittering,
    GatewaySykmeldingEier,
    GatewayVarsel,
)

T = TypeVar("T", bound=Base)

_FEED_LOCK = 7306


NOKLER: dict[type[Base], tuple[InstrumentedAttribute[Any], Callable[[Any], Hashable]]] = {
    # Each table: the column a batch fetches its rows by, and the key its handler finds a row by.
    GatewaySykmeldingEier: (GatewaySykmeldingEier.sykmelding_id, lambda row: row.sykmelding_id),
    GatewayKvittering: (GatewayKvittering.msg_id, lambda row: (row.msg_id, row.legekontor_orgnr)),
    GatewayArbeidsgiverSykmelding: (
        GatewayArbeidsgiverSykmelding.sykmelding_id,
        lambda row: (row.sykmelding_id, row.orgnummer),
    ),
    GatewayPlanKvittering: (GatewayPlanKvittering.plan_uuid, lambda row: (row.plan_uuid, row.orgnummer)),
    GatewayOppgave: (GatewayOppgave.oppgave_id, lambda row: row.oppgave_id),
    GatewayVarsel: (GatewayVarsel.varsel_id, lambda row: row.varsel_id),
    GatewayDialogmelding: (GatewayDialogmelding.dialogmelding_id, lambda row: row.dialogmelding_id),
    GatewayMotebehov: (GatewayMotebehov.motebehov_id, lambda row: row.motebehov_id),
    GatewayArbeidsgiverSoknad: (GatewayArbeidsgiverSoknad.soknad_id, lambda row: row.soknad_id),
}


class Lesebatch:
    """One batch's rows by the key its handler looks them up by, and its feeds' entries until the commit.
    `sqlite`: the database is SQLite (see `skriv`)."""

    def __init__(self, *, sqlite: bool) -> None:
        self._rader: dict[type[Base], dict[Hashable, Base]] = {}
        self._feeds: dict[type[Base], dict[Hashable, dict[str, Any]]] = {}
        self._erstattet: dict[type[Base], list[int]] = {}
        self._sqlite = sqlite

    async def hent(self, session: AsyncSession, table: type[Base], values: Iterable[object]) -> None:
        """Fetch the rows of `table` whose `NOKLER` column is one of `values`. A key not found among them is
        absent until the batch adds it: the batch must fetch every value its handlers look up."""
        column, key = NOKLER[table]
        rows = self._rader.setdefault(table, {})
        for row in await session.scalars(select(table).where(column.in_(set(values)))):
            rows[key(row)] = row

    def finn(self, table: type[T], key: Hashable) -> T | None:
        """The row `hent` fetched or the batch added under `key`, None if there is none."""
        return cast(T | None, self._rader.setdefault(table, {}).get(key))

    def legg_til(self, session: AsyncSession, key: Hashable, row: Base) -> None:
        session.add(row)
        self._rader.setdefault(type(row), {})[key] = row

    def flytt_sist(self, table: type[Base], key: Hashable, entry: dict[str, Any]) -> None:
        """Put `entry` at the end of its feed, in place of the entry stored or appended before for `key`."""
        stored = self._rader.setdefault(table, {}).pop(key, None)
        if stored is not None:
            self._erstattet.setdefault(table, []).append(stored.position)  # type: ignore[attr-defined]
        feed = self._feeds.setdefault(table, {})
        feed.pop(key, None)
        feed[key] = entry

    def skriv(self, session: Session) -> None:
        """Write the feeds: at the commit, as a `before_commit` listener. Then let go of the batch: the
        session keeps its listeners until it is collected, and with them this."""
        if any(self._feeds.values()) and not self._sqlite:
            # Writers take positions one at a time, until their commit, so positions commit in order and a
            # reader's cursor can never pass a position that commits later (also across gateway replicas).
            session.execute(text(f"SELECT pg_advisory_xact_lock({_FEED_LOCK})"))
        for table, entries in self._feeds.items():
            rows = list(entries.values())
            if self._sqlite:
                # SQLite has one writer at a time, but gives a new row the largest rowid plus one: counted on
                # from the largest before the replaced entries go, a new entry never gets the position of
                # one a reader has already passed.
                last = session.scalar(select(func.max(_position(table)))) or 0
                rows = [row | {"position": last + number} for number, row in enumerate(rows, 1)]
            if replaced := self._erstattet.get(table):
                session.execute(delete(_table(table)).where(_position(table).in_(replaced)))
            if rows:
                session.execute(insert(_table(table)), rows)
        self._rader, self._feeds, self._erstattet = {}, {}, {}


def _table(table: type[Base]) -> Table:
    return cast(Table, table.__table__)


def _position(table: type[Base]) -> Column[int]:
    return cast(Column[int], _table(table).c.position)
