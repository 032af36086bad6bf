"""The case's whole timeline in a real browser, per party: follow-up plans, møtebehov and their answers,
dialogmøter (one arriving on the leader's open page live) and the dialogmøte-2 candidature, as NAV's and the
services' events on Kafka put them in the read models; the leader's case list from the nærmeste leder
register; the doctor's list of their own patients.

Every medical field of the sykmelding and the employee's own reasons carry canaries: the leader's pages and
every response its browser got hold none, and neither does the raw database row of the room's stored view."""

import random
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from playwright.async_api import Browser, Page, Response, expect
from sqlalchemy import func, select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.dialogmotekandidat import DialogmotekandidatEndring, Endringsarsak
from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovMottatt, Skjematype
from sykmeldingsflyt.domain.oppfolgingsplan import (
    Delivery,
    DeliveryStatus,
    OppfolgingsplanMottatt,
    PlanKvittering,
    PlanStatus,
)
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.timeline import DialogmoteStatus
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    HR_KVITTERING,
    NAV_DIALOGMOTE_STATUS,
    NAV_MOTEBEHOV,
    OPPFOLGINGSPLAN_MOTTATT,
)
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import (
    GatewayAudit,
    GatewayMotebehov,
    GatewayPlanKvittering,
    TidslinjeDialogmote,
    TidslinjeOppfolgingsplan,
)
from sykmeldingsflyt.storage.tidslinje import add_kandidat_endring
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.gateway.support import Tokens
from tests.integration.test_personvern import _with_canaries
from tests.rom.conftest import ANNEN_LEDER, ANNEN_ORG
from tests.rom.test_rom import ANNEN_LEGE, LEDER, LIVE, SYKMELDT, _axe, _sak, _send_to_employer, _som
from tests.support.inputs import send, send_nav
from tests.support.kafka import produce
from tests.support.services import running
from tests.support.timeline import until

LEDERS_ORD = "Arbeidsgiver vil drøfte tilrettelegging"
ROWS = "#sak tbody tr"
RAW = "SELECT * FROM gateway_rom_sykmelding"


def _plan(runtime: Runtime, person: str, orgnummer: str) -> tuple[OppfolgingsplanMottatt, PlanKvittering]:
    plan_uuid, now = str(uuid.uuid4()), datetime.now(UTC)
    mottatt = OppfolgingsplanMottatt(
        plan_uuid=plan_uuid,
        person_ref=person,
        orgnummer=orgnummer,
        juridisk_orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer,
        mottatt=now,
        evaluation_date=runtime.clock.today() + timedelta(days=30),
    )
    kvittering = PlanKvittering(
        kvittering_id=str(uuid.uuid4()),
        plan_uuid=plan_uuid,
        status=PlanStatus.ACCEPTED,
        general_practitioner=Delivery(status=DeliveryStatus.SENT),
        nav=Delivery(status=DeliveryStatus.NOT_REQUESTED),
        mottatt=now,
    )
    return mottatt, kvittering


def _motebehov(person: str, innmelder: Innmeldertype, begrunnelse: str, runtime: Runtime) -> MotebehovMottatt:
    return MotebehovMottatt(
        id=str(uuid.uuid4()),
        skjematype=Skjematype.MELD_BEHOV,
        innmelder_type=innmelder,
        orgnr=DEMO_ARBEIDSGIVER.orgnummer,
        har_motebehov=True,
        begrunnelse=begrunnelse,
        innsendt=datetime.now(UTC),
        person_ref=person,
        tilfelle_id=str(uuid.uuid4()),
        tilfelle_start=runtime.clock.today() - timedelta(days=30),
    )


def _mote(status: DialogmoteStatus, virksomhet: str, motetid: datetime) -> DialogmoteStatusEndring:
    return DialogmoteStatusEndring(
        dialogmote_uuid=str(uuid.uuid4()),
        status_endring_type=status,
        status_endring_tidspunkt=datetime.now(UTC),
        dialogmote_tidspunkt=motetid,
        person_ident=SYKMELDT,
        virksomhetsnummer=virksomhet,
    )


async def _publish_case_events(kafka_settings: KafkaSettings, runtime: Runtime, person: str, canary: str) -> None:
    """What the other services would publish in the case: two plans (the leader's underenhet and another) and
    both sides' møtebehov."""
    planer = [_plan(runtime, person, orgnummer) for orgnummer in (DEMO_ARBEIDSGIVER.orgnummer, ANNEN_ORG)]
    await send(kafka_settings, runtime, OPPFOLGINGSPLAN_MOTTATT, *((m.plan_uuid, m) for m, _ in planer))
    topic = runtime.topics.name(HR_KVITTERING)
    for mottatt, kvittering in planer:
        value = contracts.encode(runtime.codec, kvittering, topic)
        orgnummer = [("orgnummer", mottatt.orgnummer.encode())]
        await produce(kafka_settings, topic, [(mottatt.plan_uuid.encode(), value)], headers=orgnummer)
    svar = (
        _motebehov(person, Innmeldertype.ARBEIDSTAKER, f"{canary}-begrunnelse", runtime),
        _motebehov(person, Innmeldertype.ARBEIDSGIVER, LEDERS_ORD, runtime),
    )
    await send(kafka_settings, runtime, NAV_MOTEBEHOV, *((m.id, m) for m in svar))


