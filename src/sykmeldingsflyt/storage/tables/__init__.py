"""Every table, one module per owner: delivery plumbing shared by all, then each service's own."""

from sykmeldingsflyt.storage.tables.base import Base, metadata
from sykmeldingsflyt.storage.tables.delivery import HandledEvent, OutboxMessage, RelayLease, RelayPosition
from sykmeldingsflyt.storage.tables.gateway import (
    GatewayArbeidsgiverSoknad,
    GatewayArbeidsgiverSykmelding,
    GatewayAudit,
    GatewayDialogmelding,
    GatewayIdempotencyKey,
    GatewayKvittering,
    GatewayMotebehov,
    GatewayOppgave,
    GatewayPlanKvittering,
    GatewayRateLimit,
    GatewayRomSykmelding,
    GatewaySykmeldingEier,
    GatewayVarsel,
)
from sykmeldingsflyt.storage.tables.mottak import MottakSykmeldingStatus, MottattSykmelding
from sykmeldingsflyt.storage.tables.operations import OperationsReplay
from sykmeldingsflyt.storage.tables.oppfolging import (
    OppfolgingPlan,
    OppfolgingSendtSykmelding,
    OppfolgingSykmelding,
    OppfolgingVentendePlan,
)
from sykmeldingsflyt.storage.tables.oppgave import NavOppgave
from sykmeldingsflyt.storage.tables.personvern import (
    PersonvernStatusEvent,
    PersonvernSykmelding,
    PersonvernVentendeStatus,
)
from sykmeldingsflyt.storage.tables.registers import MottakParkert
from sykmeldingsflyt.storage.tables.tidslinje import (
    TidslinjeDialogmote,
    TidslinjeFiredAction,
    TidslinjeKandidatEndring,
    TidslinjeOppfolgingsplan,
    TidslinjePerson,
    TidslinjeSoknad,
    TidslinjeSykmelding,
    TidslinjeTilfelle,
)

__all__ = [
    "Base",
    "GatewayArbeidsgiverSoknad",
    "GatewayArbeidsgiverSykmelding",
    "GatewayAudit",
    "GatewayDialogmelding",
    "GatewayIdempotencyKey",
    "GatewayKvittering",
    "GatewayMotebehov",
    "GatewayOppgave",
    "GatewayPlanKvittering",
    "GatewayRateLimit",
    "GatewayRomSykmelding",
    "GatewaySykmeldingEier",
    "GatewayVarsel",
    "HandledEvent",
    "MottakParkert",
    "MottakSykmeldingStatus",
    "MottattSykmelding",
    "NavOppgave",
    "OperationsReplay",
    "OppfolgingPlan",
    "OppfolgingSendtSykmelding",
    "OppfolgingSykmelding",
    "OppfolgingVentendePlan",
    "OutboxMessage",
    "PersonvernStatusEvent",
    "PersonvernSykmelding",
    "PersonvernVentendeStatus",
    "RelayLease",
    "RelayPosition",
    "TidslinjeDialogmote",
    "TidslinjeFiredAction",
    "TidslinjeKandidatEndring",
    "TidslinjeOppfolgingsplan",
    "TidslinjePerson",
    "TidslinjeSoknad",
    "TidslinjeSykmelding",
    "TidslinjeTilfelle",
    "metadata",
]
