"""The case room's stored NAV view is sealed at rest (migration 0011, storage/rom.py), on SQLite and PostgreSQL:
a row stored in the clear before is sealed by the gateway service's pass, the raw row then holds no fnr and no
diagnosis, the room still opens the case, a rotated key seals it again, and the migration goes down only when
nothing sealed would be lost."""

import base64
import os
import random
from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.gateway.rom.tilgang import sak_av
from sykmeldingsflyt.messaging.dead_letter import DeadLetterKeyring
from sykmeldingsflyt.services.runtime import ServiceSettings
from sykmeldingsflyt.storage.database import Database, alembic_config
from sykmeldingsflyt.storage.rom import forsegl_gamle
from tests.integration.test_personvern import _with_canaries

pytestmark = pytest.mark.integration

CANARY = "KANARIFORSEGLET"


def _alembic(connection: Connection, action: str, target: str) -> None:
    getattr(command, action)(alembic_config(connection), target)


def _raw(connection: Connection) -> list[str]:
    return [repr(tuple(row)) for row in connection.execute(sa.text("SELECT * FROM gateway_rom_sykmelding"))]


async def test_a_row_stored_in_the_clear_is_sealed_and_the_raw_row_holds_no_fnr_or_diagnosis(
    database: Database,
) -> None:
    received = _with_canaries(synthetic.make_sykmelding(random.Random(5), fom=date(2026, 11, 2)), CANARY)
    view = nav_view(received, ValidationResult(status=RuleStatus.OK)).model_dump(mode="json", by_alias=True)
    keyring = ServiceSettings().dead_letter_keyring
    insert = sa.text(
        "INSERT INTO gateway_rom_sykmelding (sykmelding_id, sak_ref, behandler_ref, sykmelding) "
        "VALUES (:id, 'sak', 'lege', :view)"
    ).bindparams(sa.bindparam("view", type_=sa.JSON()))
    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "downgrade", "0010_cleanup")
        await connection.execute(insert, {"id": received.sykmelding.id, "view": view})
        await connection.run_sync(_alembic, "upgrade", "heads")
        before = await connection.run_sync(_raw)

    async with database.session.begin() as session:
        assert await forsegl_gamle(session, keyring) == 1
    async with database.session() as session:
        assert await forsegl_gamle(session, keyring) == 0
        sak = await sak_av(session, "sak", keyring)
    # A rotated keyring: the row is sealed again under the new key, and opens without the old one.
    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated = DeadLetterKeyring.parse(f"ny:{new_key},{ServiceSettings().dead_letter_keys.get_secret_value()}")
    async with database.session.begin() as session:
        assert await forsegl_gamle(session, rotated) == 1
    async with database.session() as session:
        reopened = await sak_av(session, "sak", DeadLetterKeyring.parse(f"ny:{new_key}"))
    async with database.engine.connect() as connection:
        after = await connection.run_sync(_raw)

    assert CANARY in before[0] and received.pasient_fnr in before[0]
    assert CANARY not in after[0] and received.pasient_fnr not in after[0]
    assert sak.sykmeldinger[0].received_sykmelding == received == reopened.sykmeldinger[0].received_sykmelding

    async with database.engine.begin() as connection:
        with pytest.raises(RuntimeError, match="1 case-room sykmeldinger are sealed"):
            await connection.run_sync(_alembic, "downgrade", "0010_cleanup")
    async with database.engine.begin() as connection:
        await connection.execute(sa.text("DELETE FROM gateway_rom_sykmelding"))
        await connection.run_sync(_alembic, "downgrade", "0010_cleanup")
        await connection.run_sync(_alembic, "upgrade", "heads")
