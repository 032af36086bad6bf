"""/admin for operators only: who is not one is refused, and every look of one is audited."""

import random
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import ServiceSettings
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayAudit, TidslinjeSykmelding
from tests.gateway.support import OPERATORS, SENDT, Tokens, eventually, publish_nav_sykmelding
from tests.support.kafka import read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

FNR = "13031353453"


async def test_admin_refuses_anyone_but_a_member_of_the_operators_group(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    callers = {
        "nobody": {},
        "NAV as an organisation": tokens.nav(),
        "a person": tokens.person(FNR),
        "a NAV employee outside the group": tokens.operator("Z990002", "some-other-group"),
    }
    for who, headers in callers.items():
        for request in (
            client.get("/admin/v1/outbox", headers=headers),
            client.get("/admin/v1/dlq", headers=headers),
            client.post("/admin/v1/cases", json={"fnr": FNR, "reason": "curious"}, headers=headers),
        ):
            response = await request
            assert response.status_code == (401 if who == "nobody" else 403), (who, response.text)
            if who != "nobody":
                assert response.json()["code"] == "OPERATOR_ROLE_REQUIRED"


async def test_an_operators_look_at_a_case_is_audited_under_the_pseudonym(
    client: httpx.AsyncClient, tokens: Tokens, database: Database
) -> None:
    pseudonym = person_ref(FNR, ServiceSettings().pseudonym_key)
    async with database.session.begin() as session:
        session.add(
            TidslinjeSykmelding(
                sykmelding_id="0" * 8 + "-0000-4000-8000-" + "0" * 12, person_ref=pseudonym, perioder=[]
            )
        )
    operator = tokens.operator("Z990001", OPERATORS)

    looked = await client.post("/admin/v1/cases", json={"fnr": FNR, "reason": "INC-4: employer asks"}, headers=operator)
    unknown = await client.post(
        "/admin/v1/cases", json={"sykmeldingId": "0" * 8 + "-0000-4000-8000-" + "0" * 11 + "1"}, headers=operator
    )
    listed = await client.get("/admin/v1/dlq", headers=operator)
    pending = await client.get("/admin/v1/outbox", headers=operator)

    assert looked.status_code == 200, looked.text
    assert looked.json()["personRef"] == pseudonym and FNR not in looked.text
    assert unknown.status_code == 404
    assert listed.status_code == 200 and listed.json() == []
    assert pending.status_code == 200
    async with database.session() as session:
        [audit] = (await session.scalars(select(GatewayAudit).where(GatewayAudit.actor == "Z990001"))).all()
    assert (audit.actor_type, audit.purpose, audit.resource_type) == ("operator", "drift", "case")
    assert (audit.resource_id, audit.reason) == (pseudonym, "INC-4: employer asks")


async def test_an_operator_republishes_the_employer_view_an_hr_system_lost(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    received = synthetic.make_sykmelding(random.Random(5), fom=datetime.now(UTC).date())
    operator = tokens.operator("Z990001", OPERATORS)
    path = f"/admin/v1/arbeidsgiver-sykmeldinger/{received.sykmelding.id}/republish"
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        before = await client.post(path, json={"reason": "too early"}, headers=operator)
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        status = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        sent = await eventually(
            lambda: client.post(status, json=SENDT, headers=tokens.person(received.pasient_fnr)), 202
        )
        assert sent.status_code == 202, sent.text
        await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=1, until_quiet=False)
        again = await eventually(lambda: client.post(path, json={"reason": "INC-5: HR lost it"}, headers=operator))
        views = await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=2)

    assert before.status_code == 404
    assert again.status_code == 200, again.text
    assert again.json()["republished"].endswith(": published")
    assert len(views) == 2 and views[0].value == views[1].value and views[0].key == views[1].key
    assert views[1].headers["orgnummer"] == views[0].headers["orgnummer"]
    assert "Z990001" not in repr(views[1].headers)
    async with database.session() as session:
        reasons = list(await session.scalars(select(GatewayAudit.reason).where(GatewayAudit.actor == "Z990001")))
    assert reasons == ["INC-5: HR lost it"]
