"""The case room in a real browser (Debian's Chromium through Playwright), over the real gateway, broker,
read model and personvern: each party logs in and sees the case in its own view, changes arrive live,
the employer never gets a medical canary (HTML, network or event stream), strangers are refused, and
axe-core finds no serious or critical accessibility problem."""

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Page, Response, expect
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.pseudonym import person_ref, sak_ref
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel, Varseltype
from sykmeldingsflyt.gateway import rom as rom_package
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import VARSEL
from sykmeldingsflyt.services.motebehov import MotebehovService
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayAudit, TidslinjeTilfelle
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, DEMO_BEHANDLER
from tests.gateway.support import JURIDISK, SENDT, Tokens, eventually
from tests.integration.test_personvern import _with_canaries
from tests.rom.conftest import ANNEN_LEDER
from tests.support.inputs import send, send_nav
from tests.support.services import running
from tests.support.timeline import until

SYKMELDT = "14838526102"
LEDER = "02917936725"
ANNEN_LEGE = "14836839480"
AXE = rom_package.STATIC / "vendor" / "axe.min.js"
LIVE = 30_000
"""How long a page may take to show a change (ms): the read model and personvern follow the topics."""


def _sak(runtime: Runtime, received: ReceivedSykmelding) -> str:
    key = runtime.settings.pseudonym_key
    return sak_ref(person_ref(received.pasient_fnr, key), key)


async def _send_to_employer(rom: str, tokens: Tokens, received: ReceivedSykmelding) -> None:
    """The employee sends the sykmelding to the employer through the gateway's API, and the employer's
    view reaches the read model."""
    async with httpx.AsyncClient(base_url=rom) as http:
        path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        sent = await eventually(lambda: http.post(path, json=SENDT, headers=tokens.person(SYKMELDT)), 202)
        assert sent.status_code == 202, sent.text
        view = f"/arbeidsgiver/v1/sykmeldinger/{received.sykmelding.id}"
        assert (await eventually(lambda: http.get(view, headers=tokens.hr(JURIDISK)))).status_code == 200


