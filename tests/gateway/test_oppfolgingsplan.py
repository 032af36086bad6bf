"""The HR system: POST a follow-up plan for its own organisation, GET its receipt; each refusal."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.oppfolgingsplan import DeliveryStatus, Oppfolgingsplan, PlanKvittering, PlanStatus
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import OPPFOLGINGSPLAN_FRA_HR
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import make_oppfolgingsplan as make_plan
from tests.gateway.support import (
    EPJ_ORGNR,
    JURIDISK,
    OTHER_EMPLOYER,
    SENDT,
    VIRKSOMHET,
    Tokens,
    employ,
    eventually,
    publish_nav_sykmelding,
)
from tests.support.kafka import read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()


def _json(plan: Oppfolgingsplan) -> dict[str, Any]:
    return plan.model_dump(mode="json", by_alias=True)


async def test_a_plan_reaches_nav_and_its_sender_reads_the_receipt(
    *,
    gateway_app: FastAPI,
    client: httpx.AsyncClient,
    tokens: Tokens,
    kafka_settings: KafkaSettings,
    database: Database,
    tmp_path: Path,
) -> None:
    received = synthetic.make_sykmelding(random.Random(41), fom=TODAY)
    registre = employ(gateway_app, tmp_path / "registers", (received.pasient_fnr, VIRKSOMHET, JURIDISK))
    plan = make_plan(received.pasient_fnr, TODAY, send_plan_to_general_practitioner=False)
    hr = tokens.hr(VIRKSOMHET)
    services = (Personvern, Oppfolging, GatewayReadModel)
    async with running(kafka_settings, database, *services, registre=registre) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        await eventually(lambda: client.post(path, json=SENDT, headers=tokens.person(received.pasient_fnr)), 202)
        await eventually(lambda: client.get(f"/arbeidsgiver/v1/sykmeldinger/{received.sykmelding.id}", headers=hr))

        posted = await client.post("/arbeidsgiver/v1/oppfolgingsplaner", json=_json(plan), headers=hr)
        receipt = await eventually(lambda: client.get(posted.json()["location"], headers=hr))

    other = await client.get(posted.json()["location"], headers=tokens.hr(OTHER_EMPLOYER))
    missing = await client.get(f"/arbeidsgiver/v1/oppfolgingsplaner/{uuid.uuid4()}/kvittering", headers=hr)
    assert posted.status_code == 202, posted.text
    assert posted.json()["id"] == plan.plan_uuid
    assert receipt.status_code == 200, receipt.text
    kvittering = PlanKvittering.model_validate(receipt.json())
    assert kvittering.status is PlanStatus.ACCEPTED and kvittering.nav is not None
    assert kvittering.nav.status is DeliveryStatus.SENT
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()


async def test_a_plan_that_breaks_navs_rules_is_refused_at_once_naming_the_field(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings
) -> None:
    plan = make_plan(
        synthetic.synthetic_pasient_fnr(random.Random(42)),
        TODAY,
        needs_help_from_nav=True,
        evaluation_date=TODAY - timedelta(days=1),
    )

    response = await client.post("/arbeidsgiver/v1/oppfolgingsplaner", json=_json(plan), headers=tokens.hr(VIRKSOMHET))

    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")
    assert {error["field"] for error in response.json()["errors"]} == {"needsHelpFromNavDescription", "evaluationDate"}
    assert plan.employee_identification_number not in response.text
    topic = f"{kafka_settings.topic_prefix}{OPPFOLGINGSPLAN_FRA_HR.name}"
    assert await read_topic(kafka_settings, topic, expected=0) == []


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        (lambda t: t.hr(OTHER_EMPLOYER), 403, "WRONG_ORGANISATION"),
        (lambda t: t.organisation(VIRKSOMHET, Scope.ARBEIDSGIVER_READ), 403, "INSUFFICIENT_SCOPE"),
        (lambda t: t.epj(EPJ_ORGNR), 403, "INSUFFICIENT_SCOPE"),
        (lambda t: t.person("17857233115"), 403, "ORGANISATION_TOKEN_REQUIRED"),
        (lambda t: {}, 401, "TOKEN_MISSING"),
    ],
    ids=["other-employer", "read-only", "epj", "person", "no-token"],
)
async def test_only_the_organisation_itself_posts_its_plan(
    client: httpx.AsyncClient, tokens: Tokens, headers: Any, status: int, code: str
) -> None:
    plan = make_plan(synthetic.synthetic_pasient_fnr(random.Random(43)), TODAY)

    response = await client.post("/arbeidsgiver/v1/oppfolgingsplaner", json=_json(plan), headers=headers(tokens))

    assert (response.status_code, response.json()["code"]) == (status, code)
