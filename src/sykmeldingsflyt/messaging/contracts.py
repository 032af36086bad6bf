"""Which Avro contract each domain model travels in, and the typed encode/decode every service uses."""

from typing import TypeVar

from pydantic import ValidationError

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.dialogmotekandidat import DialogmotekandidatEndring, DialogmotekandidatVurdering
from sykmeldingsflyt.domain.dodsfall import Dodsfall
from sykmeldingsflyt.domain.identifiers import FieldError, safe_errors
from sykmeldingsflyt.domain.kvittering import Kvittering
from sykmeldingsflyt.domain.motebehov import MotebehovFraPart, MotebehovMottatt
from sykmeldingsflyt.domain.oppfolgingsplan import (
    Dialogmelding,
    Oppfolgingsplan,
    OppfolgingsplanMottatt,
    PlanKvittering,
)
from sykmeldingsflyt.domain.oppgave import Oppgave, OppgaveBehandlet
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykepengesoknad import ArbeidsgiverSoknad, Sykepengesoknad
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.varsel import Varsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding, PasientSykmelding
from sykmeldingsflyt.messaging.codec import AvroCodec, DecodeError

M = TypeVar("M", bound=DomainModel)

SCHEMA_OF: dict[type[DomainModel], str] = {
    ReceivedSykmelding: "received_sykmelding",
    Kvittering: "kvittering",
    SykmeldingStatusEvent: "sykmelding_status",
    NavSykmelding: "nav_sykmelding",
    ArbeidsgiverSykmelding: "arbeidsgiver_sykmelding",
    PasientSykmelding: "pasient_sykmelding",
    Oppfolgingsplan: "oppfolgingsplan",
    Dialogmelding: "dialogmelding",
    PlanKvittering: "plan_kvittering",
    OppfolgingsplanMottatt: "oppfolgingsplan_mottatt",
    Oppgave: "oppgave",
    OppgaveBehandlet: "oppgave_behandlet",
    Varsel: "varsel",
    MotebehovFraPart: "motebehov",
    MotebehovMottatt: "motebehov_mottatt",
    DialogmoteStatusEndring: "dialogmote_status",
    Sykepengesoknad: "sykepengesoknad",
    ArbeidsgiverSoknad: "arbeidsgiver_soknad",
    Dodsfall: "dodsfall",
    DialogmotekandidatEndring: "dialogmotekandidat_endring",
    DialogmotekandidatVurdering: "dialogmotekandidat_vurdering",
}


class ContractViolationError(DecodeError):
    """Valid Avro whose content breaks the domain's rules (a check digit, a UUID, a range)."""

    reason = "VALIDATION_ERROR"

    def __init__(self, model: type[DomainModel], errors: list[FieldError]) -> None:
        self.errors = errors
        fields = "; ".join(f"{error.field}: {error.message}" for error in errors)
        super().__init__(f"{model.__name__} is not valid: {fields}")


def encode(codec: AvroCodec, model: DomainModel, topic: str) -> bytes:
    return codec.encode(SCHEMA_OF[type(model)], model.to_wire(), topic)


def decode(codec: AvroCodec, data: bytes, model: type[M]) -> M:
    record = codec.decode(SCHEMA_OF[model], data)
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        raise ContractViolationError(model, safe_errors(exc)) from None
