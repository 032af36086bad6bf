"""The oppfølgingsplan (docs/domain.md §3): the plan as an HR system posts it, its checks, and what each party
gets of it.

Field names are those of NAV's HR-system API (FollowUpPlanDTO), so an HR system built for NAV's API maps
one to one. A plan holds no diagnosis and no sick-leave grade, and no model here has a field for either.

Length limits (checked when a plan is read, each refusal naming its field): 8000 characters for every
free-text field, pages more than any plan needs, which keeps the largest possible plan (eleven such
fields: under 400 kB even in 4-byte characters) below the broker's 1 MB message limit; 200 for a name,
30 for a phone number and 254 for an e-mail address (the longest address SMTP can deliver).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import StringConstraints, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.identifiers import Fnr, Orgnr, Uuid
from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavetype
from sykmeldingsflyt.domain.registers import Arbeidsforhold
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp

TEXT_MAX = 8000
NAME_MAX = 200
PHONE_MAX = 30
EMAIL_MAX = 254

Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
Name = Annotated[str, StringConstraints(max_length=NAME_MAX)]
Phone = Annotated[str, StringConstraints(max_length=PHONE_MAX)]
Email = Annotated[str, StringConstraints(max_length=EMAIL_MAX)]

ACTIVE_AFTER_TOM = timedelta(days=16)
"""A sykmelding counts as active for the employer's plan until its last tom + 16 days (docs/domain.md §5)."""


class PlanContent(DomainModel):
    """What the plan says, as everyone it is sent to gets it: the legal minimum content (aml § 4-6 (3)),
    whose plan it is, and whom to contact."""

    plan_uuid: Uuid
    """The HR system's id for this version of the plan; an updated plan is a new uuid."""
    orgnummer: Orgnr
    """The organisation that posted it: a virksomhet, or the legal entity acting for all its sub-units."""
    sendt_tidspunkt: UtcTimestamp
    employee_identification_number: Fnr
    typical_workday: Text
    tasks_that_can_still_be_done: Text
    tasks_that_can_not_be_done: Text
    previous_facilitation: Text
    planned_facilitation: Text
    other_facilitation_options: Text | None = None
    follow_up: Text
    evaluation_date: date
    additional_information: Text | None = None
    contact_person_full_name: Name
    contact_person_phone_number: Phone
    contact_person_email: Email
    employee_has_contributed_to_plan: bool
    employee_has_not_contributed_to_plan_description: Text | None = None


class Oppfolgingsplan(PlanContent):
    """The plan as the HR system posts it on oppfolgingsplan.fra-hr, and as NAV gets it when asked."""

    send_plan_to_nav: bool
    needs_help_from_nav: bool | None = None
    needs_help_from_nav_description: Text | None = None
    send_plan_to_general_practitioner: bool
    message_to_general_practitioner: Text | None = None
    lps_name: Name
    """The HR system (lønns- og personalsystem) that sent the plan."""
    lps_email: Email | None = None


class Dialogmelding(PlanContent):
    """The plan for the employee's fastlege, addressed by HER id: without what was meant for NAV alone."""

    dialogmelding_id: Uuid
    her_id: str
    """The fastlege's own HER id: the addressee."""
    legekontor_her_id: str
    """The HER id of the fastlege's clinic, the communication party the message is delivered to."""
    message_to_general_practitioner: Text | None = None


class ErrorType(StrEnum):
    """Why a plan was refused, or why it did not reach one recipient; the names of NAV's API."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    NO_ACTIVE_SENT_SYKMELDING = "NO_ACTIVE_SENT_SYKMELDING"
    EMPLOYEE_NOT_FOUND = "EMPLOYEE_NOT_FOUND"
    GENERAL_PRACTITIONER_NOT_FOUND = "GENERAL_PRACTITIONER_NOT_FOUND"
    """Only ever a delivery's reason: the plan still goes to NAV."""
    INTERNAL_ERROR = "INTERNAL_ERROR"
    NO_ACTIVE_EMPLOYMENT = "NO_ACTIVE_EMPLOYMENT"
    """Aareg has no employment of the person at the posting organisation (as virksomhet or legal entity)."""


class PlanStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"


class DeliveryStatus(StrEnum):
    SENT = "SENT"
    NOT_REQUESTED = "NOT_REQUESTED"
    FAILED = "FAILED"


class Delivery(DomainModel):
    status: DeliveryStatus
    reason: ErrorType | None = None

    @model_validator(mode="after")
    def _reason_only_when_failed(self) -> Self:
        if (self.status is DeliveryStatus.FAILED) != (self.reason is not None):
            raise ValueError("a FAILED delivery needs a reason and any other has none")
        return self


class PlanKvittering(DomainModel):
    """The receipt the HR system gets on hr.kvittering for each plan: no fnr and nothing the plan says."""

    kvittering_id: Uuid
    plan_uuid: Uuid | None
    """None when the plan could not be read far enough to find its uuid."""
    status: PlanStatus
    code: ErrorType | None = None
    field: str | None = None
    """The wire name of the field a VALIDATION_ERROR is about."""
    message: str | None = None
    general_practitioner: Delivery | None = None
    nav: Delivery | None = None
    mottatt: UtcTimestamp
    """When oppfolging decided: for a plan that waited for its sykmelding, the end of the wait."""

    @model_validator(mode="after")
    def _outcome_is_consistent(self) -> Self:
        accepted = self.status is PlanStatus.ACCEPTED
        if accepted != (self.code is None):
            raise ValueError("a REFUSED receipt needs a code and an ACCEPTED one has none")
        if self.code is ErrorType.GENERAL_PRACTITIONER_NOT_FOUND:
            raise ValueError("a missing fastlege fails the delivery to the doctor, never the plan")
        if accepted != (self.general_practitioner is not None and self.nav is not None):
            raise ValueError("an ACCEPTED receipt has both deliveries and a REFUSED one has none")
        return self


class OppfolgingsplanMottatt(DomainModel):
    """For the case timeline: that an accepted plan arrived, with a person pseudonym, never the plan."""

    plan_uuid: Uuid
    person_ref: str
    """The employee as a keyed pseudonym of the fnr (`domain.pseudonym.person_ref`), as every service has it."""
    orgnummer: Orgnr
    """The virksomhet the employee sent the sykmelding to, which names the case, even when the legal
    entity posted the plan."""
    juridisk_orgnummer: Orgnr
    mottatt: UtcTimestamp
    """When oppfolging accepted the plan."""
    evaluation_date: date


@dataclass(frozen=True, slots=True)
class Refusal:
    code: ErrorType
    message: str
    field: str | None = None


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


_REQUIRED_TEXTS = (
    "typical_workday",
    "tasks_that_can_still_be_done",
    "tasks_that_can_not_be_done",
    "previous_facilitation",
    "planned_facilitation",
    "follow_up",
    "contact_person_full_name",
    "contact_person_phone_number",
    "contact_person_email",
    "lps_name",
)


def _wire_name(field: str) -> str:
    alias = Oppfolgingsplan.model_fields[field].alias
    assert alias is not None
    return alias


