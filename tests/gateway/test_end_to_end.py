"""From an EPJ's POST through Kafka (mottak, personvern, the gateway's read model) to the employee's
POST SENDT and the employer's GET: the employer gets its view, and nothing medical; the log lines,
the audit lines among them, carry ids and never the diagnosis or the fnr."""

import io
import json
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.sykmelding import (
    ICPC2_SYSTEM,
    AktivitetIkkeMulig,
    Diagnose,
    MedisinskArsak,
    MedisinskArsakType,
    MedisinskVurdering,
    Periode,
)
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import JURIDISK, SENDT, VIRKSOMHET, Tokens, eventually
from tests.support.services import running

pytestmark = pytest.mark.integration

CANARIES = ("CANARY-hoveddiagnose-91c2", "CANARY-medisinsk-arsak-5e7d", "CANARY-tiltak-nav-0b44")


async def test_an_epj_post_reaches_the_employer_as_its_view_without_the_diagnosis(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    today = datetime.now(UTC).date()
    periode = Periode(
        fom=today,
        tom=today + timedelta(days=13),
        aktivitet_ikke_mulig=AktivitetIkkeMulig(
            medisinsk_arsak=MedisinskArsak(beskrivelse=CANARIES[1], arsak=[MedisinskArsakType.ANNET])
        ),
    )
    received = synthetic.make_sykmelding(
        random.Random(61),
        fom=today,
        perioder=[periode],
        medisinsk_vurdering=MedisinskVurdering(
            hoved_diagnose=Diagnose(system=ICPC2_SYSTEM, kode="L87", tekst=CANARIES[0]),
            svangerskap=False,
            yrkesskade=False,
        ),
    )
    received = received.model_copy(
        update={"sykmelding": received.sykmelding.model_copy(update={"tiltak_nav": CANARIES[2]})}
    )
    hr = tokens.hr(JURIDISK)
    logged = io.StringIO()
    configure_logging("DEBUG", stream=logged)
    async with running(kafka_settings, database, Mottak, Personvern, GatewayReadModel):
        posted = await client.post(
            "/epj/v1/sykmeldinger", json=received.model_dump(mode="json", by_alias=True), headers=tokens.epj()
        )
        kvittering = await eventually(lambda: client.get(posted.json()["location"], headers=tokens.epj()))
        sent = await eventually(
            lambda: client.post(
                f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status",
                json=SENDT,
                headers=tokens.person(received.pasient_fnr),
            ),
            status=202,
        )
        one = await eventually(
            lambda: client.get(f"/arbeidsgiver/v1/sykmeldinger/{received.sykmelding.id}", headers=hr)
        )
        feed = await client.get("/arbeidsgiver/v1/sykmeldinger", headers=hr)

    assert posted.status_code == 202, posted.text
    assert kvittering.json()["status"] == "OK", kvittering.text
    assert sent.status_code == 202, sent.text
    assert one.status_code == 200, one.text
    view = one.json()
    assert (view["id"], view["orgnummer"], view["juridiskOrgnummer"]) == (received.sykmelding.id, VIRKSOMHET, JURIDISK)
    assert [entry["sykmelding"] for entry in feed.json()["sykmeldinger"]] == [view]
    for text in (one.text, feed.text, logged.getvalue()):
        for secret in (*CANARIES, "L87", received.pasient_fnr):
            assert secret not in text
    audit = [json.loads(line) for line in logged.getvalue().splitlines() if '"gateway.audit"' in line]
    assert {(line["actor"], line["purpose"]) for line in audit} >= {(JURIDISK, "arbeidsgiver.oppfolging")}
    assert all(
        line["resource_ids"] in ([received.sykmelding.id], [kvittering.json()["kvitteringId"]]) for line in audit
    )
