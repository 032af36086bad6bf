"""The case room's stored sykmeldinger (gateway_rom_sykmelding), sealed at rest: NAV's view holds the fnr and
every diagnosis, so a database dump, a backup or a statement log must not show it. Sealed with the dead-letter
keyring (AES-GCM, keys by id, rotatable), as mottak's parked sykmeldinger are, and bound to the row's
sykmelding id, so a sealed view cannot be moved to another row (another case) and opened there."""

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.segl import Keyring
from sykmeldingsflyt.storage.tables import GatewayRomSykmelding

SEAL_BATCH = 500
"""Rows sealed again per transaction by `forsegl_gamle`."""


def forsegl(row: GatewayRomSykmelding, sykmelding: dict[str, Any], keyring: Keyring) -> GatewayRomSykmelding:
    """`row` holding `sykmelding` (NAV's view, as JSON) sealed under the keyring's current key."""
    row.key_id = keyring.current
    row.forseglet = keyring.seal(json.dumps(sykmelding, separators=(",", ":")).encode(), _context(row))
    row.sykmelding = None
    return row


def apne(row: GatewayRomSykmelding, keyring: Keyring) -> dict[str, Any]:
    """NAV's view, as stored; a row stored before sealing holds it in the clear."""
    if row.key_id is None:
        assert row.sykmelding is not None, "a row without a key id is stored in the clear"
        return row.sykmelding
    opened = keyring.open(row.key_id, row.forseglet, _context(row))
    assert opened is not None, "a sealed row holds a sealed view"
    found: dict[str, Any] = json.loads(opened)
    return found


async def forsegl_gamle(session: AsyncSession, keyring: Keyring) -> int:
    """Seal up to SEAL_BATCH rows stored in the clear (before migration 0011) or under a key that is no longer
    the current one (after a rotation), under the current key; how many were sealed."""
    rows = await session.scalars(
        select(GatewayRomSykmelding)
        .where(GatewayRomSykmelding.key_id.is_(None) | (GatewayRomSykmelding.key_id != keyring.current))
        .limit(SEAL_BATCH)
    )
    sealed = 0
    for row in rows:
        forsegl(row, apne(row, keyring), keyring)
        sealed += 1
    return sealed


def _context(row: GatewayRomSykmelding) -> bytes:
    return f"gateway_rom_sykmelding\x00{row.sykmelding_id}".encode()