def check_plan(plan: Oppfolgingsplan, today: date) -> list[Refusal]:
    """The rules between fields and against the calendar, each refusal naming its field (the rules a
    single field carries, an fnr's check digits or a length, are checked when the plan is read)."""
    refusals = [
        _invalid(field, f"{_wire_name(field)} must not be blank")
        for field in _REQUIRED_TEXTS
        if _blank(getattr(plan, field))
    ]
    if plan.needs_help_from_nav and not plan.send_plan_to_nav:
        refusals.append(_invalid("needs_help_from_nav", "needsHelpFromNav cannot be true if sendPlanToNav is false"))
    if plan.needs_help_from_nav and _blank(plan.needs_help_from_nav_description):
        refusals.append(
            _invalid(
                "needs_help_from_nav_description",
                "needsHelpFromNavDescription is obligatory if needsHelpFromNav is true",
            )
        )
    description = plan.employee_has_not_contributed_to_plan_description
    if not plan.employee_has_contributed_to_plan and _blank(description):
        refusals.append(
            _invalid(
                "employee_has_not_contributed_to_plan_description",
                "employeeHasNotContributedToPlanDescription is mandatory if employeeHasContributedToPlan is false",
            )
        )
    if plan.employee_has_contributed_to_plan and description:
        refusals.append(
            _invalid(
                "employee_has_not_contributed_to_plan_description",
                "employeeHasNotContributedToPlanDescription must not be set if employeeHasContributedToPlan is true",
            )
        )
    if plan.evaluation_date < today:
        refusals.append(_invalid("evaluation_date", "evaluationDate must not be in the past"))
    return refusals


def _invalid(field: str, message: str) -> Refusal:
    return Refusal(ErrorType.VALIDATION_ERROR, message, _wire_name(field))


@dataclass(frozen=True, slots=True)
class KnownSykmelding:
    """A sykmelding of the plan's employee, and the employer it was SENT to, if any."""

    siste_tom: date
    orgnummer: str | None = None
    juridisk_orgnummer: str | None = None


@dataclass(frozen=True, slots=True)
class SentTo:
    """The employer of the active sykmelding a plan was accepted on."""

    orgnummer: str
    juridisk_orgnummer: str
    siste_tom: date


_NO_ACTIVE_SENT = Refusal(
    ErrorType.NO_ACTIVE_SENT_SYKMELDING, "The employee has no active sykmelding sent to this organisation."
)


def active_sent_sykmelding(orgnr: str, sykmeldinger: Sequence[KnownSykmelding], today: date) -> SentTo | Refusal:
    """Whether `orgnr`, as the virksomhet or its legal entity, has an active sykmelding SENT to it among
    the employee's `sykmeldinger`; the one that lasts longest when several have."""
    active = [
        SentTo(orgnummer=s.orgnummer, juridisk_orgnummer=s.juridisk_orgnummer, siste_tom=s.siste_tom)
        for s in sykmeldinger
        if s.orgnummer is not None
        and s.juridisk_orgnummer is not None
        and orgnr in (s.orgnummer, s.juridisk_orgnummer)
        and today <= s.siste_tom + ACTIVE_AFTER_TOM
    ]
    if not active:
        return _NO_ACTIVE_SENT
    return max(active, key=lambda sent: (sent.siste_tom, sent.orgnummer))


def check_employee(
    orgnr: str,
    today: date,
    *,
    arbeidsforhold: Sequence[Arbeidsforhold],
    sykmeldinger: Sequence[KnownSykmelding],
    person_finnes: bool,
) -> SentTo | Refusal:
    """The checks NAV's lps-oppfolgingsplan-mottak makes after the body's, in its order: an employment at
    `orgnr` in Aareg (as the workplace or the legal entity reporting it), an active sykmelding SENT to
    `orgnr`, and the person in the population register. The first that fails is the answer."""
    if not any(a.aktivt(today) and orgnr in (a.orgnummer, a.juridisk_orgnummer) for a in arbeidsforhold):
        return Refusal(
            ErrorType.NO_ACTIVE_EMPLOYMENT, "Aareg has no active employment of the employee at this organisation."
        )
    sent_to = active_sent_sykmelding(orgnr, sykmeldinger, today)
    if isinstance(sent_to, Refusal):
        return sent_to
    if not person_finnes:
        return Refusal(ErrorType.EMPLOYEE_NOT_FOUND, "The population register has no such person.")
    return sent_to


