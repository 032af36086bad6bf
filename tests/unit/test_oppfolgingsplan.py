"""The oppfølgingsplan's domain: its checks, the sykmelding it rests on, its routing and its views."""

import itertools
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.identifiers import safe_errors
from sykmeldingsflyt.domain.oppfolgingsplan import (
    TEXT_MAX,
    Delivery,
    DeliveryStatus,
    ErrorType,
    KnownSykmelding,
    Oppfolgingsplan,
    PlanContent,
    PlanKvittering,
    PlanStatus,
    Refusal,
    RoutingIds,
    SentTo,
    active_sent_sykmelding,
    check_employee,
    check_plan,
    doctor_view,
    refused_kvittering,
    route,
)
from sykmeldingsflyt.domain.oppgave import Oppgavetype
from sykmeldingsflyt.domain.registers import Arbeidsforhold
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, make_oppfolgingsplan, synthetic_pasient_fnr
from tests.support.registers import DEMO_FASTLEGE

TODAY = date(2026, 3, 2)
FNR = synthetic_pasient_fnr(random.Random(1))
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
IDS = RoutingIds(
    kvittering_id="00000000-0000-4000-8000-000000000001",
    dialogmelding_id="00000000-0000-4000-8000-000000000002",
    oppgave_id="00000000-0000-4000-8000-000000000003",
)
SENT_TO = SentTo(DEMO_ARBEIDSGIVER.orgnummer, DEMO_ARBEIDSGIVER.juridisk_orgnummer, TODAY)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _plan(**changes: Any) -> Oppfolgingsplan:
    return make_oppfolgingsplan(FNR, TODAY, **changes)


def _refused_fields(plan: Oppfolgingsplan) -> list[str | None]:
    return [refusal.field for refusal in check_plan(plan, TODAY)]


# --- the checks ------------------------------------------------------------------------------------


def test_the_example_plan_passes_every_check() -> None:
    assert check_plan(_plan(), TODAY) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"needs_help_from_nav": True, "needs_help_from_nav_description": "Tilskudd", "send_plan_to_nav": False},
            "needsHelpFromNav",
        ),
        ({"needs_help_from_nav": True}, "needsHelpFromNavDescription"),
        ({"needs_help_from_nav": True, "needs_help_from_nav_description": "  "}, "needsHelpFromNavDescription"),
        ({"employee_has_contributed_to_plan": False}, "employeeHasNotContributedToPlanDescription"),
        (
            {"employee_has_contributed_to_plan": False, "employee_has_not_contributed_to_plan_description": "\n"},
            "employeeHasNotContributedToPlanDescription",
        ),
        ({"employee_has_not_contributed_to_plan_description": "Syk"}, "employeeHasNotContributedToPlanDescription"),
        ({"evaluation_date": TODAY - timedelta(days=1)}, "evaluationDate"),
        ({"typical_workday": " "}, "typicalWorkday"),
        ({"follow_up": ""}, "followUp"),
        ({"lps_name": ""}, "lpsName"),
    ],
)
def test_each_check_refuses_with_a_validation_error_naming_its_field(changes: dict[str, Any], field: str) -> None:
    (refusal,) = check_plan(_plan(**changes), TODAY)
    assert refusal.code is ErrorType.VALIDATION_ERROR
    assert refusal.field == field


def test_the_allowed_cases_of_each_rule_pass() -> None:
    allowed: list[dict[str, Any]] = [
        {"needs_help_from_nav": True, "needs_help_from_nav_description": "Tilskudd til hjelpemidler"},
        {"needs_help_from_nav": False, "send_plan_to_nav": False},
        {"needs_help_from_nav": None, "send_plan_to_nav": False},
        {"employee_has_contributed_to_plan": False, "employee_has_not_contributed_to_plan_description": "Syk"},
        {"evaluation_date": TODAY},
    ]
    for changes in allowed:
        assert check_plan(_plan(**changes), TODAY) == [], changes


def test_every_broken_rule_is_reported() -> None:
    plan = _plan(needs_help_from_nav=True, send_plan_to_nav=False, evaluation_date=TODAY - timedelta(days=3))
    assert _refused_fields(plan) == ["needsHelpFromNav", "needsHelpFromNavDescription", "evaluationDate"]


