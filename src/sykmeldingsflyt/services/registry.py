"""SERVICES: every service the `run` command can start, by name."""

from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.services.motebehov import MotebehovService
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Service
from sykmeldingsflyt.services.tidslinje import TidslinjeService

SERVICES: dict[str, type[Service]] = {
    Mottak.name: Mottak,
    Personvern.name: Personvern,
    Oppfolging.name: Oppfolging,
    OppgaveService.name: OppgaveService,
    TidslinjeService.name: TidslinjeService,
    MotebehovService.name: MotebehovService,
    GatewayReadModel.name: GatewayReadModel,
}
