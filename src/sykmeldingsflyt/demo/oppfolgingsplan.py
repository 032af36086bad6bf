"""Scene 3: the employer's HR system posts a follow-up plan; it reaches the fastlege and NAV."""

from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.oppfolgingsplan import Dialogmelding, Oppfolgingsplan, PlanKvittering
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.messaging.topics import (
    EPJ_DIALOGMELDING,
    HR_KVITTERING,
    NAV_OPPFOLGINGSPLAN,
    NAV_OPPGAVE,
    OPPFOLGINGSPLAN_FRA_HR,
)
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, make_oppfolgingsplan


async def play(demo: Demo) -> None:
    received: ReceivedSykmelding = demo.facts["sykmelding"]
    plan = make_oppfolgingsplan(
        received.pasient_fnr,
        demo.runtime.clock.today(),
        needs_help_from_nav=True,
        needs_help_from_nav_description="Vi trenger råd om hjelpemidler for løft.",
    )
    demo.heading(
        f"{DEMO_ARBEIDSGIVER.org_navn}'s HR system posts follow-up plan {plan.plan_uuid} on oppfolgingsplan.fra-hr"
    )
    demo.out("  to the fastlege: yes; to NAV: yes; needs help from NAV: yes")
    await demo.send(OPPFOLGINGSPLAN_FRA_HR, [(plan.plan_uuid, plan)])

    demo.heading("what the HR system received on hr.kvittering")
    for kvittering in await demo.receive(HR_KVITTERING, PlanKvittering, expected=1):
        doctor = kvittering.general_practitioner.status.value if kvittering.general_practitioner else "-"
        nav = kvittering.nav.status.value if kvittering.nav else "-"
        demo.out(f"  plan {kvittering.plan_uuid}: {kvittering.status.value}; to the fastlege: {doctor}; to NAV: {nav}")

    demo.heading("what the fastlege's EPJ received on epj.dialogmelding")
    for melding in await demo.receive(EPJ_DIALOGMELDING, Dialogmelding, expected=1):
        demo.out(f"  to HER id {melding.her_id} at clinic {melding.legekontor_her_id}: plan {melding.plan_uuid}")
        demo.out(f"      planned facilitation: {melding.planned_facilitation}")
        demo.out(f"      message to the doctor: {melding.message_to_general_practitioner}")

    demo.heading("what NAV received on nav.oppfolgingsplan and nav.oppgave")
    for sent in await demo.receive(NAV_OPPFOLGINGSPLAN, Oppfolgingsplan, expected=1):
        demo.out(f"  plan {sent.plan_uuid}, evaluation {sent.evaluation_date}, help asked: {sent.needs_help_from_nav}")
    # Two tasks by now: the doctor asked NAV for measures in scene 1 (tiltakNAV), the employer for help here.
    for oppgave in sorted(await demo.receive(NAV_OPPGAVE, Oppgave, expected=2), key=lambda o: o.type.value):
        demo.out(f"  task {oppgave.type.value} ({oppgave.status.value}), raised by {oppgave.referanse}")
