"""The room's actions in a real browser (Debian's Chromium through Playwright), over the real gateway,
broker, read model and services: each party's form reaches the same topic through the same checks as the
HTTP API, and its effect shows on another party's open page without a reload; a party the action is not
for is refused by the server; a bad form is answered with a Norwegian message naming the field; and the
employer's page, its network responses and its event stream carry no medical canary throughout."""

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from playwright.async_api import Browser, Page, Response, expect

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.motebehov import MotebehovService
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import Tokens
from tests.integration.test_personvern import _with_canaries
from tests.rom.conftest import ANNEN_LEDER
from tests.rom.test_rom import LIVE, SYKMELDT, _axe, _sak, _send_to_employer, _som
from tests.support.inputs import send_nav
from tests.support.services import running


async def _apne(page: Page, url: str) -> None:
    """Open `url` once the read model lets this party in (the services follow the topics)."""
    for _ in range(LIVE // 250):
        opened = await page.goto(url)
        if opened is not None and opened.status == 200:
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{url} did not open")


async def _send(page: Page, knapp: str, kvittering: str) -> None:
    """Submit a form; the answer is a redirect to the page, with the receipt."""
    async with page.expect_navigation():
        await page.click(knapp)
    if f"kvittering={kvittering}" not in page.url:
        raise AssertionError(await page.locator("#feiloppsummering").inner_text())


async def _send_og_avbryt(sykmeldt: Page, leder: Page, sykmelding_id: str) -> None:
    await sykmeldt.select_option("#sykmelding", sykmelding_id)
    await _send(sykmeldt, "#send-sykmelding-knapp", "sendt")
    kort = leder.locator(f'[data-sykmelding="{sykmelding_id}"]')
    await expect(kort).to_be_visible(timeout=LIVE)
    await sykmeldt.select_option("#avbryt-sykmelding", sykmelding_id)
    await _send(sykmeldt, "#avbryt-sykmelding-knapp", "avbrutt")
    await expect(kort).to_have_count(0, timeout=LIVE)


def _samler(page: Page) -> list[str]:
    """Every response body the page gets, but its never-ending event stream and redirects."""
    seen: list[str] = []

    async def keep(response: Response) -> None:
        if "/hendelser" not in response.url and not 300 <= response.status < 400:
            seen.append(await response.text())

    page.on("response", keep)
    return seen


async def _strom(page: Page) -> Callable[[str], Awaitable[str]]:
    """The page's event stream, as its browser receives it."""
    await page.evaluate(
        """() => { window.strom = [];
           const kilde = new EventSource(document.getElementById('sak').dataset.hendelser);
           for (const e of ['sak', 'tilstand']) kilde.addEventListener(e, m => window.strom.push(m.data)); }"""
    )

    async def read(until: str) -> str:
        await page.wait_for_function(f"window.strom.join('').includes({until!r})", timeout=LIVE)
        return "\n".join(await page.evaluate("window.strom"))

    return read


async def _fyll_plan(leder: Page, evaluering: str, *, hjelp: bool = False) -> None:
    for navn in (
        "typical_workday",
        "tasks_that_can_still_be_done",
        "tasks_that_can_not_be_done",
        "previous_facilitation",
        "planned_facilitation",
        "follow_up",
    ):
        await leder.fill(f"#{navn}", "Tekst i planen")
    await leder.fill("#evaluation_date", evaluering)
    await leder.fill("#contact_person_full_name", "Kari Leder")
    await leder.fill("#contact_person_phone_number", "99999999")
    await leder.fill("#contact_person_email", "kari@example.no")
    await leder.check("#employee_has_contributed_to_plan-ja")
    if hjelp:
        await leder.check("#send_plan_to_nav")
        await leder.check("#needs_help_from_nav")
        await leder.fill("#needs_help_from_nav_description", "Hjelp med tilrettelegging")


async def test_each_action_reaches_the_other_parties_open_pages_and_the_employer_never_a_canary(
    rom: str, browser: Browser, kafka_settings: KafkaSettings, database: Database
) -> None:
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    rng = random.Random(31)
    services = (Personvern, GatewayReadModel, TidslinjeService, MotebehovService, OppgaveService, Oppfolging)
    async with running(kafka_settings, database, *services) as runtime:
        fom = runtime.clock.today() - timedelta(days=20)
        first, second = (
            _with_canaries(synthetic.make_sykmelding(rng, fom=day, pasient_fnr=SYKMELDT), canary)
            for day in (fom, fom + timedelta(days=7))
        )
        await send_nav(kafka_settings, runtime, first, second)
        sak = f"{rom}/rom/sak/{_sak(runtime, first)}"
        async with (
            _som(browser, rom, "sykmeldt") as sykmeldt,
            _som(browser, rom, "leder") as leder,
            _som(browser, rom, "nav") as nav,
        ):
            seen = _samler(leder)
            await _apne(sykmeldt, sak)
            await expect(sykmeldt.locator(f'[data-sykmelding="{second.sykmelding.id}"]')).to_be_visible(timeout=LIVE)
            # The employee sends the first to the employer (the one employer Aareg gives is chosen).
            await sykmeldt.reload()
            await sykmeldt.select_option("#sykmelding", first.sykmelding.id)
            await _send(sykmeldt, "#send-sykmelding-knapp", "sendt")
            await expect(sykmeldt.locator("#sykmelding-svar")).to_contain_text("sendt til arbeidsgiveren")
            await _apne(leder, sak)
            await _apne(nav, sak)
            strom = await _strom(leder)

            # The second, sent and then cancelled: the leader's open page shows it come and go.
            await _send_og_avbryt(sykmeldt, leder, second.sykmelding.id)

            # Both parties ask for a dialogue meeting; NAV's open page gets both answers and the task.
            await sykmeldt.reload()
            await sykmeldt.fill("#begrunnelse", f"{canary}-begrunnelse")
            await _send(sykmeldt, "#send-motebehov", "motebehov-ja")
            await expect(nav.get_by_text("Den sykmeldte (311000101) svarte Ja")).to_be_visible(timeout=LIVE)
            events = [await strom(second.sykmelding.id)]
            await leder.reload()
            await _send(leder, "#send-motebehov", "motebehov-ja")
            await expect(nav.get_by_text("Arbeidsgiver (311000101) svarte Ja")).to_be_visible(timeout=LIVE)
            await expect(nav.get_by_text("Oppgave for NAV: MOTEBEHOV_SVAR (MOTTATT)")).to_have_count(2, timeout=LIVE)

            # The leader's plan asks NAV for help: NAV's open page gets the task.
            await _fyll_plan(leder, (runtime.clock.today() + timedelta(days=30)).isoformat(), hjelp=True)
            await _send(leder, "#send-plan", "plan")
            strom = await _strom(leder)
            await expect(nav.get_by_text("Oppgave for NAV: OPPFOLGINGSPLAN_BISTAND")).to_be_visible(timeout=LIVE)

            # NAV marks the møtebehov handled: the employee's and the leader's open pages show it.
            await sykmeldt.reload()
            strom_sykmeldt = await _strom(sykmeldt)
            await nav.reload()
            await _send(nav, "#behandle-motebehov", "behandlet")
            await expect(nav.locator("#behandle-svar")).to_contain_text("behandlet")
            # The page shows it twice, in the Møtebehov list and as a timeline row: wait for the list's.
            for side in (sykmeldt, leder):
                behandlet = side.locator("li[data-motebehov]").filter(has_text="Behandlet av NAV")
                await expect(behandlet.first).to_be_visible(timeout=LIVE)

            html = await leder.content()
            events.append(await strom("Behandlet av NAV"))
            events_sykmeldt = await strom_sykmeldt("Behandlet av NAV")
            violations = {"sykmeldt": await _axe(sykmeldt), "leder": await _axe(leder), "nav": await _axe(nav)}

    assert seen and "Den sykmeldte (311000101) svarte Ja" in events_sykmeldt
    # Nothing medical, and not the employee's own reasons to NAV, ever reached the employer.
    for text in [html, *events, *seen]:
        assert canary not in text
    assert "Den sykmeldte (" not in html
    assert violations == {"sykmeldt": [], "leder": [], "nav": []}


async def test_forbidden_parties_forged_forms_and_bad_forms_are_refused_in_norwegian(
    rom: str, browser: Browser, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(32)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        # Long over: the employer's plan is refused by the API's own check, with its code.
        received = synthetic.make_sykmelding(rng, fom=runtime.clock.today() - timedelta(days=60), pasient_fnr=SYKMELDT)
        await send_nav(kafka_settings, runtime, received)
        await _send_to_employer(rom, tokens, received)
        sak = f"{rom}/rom/sak/{_sak(runtime, received)}"
        refused: dict[str, int] = {}
        async with (
            _som(browser, rom, "sykmeldt") as sykmeldt,
            _som(browser, rom, "leder") as leder,
            _som(browser, rom, "lege") as lege,
            _som(browser, rom, "nav") as nav,
            _som(browser, rom, "leder", ANNEN_LEDER) as fremmed,
        ):
            for page in (sykmeldt, leder, lege, nav, fremmed):
                await page.goto(sak)
            csrf = await sykmeldt.locator("input[name=csrf]").first.get_attribute("value")
            assert csrf is not None
            form: dict[str, str | float | bool] = {
                "csrf": csrf,
                "nokkel": str(uuid.uuid4()),
                "sykmelding": received.sykmelding.id,
            }
            for name, page, path in (
                ("leder sender sykmelding", leder, "sykmelding/send"),
                ("lege svarer på møtebehov", lege, "motebehov"),
                ("sykmeldt behandler", sykmeldt, "motebehov/behandle"),
                ("nav sender plan", nav, "oppfolgingsplan"),
                ("sykmeldt sender plan", sykmeldt, "oppfolgingsplan"),
                ("fremmed leder", fremmed, "motebehov"),
            ):
                answer = await page.request.post(f"{sak}/{path}", form=form, max_redirects=0)
                refused[name] = answer.status
            # The sykmeldt's own form, forged: without the session's token, or from another site.
            forged = await sykmeldt.request.post(f"{sak}/sykmelding/avbryt", form={**form, "csrf": "x" * 64})
            other_site = await sykmeldt.request.post(
                f"{sak}/sykmelding/avbryt", form=form, headers={"Origin": "https://angriper.example"}
            )
            as_json = await sykmeldt.request.post(f"{sak}/sykmelding/avbryt", data={"csrf": csrf})
            forged_text = await forged.text()

            # A bad form: no employer chosen.
            await sykmeldt.evaluate(
                "document.querySelectorAll('input[name=orgnummer]').forEach(r => r.checked = false)"
            )
            await sykmeldt.click("#send-sykmelding-knapp")
            no_employer = sykmeldt.locator("#feiloppsummering a[href='#orgnummer']")
            await expect(no_employer).to_have_text("Velg arbeidsgiveren du vil sende sykmeldingen til.")
            await expect(sykmeldt.locator("#feiloppsummering")).to_be_focused()
            # The plan: a date in the past, and an empty text, each named; kept what was filled in.
            await _fyll_plan(leder, (runtime.clock.today() - timedelta(days=1)).isoformat())
            await leder.fill("#follow_up", " ")
            await leder.click("#send-plan")
            summary = leder.locator("#feiloppsummering")
            await expect(summary.locator("a[href='#evaluation_date']")).to_have_text(
                "Evalueringsdatoen må være i dag eller senere."
            )
            await expect(summary.locator("a[href='#follow_up']")).to_contain_text("Slik følger dere opp den ansatte")
            await expect(leder.locator("#evaluation_date")).to_have_attribute("aria-invalid", "true")
            await expect(leder.locator("#contact_person_full_name")).to_have_value("Kari Leder")
            bad_plan_a11y = await _axe(leder)
            # A session that posts faster than a person is slowed down.
            wrong = {**form, "avbryt-sykmelding": str(uuid.uuid4())}
            flood = await asyncio.gather(
                *(sykmeldt.request.post(f"{sak}/sykmelding/avbryt", form=wrong) for _ in range(15))
            )
            # A plan the API's own check refuses: its code, and what it means in bokmål.
            await _fyll_plan(leder, (runtime.clock.today() + timedelta(days=30)).isoformat())
            await leder.click("#send-plan")
            await expect(leder.locator("#feilkode")).to_have_text("NO_ACTIVE_SENT_SYKMELDING")
            await expect(leder.locator("#feiloppsummering")).to_contain_text("ingen aktiv sykmelding")

    assert refused == {
        "leder sender sykmelding": 403,
        "lege svarer på møtebehov": 403,
        "sykmeldt behandler": 403,
        "nav sender plan": 403,
        "sykmeldt sender plan": 403,
        "fremmed leder": 404,
    }
    assert (forged.status, other_site.status, as_json.status) == (403, 403, 415)
    assert "Skjemaet er utløpt" in forged_text
    assert bad_plan_a11y == []
    assert {answer.status for answer in flood} == {400, 429}
