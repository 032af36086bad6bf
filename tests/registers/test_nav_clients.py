"""Each NAV register client against a real HTTP server: NAV's paths, headers and JSON in, domain values out."""

import json
import time
from datetime import date
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.registers import (
    AUTORISASJON_OID,
    Arbeidsforhold,
    LedetAnsatt,
    NaermesteLeder,
    Person,
    RegisterUtilgjengelig,
)
from sykmeldingsflyt.registers.nav.aareg import AaregKlient
from sykmeldingsflyt.registers.nav.btsys import Btsys
from sykmeldingsflyt.registers.nav.fastlege import PATH as FASTLEGE_PATH
from sykmeldingsflyt.registers.nav.fastlege import Fastlegerest
from sykmeldingsflyt.registers.nav.hpr import Syfohelsenettproxy
from sykmeldingsflyt.registers.nav.narmesteleder import Narmesteleder
from sykmeldingsflyt.registers.nav.pdl import Pdl
from tests.registers.conftest import TokenEndpoint, klient
from tests.support.http import SCOPE

LEGE_FNR = "17857233115"
PASIENT_FNR = "14838526102"
LEDER_FNR = "02917936725"

BEHANDLER_JSON = {
    "godkjenninger": [
        {
            "helsepersonellkategori": {"aktiv": True, "oid": 9060, "verdi": "KI"},
            "autorisasjon": {"aktiv": True, "oid": 7704, "verdi": "1"},
            "tillegskompetanse": [
                {
                    "avsluttetStatus": None,
                    "eTag": None,
                    "gyldig": {"fra": "2024-01-01T00:00:00", "til": None},
                    "id": 1,
                    "type": {"aktiv": True, "oid": 7702, "verdi": "1"},
                }
            ],
        }
    ],
    "fnr": LEGE_FNR,
    "hprNummer": 9000003,
    "fornavn": "Test",
    "mellomnavn": None,
    "etternavn": "Legesen",
}


async def test_hpr_finds_a_doctor_by_fnr_with_nav_header_and_token(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request(
        "/api/v2/behandler", headers={"behandlerFnr": LEGE_FNR, "Authorization": "Bearer t1"}
    ).respond_with_json(BEHANDLER_JSON)
    behandler = await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR)
    assert behandler is not None
    assert behandler.hpr_nummer == "9000003"
    [godkjenning] = behandler.godkjenninger
    assert godkjenning.autorisasjon is not None and godkjenning.autorisasjon.oid == AUTORISASJON_OID
    [kompetanse] = godkjenning.tilleggskompetanse
    assert (kompetanse.gyldig_fra, kompetanse.gyldig_til, kompetanse.avsluttet) == (date(2024, 1, 1), None, False)
    request, _ = server.log[-1]
    assert request.headers["Nav-Consumer-Id"] == "sykmeldingsflyt" and request.headers["Nav-Call-Id"]


