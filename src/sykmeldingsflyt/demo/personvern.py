"""Scene 2: the employee sends the sykmelding to the employer; each party sees its own view."""

import uuid
from datetime import UTC, datetime

from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.privacy import pasient_view
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import AktivitetIkkeMulig, ReceivedSykmelding, UtdypendeOpplysninger
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding, PasientSykmelding
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING, SYKMELDING_STATUS
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER

HIDDEN = "·"


def _rows(nav: ReceivedSykmelding, patient: PasientSykmelding, employer: ArbeidsgiverSykmelding) -> list[list[object]]:
    """The same sykmelding, field by field, in the three views: "·" is a field that view does not have."""
    sykmelding, periode = nav.sykmelding, nav.sykmelding.perioder[0]
    diagnose = sykmelding.medisinsk_vurdering.hoved_diagnose
    pasient_diagnose = patient.medisinsk_vurdering.hoved_diagnose if patient.medisinsk_vurdering else None
    arbeidsgiver_periode = employer.sykmeldingsperioder[0]
    behandler = employer.behandler
    return [
        ["diagnosis", diagnose and diagnose.kode, pasient_diagnose and pasient_diagnose.kode, HIDDEN],
        [
            "period",
            f"{periode.fom}..{periode.tom}",
            f"{patient.perioder[0].fom}..{patient.perioder[0].tom}",
            f"{arbeidsgiver_periode.fom}..{arbeidsgiver_periode.tom}",
        ],
        [
            "medical reason",
            _arsak(periode.aktivitet_ikke_mulig),
            _arsak(patient.perioder[0].aktivitet_ikke_mulig),
            HIDDEN,
        ],
        ["answer 6.2.1", _svar(sykmelding.utdypende_opplysninger), _svar(patient.utdypende_opplysninger), HIDDEN],
        [
            "message to NAV",
            sykmelding.melding_til_nav and sykmelding.melding_til_nav.beskriv_bistand,
            patient.melding_til_nav and patient.melding_til_nav.beskriv_bistand,
            HIDDEN,
        ],
        [
            "measures at work",
            sykmelding.tiltak_arbeidsplassen,
            patient.tiltak_arbeidsplassen,
            employer.tiltak_arbeidsplassen,
        ],
        [
            "message to employer",
            sykmelding.melding_til_arbeidsgiver,
            patient.melding_til_arbeidsgiver,
            employer.melding_til_arbeidsgiver,
        ],
        ["patient fnr", nav.pasient_fnr, HIDDEN, HIDDEN],
        ["doctor's HPR", nav.avsender_hpr, HIDDEN, HIDDEN],
        [
            "doctor",
            f"{sykmelding.behandler.fornavn} {sykmelding.behandler.etternavn}",
            f"{patient.behandler.fornavn} {patient.behandler.etternavn}",
            behandler and f"{behandler.fornavn} {behandler.etternavn}",
        ],
        ["sent to", HIDDEN, HIDDEN, f"{employer.orgnummer} (juridisk {employer.juridisk_orgnummer})"],
    ]


def _arsak(aktivitet: AktivitetIkkeMulig | None) -> str | None:
    medisinsk = aktivitet.medisinsk_arsak if aktivitet else None
    return ", ".join(medisinsk.arsak) if medisinsk else None


def _svar(opplysninger: UtdypendeOpplysninger) -> str | None:
    svar = opplysninger.get("6.2", {}).get("6.2.1")
    return svar.svar if svar else None


async def play(demo: Demo) -> None:
    received: ReceivedSykmelding = demo.facts["sykmelding"]
    nav: NavSykmelding = demo.facts["nav_view"]
    demo.heading(f"the employee sends sykmelding {received.sykmelding.id} to {DEMO_ARBEIDSGIVER.org_navn}")
    sendt = SykmeldingStatusEvent(
        event_id=str(uuid.uuid4()),
        sykmelding_id=received.sykmelding.id,
        timestamp=datetime.now(UTC),
        status_event=StatusEvent.SENDT,
        arbeidsgiver=DEMO_ARBEIDSGIVER,
    )
    await demo.send(SYKMELDING_STATUS, [(received.sykmelding.id, sendt)])
    [employer] = await demo.receive(ARBEIDSGIVER_SYKMELDING, ArbeidsgiverSykmelding, expected=1)
    # From the sykmelding as the doctor wrote it: NAV's copy lacks answers hidden from NAV but not the patient.
    patient = pasient_view(received, nav.validation_result)

    demo.heading(
        "one sykmelding as NAV (nav.sykmelding), the patient (nav.no) and the employer (arbeidsgiver.sykmelding) see it"
    )
    widths = (22, 42, 42, 42)
    demo.out(
        "  "
        + "".join(title.ljust(width) for title, width in zip(("", "NAV", "patient", "employer"), widths, strict=True))
    )
    for cells in _rows(nav.received_sykmelding, patient, employer):
        demo.out("  " + "".join(_cell(value, width) for value, width in zip(cells, widths, strict=True)))


def _cell(value: object, width: int) -> str:
    text = HIDDEN if value in (None, "") else str(value)
    return (text if len(text) < width - 1 else text[: width - 2] + "…").ljust(width)
