"""SERVICES: every service the `run` command can start, by name.

A service's module is imported when the service is looked up, not before: `run mottak` then imports
mottak and what it needs, not the six other services and the gateway's FastAPI, and a restarted replica
is back that much sooner. Listing the names imports nothing.
"""

from collections.abc import Iterator, Mapping
from importlib import import_module

from sykmeldingsflyt.services.runtime import Service

_WHERE = {
    "mottak": "sykmeldingsflyt.services.mottak:Mottak",
    "personvern": "sykmeldingsflyt.services.personvern:Personvern",
    "oppfolging": "sykmeldingsflyt.services.oppfolging:Oppfolging",
    "oppgave": "sykmeldingsflyt.services.oppgave:OppgaveService",
    "tidslinje": "sykmeldingsflyt.services.tidslinje:TidslinjeService",
    "motebehov": "sykmeldingsflyt.services.motebehov:MotebehovService",
    "gateway": "sykmeldingsflyt.gateway.readmodel:GatewayReadModel",
}


class _Services(Mapping[str, type[Service]]):
    def __getitem__(self, name: str) -> type[Service]:
        module, _, attribute = _WHERE[name].partition(":")
        service: type[Service] = getattr(import_module(module), attribute)
        return service

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


SERVICES: Mapping[str, type[Service]] = _Services()
