"""The gateway served over real HTTP in the test's event loop, with the room, in front of the real broker
and database; Debian's Chromium driven by Playwright; registers from a folder the test writes."""

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.registers.files import bundled_folder
from sykmeldingsflyt.storage.database import Database
from tests.gateway.conftest import altinn, gateway_settings, issuer, tokens  # noqa: F401 - the gateway's fixtures
from tests.gateway.support import url_of
from tests.support.asgi import serving

CHROMIUM = "/usr/bin/chromium"
ANNEN_ORG = "311000128"
ANNEN_LEDER = "10928726156"
"""Leads another employee at another underenhet: a nærmeste leder, but not of the case's sykmeldt."""


@pytest.fixture
def registre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled registers, with a leader at another organisation added."""
    folder = tmp_path / "registre"
    shutil.copytree(bundled_folder(), folder)
    with (folder / "naermesteledere.yaml").open("a") as ledere:
        ledere.write(
            f'- fnr: "23868105755"\n  orgnummer: "{ANNEN_ORG}"\n  lederFnr: "{ANNEN_LEDER}"\n  aktivFom: 2020-01-01\n'
        )
    monkeypatch.setenv("SYKMELDINGSFLYT_REGISTERS", f"file:{folder}")
    monkeypatch.setenv("SYKMELDINGSFLYT_PROFILE", "development")
    return folder


@pytest.fixture
async def rom(
    kafka_settings: KafkaSettings,
    database: Database,
    gateway_settings: GatewaySettings,  # noqa: F811 - the imported fixture
    registre: Path,
) -> AsyncIterator[str]:
    """The gateway's base URL, serving over HTTP as in production."""
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    async with serving(create_app(gateway_settings, kafka_settings, url_of(database))) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():  # noqa: ASYNC240 - once per session, before any event is awaited
        pytest.fail(f"{CHROMIUM} is missing: scripts/bootstrap.sh installs Debian's chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        await launched.close()