async def _kandidat(database: Database, fnr: str, runtime: Runtime) -> None:
    """A candidature decided ten days ago, as tidslinje stores it (its day-119 decision needs a case that old)."""
    endring = DialogmotekandidatEndring(
        uuid=str(uuid.uuid4()),
        created_at=datetime.now(UTC) - timedelta(days=10),
        person_ref=person_ref(fnr, runtime.settings.pseudonym_key),
        tilfelle_id=str(uuid.uuid4()),
        tilfelle_start=datetime.now(UTC).date() - timedelta(days=130),
        kandidat=True,
        arsak=Endringsarsak.STOPPUNKT,
    )
    async with database.session.begin() as session:
        await add_kandidat_endring(session, endring)


async def _counts(page: Page) -> dict[str, int]:
    titles = {
        "planer": "Oppfølgingsplan fra arbeidsgiver",
        "motebehov": "Ønske om dialogmøte",
        "innkalt": "Innkalling til dialogmøte",
        "avlyst": "Dialogmøtet er avlyst",
        "kandidat": "Registrert som kandidat til dialogmøte 2",
    }
    return {name: await page.locator(ROWS, has_text=title).count() for name, title in titles.items()}


async def _case(
    rom: str, tokens: Tokens, kafka_settings: KafkaSettings, runtime: Runtime, canary: str
) -> ReceivedSykmelding:
    """A sykmelding with a canary in every medical field, sent to the leader's underenhet, and the services'
    events of its case."""
    fom = runtime.clock.today() - timedelta(days=30)
    received = _with_canaries(synthetic.make_sykmelding(random.Random(21), fom=fom, pasient_fnr=SYKMELDT), canary)
    await send_nav(kafka_settings, runtime, received)
    await _send_to_employer(rom, tokens, received)
    await _publish_case_events(kafka_settings, runtime, person_ref(SYKMELDT, runtime.settings.pseudonym_key), canary)
    return received


async def _strangers_lists(browser: Browser, rom: str) -> dict[str, int]:
    """How many cases a leader of another employee and a doctor of another patient find on their own lists."""
    found = {}
    for name, rolle, ident in (("annen leder", "leder", ANNEN_LEDER), ("annen lege", "lege", ANNEN_LEGE)):
        async with _som(browser, rom, rolle, ident) as page:
            found[name] = await page.locator("[data-sak]").count()
    return found


async def _audited(database: Database, leder: str, nav: str) -> dict[str, dict[str, int]]:
    """How many distinct things of each kind the leader and NAV were recorded reading in the room."""
    async with database.session() as session:
        rows = await session.execute(
            select(GatewayAudit.actor, GatewayAudit.resource_type, func.count(GatewayAudit.resource_id.distinct()))
            .where(GatewayAudit.purpose == "samhandlingsrom", GatewayAudit.actor.in_([leder, nav]))
            .group_by(GatewayAudit.actor, GatewayAudit.resource_type)
        )
        # A møtebehov shows twice on the page (a timeline row and the answers list) and is one read.
        elsewhere = await session.scalar(
            select(func.count())
            .select_from(GatewayAudit)
            .where(GatewayAudit.purpose != "samhandlingsrom", GatewayAudit.actor.in_([leder, nav]))
        )
    found: dict[str, dict[str, int]] = {"leder": {}, "nav": {}, "under another purpose": {"rows": elsewhere or 0}}
    for actor, resource, count in rows:
        found["leder" if actor == leder else "nav"][resource] = count
    return found


