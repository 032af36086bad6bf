"""What each party can do in the room: plain HTML forms, each carried out by the very functions the HTTP
API's routes use (the sykmeldt's status route, gateway.motebehov, gateway.planvurdering), so a form reaches
the same topic through the same checks as any other client.

Every POST is guarded before it acts: the party must be one the action is for (403 otherwise), the form
must come from the room's own page (an Origin of another site, or a missing or wrong token bound to the
login cookie: 403), and a session may post only so often (429). A refusal is shown in the page, in
bokmål, naming the field and, for an answer of the API's checks, its code.
"""

import hashlib
import hmac
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart, Skjematype
from sykmeldingsflyt.domain.oppfolgingsplan import Oppfolgingsplan
from sykmeldingsflyt.domain.registers import RegisterUtilgjengelig
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent
from sykmeldingsflyt.gateway import motebehov, planvurdering
from sykmeldingsflyt.gateway.auth import Person
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.dependencies import Submission
from sykmeldingsflyt.gateway.idempotency import request_hash
from sykmeldingsflyt.gateway.limits import RateLimiter
from sykmeldingsflyt.gateway.models import StatusAction
from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.gateway.rom.tilgang import COOKIE, Betrakter, Rolle, Sak, sendt_til
from sykmeldingsflyt.gateway.routes import sykmeldt as sykmeldt_routes
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding

SKJEMATYPE = "application/x-www-form-urlencoded"
POST_RATE = 0.5
POST_BURST = 10
"""A session may post ten forms at once, then one every two seconds: more than a person needs, less than
a script that tries every sykmelding id."""
BEGRUNNELSE_MAX = 1000
_NOKKEL = re.compile(r"^[!-~]{1,128}$")
LPS_NAVN = "Samhandlingsrom (sykmeldingsflyt)"
"""The plan's `lpsName`: the system the leader sent it from."""


