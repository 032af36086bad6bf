"""The parked sykmeldinger of mottak: those it could not decide because a register could not answer, and
those waiting behind one of the same patient. Rows are decided in `id` order per patient."""

import base64
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.segl import Keyring, Post, apne_post, forsegl_post
from sykmeldingsflyt.storage.tables.registers import MottakParkert

I_KO = "ko"
"""The `register` of a row parked only because an earlier one of the same patient is."""

_TABELL = MottakParkert.__tablename__
"""What a sealed row's parts are bound to, with its event id: unchanged, or rows sealed before would not open."""


def headers_json(headers: Sequence[tuple[str, bytes]]) -> str:
    return json.dumps([[name, base64.b64encode(value).decode("ascii")] for name, value in headers])


def headers_of(row: MottakParkert) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, base64.b64decode(value)) for name, value in json.loads(row.headers))


def sealed(row: MottakParkert, keyring: Keyring) -> MottakParkert:
    """The row with the record's key and value sealed at rest, bound to the row's event id."""
    row.key_id, row.key, row.value = forsegl_post(keyring, _TABELL, row.event_id, row.key, row.value)
    return row


def opened(row: MottakParkert, keyring: Keyring) -> tuple[bytes | None, bytes | None]:
    """The record's key and value; a row parked before sealing holds them in the clear."""
    return apne_post(keyring, _TABELL, row.event_id, Post(row.key_id, row.key, row.value))


class MottakParkering:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pasienter_med_parkerte(self, pasient_refs: Iterable[str]) -> set[str]:
        refs = set(pasient_refs)
        if not refs:
            return set()
        rows = await self.session.execute(
            select(MottakParkert.pasient_ref).where(MottakParkert.pasient_ref.in_(refs)).distinct()
        )
        return set(rows.scalars())

    def parker(self, row: MottakParkert) -> None:
        self.session.add(row)

    async def antall(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(MottakParkert)) or 0)

    async def forfalne_hoder(self, now: datetime, limit: int) -> list[MottakParkert]:
        """Each patient's first parked sykmelding, where its next attempt is due, oldest first."""
        heads = select(func.min(MottakParkert.id)).group_by(MottakParkert.pasient_ref)
        rows = await self.session.execute(
            select(MottakParkert)
            .where(MottakParkert.id.in_(heads), MottakParkert.neste_forsok <= now)
            .order_by(MottakParkert.id)
            .limit(limit)
        )
        return list(rows.scalars())

    async def ta(self, row_id: int) -> bool:
        """Take the row out for deciding; False when another instance took it first."""
        result = await self.session.execute(delete(MottakParkert).where(MottakParkert.id == row_id))
        return bool(getattr(result, "rowcount", 0) == 1)

    async def utsett(self, row_id: int, register: str, neste_forsok: datetime) -> None:
        """The register still cannot answer: count the attempt and wait until `neste_forsok`."""
        await self.session.execute(
            update(MottakParkert)
            .where(MottakParkert.id == row_id)
            .values(register=register, forsok=MottakParkert.forsok + 1, neste_forsok=neste_forsok)
        )