def _wire(**changes: Any) -> dict[str, Any]:
    return _plan().to_wire() | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"employeeIdentificationNumber": FNR[:10] + str((int(FNR[10]) + 1) % 10)}, "employeeIdentificationNumber"),
        ({"employeeIdentificationNumber": "1234567890"}, "employeeIdentificationNumber"),
        ({"orgnummer": "311000102"}, "orgnummer"),
        ({"planUuid": "not-a-uuid"}, "planUuid"),
        ({"typicalWorkday": "x" * (TEXT_MAX + 1)}, "typicalWorkday"),
        ({"messageToGeneralPractitioner": "x" * (TEXT_MAX + 1)}, "messageToGeneralPractitioner"),
        ({"contactPersonFullName": "x" * 201}, "contactPersonFullName"),
        ({"contactPersonPhoneNumber": "1" * 31}, "contactPersonPhoneNumber"),
        ({"contactPersonEmail": "x" * 255}, "contactPersonEmail"),
    ],
)
def test_a_field_rule_fails_when_the_plan_is_read_naming_the_field_not_the_value(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Oppfolgingsplan.model_validate(_wire(**changes))
    (error,) = safe_errors(caught.value)
    assert error.field == field
    assert all(str(value)[:20] not in error.message for value in changes.values())


def test_a_text_of_the_maximum_length_is_accepted() -> None:
    Oppfolgingsplan.model_validate(_wire(typicalWorkday="x" * TEXT_MAX, additionalInformation="y" * TEXT_MAX))


# --- the sykmelding a plan rests on ----------------------------------------------------------------

ORG, JURIDISK, OTHER = DEMO_ARBEIDSGIVER.orgnummer, DEMO_ARBEIDSGIVER.juridisk_orgnummer, "311000128"


def _sent(tom: date, orgnummer: str = ORG, juridisk: str = JURIDISK) -> KnownSykmelding:
    return KnownSykmelding(siste_tom=tom, orgnummer=orgnummer, juridisk_orgnummer=juridisk)


@pytest.mark.parametrize(
    "sykmeldinger",
    [
        [],  # none known: whether the person exists is the population register's to say
        [KnownSykmelding(siste_tom=TODAY)],  # never sent
        [_sent(TODAY, orgnummer=OTHER, juridisk=OTHER)],  # sent to another employer
        [_sent(TODAY - timedelta(days=17))],  # over: tom + 16 days have passed
    ],
    ids=["none", "not-sent", "other-employer", "no-longer-active"],
)
def test_without_an_active_sykmelding_sent_to_the_organisation_the_plan_is_refused(
    sykmeldinger: list[KnownSykmelding],
) -> None:
    refusal = active_sent_sykmelding(ORG, sykmeldinger, TODAY)
    assert isinstance(refusal, Refusal) and refusal.code is ErrorType.NO_ACTIVE_SENT_SYKMELDING


@pytest.mark.parametrize("orgnr", [ORG, JURIDISK], ids=["virksomhet", "juridisk-enhet"])
def test_the_virksomhet_or_its_legal_entity_may_post(orgnr: str) -> None:
    found = active_sent_sykmelding(orgnr, [_sent(TODAY - timedelta(days=16))], TODAY)
    assert found == SentTo(ORG, JURIDISK, TODAY - timedelta(days=16))


def test_the_longest_running_of_several_active_sykmeldinger_names_the_case() -> None:
    sykmeldinger = [_sent(TODAY, orgnummer=OTHER), _sent(TODAY + timedelta(days=10)), KnownSykmelding(TODAY)]
    assert active_sent_sykmelding(JURIDISK, sykmeldinger, TODAY) == SentTo(ORG, JURIDISK, TODAY + timedelta(days=10))


# --- routing ---------------------------------------------------------------------------------------

COMBINATIONS = [
    (to_doctor, to_nav, help_from_nav)
    for to_doctor, to_nav, help_from_nav in itertools.product([True, False], repeat=3)
    if to_nav or not help_from_nav
]


@pytest.mark.parametrize(("to_doctor", "to_nav", "help_from_nav"), COMBINATIONS)
def test_a_plan_goes_where_it_asks_and_a_task_only_with_help(
    to_doctor: bool, to_nav: bool, help_from_nav: bool
) -> None:
    plan = _plan(
        send_plan_to_general_practitioner=to_doctor,
        send_plan_to_nav=to_nav,
        needs_help_from_nav=help_from_nav,
        needs_help_from_nav_description="Tilskudd" if help_from_nav else None,
    )
    routing = route(plan, fastlege=DEMO_FASTLEGE, sent_to=SENT_TO, person_ref="ref", ids=IDS, now=NOW)

    sent, not_requested = DeliveryStatus.SENT, DeliveryStatus.NOT_REQUESTED
    assert routing.kvittering.status is PlanStatus.ACCEPTED
    assert routing.kvittering.general_practitioner == Delivery(status=sent if to_doctor else not_requested)
    assert routing.kvittering.nav == Delivery(status=sent if to_nav else not_requested)
    assert (routing.dialogmelding is not None) is to_doctor
    assert routing.nav == (plan if to_nav else None)
    assert (routing.oppgave is not None) is help_from_nav
    assert routing.mottatt.plan_uuid == plan.plan_uuid and routing.mottatt.person_ref == "ref"


def test_without_a_fastlege_the_plan_still_goes_to_nav() -> None:
    routing = route(_plan(), fastlege=None, sent_to=SENT_TO, person_ref="ref", ids=IDS, now=NOW)
    assert routing.kvittering.general_practitioner == Delivery(
        status=DeliveryStatus.FAILED, reason=ErrorType.GENERAL_PRACTITIONER_NOT_FOUND
    )
    assert routing.kvittering.nav == Delivery(status=DeliveryStatus.SENT)
    assert routing.dialogmelding is None and routing.nav is not None


def test_the_task_names_the_plan_and_carries_no_text_of_it() -> None:
    plan = _plan(needs_help_from_nav=True, needs_help_from_nav_description="Trenger tilskudd til ståbord")
    routing = route(plan, fastlege=DEMO_FASTLEGE, sent_to=SENT_TO, person_ref="ref", ids=IDS, now=NOW)
    assert routing.oppgave is not None
    assert routing.oppgave.type is Oppgavetype.OPPFOLGINGSPLAN_BISTAND
    assert (routing.oppgave.id, routing.oppgave.referanse) == (IDS.oppgave_id, plan.plan_uuid)
    assert "tilskudd" not in routing.oppgave.model_dump_json().lower()


def test_the_timeline_event_names_the_virksomhet_even_when_the_legal_entity_posted() -> None:
    routing = route(_plan(orgnummer=JURIDISK), fastlege=None, sent_to=SENT_TO, person_ref="ref", ids=IDS, now=NOW)
    assert (routing.mottatt.orgnummer, routing.mottatt.juridisk_orgnummer) == (ORG, JURIDISK)


def test_the_doctor_gets_the_content_and_the_message_for_the_doctor_but_not_what_is_for_nav() -> None:
    plan = _plan(needs_help_from_nav=True, needs_help_from_nav_description="KUN-FOR-NAV", lps_email="lps@x.invalid")
    melding = doctor_view(plan, Fastlege(her_id="900002", legekontor_her_id="900001"), IDS.dialogmelding_id)

    assert {name: getattr(melding, name) for name in PlanContent.model_fields} == {
        name: getattr(plan, name) for name in PlanContent.model_fields
    }
    assert melding.message_to_general_practitioner == plan.message_to_general_practitioner
    assert (melding.her_id, melding.legekontor_her_id) == ("900002", "900001")
    assert "KUN-FOR-NAV" not in melding.model_dump_json()


# --- receipts --------------------------------------------------------------------------------------


def test_a_refused_receipt_has_the_first_code_and_field_and_every_message() -> None:
    refusals = check_plan(_plan(needs_help_from_nav=True, send_plan_to_nav=False), TODAY)
    kvittering = refused_kvittering(IDS.kvittering_id, None, refusals, NOW)
    assert (kvittering.status, kvittering.code, kvittering.field) == (
        PlanStatus.REFUSED,
        ErrorType.VALIDATION_ERROR,
        "needsHelpFromNav",
    )
    assert kvittering.message == "; ".join(refusal.message for refusal in refusals)
    assert kvittering.general_practitioner is None and kvittering.nav is None


@pytest.mark.parametrize(
    "fields",
    [
        {"status": PlanStatus.ACCEPTED, "code": ErrorType.VALIDATION_ERROR},
        {"status": PlanStatus.ACCEPTED, "nav": Delivery(status=DeliveryStatus.SENT)},
        {"status": PlanStatus.REFUSED},
        {"status": PlanStatus.REFUSED, "code": ErrorType.GENERAL_PRACTITIONER_NOT_FOUND},
        {
            "status": PlanStatus.REFUSED,
            "code": ErrorType.EMPLOYEE_NOT_FOUND,
            "nav": Delivery(status=DeliveryStatus.SENT),
            "general_practitioner": Delivery(status=DeliveryStatus.SENT),
        },
    ],
)
def test_an_inconsistent_receipt_cannot_be_made(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        PlanKvittering(kvittering_id=IDS.kvittering_id, plan_uuid=None, mottatt=NOW, **fields)


def test_only_a_failed_delivery_has_a_reason() -> None:
    with pytest.raises(ValidationError):
        Delivery(status=DeliveryStatus.FAILED)
    with pytest.raises(ValidationError):
        Delivery(status=DeliveryStatus.SENT, reason=ErrorType.GENERAL_PRACTITIONER_NOT_FOUND)


# --- what the wire can carry -----------------------------------------------------------------------


def _field_names(schema: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, list):
        for branch in schema:
            names |= _field_names(branch)
    elif isinstance(schema, dict):
        for field in schema.get("fields", []):
            names.add(field["name"].lower())
            names |= _field_names(field["type"])
    return names


@pytest.mark.parametrize("schema", ["oppfolgingsplan", "dialogmelding", "plan_kvittering", "oppfolgingsplan_mottatt"])
def test_no_schema_of_the_plan_has_a_field_for_a_diagnosis_or_a_grade(schema: str) -> None:
    names = _field_names(json.loads((SCHEMAS / f"{schema}.avsc").read_text()))
    medical = ("diagnose", "kode", "medisinsk", "grad", "icpc", "icd", "sykdom", "prosent")
    assert [name for name in names if any(term in name for term in medical)] == []


@pytest.mark.parametrize("schema", ["plan_kvittering", "oppfolgingsplan_mottatt"])
def test_the_receipt_and_the_timeline_event_carry_no_fnr_and_nothing_the_plan_says(schema: str) -> None:
    names = _field_names(json.loads((SCHEMAS / f"{schema}.avsc").read_text()))
    plan_fields = {info.alias.lower() for info in Oppfolgingsplan.model_fields.values() if info.alias}
    assert names & (plan_fields - {"planuuid", "orgnummer", "evaluationdate"}) == set()
    assert not any("fnr" in name for name in names)


_EMPLOYED = Arbeidsforhold(ORG, JURIDISK, TODAY - timedelta(days=400))


@pytest.mark.parametrize(
    ("arbeidsforhold", "sykmeldinger", "person_finnes", "code"),
    [
        # NAV's order (lps-oppfolgingsplan-mottak): Aareg, then the sykmelding, then the population register.
        ((), [], False, ErrorType.NO_ACTIVE_EMPLOYMENT),
        (
            (Arbeidsforhold(ORG, JURIDISK, TODAY - timedelta(days=400), TODAY - timedelta(days=1)),),
            [],
            True,
            ErrorType.NO_ACTIVE_EMPLOYMENT,
        ),
        (
            (Arbeidsforhold("311000128", "311000004", TODAY - timedelta(days=9)),),
            [_sent(TODAY)],
            True,
            ErrorType.NO_ACTIVE_EMPLOYMENT,
        ),
        ((_EMPLOYED,), [], False, ErrorType.NO_ACTIVE_SENT_SYKMELDING),
        ((_EMPLOYED,), [_sent(TODAY - timedelta(days=17))], True, ErrorType.NO_ACTIVE_SENT_SYKMELDING),
        (
            (_EMPLOYED,),
            [_sent(TODAY, orgnummer="311000128", juridisk="311000004")],
            True,
            ErrorType.NO_ACTIVE_SENT_SYKMELDING,
        ),
        ((_EMPLOYED,), [_sent(TODAY - timedelta(days=16))], False, ErrorType.EMPLOYEE_NOT_FOUND),
        ((_EMPLOYED,), [_sent(TODAY - timedelta(days=16))], True, None),
    ],
    ids=["no-employment", "ended", "elsewhere", "no-sykmelding", "tom+17", "sent-elsewhere", "unknown", "accepted"],
)
def test_the_employee_checks_answer_in_navs_order(
    arbeidsforhold: tuple[Arbeidsforhold, ...], sykmeldinger: list[KnownSykmelding], person_finnes: bool, code: Any
) -> None:
    outcome = check_employee(
        ORG, TODAY, arbeidsforhold=arbeidsforhold, sykmeldinger=sykmeldinger, person_finnes=person_finnes
    )
    assert (outcome.code if isinstance(outcome, Refusal) else None) is code
