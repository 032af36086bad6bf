"""Clients of NAV's registers over HTTP, each behind its own guard (`registers.resilience`)."""

from dataclasses import dataclass

import httpx

from sykmeldingsflyt.registers.nav.aareg import AaregKlient
from sykmeldingsflyt.registers.nav.azure import AzureAdCredentials, AzureAdTokens
from sykmeldingsflyt.registers.nav.btsys import Btsys
from sykmeldingsflyt.registers.nav.client import Endepunkt, RegisterKlient
from sykmeldingsflyt.registers.nav.fastlege import Fastlegerest
from sykmeldingsflyt.registers.nav.hpr import Syfohelsenettproxy
from sykmeldingsflyt.registers.nav.narmesteleder import Narmesteleder
from sykmeldingsflyt.registers.nav.pdl import Pdl
from sykmeldingsflyt.registers.registre import Registre
from sykmeldingsflyt.registers.resilience import Policy

__all__ = ["NavEndepunkter", "nav_registre"]

HOUR = 3600.0


@dataclass(frozen=True, kw_only=True)
class NavEndepunkter:
    """Where each register answers, its scope, and how long to wait for one call."""

    hpr: Endepunkt
    btsys: Endepunkt
    pdl: Endepunkt
    fastlege: Endepunkt
    aareg: Endepunkt
    narmesteleder: Endepunkt
    pdl_behandlingsnummer: str
    pdl_tema: str
    timeout: float

    def policy(self, ttl: float) -> Policy:
        return Policy(timeout=self.timeout, ttl=ttl)


def nav_registre(endepunkter: NavEndepunkter, credentials: AzureAdCredentials) -> Registre:
    """Every register over NAV's HTTP APIs, sharing one connection pool and one token cache."""
    http = httpx.AsyncClient()
    tokens = AzureAdTokens(http, credentials)
    e = endepunkter
    # HPR changes seldom (NAV's proxy caches an hour too); people, employments and leaders change daily.
    return Registre(
        hpr=Syfohelsenettproxy(RegisterKlient("hpr", e.hpr, http, tokens, e.policy(HOUR))),
        legesuspensjon=Btsys(RegisterKlient("btsys", e.btsys, http, tokens, e.policy(HOUR))),
        folkeregister=Pdl(
            RegisterKlient("pdl", e.pdl, http, tokens, e.policy(300)), e.pdl_behandlingsnummer, e.pdl_tema
        ),
        fastlegeregister=Fastlegerest(RegisterKlient("fastlegerest", e.fastlege, http, tokens, e.policy(HOUR))),
        aareg=AaregKlient(RegisterKlient("aareg", e.aareg, http, tokens, e.policy(600))),
        naermeste_leder=Narmesteleder(RegisterKlient("narmesteleder", e.narmesteleder, http, tokens, e.policy(300))),
        close=http.aclose,
    )
