"""Møtebehov from the employee (about themselves) and from the employer (for itself), as the
motebehov.fra-part contract; each refusal."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart, Skjematype
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import MOTEBEHOV_FRA_PART
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import EPJ_ORGNR, OTHER_EMPLOYER, VIRKSOMHET, Tokens
from tests.support.kafka import read_topic

pytestmark = pytest.mark.integration

FNR = synthetic.synthetic_pasient_fnr(random.Random(51))
OTHER_FNR = synthetic.synthetic_pasient_fnr(random.Random(52))
A_WEEK_AGO = datetime.now(UTC) - timedelta(days=7)


def _skjema(innmelder: Innmeldertype, fnr: str = FNR, orgnr: str = VIRKSOMHET) -> dict[str, Any]:
    skjema = MotebehovFraPart(
        id=str(uuid.uuid4()),
        skjematype=Skjematype.MELD_BEHOV,
        innmelder_type=innmelder,
        orgnr=orgnr,
        har_motebehov=True,
        begrunnelse="Trenger et møte.",
        innsendt=A_WEEK_AGO,
        arbeidstaker_fnr=fnr,
    )
    return skjema.model_dump(mode="json", by_alias=True)


async def test_both_parties_post_and_the_gateway_dates_it_on_receipt(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    from_employee = _skjema(Innmeldertype.ARBEIDSTAKER)
    from_employer = _skjema(Innmeldertype.ARBEIDSGIVER)

    employee = await client.post("/sykmeldt/v1/motebehov", json=from_employee, headers=tokens.person(FNR))
    employer = await client.post("/arbeidsgiver/v1/motebehov", json=from_employer, headers=tokens.hr(VIRKSOMHET))

    assert (employee.status_code, employer.status_code) == (202, 202), (employee.text, employer.text)
    assert {employee.json()["id"], employer.json()["id"]} == {from_employee["id"], from_employer["id"]}
    runtime = Runtime.from_env(kafka_settings, database)
    messages = await read_topic(kafka_settings, runtime.topics.name(MOTEBEHOV_FRA_PART), expected=2)
    sent = {m.key: contracts.decode(runtime.codec, m.value or b"", MotebehovFraPart) for m in messages}
    assert set(sent) == {from_employee["id"].encode(), from_employer["id"].encode()}
    assert all(skjema.innsendt > A_WEEK_AGO + timedelta(days=6) for skjema in sent.values())


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code"),
    [
        ("/sykmeldt/v1/motebehov", _skjema(Innmeldertype.ARBEIDSTAKER, OTHER_FNR), "person", 403, "WRONG_PERSON"),
        ("/sykmeldt/v1/motebehov", _skjema(Innmeldertype.ARBEIDSGIVER), "person", 422, "VALIDATION_ERROR"),
        ("/sykmeldt/v1/motebehov", _skjema(Innmeldertype.ARBEIDSTAKER), "hr", 403, "PERSON_TOKEN_REQUIRED"),
        (
            "/arbeidsgiver/v1/motebehov",
            _skjema(Innmeldertype.ARBEIDSGIVER, orgnr=OTHER_EMPLOYER),
            "hr",
            403,
            "WRONG_ORGANISATION",
        ),
        ("/arbeidsgiver/v1/motebehov", _skjema(Innmeldertype.ARBEIDSTAKER), "hr", 422, "VALIDATION_ERROR"),
        ("/arbeidsgiver/v1/motebehov", _skjema(Innmeldertype.ARBEIDSGIVER), "epj", 403, "INSUFFICIENT_SCOPE"),
        (
            "/arbeidsgiver/v1/motebehov",
            _skjema(Innmeldertype.ARBEIDSGIVER),
            "person",
            403,
            "ORGANISATION_TOKEN_REQUIRED",
        ),
    ],
    ids=[
        "person-for-another",
        "person-as-employer",
        "employer-on-person-route",
        "employer-for-another",
        "employer-as-person",
        "epj",
        "person-on-employer-route",
    ],
)
async def test_a_party_asks_only_for_itself(
    *,
    client: httpx.AsyncClient,
    tokens: Tokens,
    path: str,
    body: dict[str, Any],
    headers: str,
    status: int,
    code: str,
) -> None:
    by_role = {"person": tokens.person(FNR), "hr": tokens.hr(VIRKSOMHET), "epj": tokens.epj(EPJ_ORGNR)}

    response = await client.post(path, json=body, headers=by_role[headers])

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert OTHER_FNR not in response.text and FNR not in response.text
