"""A follow-up plan answered at once where NAV's lps-oppfolgingsplan-mottak answers it (docs/domain.md §5.3):
each refusal with its status and code, in NAV's order, and a register that cannot answer is 503, never a
refusal. Aareg and the population register are the folder-backed adapters; the sykmeldinger sent to the
employer are the gateway's read model, fed through the real broker by personvern."""

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.oppfolgingsplan import Oppfolgingsplan
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import OPPFOLGINGSPLAN_FRA_HR
from sykmeldingsflyt.registers.nav.aareg import PATH as AAREG_PATH
from sykmeldingsflyt.registers.nav.aareg import AaregKlient
from sykmeldingsflyt.registers.resilience import Policy
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import make_oppfolgingsplan as make_plan
from tests.gateway.support import JURIDISK, SENDT, VIRKSOMHET, Tokens, employ, eventually, publish_nav_sykmelding
from tests.support.http import http_server, register_klient, serve_tokens
from tests.support.kafka import read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
_rng = random.Random(1515)
SENT = synthetic.make_sykmelding(_rng, fom=TODAY)
"""Employed at the virksomhet, with this sykmelding sent there: every check passes."""
UNSENT = synthetic.synthetic_pasient_fnr(_rng)
"""Employed at the virksomhet, with no sykmelding sent there."""
JOBLESS = synthetic.synthetic_pasient_fnr(_rng)
"""Known to the population register, employed nowhere."""
UNKNOWN = synthetic.make_sykmelding(_rng, fom=TODAY)
"""Employed, with a sykmelding sent, but unknown to the population register."""


def _json(plan: Oppfolgingsplan) -> dict[str, Any]:
    return plan.model_dump(mode="json", by_alias=True)


@pytest.fixture
def employed(gateway_app: FastAPI, tmp_path: Path) -> None:
    employ(
        gateway_app,
        tmp_path / "registers",
        *((fnr, VIRKSOMHET, JURIDISK) for fnr in (SENT.pasient_fnr, UNSENT, UNKNOWN.pasient_fnr)),
        unknown=[UNKNOWN.pasient_fnr],
    )


async def _send_to_employer(client: httpx.AsyncClient, tokens: Tokens, received: Any, hr: dict[str, str]) -> None:
    path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
    await eventually(lambda: client.post(path, json=SENDT, headers=tokens.person(received.pasient_fnr)), 202)
    await eventually(lambda: client.get(f"/arbeidsgiver/v1/sykmeldinger/{received.sykmelding.id}", headers=hr))


@pytest.mark.usefixtures("employed")
async def test_a_plan_is_refused_at_once_with_each_code_in_navs_order(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    hr = tokens.hr(VIRKSOMHET)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        for received in (SENT, UNKNOWN):
            await publish_nav_sykmelding(kafka_settings, runtime, received)
            await _send_to_employer(client, tokens, received, hr)
        cases = {
            "body": make_plan(SENT.pasient_fnr, TODAY, needs_help_from_nav=True, send_plan_to_nav=False),
            # NAV asks Aareg before anything else about the person: this one is unknown to PDL too.
            "employment": make_plan(JOBLESS, TODAY),
            "sykmelding": make_plan(UNSENT, TODAY),
            "person": make_plan(UNKNOWN.pasient_fnr, TODAY),
            "accepted": make_plan(SENT.pasient_fnr, TODAY, send_plan_to_general_practitioner=False),
        }
        answers = {
            name: await client.post("/arbeidsgiver/v1/oppfolgingsplaner", json=_json(plan), headers=hr)
            for name, plan in cases.items()
        }

    got = {name: (a.status_code, a.json().get("code")) for name, a in answers.items()}
    assert got == {
        "body": (400, "VALIDATION_ERROR"),
        "employment": (403, "NO_ACTIVE_EMPLOYMENT"),
        "sykmelding": (403, "NO_ACTIVE_SENT_SYKMELDING"),
        "person": (404, "EMPLOYEE_NOT_FOUND"),
        "accepted": (202, None),
    }, {name: a.text for name, a in answers.items()}
    # Every rule the body breaks, in NAV's order.
    assert [e["field"] for e in answers["body"].json()["errors"]] == ["needsHelpFromNav", "needsHelpFromNavDescription"]
    assert all(plan.employee_identification_number not in answers[n].text for n, plan in cases.items())
    # Only the accepted plan goes on to its delivery; the refused ones never reach the broker.
    sent = await read_topic(kafka_settings, runtime.topics.name(OPPFOLGINGSPLAN_FRA_HR), expected=1)
    assert [m.key for m in sent] == [cases["accepted"].plan_uuid.encode()]


async def test_a_sykmelding_no_longer_active_or_sent_elsewhere_is_no_ground_for_a_plan(
    *,
    gateway_app: FastAPI,
    client: httpx.AsyncClient,
    tokens: Tokens,
    kafka_settings: KafkaSettings,
    database: Database,
    tmp_path: Path,
) -> None:
    """Active means until the last tom + 16 days (docs/domain.md §5); sent to another employer is not sent here."""
    rng = random.Random(1516)
    old = synthetic.make_sykmelding(rng, fom=TODAY - timedelta(days=60))
    old = old.model_copy(
        update={
            "sykmelding": old.sykmelding.model_copy(
                update={
                    "perioder": [
                        p.model_copy(update={"fom": TODAY - timedelta(days=40), "tom": TODAY - timedelta(days=17)})
                        for p in old.sykmelding.perioder[:1]
                    ]
                }
            )
        }
    )
    employ(gateway_app, tmp_path / "registers", (old.pasient_fnr, VIRKSOMHET, JURIDISK))
    hr = tokens.hr(VIRKSOMHET)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, old)
        await _send_to_employer(client, tokens, old, hr)
        answer = await client.post(
            "/arbeidsgiver/v1/oppfolgingsplaner", json=_json(make_plan(old.pasient_fnr, TODAY)), headers=hr
        )

    assert (answer.status_code, answer.json()["code"]) == (403, "NO_ACTIVE_SENT_SYKMELDING"), answer.text


@pytest.fixture
async def aareg_down(gateway_app: FastAPI) -> AsyncIterator[None]:
    """Aareg over its real HTTP client, answering 503 to every call."""
    running: Gateway = gateway_app.state.gateway
    before = running.runtime.registre
    policy = Policy(timeout=2.0, attempts=1, open_seconds=0.2, ttl=0.0, stale_for=0.0)
    with http_server() as server:
        serve_tokens(server)
        server.expect_request(AAREG_PATH).respond_with_data("nede", status=503)
        async with httpx.AsyncClient() as http:
            aareg = AaregKlient(register_klient(server, http, "aareg", policy))
            running.runtime.registre = replace(before, aareg=aareg)
            try:
                yield
            finally:
                running.runtime.registre = before


@pytest.mark.usefixtures("aareg_down")
async def test_a_register_that_cannot_answer_is_503_with_retry_after_never_a_refusal(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings
) -> None:
    plan = make_plan(synthetic.synthetic_pasient_fnr(random.Random(1517)), TODAY)

    answer = await client.post("/arbeidsgiver/v1/oppfolgingsplaner", json=_json(plan), headers=tokens.hr(VIRKSOMHET))

    assert (answer.status_code, answer.json()["code"]) == (503, "REGISTER_UNAVAILABLE"), answer.text
    assert answer.headers["Retry-After"] == "30"
    assert plan.employee_identification_number not in answer.text
    topic = f"{kafka_settings.topic_prefix}{OPPFOLGINGSPLAN_FRA_HR.name}"
    assert await read_topic(kafka_settings, topic, expected=0) == []