@asynccontextmanager
async def _som(browser: Browser, rom: str, rolle: str, ident: str | None = None) -> AsyncIterator[Page]:
    """A browser of its own, logged in through the development login as `rolle`."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{rom}/rom/logg-inn")
        if ident is not None:
            await page.fill(f"#ident-{rolle}", ident)
        await page.click(f"#logg-inn-{rolle}")
        await page.wait_for_url(f"{rom}/rom/")
        yield page
    finally:
        await context.close()


async def _axe(page: Page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    found: list[str] = await page.evaluate(
        """axe.run().then(r => r.violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ': ' + v.help))"""
    )
    return found


def _varsel(runtime: Runtime, received: ReceivedSykmelding, mottaker: Mottaker) -> Varsel:
    person = person_ref(received.pasient_fnr, runtime.settings.pseudonym_key)
    return Varsel(
        id=str(uuid.uuid4()),
        type=Varseltype.OPPFOLGINGSPLAN_MANGLER,
        mottaker=mottaker,
        tilfelle_id=str(uuid.uuid5(uuid.NAMESPACE_URL, person)),
        person_ref=person,
        orgnr=DEMO_ARBEIDSGIVER.orgnummer,
        stoppunkt_dato=runtime.clock.today() + timedelta(days=3),
        opprettet=datetime.now(UTC),
    )


async def test_each_party_sees_its_own_view_live_and_the_employer_never_a_canary(
    rom: str, browser: Browser, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    rng = random.Random(17)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        fom = runtime.clock.today() - timedelta(days=30)
        first, second = (
            _with_canaries(synthetic.make_sykmelding(rng, fom=day, pasient_fnr=SYKMELDT), canary)
            for day in (fom, fom + timedelta(days=14))
        )
        await send_nav(kafka_settings, runtime, first)
        await _send_to_employer(rom, tokens, first)
        sak = f"{rom}/rom/sak/{_sak(runtime, first)}"

        async with (
            _som(browser, rom, "sykmeldt") as sykmeldt,
            _som(browser, rom, "leder") as leder,
            _som(browser, rom, "lege") as lege,
            _som(browser, rom, "nav") as nav,
        ):
            seen: list[str] = []

            async def keep(response: Response) -> None:
                # The event stream never ends (it is read in the page below); a redirect (the login's) has no body.
                if "/hendelser" not in response.url and not 300 <= response.status < 400:
                    seen.append(await response.text())

            leder.on("response", keep)
            for page in (sykmeldt, leder, lege, nav):
                await page.goto(sak)
                await expect(page.locator(f'[data-sykmelding="{first.sykmelding.id}"]')).to_be_visible()
            # The employer's event stream, as its browser receives it.
            await leder.evaluate(
                """() => { window.strom = [];
                   const kilde = new EventSource(document.getElementById('sak').dataset.hendelser);
                   kilde.addEventListener('sak', e => window.strom.push(e.data)); }"""
            )

            # One party acts (the employee sends another sykmelding), another's open page shows it.
            await send_nav(kafka_settings, runtime, second)
            await _send_to_employer(rom, tokens, second)
            await expect(leder.locator(f'[data-sykmelding="{second.sykmelding.id}"]')).to_be_visible(timeout=LIVE)
            # An event on Kafka (a varsel the timeline service would publish) reaches NAV's and the leader's pages.
            await send(
                kafka_settings,
                runtime,
                VARSEL,
                *(
                    (v.id, v)
                    for v in (_varsel(runtime, first, m) for m in (Mottaker.ARBEIDSGIVER, Mottaker.ARBEIDSTAKER))
                ),
            )
            oppfolgingsplan = "Varsel: oppfølgingsplan mangler"
            await expect(nav.get_by_text(oppfolgingsplan)).to_have_count(2, timeout=LIVE)
            await expect(leder.get_by_text(oppfolgingsplan)).to_have_count(1, timeout=LIVE)
            await expect(sykmeldt.get_by_text(oppfolgingsplan)).to_have_count(1, timeout=LIVE)
            await leder.wait_for_function("window.strom.length > 0 && window.strom.join('').includes('Varsel')")
            stream = "\n".join(await leder.evaluate("window.strom"))

            pages = {"sykmeldt": sykmeldt, "leder": leder, "lege": lege, "nav": nav}
            roles = [await page.locator("#rolle").inner_text() for page in pages.values()]
            html = {name: await page.content() for name, page in pages.items()}
            violations = {name: await _axe(page) for name, page in pages.items()}

    assert roles == ["Sykmeldt", "Nærmeste leder", "Lege", "NAV-veileder"]
    assert f"{canary}-hoveddiagnose" in html["nav"] and f"{canary}-meldingtilnav" in html["nav"]
    assert f"{canary}-hoveddiagnose" in html["lege"] and f"{canary}-hoveddiagnose" in html["sykmeldt"]
    # The leader saw both sykmeldinger and the varsel, and nothing medical anywhere.
    assert second.sykmelding.id in stream and seen
    for text in [html["leder"], stream, *seen]:
        assert canary not in text
    assert "Hoveddiagnose" not in html["leder"]
    assert violations == {"sykmeldt": [], "leder": [], "lege": [], "nav": []}
    # Every read is in the audit log, also what reached the leader's open page live.
    async with database.session() as session:
        audited = set(
            await session.execute(
                select(GatewayAudit.actor, GatewayAudit.resource_id).where(GatewayAudit.purpose == "samhandlingsrom")
            )
        )
    leder_ref = person_ref(LEDER, runtime.settings.pseudonym_key)
    assert {(leder_ref, first.sykmelding.id), (leder_ref, second.sykmelding.id)} <= {tuple(row) for row in audited}


async def test_strangers_are_refused_as_if_the_case_did_not_exist(
    rom: str, browser: Browser, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(18)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        received = synthetic.make_sykmelding(rng, fom=runtime.clock.today() - timedelta(days=10), pasient_fnr=SYKMELDT)
        await send_nav(kafka_settings, runtime, received)
        await _send_to_employer(rom, tokens, received)
        sak = f"{rom}/rom/sak/{_sak(runtime, received)}"
        refused, allowed = {}, {}
        for name, rolle, ident in (
            ("leder i annen organisasjon", "leder", ANNEN_LEDER),
            ("lege for en annen pasient", "lege", ANNEN_LEGE),
            ("riktig leder", "leder", LEDER),
            ("riktig lege", "lege", DEMO_BEHANDLER.fnr),
        ):
            async with _som(browser, rom, rolle, ident) as page:
                opened = await page.goto(sak)
                assert opened is not None
                if name.startswith("riktig"):
                    allowed[name] = opened.status
                    continue
                text = await opened.text()
                missing = await page.goto(f"{rom}/rom/sak/{uuid.uuid4().hex}")
                assert missing is not None
                stream = await page.request.get(f"{sak}/hendelser")
                refused[name] = (opened.status, text == await missing.text(), stream.status)

    assert refused == {"leder i annen organisasjon": (404, True, 404), "lege for en annen pasient": (404, True, 404)}
    assert allowed == {"riktig leder": 200, "riktig lege": 200}


async def test_the_development_login_is_refused_in_production_and_the_design_system_is_served(
    rom: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYKMELDINGSFLYT_PROFILE", "production")
    async with httpx.AsyncClient(base_url=rom) as http:
        page = await http.get("/rom/logg-inn")
        login = await http.get("/rom/logg-inn/nav")
        unknown = await http.get("/rom/")
        css = await http.get("/rom/static/vendor/ds.css")

    assert (page.status_code, login.status_code, unknown.status_code) == (404, 404, 401)
    # NAV's design system, as bootstrap installed it, is served to every page.
    assert css.status_code == 200 and ".aksel-heading" in css.text
    assert "set-cookie" not in login.headers


async def test_the_sykmeldt_asks_for_a_meeting_and_navs_open_page_gets_the_task(
    rom: str, browser: Browser, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(19)
    services = (Personvern, TidslinjeService, MotebehovService, OppgaveService, GatewayReadModel)
    async with running(kafka_settings, database, *services) as runtime:
        received = synthetic.make_sykmelding(rng, fom=runtime.clock.today() - timedelta(days=10), pasient_fnr=SYKMELDT)
        await send_nav(kafka_settings, runtime, received)
        await _send_to_employer(rom, tokens, received)
        person = person_ref(SYKMELDT, runtime.settings.pseudonym_key)
        case = select(TidslinjeTilfelle.arbeidsgivere).where(TidslinjeTilfelle.person_ref == person)
        await until(database, case, bool)
        sak = f"{rom}/rom/sak/{_sak(runtime, received)}"
        async with _som(browser, rom, "sykmeldt") as sykmeldt, _som(browser, rom, "nav") as nav:
            await nav.goto(sak)
            await sykmeldt.goto(sak)
            oppgave = nav.get_by_text("Oppgave for NAV: MOTEBEHOV_SVAR")
            before = await oppgave.count()
            await sykmeldt.fill("#begrunnelse", "Jeg vil snakke om tilrettelegging")
            await sykmeldt.click("#send-motebehov")
            await expect(sykmeldt.locator("#motebehov-svar")).to_contain_text("NAV har fått beskjed")
            await expect(oppgave).to_have_count(1, timeout=LIVE)
            form = await _axe(sykmeldt)

    assert before == 0
    assert form == []