async def test_each_party_sees_plans_motebehov_meetings_and_candidature_in_its_own_view(
    rom: str, browser: Browser, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    async with running(kafka_settings, database, Personvern, TidslinjeService, GatewayReadModel) as runtime:
        received = await _case(rom, tokens, kafka_settings, runtime, canary)
        await _kandidat(database, received.pasient_fnr, runtime)
        for table in (TidslinjeOppfolgingsplan, GatewayPlanKvittering, GatewayMotebehov):
            await until(database, select(func.count()).select_from(table), lambda found: found == 2)
        sak = _sak(runtime, received)

        seen: dict[str, dict[str, int]] = {}
        async with (
            _som(browser, rom, "sykmeldt") as sykmeldt,
            _som(browser, rom, "leder") as leder,
            _som(browser, rom, "lege") as lege,
            _som(browser, rom, "nav") as nav,
        ):
            responses: list[str] = []

            async def keep(response: Response) -> None:
                if "/hendelser" not in response.url and not 300 <= response.status < 400:
                    responses.append(await response.text())

            leder.on("response", keep)
            # The leader's own list (they landed on it at login) names the case, and nothing medical.
            await leder.reload()
            listed = leder.locator(f'[data-sak="{sak}"]')
            await expect(listed).to_contain_text(f"ansatt ved {DEMO_ARBEIDSGIVER.org_navn}")
            listing = await leder.content()
            await listed.get_by_role("link").click()
            await expect(leder.locator(ROWS, has_text="Oppfølgingsplan fra arbeidsgiver")).to_have_count(1)
            # NAV calls a meeting with the leader's underenhet and cancels one with the other: the leader's open
            # page shows the first without reload, and never the second.
            moter = (
                _mote(DialogmoteStatus.INNKALT, DEMO_ARBEIDSGIVER.orgnummer, datetime(2027, 1, 14, 9, tzinfo=UTC)),
                _mote(DialogmoteStatus.AVLYST, ANNEN_ORG, datetime(2027, 1, 21, 12, 15, tzinfo=UTC)),
            )
            await send(kafka_settings, runtime, NAV_DIALOGMOTE_STATUS, *((m.dialogmote_uuid, m) for m in moter))
            await expect(leder.locator(ROWS, has_text="Innkalling til dialogmøte")).to_have_count(1, timeout=LIVE)
            await until(database, select(func.count()).select_from(TidslinjeDialogmote), lambda found: found == 2)
            for page in (sykmeldt, lege, nav):
                await page.goto(f"{rom}/rom/sak/{sak}")
            for name, page in (("sykmeldt", sykmeldt), ("leder", leder), ("lege", lege), ("nav", nav)):
                await expect(page.locator(f'[data-sykmelding="{received.sykmelding.id}"]')).to_be_visible()
                seen[name] = await _counts(page)
            html = {name: await page.content() for name, page in (("sykmeldt", sykmeldt), ("leder", leder))}
            violations = {"leder": await _axe(leder), "nav": await _axe(nav)}
            lists = {}
            for name, page in (("sykmeldt", sykmeldt), ("lege", lege)):
                await page.goto(f"{rom}/rom/")
                lists[name] = await page.locator(f'[data-sak="{sak}"]').count()

        strangers = await _strangers_lists(browser, rom)
        async with database.engine.connect() as connection:
            stored = [repr(tuple(row)) for row in await connection.execute(sa.text(RAW))]
        audited = await _audited(database, person_ref(LEDER, runtime.settings.pseudonym_key), "Z990001")

    assert seen == {
        "sykmeldt": {"planer": 2, "motebehov": 1, "innkalt": 1, "avlyst": 1, "kandidat": 0},
        "leder": {"planer": 1, "motebehov": 1, "innkalt": 1, "avlyst": 0, "kandidat": 0},
        "lege": {"planer": 0, "motebehov": 0, "innkalt": 0, "avlyst": 0, "kandidat": 0},
        "nav": {"planer": 2, "motebehov": 2, "innkalt": 1, "avlyst": 1, "kandidat": 1},
    }
    # Each outside party reads its own side's answer only; NAV both.
    assert f"{canary}-begrunnelse" in html["sykmeldt"] and LEDERS_ORD not in html["sykmeldt"]
    assert LEDERS_ORD in html["leder"]
    # Each meeting's own time, in Norway, for those who see the meeting: the leader's came live.
    innkalt, avlyst = "Tid: 14.01.2027 kl. 10:00", "Møtet var satt til: 21.01.2027 kl. 13:15"
    assert innkalt in html["sykmeldt"] and avlyst in html["sykmeldt"]
    assert innkalt in html["leder"] and avlyst not in html["leder"]
    for text in [html["leder"], listing, *responses]:
        assert canary not in text and SYKMELDT not in text
    assert responses
    assert violations == {"leder": [], "nav": []}
    assert lists == {"sykmeldt": 1, "lege": 1}
    assert strangers == {"annen leder": 0, "annen lege": 0}
    assert stored and all(canary not in row and SYKMELDT not in row for row in stored)
    assert LEDER not in listing
    # What each read is in the audit log, as the HTTP routes record theirs.
    assert audited == {
        "leder": {"arbeidsgiver-sykmelding": 1, "sykmelding": 1, "oppfolgingsplan": 1, "motebehov": 1},
        "nav": {"sykmelding": 1, "oppfolgingsplan": 2, "motebehov": 2},
        "under another purpose": {"rows": 0},
    }