async def test_hpr_finds_a_doctor_by_hpr_number(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request("/api/v2/behandlerMedHprNummer", headers={"hprNummer": "9000003"}).respond_with_json(
        BEHANDLER_JSON
    )
    behandler = await Syfohelsenettproxy(klient(server, http)).behandler_med_hpr_nummer("9000003")
    assert behandler is not None and behandler.fnr == LEGE_FNR


async def test_btsys_asks_on_the_date_with_navs_headers(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request(
        "/api/v1/suspensjon/status",
        query_string={"oppslagsdato": "2026-12-01"},
        headers={"Nav-Personident": LEGE_FNR, "Nav-Consumer-Id": "sykmeldingsflyt"},
    ).respond_with_json({"suspendert": True})
    assert await Btsys(klient(server, http, "btsys")).er_suspendert(LEGE_FNR, date(2026, 12, 1)) is True


def _pdl_answer(request: Request) -> Response:
    body = json.loads(request.data)
    assert "hentIdenter" in body["query"] and "foedselsdato" in body["query"] and "doedsfall" in body["query"]
    ident = body["variables"]["ident"]
    if ident != PASIENT_FNR:
        error = {"message": "Fant ikke person", "extensions": {"code": "not_found"}}
        answer: dict[str, Any] = {"data": None, "errors": [error]}
    else:
        answer = {
            "data": {
                "hentIdenter": {
                    "identer": [
                        {"ident": PASIENT_FNR, "gruppe": "FOLKEREGISTERIDENT", "historisk": False},
                        {"ident": "10909223224", "gruppe": "FOLKEREGISTERIDENT", "historisk": True},
                    ]
                },
                "hentPerson": {
                    "foedselsdato": [{"foedselsdato": "1985-03-14"}],
                    "doedsfall": [{"doedsdato": "2026-11-30"}],
                },
            }
        }
    return Response(json.dumps(answer), content_type="application/json")


async def test_pdl_reads_identer_birth_and_death_and_not_found_is_none(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request(
        "/graphql", method="POST", headers={"Behandlingsnummer": "B229", "TEMA": "SYM"}
    ).respond_with_handler(_pdl_answer)
    pdl = Pdl(klient(server, http, "pdl"), behandlingsnummer="B229", tema="SYM")
    person = await pdl.person(PASIENT_FNR)
    assert person == Person(PASIENT_FNR, date(1985, 3, 14), date(2026, 11, 30), (PASIENT_FNR, "10909223224"))
    assert await pdl.person(LEDER_FNR) is None


async def test_pdl_reporting_its_own_error_is_an_outage_not_an_unknown_person(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request("/graphql", method="POST").respond_with_json(
        {"data": None, "errors": [{"message": "Feil", "extensions": {"code": "server_error"}}]}
    )
    with pytest.raises(RegisterUtilgjengelig, match="server_error"):
        await Pdl(klient(server, http, "pdl"), "B229", "SYM").person(PASIENT_FNR)


async def test_fastlegerest_gives_the_doctor_and_the_office_her_ids(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request(
        "/fastlegerest/api/system/v1/fastlege/aktiv/personident", headers={"nav-personident": PASIENT_FNR}
    ).respond_with_json({"fornavn": "Test", "herId": 900002, "foreldreEnhetHerId": 900001, "pasientforhold": {}})
    fastlege = await Fastlegerest(klient(server, http, "fastlegerest")).fastlege(PASIENT_FNR)
    assert fastlege == Fastlege(her_id="900002", legekontor_her_id="900001")


async def test_aareg_maps_arbeidssted_and_opplysningspliktig(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    def enhet(type_: str, orgnr: str) -> dict[str, Any]:
        return {"type": type_, "identer": [{"type": "ORGANISASJONSNUMMER", "ident": orgnr}]}

    aareg = server.expect_request("/api/v2/arbeidstaker/arbeidsforhold", headers={"Nav-Personident": PASIENT_FNR})
    aareg.respond_with_json(
        [
            {
                "id": "1",
                "arbeidssted": enhet("Underenhet", "311000101"),
                "opplysningspliktig": enhet("Hovedenhet", "311000004"),
                "ansettelsesperiode": {"startdato": "2015-08-01", "sluttdato": None},
            },
            {  # a private person as employer has no orgnummer: left out
                "arbeidssted": {"type": "Person", "identer": [{"type": "FOLKEREGISTERIDENT", "ident": LEDER_FNR}]},
                "opplysningspliktig": {"type": "Person", "identer": []},
                "ansettelsesperiode": {"startdato": "2020-01-01"},
            },
        ]
    )
    arbeidsforhold = await AaregKlient(klient(server, http, "aareg")).arbeidsforhold(PASIENT_FNR)
    assert arbeidsforhold == (Arbeidsforhold("311000101", "311000004", date(2015, 8, 1)),)


def _relasjon(orgnummer: str, tom: str | None) -> dict[str, Any]:
    return {"orgnummer": orgnummer, "narmesteLederFnr": LEDER_FNR, "aktivFom": "2020-01-01", "aktivTom": tom}


async def test_narmesteleder_gives_the_active_leader_at_the_orgnummer(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request("/sykmeldt/narmesteledere", headers={"Sykmeldt-Fnr": PASIENT_FNR}).respond_with_json(
        [_relasjon("311000101", "2021-01-01"), _relasjon("311000101", None), _relasjon("311000202", None)]
    )
    register = Narmesteleder(klient(server, http, "narmesteleder"))
    leder = await register.naermeste_leder(PASIENT_FNR, "311000101")
    assert leder == NaermesteLeder("311000101", LEDER_FNR, date(2020, 1, 1))
    assert await register.naermeste_leder(PASIENT_FNR, "311000303") is None


async def test_narmesteleder_gives_whom_a_leader_leads_by_the_leaders_own_list(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    relasjoner = (("311000101", None), ("311000202", "2021-01-01"))
    ledet = [{**_relasjon(orgnummer, tom), "fnr": PASIENT_FNR} for orgnummer, tom in relasjoner]
    aktive = server.expect_request("/leder/narmesteleder/aktive", headers={"Narmeste-Leder-Fnr": LEDER_FNR})
    aktive.respond_with_json(ledet)
    server.expect_request("/sykmeldt/narmesteledere", headers={"Sykmeldt-Fnr": LEDER_FNR}).respond_with_json([])
    register = Narmesteleder(klient(server, http, "narmesteleder"))

    assert await register.ansatte(LEDER_FNR) == (LedetAnsatt(PASIENT_FNR, "311000101"),)
    # The same person asked about as an employee is another question, not the cached answer to this one.
    assert await register.naermeste_leder(LEDER_FNR, "311000101") is None


@pytest.mark.parametrize(
    ("path", "ask", "answer"),
    [
        ("/api/v2/behandler", lambda k: Syfohelsenettproxy(k).behandler(LEGE_FNR), None),
        ("/api/v1/suspensjon/status", lambda k: Btsys(k).er_suspendert(LEGE_FNR, date(2026, 1, 1)), False),
        (FASTLEGE_PATH, lambda k: Fastlegerest(k).fastlege(PASIENT_FNR), None),
        ("/api/v2/arbeidstaker/arbeidsforhold", lambda k: AaregKlient(k).arbeidsforhold(PASIENT_FNR), ()),
        ("/sykmeldt/narmesteledere", lambda k: Narmesteleder(k).naermeste_leder(PASIENT_FNR, "311000101"), None),
        ("/leder/narmesteleder/aktive", lambda k: Narmesteleder(k).ansatte(LEDER_FNR), ()),
    ],
)
async def test_404_is_no_such_person_not_an_outage(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint, path: str, *, ask: Any, answer: object
) -> None:
    server.expect_request(path).respond_with_data("Not Found", status=404)
    assert await ask(klient(server, http)) == answer


async def test_500_then_success_is_retried(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_oneshot_request("/api/v2/behandler").respond_with_data("oops", status=500)
    server.expect_oneshot_request("/api/v2/behandler").respond_with_data("oops", status=503)
    server.expect_request("/api/v2/behandler").respond_with_json(BEHANDLER_JSON)
    assert await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR) is not None
    assert [r.path for r, _ in server.log].count("/api/v2/behandler") == 3


async def test_a_4xx_other_than_404_and_401_is_not_retried(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request("/api/v2/behandler").respond_with_data("nei", status=403)
    with pytest.raises(RegisterUtilgjengelig, match="HTTP 403"):
        await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR)
    assert [r.path for r, _ in server.log].count("/api/v2/behandler") == 1


def _slow(request: Request) -> Response:
    time.sleep(1.0)
    return Response(json.dumps(BEHANDLER_JSON), content_type="application/json")


async def test_a_slow_answer_past_the_timeout_is_retried(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_oneshot_request("/api/v2/behandler").respond_with_handler(_slow)
    server.expect_request("/api/v2/behandler").respond_with_json(BEHANDLER_JSON)
    assert await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR) is not None


async def test_always_slow_is_an_outage_naming_the_timeout_not_the_person(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request("/api/v2/behandler").respond_with_handler(_slow)
    with pytest.raises(RegisterUtilgjengelig, match="tidsavbrudd") as raised:
        await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR)
    assert raised.value.register == "hpr" and LEGE_FNR not in str(raised.value)


async def test_an_expired_token_is_replaced_and_the_call_repeated(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    # The register has stopped accepting t1 (expired early, or revoked); t2 is fresh.
    server.expect_request("/api/v2/behandler", headers={"Authorization": "Bearer t1"}).respond_with_data(
        "expired", status=401
    )
    server.expect_request("/api/v2/behandler", headers={"Authorization": "Bearer t2"}).respond_with_json(BEHANDLER_JSON)
    assert await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR) is not None
    assert tokens_served.forms is not None and len(tokens_served.forms) == 2


async def test_a_token_is_reused_until_shortly_before_it_expires(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request("/api/v2/behandlerMedHprNummer").respond_with_json(BEHANDLER_JSON)
    hpr = Syfohelsenettproxy(klient(server, http))
    for nummer in ("1", "2", "3"):
        await hpr.behandler_med_hpr_nummer(nummer)
    form = {"grant_type": "client_credentials", "client_id": "sykmeldingsflyt", "scope": SCOPE}
    assert tokens_served.forms == [form | {"client_secret": "hemmelig"}]


@pytest.mark.parametrize(
    ("body", "grunn"),
    [
        (b"<html>proxy error</html>", "ikke JSON"),
        (json.dumps({"godkjenninger": "ja", "fnr": LEGE_FNR, "hprNummer": 1}).encode(), "godkjenninger"),
        (json.dumps([1, 2]).encode(), "ugyldig svar"),
    ],
)
async def test_a_malformed_body_is_an_outage_naming_the_field_never_the_value(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint, body: bytes, grunn: str
) -> None:
    server.expect_request("/api/v2/behandler").respond_with_data(body, content_type="application/json")
    with pytest.raises(RegisterUtilgjengelig, match=grunn) as raised:
        await Syfohelsenettproxy(klient(server, http)).behandler(LEGE_FNR)
    assert LEGE_FNR not in str(raised.value)
    # Not retried: the same nonsense would come back.
    assert [r.path for r, _ in server.log].count("/api/v2/behandler") == 1
