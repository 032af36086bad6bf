"""Tokens for each role, synthetic parties, and waiting for the read model to catch up."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING
from sykmeldingsflyt.registers.registre import Registre
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, DEMO_LEGEKONTOR
from tests.support.kafka import produce
from tests.support.registers import registre_med

EPJ_ORGNR = DEMO_LEGEKONTOR.orgnr
OTHER_CLINIC = "310000027"
VIRKSOMHET = DEMO_ARBEIDSGIVER.orgnummer
JURIDISK = DEMO_ARBEIDSGIVER.juridisk_orgnummer
OTHER_EMPLOYER = "311000128"
NAV_ORGNR = "889640782"
HR_VENDOR = "310000108"
OPERATORS = "5f0c1d9e-0000-4000-8000-0000000000aa"
"""The Azure AD group whose members are operators, in the gateway's settings for tests."""
SENDT = {"statusEvent": "SENDT", "arbeidsgiver": DEMO_ARBEIDSGIVER.model_dump(mode="json", by_alias=True)}


@dataclass(frozen=True)
class Tokens:
    issuer: DevIssuer

    def organisation(self, orgnr: str, *scopes: Scope) -> dict[str, str]:
        return _bearer(self.issuer.organisation_token(orgnr, [scope.value for scope in scopes]))

    def epj(self, orgnr: str = EPJ_ORGNR) -> dict[str, str]:
        return self.organisation(orgnr, Scope.EPJ_WRITE)

    def hr(self, orgnr: str = JURIDISK) -> dict[str, str]:
        return self.organisation(orgnr, Scope.ARBEIDSGIVER_READ, Scope.ARBEIDSGIVER_WRITE)

    def lps(self, systembruker: Systembruker, vendor: str = HR_VENDOR) -> dict[str, str]:
        """An HR vendor's token for its customer's Altinn system user, with NAV's LPS scope."""
        token = self.issuer.organisation_token(vendor, [Scope.SYKEPENGER.value], systembruker=systembruker)
        return _bearer(token)

    def clinic(self, her_id: str, orgnr: str = EPJ_ORGNR) -> dict[str, str]:
        """An EPJ's token naming its clinic's HER id."""
        return _bearer(self.issuer.organisation_token(orgnr, [Scope.EPJ_WRITE.value], her_id=her_id))

    def nav(self) -> dict[str, str]:
        return self.organisation(NAV_ORGNR, Scope.NAV_READ)

    def person(self, fnr: str) -> dict[str, str]:
        return _bearer(self.issuer.person_token(fnr))

    def operator(self, ident: str, *groups: str) -> dict[str, str]:
        return _bearer(self.issuer.operator_token(ident, list(groups)))


def url_of(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def eventually(
    request: Callable[[], Awaitable[httpx.Response]], status: int = 200, timeout: float = 30.0
) -> httpx.Response:
    """Repeat `request` until it answers `status`: the read model follows the topics asynchronously."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        response = await request()
        if response.status_code == status or loop.time() > deadline:
            return response
        await asyncio.sleep(0.2)


async def publish_nav_sykmelding(settings: KafkaSettings, runtime: Runtime, received: ReceivedSykmelding) -> None:
    """What mottak would publish for an accepted sykmelding: what tells the gateway whose it is."""
    topic = runtime.topics.name(NAV_SYKMELDING)
    view = NavSykmelding(received_sykmelding=received, validation_result=ValidationResult(status=RuleStatus.OK))
    await produce(settings, topic, [(received.sykmelding.id.encode(), contracts.encode(runtime.codec, view, topic))])


def employ(app: FastAPI, folder: Path, *employments: tuple[str, str, str], unknown: Sequence[str] = ()) -> Registre:
    """Give the running gateway folder-backed registers in which each (fnr, virksomhet, legal entity) is
    employed since last year and every synthetic person but the `unknown` exists; returns them, for the
    services a test runs beside the gateway to ask the same."""
    registre = registre_med(folder, *employments, ukjente=unknown)
    running: Gateway = app.state.gateway
    running.runtime.registre = registre
    return registre