def doctor_view(plan: Oppfolgingsplan, fastlege: Fastlege, dialogmelding_id: str) -> Dialogmelding:
    """The fastlege's copy: the shared content, by whitelist, and the message meant for the doctor."""
    shared = {name: getattr(plan, name) for name in PlanContent.model_fields}
    return Dialogmelding(
        **shared,
        dialogmelding_id=dialogmelding_id,
        her_id=fastlege.her_id,
        legekontor_her_id=fastlege.legekontor_her_id,
        message_to_general_practitioner=plan.message_to_general_practitioner,
    )


@dataclass(frozen=True, slots=True)
class RoutingIds:
    """The ids of what an accepted plan becomes; stable, so that deciding twice publishes nothing twice."""

    kvittering_id: str
    dialogmelding_id: str
    oppgave_id: str


@dataclass(frozen=True, slots=True)
class Routing:
    """What an accepted plan becomes: a message for each recipient it asked for, the timeline's event and
    the receipt."""

    kvittering: PlanKvittering
    mottatt: OppfolgingsplanMottatt
    dialogmelding: Dialogmelding | None
    nav: Oppfolgingsplan | None
    oppgave: Oppgave | None


def route(
    plan: Oppfolgingsplan,
    *,
    fastlege: Fastlege | None,
    sent_to: SentTo,
    person_ref: str,
    ids: RoutingIds,
    now: datetime,
) -> Routing:
    """Route an accepted plan. `fastlege` is the register's answer for the employee, looked up only when
    the plan asks to go to the doctor; without one the plan still goes to NAV."""
    to_doctor = plan.send_plan_to_general_practitioner
    if not to_doctor:
        doctor = Delivery(status=DeliveryStatus.NOT_REQUESTED)
    elif fastlege is None:
        doctor = Delivery(status=DeliveryStatus.FAILED, reason=ErrorType.GENERAL_PRACTITIONER_NOT_FOUND)
    else:
        doctor = Delivery(status=DeliveryStatus.SENT)
    nav = Delivery(status=DeliveryStatus.SENT if plan.send_plan_to_nav else DeliveryStatus.NOT_REQUESTED)
    return Routing(
        kvittering=PlanKvittering(
            kvittering_id=ids.kvittering_id,
            plan_uuid=plan.plan_uuid,
            status=PlanStatus.ACCEPTED,
            general_practitioner=doctor,
            nav=nav,
            mottatt=now,
        ),
        mottatt=OppfolgingsplanMottatt(
            plan_uuid=plan.plan_uuid,
            person_ref=person_ref,
            orgnummer=sent_to.orgnummer,
            juridisk_orgnummer=sent_to.juridisk_orgnummer,
            mottatt=now,
            evaluation_date=plan.evaluation_date,
        ),
        dialogmelding=doctor_view(plan, fastlege, ids.dialogmelding_id) if to_doctor and fastlege else None,
        nav=plan if plan.send_plan_to_nav else None,
        # Help from NAV is a task for a veileder, who reads the plan on nav.oppfolgingsplan: the task
        # itself names the plan only, so no free text is copied into it.
        oppgave=Oppgave(
            id=ids.oppgave_id,
            type=Oppgavetype.OPPFOLGINGSPLAN_BISTAND,
            referanse=plan.plan_uuid,
            tilfelle_id=None,
            person_ref=person_ref,
            opprettet=now,
        )
        if plan.needs_help_from_nav
        else None,
    )


def refused_kvittering(
    kvittering_id: str, plan_uuid: str | None, refusals: Sequence[Refusal], now: datetime
) -> PlanKvittering:
    """The receipt for a refused plan: the first refusal's code and field, and every refusal's message."""
    first = refusals[0]
    return PlanKvittering(
        kvittering_id=kvittering_id,
        plan_uuid=plan_uuid,
        status=PlanStatus.REFUSED,
        code=first.code,
        field=first.field,
        message="; ".join(refusal.message for refusal in refusals),
        mottatt=now,
    )
