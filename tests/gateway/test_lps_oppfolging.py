"""The HR systems' door (/v1) for the employer's sykepengesøknader and møtebehov status, through the real
broker: a vendor reads for the organisations its customer's system user has in Altinn and nothing else; a
competitor's system user is refused the first organisation and finds nothing of its employees under its own;
neither the employee's words to NAV, nor anything medical, nor an fnr is ever in an answer."""

import random
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.motebehov import Innmeldertype
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import SYKEPENGESOKNAD
from sykmeldingsflyt.services.motebehov import MotebehovService
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from tests.gateway.parties import employer
from tests.gateway.support import Tokens, eventually, publish_nav_sykmelding
from tests.gateway.test_arbeidsgiver_soknad import CANARY as SOKNAD_CANARY
from tests.gateway.test_arbeidsgiver_soknad import _soknad
from tests.gateway.test_motebehov_status import EMPLOYEE_REASON, EMPLOYER_REASON, _skjema, until
from tests.support.inputs import send
from tests.support.services import running

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
BAKERIET = employer("Bakeriet Testesen AS", synthetic.DEMO_ARBEIDSGIVER.orgnummer, "311000004")
KONKURRENTEN = employer("Verkstedet AS", "311000128", "311000136")
"""Another customer of the same vendor, with a system user of its own."""


async def test_a_vendor_reads_its_customers_soknader_and_motebehov_and_a_competitor_nothing(
    client: httpx.AsyncClient,
    tokens: Tokens,
    altinn: AltinnTilgangsfil,
    kafka_settings: KafkaSettings,
    database: Database,
) -> None:
    received = synthetic.make_sykmelding(random.Random(1519), fom=TODAY - timedelta(days=20))
    fnr = received.pasient_fnr
    soknad = _soknad(fnr, received.sykmelding.id, BAKERIET.virksomhet, to_employer=True)
    altinn.grant(BAKERIET.systembruker.id, BAKERIET.virksomhet, BAKERIET.juridisk)
    altinn.grant(KONKURRENTEN.systembruker.id, KONKURRENTEN.virksomhet, KONKURRENTEN.juridisk)
    lps, competitor = tokens.lps(BAKERIET.systembruker), tokens.lps(KONKURRENTEN.systembruker)
    person, hr = tokens.person(fnr), tokens.hr(BAKERIET.virksomhet)
    services = (Personvern, MotebehovService, partial(TidslinjeService, poll_interval=0.05), OppgaveService)
    answers: list[httpx.Response] = []

    async def post(path: str, headers: dict[str, str], **body: Any) -> httpx.Response:
        answer = await client.post(path, json=body, headers=headers)
        answers.append(answer)
        return answer

    async with running(kafka_settings, database, *services, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        await eventually(lambda: client.post(path, json=BAKERIET.sendt, headers=person), 202)
        await eventually(lambda: client.get(f"/v1/sykmelding/{received.sykmelding.id}", headers=lps))
        await send(kafka_settings, runtime, SYKEPENGESOKNAD, (soknad.id, soknad))
        from_employee = _skjema(Innmeldertype.ARBEIDSTAKER, fnr, EMPLOYEE_REASON)
        from_employer = _skjema(Innmeldertype.ARBEIDSGIVER, fnr, EMPLOYER_REASON)
        assert (await client.post("/sykmeldt/v1/motebehov", json=from_employee, headers=person)).status_code == 202
        assert (await client.post("/arbeidsgiver/v1/motebehov", json=from_employer, headers=hr)).status_code == 202

        soknader = await until(
            lambda: post("/v1/soknader", lps, orgnr=BAKERIET.juridisk), lambda answer: bool(answer.json())
        )
        motebehov = await until(
            lambda: post("/v1/motebehov", lps, orgnr=BAKERIET.virksomhet),
            lambda answer: bool(answer.json() and answer.json()[0]["motebehov"]),
        )
        sykmeldinger = await post("/v1/sykmeldinger", lps, orgnr=BAKERIET.virksomhet)
        after_last = await post(
            "/v1/soknader",
            {**lps, "Prefer": "wait=1"},
            orgnr=BAKERIET.juridisk,
            fraLoepenr=soknader.json()[-1]["loepenr"],
        )
        refused = [
            await post("/v1/soknader", competitor, orgnr=BAKERIET.juridisk),
            await post("/v1/soknader", competitor, orgnr=BAKERIET.virksomhet),
            await post("/v1/motebehov", competitor, orgnr=BAKERIET.virksomhet),
            await post("/v1/motebehov", competitor, orgnr=BAKERIET.juridisk),
        ]
        own_soknader = await post("/v1/soknader", competitor, orgnr=KONKURRENTEN.juridisk)
        own_motebehov = await post("/v1/motebehov", competitor, orgnr=KONKURRENTEN.virksomhet)
        employer_token = await post("/v1/motebehov", hr, orgnr=BAKERIET.virksomhet)
        unknown_field = await post("/v1/motebehov", lps, orgnr=BAKERIET.virksomhet, fnr=fnr)

    (entry,) = soknader.json()
    assert soknader.status_code == 200 and entry["soknad"]["id"] == soknad.id
    assert [f["type"] for f in entry["soknad"]["fravar"]] == ["FERIE"]
    # The same employee under the same pseudonym on the sykmelding, the søknad and the møtebehov status.
    ansatt = sykmeldinger.json()[0]["ansattRef"]
    assert entry["ansattRef"] == ansatt == motebehov.json()[0]["ansattRef"]
    (status,) = motebehov.json()
    assert (status["orgnr"], status["skjematype"]) == (BAKERIET.virksomhet, "MELD_BEHOV")
    assert (status["motebehov"]["id"], status["motebehov"]["begrunnelse"]) == (from_employer["id"], EMPLOYER_REASON)
    assert (after_last.status_code, after_last.json()) == (200, [])
    assert [(a.status_code, a.json()["code"]) for a in refused] == [(401, "IKKE_TILGANG_TIL_RESSURS")] * 4
    assert (own_soknader.status_code, own_soknader.json()) == (200, [])
    assert (own_motebehov.status_code, own_motebehov.json()) == (200, [])
    assert (employer_token.status_code, employer_token.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    assert unknown_field.status_code == 422
    # The positive control: the canaries were in what the employee sent.
    assert SOKNAD_CANARY in soknad.model_dump_json() and EMPLOYEE_REASON in str(from_employee)
    for answer in answers:
        for leak in (SOKNAD_CANARY, EMPLOYEE_REASON, fnr, "UTLANDSOPPHOLD"):
            assert leak not in answer.text, f"{answer.request.url.path}: {leak}"
