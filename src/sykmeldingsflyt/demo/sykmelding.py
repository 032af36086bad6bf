"""Scene 1: an EPJ sends sykmeldinger; mottak answers every one and hands NAV its view."""

import random
from datetime import UTC, date, datetime, time, timedelta

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.kvittering import Kvittering
from sykmeldingsflyt.domain.sykmelding import (
    KontaktMedPasient,
    MeldingTilNAV,
    ReceivedSykmelding,
    SporsmalSvar,
    SvarRestriksjon,
)
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ, dead_letter_topic


def _with_everything_a_doctor_writes(received: ReceivedSykmelding) -> ReceivedSykmelding:
    """Fields only NAV (and partly the patient) may see, so the next scene can show who sees what."""
    sykmelding = received.sykmelding.model_copy(
        update={
            "melding_til_nav": MeldingTilNAV(bistand_umiddelbart=False, beskriv_bistand="Trenger vurdering av AAP."),
            "tiltak_nav": "Arbeidsrettet oppfølging.",
            "tiltak_arbeidsplassen": "Lettere arbeid uten tunge løft.",
            "melding_til_arbeidsgiver": "Kan gjøre kontorarbeid hjemmefra.",
            "utdypende_opplysninger": {
                "6.2": {
                    "6.2.1": SporsmalSvar(
                        sporsmal="Beskriv kort sykehistorie.",
                        svar="Betennelse i skulder etter belastning.",
                        restriksjoner=[SvarRestriksjon.SKJERMET_FOR_ARBEIDSGIVER],
                    ),
                }
            },
        }
    )
    return received.model_copy(update={"sykmelding": sykmelding})


async def play(demo: Demo) -> None:
    rng = random.Random(2026)
    today = demo.runtime.clock.today()
    # The employee Aareg knows at the employer: scene 3's plan for them passes NAV's checks.
    accepted = _with_everything_a_doctor_writes(
        synthetic.make_sykmelding(rng, fom=today - timedelta(days=2), pasient_fnr=synthetic.DEMO_ARBEIDSTAKER)
    )
    backdated = synthetic.make_sykmelding(
        rng,
        fom=today - timedelta(days=20),
        signatur_dato=datetime.combine(today, time(9), UTC),
        mottatt_dato=datetime.combine(today, time(9, 5), UTC),
        kontakt_med_pasient=KontaktMedPasient(),
    )
    demo.facts["sykmelding"] = accepted

    demo.heading("EPJ (Testjournal EPJ at Testlegene Legesenter) sends three messages on sykmelding.fra-epj")
    demo.out(f"  1. a sykmelding for 14 days from {accepted.sykmelding.perioder[0].fom} (msgId {accepted.msg_id})")
    demo.out(f"  2. a sykmelding backdated 20 days without a reason (msgId {backdated.msg_id})")
    demo.out("  3. bytes that are not a sykmelding at all (key demo-garbage)")
    await demo.send(
        SYKMELDING_FRA_EPJ,
        [(accepted.msg_id, accepted), (backdated.msg_id, backdated), ("demo-garbage", b"<html>not avro</html>")],
    )

    demo.heading("what the EPJ received on epj.kvittering")
    for kvittering in await demo.receive(EPJ_KVITTERING, Kvittering, expected=3):
        demo.out(f"  msgId {kvittering.msg_id}: {kvittering.status.value}")
        for grunn in kvittering.avvisningsgrunner:
            demo.out(f"      {grunn.rule_name}: {grunn.message_for_sender}")

    demo.heading("what NAV received on nav.sykmelding")
    for nav in await demo.receive(NAV_SYKMELDING, NavSykmelding, expected=2):
        hits = ", ".join(hit.rule_name for hit in nav.validation_result.rule_hits) or "no rule hits"
        demo.out(f"  sykmelding {nav.received_sykmelding.sykmelding.id}: {nav.validation_result.status.value} ({hits})")
        if nav.received_sykmelding.msg_id == accepted.msg_id:
            demo.facts["nav_view"] = nav

    demo.heading("what the operators see on sykmelding.fra-epj.dlq")
    for letter in await demo.receive_raw(dead_letter_topic(SYKMELDING_FRA_EPJ), expected=1):
        record = demo.runtime.codec.decode("dead_letter", letter or b"")
        position = f"{record['sourceTopic']}@{record['sourcePartition']}:{record['sourceOffset']}"
        demo.out(f"  {position}: {record['reason']}: {record['detail']}")

    await _forlengelse(demo, rng)


async def _forlengelse(demo: Demo, rng: random.Random) -> None:
    """NAV's own example of a history rule: an extension signed 6 days after its fom, with no reason given,
    is accepted because it extends an earlier sykmelding (FORLENGELSE), which mottak remembers."""
    today = demo.runtime.clock.today()
    # The latest autumn whose 7 November has passed, so nothing is signed in the future.
    year = today.year if today >= date(today.year, 11, 7) else today.year - 1
    pasient_fnr = synthetic.synthetic_pasient_fnr(rng)
    oktober = synthetic.make_sykmelding(rng, fom=date(year, 10, 1), tom=date(year, 10, 31), pasient_fnr=pasient_fnr)
    november = synthetic.make_sykmelding(
        rng,
        fom=date(year, 11, 1),
        tom=date(year, 11, 20),
        pasient_fnr=pasient_fnr,
        signatur_dato=datetime.combine(date(year, 11, 7), time(9), UTC),
        kontakt_med_pasient=KontaktMedPasient(),
    )
    demo.heading("EPJ sends another patient's sykmelding and, a month later, its extension")
    demo.out(f"  4. aktivitet ikke mulig 1-31 October {year} (msgId {oktober.msg_id})")
    demo.out(f"  5. aktivitet ikke mulig 1-20 November, signed 7 November without a reason (msgId {november.msg_id})")
    await demo.send(SYKMELDING_FRA_EPJ, [(oktober.msg_id, oktober)])
    # Each waits for the one before: sykmeldinger keyed by different msgIds may take different partitions.
    await demo.receive(EPJ_KVITTERING, Kvittering, expected=4)
    await demo.send(SYKMELDING_FRA_EPJ, [(november.msg_id, november)])

    demo.heading("what the EPJ received on epj.kvittering for the two")
    kvitteringer = {k.msg_id: k for k in await demo.receive(EPJ_KVITTERING, Kvittering, expected=5)}
    for received in (oktober, november):
        demo.out(f"  msgId {received.msg_id}: {kvitteringer[received.msg_id].status.value}")
    demo.out("  (6 days backdated without a reason is INNTIL_8_DAGER, unless it extends an earlier sykmelding)")