class Handlingsfeil(Exception):  # noqa: N818 - the room's word: the action failed
    """Why a form was refused: the status, a code, a message and the fields it is about (id -> message)."""

    def __init__(
        self, status: int, kode: str, melding: str, skjema: str, felt: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(melding)
        self.status = status
        self.kode = kode
        self.melding = melding
        self.skjema = skjema
        self.felt = dict(felt or {})


def feltfeil(skjema: str, felt: Mapping[str, str]) -> Handlingsfeil:
    return Handlingsfeil(400, "VALIDATION_ERROR", "Skjemaet har feil som må rettes.", skjema, felt)


@dataclass(frozen=True)
class Handling:
    """One posted form, from a party the guard let through."""

    running: Gateway
    hvem: Betrakter
    sak: Sak
    felter: dict[str, str]
    submission: Submission

    @property
    def person(self) -> str:
        return self.running.pseudonym(self.sak.pasient_fnr)

    def today(self) -> date:
        return self.running.runtime.clock.today()


Utfor = Callable[[Handling], Awaitable[str]]
"""An action: carries out the form and returns the receipt's key (KVITTERINGER)."""


def csrf(running: Gateway, token: str) -> str:
    """The form token bound to the login cookie: a page of another site cannot know it."""
    return hmac.new(running.runtime.settings.pseudonym_key, b"rom-csrf\0" + token.encode(), hashlib.sha256).hexdigest()


def _begrenser(request: Request, running: Gateway) -> RateLimiter:
    state = request.app.state
    if not hasattr(state, "rom_begrenser"):
        state.rom_begrenser = RateLimiter(running.database, POST_RATE, POST_BURST)
    begrenser: RateLimiter = state.rom_begrenser
    return begrenser


async def mottatt(
    request: Request, running: Gateway, hvem: Betrakter, sak: Sak, *, roller: frozenset[Rolle], skjema: str
) -> Handling:
    """The guard every form passes: the right party, the room's own page, within the session's rate."""
    if hvem.rolle not in roller:
        raise Handlingsfeil(403, "IKKE_TILGANG", "Du kan ikke gjøre dette i saken.", skjema)
    token = request.cookies.get(COOKIE, "")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Handlingsfeil(403, "CSRF", "Skjemaet kom fra en annen side. Last inn siden på nytt.", skjema)
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != SKJEMATYPE:
        raise Handlingsfeil(415, "UNSUPPORTED_MEDIA_TYPE", "Skjemaet må sendes fra siden.", skjema)
    body = await request.body()
    # The page is UTF-8; a byte sequence that is not becomes U+FFFD, never a string no encoder can write.
    felter = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"))
    if not hmac.compare_digest(felter.get("csrf", ""), csrf(running, token)):
        raise Handlingsfeil(403, "CSRF", "Skjemaet er utløpt. Last inn siden på nytt og prøv igjen.", skjema)
    sesjon = hashlib.sha256(token.encode()).hexdigest()[:32]
    if await _begrenser(request, running).take(f"rom:{sesjon}") > 0:
        raise Handlingsfeil(429, "RATE_LIMITED", "Du har sendt mange skjemaer på kort tid. Vent litt.", skjema)
    nokkel = felter.get("nokkel", "")
    fingerprint = request_hash(request.method, request.url.path, body)
    submission = Submission(
        running.idempotency,
        running.publisher,
        hvem.caller.client_key,
        nokkel if _NOKKEL.match(nokkel) else None,
        fingerprint,
    )
    return Handling(running, hvem, sak, felter, submission)


async def utfor(handling: Handling, skjema: str, action: Utfor) -> str:
    """Carry out `action`; an answer of the API's checks becomes the room's refusal, in bokmål."""
    try:
        return await action(handling)
    except ApiError as error:
        raise Handlingsfeil(error.status, error.code, _API_SVAR.get(error.code, _ANNET), skjema) from None
    except RequestValidationError as invalid:
        raise feltfeil(skjema, {_felt(e.get("loc", ())): _UGYLDIG for e in invalid.errors()}) from None


_ANNET = "Noe gikk galt. Prøv igjen senere."
_UGYLDIG = "Verdien er ikke gyldig."
_API_SVAR = {
    "NO_ACTIVE_EMPLOYMENT": "Aa-registeret har ikke noe aktivt arbeidsforhold for den ansatte hos virksomheten.",
    "NO_ACTIVE_SENT_SYKMELDING": "Virksomheten har ingen aktiv sykmelding fra den ansatte.",
    "EMPLOYEE_NOT_FOUND": "Den ansatte finnes ikke i Folkeregisteret.",
    "NOT_FOUND": "Sykmeldingen finnes ikke i saken din.",
    "INGEN_UBEHANDLET_MOTEBEHOV": "Det er ingen ubehandlede møtebehov i saken.",
    "REGISTER_UNAVAILABLE": "Et register svarer ikke nå. Prøv igjen om litt.",
    "BROKER_UNAVAILABLE": "Meldingen ble ikke tatt imot nå. Prøv igjen om litt.",
    "IDEMPOTENCY_KEY_IN_USE": "Skjemaet sendes allerede. Vent litt.",
    "IDEMPOTENCY_KEY_REUSED": "Skjemaet er sendt før. Last inn siden på nytt.",
}


def _felt(loc: tuple[Any, ...]) -> str:
    names = [str(part) for part in loc if part != "body" and not isinstance(part, int)]
    return names[0] if names else "skjema"


KVITTERINGER = {
    "sendt": ("sykmelding", "Sykmeldingen er sendt til arbeidsgiveren."),
    "avbrutt": ("sykmelding", "Sykmeldingen er avbrutt."),
    "motebehov-ja": ("motebehov", "Takk! NAV har fått beskjed om at du ønsker et dialogmøte."),
    "motebehov-nei": ("motebehov", "Takk! Svaret ditt er sendt til NAV."),
    "plan": ("plan", "Oppfølgingsplanen er sendt. Den går videre til dem planen skal til."),
    "behandlet": ("behandle", "Møtebehovene er markert som behandlet."),
}
"""Each receipt: the form it answers and its text."""


# The employee's sykmeldinger: send to an employer, cancel.


@dataclass(frozen=True)
class Valg:
    verdi: str
    tekst: str


async def arbeidsgivere(running: Gateway, sak: Sak) -> list[ArbeidsgiverStatus]:
    """The employers the sykmeldt may send to: their active employments in Aareg, named as the doctor named
    the employer when there is only one to name."""
    today = running.runtime.clock.today()
    aktive = [a for a in await running.runtime.registre.aareg.arbeidsforhold(sak.pasient_fnr) if a.aktivt(today)]
    navn = sak.sykmeldinger[-1].received_sykmelding.sykmelding.arbeidsgiver.navn if len(aktive) == 1 else None
    return [
        ArbeidsgiverStatus(
            orgnummer=a.orgnummer, juridisk_orgnummer=a.juridisk_orgnummer, org_navn=navn or f"Virksomhet {a.orgnummer}"
        )
        for a in aktive
    ]


async def send_sykmelding(handling: Handling) -> str:
    try:
        valgbare = await arbeidsgivere(handling.running, handling.sak)
    except RegisterUtilgjengelig:
        raise ApiError(503, "REGISTER_UNAVAILABLE", "Aareg could not answer.") from None
    valgt = next((a for a in valgbare if a.orgnummer == handling.felter.get("orgnummer")), None)
    feil = _sykmelding_feil(handling)
    if valgt is None:
        feil["orgnummer"] = "Velg arbeidsgiveren du vil sende sykmeldingen til."
    if feil:
        raise feltfeil("sykmelding", feil)
    await _status(handling, StatusAction(status_event=StatusEvent.SENDT, arbeidsgiver=valgt))
    return "sendt"


async def avbryt_sykmelding(handling: Handling) -> str:
    feil = _sykmelding_feil(handling, "avbryt-sykmelding")
    if feil:
        raise feltfeil("sykmelding", feil)
    await _status(handling, StatusAction(status_event=StatusEvent.AVBRUTT), "avbryt-sykmelding")
    return "avbrutt"


def _sykmelding_feil(handling: Handling, navn: str = "sykmelding") -> dict[str, str]:
    ids = {nav.received_sykmelding.sykmelding.id for nav in handling.sak.sykmeldinger}
    return {} if handling.felter.get(navn) in ids else {navn: "Velg en av sykmeldingene i saken."}


async def _status(handling: Handling, action: StatusAction, navn: str = "sykmelding") -> None:
    """The API's own route for the sykmeldt's status: its owner check, its event, its topic."""
    assert isinstance(handling.hvem.caller, Person), "the sykmeldt is a person"
    async with handling.running.database.session() as db:
        await sykmeldt_routes.post_status(
            sykmelding_id=handling.felter[navn],
            action=action,
            sykmeldt=handling.hvem.caller,
            db=db,
            submission=handling.submission,
            clock=handling.running.runtime.clock,
        )


async def sykmeldingvalg(session: AsyncSession, sak: Sak) -> list[Valg]:
    """The case's sykmeldinger for the sykmeldt's forms: their periods, and where each is sent."""
    ids = [nav.received_sykmelding.sykmelding.id for nav in sak.sykmeldinger]
    rows = await session.execute(
        select(GatewayArbeidsgiverSykmelding.sykmelding_id, GatewayArbeidsgiverSykmelding.orgnummer).where(
            GatewayArbeidsgiverSykmelding.sykmelding_id.in_(ids), GatewayArbeidsgiverSykmelding.view.is_not(None)
        )
    )
    sendt = {str(sid): str(orgnr) for sid, orgnr in rows}
    valg = []
    for nummer, nav in enumerate(sak.sykmeldinger, start=1):
        sykmelding = nav.received_sykmelding.sykmelding
        fom = min(p.fom for p in sykmelding.perioder).strftime("%d.%m.%Y")
        tom = max(p.tom for p in sykmelding.perioder).strftime("%d.%m.%Y")
        hvor = f", sendt til {sendt[sykmelding.id]}" if sykmelding.id in sendt else ""
        valg.append(Valg(sykmelding.id, f"Sykmelding {nummer} ({fom}–{tom}{hvor})"))
    return valg


# Møtebehov: the sykmeldt and the leader answer, NAV marks handled.


@dataclass(frozen=True)
class Sporsmal:
    """The møtebehov question a party has open with one employer."""

    orgnr: str
    skjematype: Skjematype


async def sporsmal(session: AsyncSession, running: Gateway, hvem: Betrakter, sak: Sak) -> list[Sporsmal]:
    person = running.pseudonym(sak.pasient_fnr)
    today = running.runtime.clock.today()
    if hvem.rolle is Rolle.SYKMELDT:
        orgnre = await sendt_til(session, sak)
    elif hvem.rolle is Rolle.LEDER and hvem.orgnr is not None:
        orgnre = [hvem.orgnr]
    else:
        return []
    found = []
    for orgnr in orgnre:
        status = await motebehov.status(session, person, orgnr, _innmelder(hvem), today)
        if status.vis_motebehov and status.skjematype is not None:
            found.append(Sporsmal(orgnr, status.skjematype))
    return found


def _innmelder(hvem: Betrakter) -> Innmeldertype:
    return Innmeldertype.ARBEIDSTAKER if hvem.rolle is Rolle.SYKMELDT else Innmeldertype.ARBEIDSGIVER


async def svar_motebehov(handling: Handling) -> str:
    """MELD_BEHOV (a yes) or SVAR_BEHOV (yes or no) to NAV, for the employer the form names, as the party's
    API route submits it (gateway.motebehov.submit)."""
    felter = handling.felter
    async with handling.running.database.session() as session:
        apne = {s.orgnr: s for s in await sporsmal(session, handling.running, handling.hvem, handling.sak)}
    valgt = apne.get(felter.get("orgnr", "")) if len(apne) > 1 else next(iter(apne.values()), None)
    if valgt is None:
        if apne:
            raise feltfeil("motebehov", {"orgnr": "Velg arbeidsgiveren møtebehovet gjelder."})
        raise feltfeil("motebehov", {"motebehov": "Saken har ingen aktiv sykmelding hos en arbeidsgiver."})
    svar = felter.get("har_motebehov", "ja" if valgt.skjematype is Skjematype.MELD_BEHOV else "")
    begrunnelse = felter.get("begrunnelse", "").strip()
    feil = {}
    if svar not in ("ja", "nei") or (svar == "nei" and valgt.skjematype is Skjematype.MELD_BEHOV):
        feil["har_motebehov-ja"] = "Svar ja eller nei på om dere har behov for et dialogmøte."
    if svar == "nei" and not begrunnelse:
        feil["begrunnelse"] = "Skriv hvorfor dere ikke har behov for et dialogmøte."
    if len(begrunnelse) > BEGRUNNELSE_MAX:
        feil["begrunnelse"] = f"Begrunnelsen kan ha høyst {BEGRUNNELSE_MAX} tegn."
    if feil:
        raise feltfeil("motebehov", feil)
    innmelder = _innmelder(handling.hvem)
    now = handling.running.runtime.clock.now()
    try:
        fra_part = MotebehovFraPart(
            id=handling.submission.message_id("motebehov"),
            skjematype=valgt.skjematype,
            innmelder_type=innmelder,
            orgnr=valgt.orgnr,
            har_motebehov=svar == "ja",
            begrunnelse=begrunnelse or None,
            arbeidstaker_fnr=handling.sak.pasient_fnr,
            innsendt=now,
        )
    except ValidationError:
        raise feltfeil("motebehov", {"begrunnelse": _UGYLDIG}) from None
    await motebehov.submit(fra_part, innmelder, handling.submission, now)
    return f"motebehov-{svar}"


async def behandle(handling: Handling) -> str:
    """NAV's POST /nav/v1/motebehov/behandle, for the case's person."""
    async with handling.running.database.session() as db:
        await motebehov.behandle(db, handling.person, handling.submission, handling.running.runtime.clock.now())
    return "behandlet"


# The leader's follow-up plan.


PLANFELT = {
    "typical_workday": "Hvordan ser en vanlig arbeidsdag ut?",
    "tasks_that_can_still_be_done": "Arbeidsoppgaver den ansatte kan gjøre",
    "tasks_that_can_not_be_done": "Arbeidsoppgaver den ansatte ikke kan gjøre",
    "previous_facilitation": "Tilrettelegging som er prøvd",
    "planned_facilitation": "Tilrettelegging som er planlagt",
    "other_facilitation_options": "Andre muligheter for tilrettelegging (valgfritt)",
    "follow_up": "Slik følger dere opp den ansatte",
    "additional_information": "Annen informasjon (valgfritt)",
}
"""The plan's text fields and their labels, in the order of the form."""
KONTAKTFELT = {
    "contact_person_full_name": ("Navn", "text", "name"),
    "contact_person_phone_number": ("Telefonnummer", "tel", "tel"),
    "contact_person_email": ("E-post", "email", "email"),
}
_PLANFEIL = {
    "evaluation_date": "Evalueringsdatoen må være i dag eller senere.",
    "needs_help_from_nav": "Planen må sendes til NAV når dere ber NAV om hjelp.",
    "needs_help_from_nav_description": "Beskriv hva dere trenger hjelp fra NAV til.",
    "employee_has_not_contributed_to_plan_description": (
        "Forklar hvorfor den ansatte ikke har medvirket, bare når den ansatte ikke har det."
    ),
}
_FRA_WIRE = {info.alias or name: name for name, info in Oppfolgingsplan.model_fields.items()}


def _ja(felter: Mapping[str, str], navn: str) -> bool:
    return felter.get(navn) == "ja"


def _plan(handling: Handling) -> Oppfolgingsplan:
    felter = handling.felter
    tekster = {navn: felter.get(navn, "").strip() or None for navn in (*PLANFELT, *KONTAKTFELT)}
    medvirket = felter.get("employee_has_contributed_to_plan")
    feil = {} if medvirket in ("ja", "nei") else {"employee_has_contributed_to_plan-ja": "Svar ja eller nei."}
    try:
        evaluering = date.fromisoformat(felter.get("evaluation_date", ""))
    except ValueError:
        feil["evaluation_date"] = "Skriv evalueringsdatoen som dd.mm.åååå."
    if feil:
        raise feltfeil("plan", feil)
    try:
        return Oppfolgingsplan.model_validate(
            {
                **{navn: tekst or "" for navn, tekst in tekster.items()},
                "other_facilitation_options": tekster["other_facilitation_options"],
                "additional_information": tekster["additional_information"],
                "plan_uuid": handling.submission.message_id("oppfolgingsplan"),
                "orgnummer": handling.hvem.orgnr,
                "sendt_tidspunkt": handling.running.runtime.clock.now(),
                "employee_identification_number": handling.sak.pasient_fnr,
                "evaluation_date": evaluering,
                "employee_has_contributed_to_plan": medvirket == "ja",
                "employee_has_not_contributed_to_plan_description": felter.get(
                    "employee_has_not_contributed_to_plan_description", ""
                ).strip()
                or None,
                "send_plan_to_nav": _ja(felter, "send_plan_to_nav"),
                "needs_help_from_nav": _ja(felter, "needs_help_from_nav"),
                "needs_help_from_nav_description": felter.get("needs_help_from_nav_description", "").strip() or None,
                "send_plan_to_general_practitioner": _ja(felter, "send_plan_to_general_practitioner"),
                "message_to_general_practitioner": felter.get("message_to_general_practitioner", "").strip() or None,
                "lps_name": LPS_NAVN,
            }
        )
    except ValidationError as invalid:
        raise feltfeil("plan", {_felt(e["loc"]): _lengde(e) for e in invalid.errors(include_input=False)}) from None


def _lengde(error: Any) -> str:
    if error.get("type") == "string_too_long":
        return f"Teksten kan ha høyst {error['ctx']['max_length']} tegn."
    return _UGYLDIG


async def last_opp_plan(handling: Handling) -> str:
    """The plan through the HR API's own checks (planvurdering.send): refused at once where NAV refuses it."""
    plan = _plan(handling)
    try:
        async with handling.running.database.session() as db:
            await planvurdering.send(plan, handling.running, db, handling.submission, handling.today())
    except ApiError as error:
        if error.code != "VALIDATION_ERROR":
            raise
        feil = {_FRA_WIRE.get(p.field, "plan"): _planfeil(_FRA_WIRE.get(p.field, "")) for p in error.errors}
        raise Handlingsfeil(
            400, error.code, "Planen oppfyller ikke kravene til en oppfølgingsplan.", "plan", feil
        ) from None
    return "plan"


def _planfeil(navn: str) -> str:
    if navn in PLANFELT or navn in KONTAKTFELT:
        label = PLANFELT.get(navn) or KONTAKTFELT[navn][0]
        return f"Fyll ut «{label.removesuffix(' (valgfritt)')}»."
    return _PLANFEIL.get(navn, _UGYLDIG)


# What the page shows next to the forms, and live.


@dataclass(frozen=True)
class Motebehovlinje:
    hvem: str
    orgnr: str
    svar: str
    innsendt: date
    behandlet: date | None


@dataclass(frozen=True)
class Tilstand:
    """The møtebehov answers the viewer may see: their own side's (NAV: all), and whether NAV handled them."""

    motebehov: list[Motebehovlinje] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    ubehandlede: int = 0


_INNMELDER = {Innmeldertype.ARBEIDSTAKER: "Den sykmeldte", Innmeldertype.ARBEIDSGIVER: "Arbeidsgiver"}


async def tilstand(session: AsyncSession, running: Gateway, hvem: Betrakter, sak: Sak) -> Tilstand:
    if hvem.rolle is Rolle.LEGE:
        return Tilstand()
    person = running.pseudonym(sak.pasient_fnr)
    if hvem.rolle is Rolle.NAV:
        besvart = await motebehov.besvart(session, person)
    else:
        # The party's own side only, at the leader's own underenhet: as the API's status reads give it.
        besvart = await motebehov.besvart(session, person, orgnr=hvem.orgnr, innmelder=_innmelder(hvem))
    besvart.sort(key=lambda b: b.motebehov.innsendt)
    linjer = [
        Motebehovlinje(
            _INNMELDER[b.motebehov.innmelder_type],
            b.motebehov.orgnr,
            "Ja" if b.motebehov.har_motebehov else "Nei",
            b.motebehov.innsendt.date(),
            b.behandlet.date() if b.behandlet else None,
        )
        for b in besvart
    ]
    ubehandlede = len(await motebehov.ubehandlede_oppgaver(session, person)) if hvem.rolle is Rolle.NAV else 0
    return Tilstand(linjer, [b.motebehov.id for b in besvart], ubehandlede)


@dataclass(frozen=True)
class Skjemaer:
    """What the viewer's forms offer."""

    csrf: str
    sykmeldinger: list[Valg] = field(default_factory=list)
    arbeidsgivere: list[Valg] = field(default_factory=list)
    aareg_svarer: bool = True
    sporsmal: list[Sporsmal] = field(default_factory=list)

    @staticmethod
    def nokkel() -> str:
        """A fresh Idempotency-Key for one form: a double click sends it once."""
        return str(uuid.uuid4())


async def skjemaer(request: Request, running: Gateway, hvem: Betrakter, sak: Sak) -> Skjemaer:
    token = csrf(running, request.cookies.get(COOKIE, ""))
    async with running.database.session() as session:
        apne = await sporsmal(session, running, hvem, sak)
        if hvem.rolle is not Rolle.SYKMELDT:
            return Skjemaer(token, sporsmal=apne)
        sykmeldinger = await sykmeldingvalg(session, sak)
    try:
        valg = [Valg(a.orgnummer, f"{a.org_navn} ({a.orgnummer})") for a in await arbeidsgivere(running, sak)]
    except RegisterUtilgjengelig:
        return Skjemaer(token, sykmeldinger, aareg_svarer=False, sporsmal=apne)
    return Skjemaer(token, sykmeldinger, valg, sporsmal=apne)
